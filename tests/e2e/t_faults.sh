# End-to-end: faults. Redis stopped in the middle of traffic (503s, no crash, recovery within a
# second of its return, nothing corrupted), Redis killed and restarted from its append-only file
# (accounts, sessions and tokens intact).

# traffic FILE N: N mixed requests, one after another, each line "<what> <status>" into FILE:
# a client_credentials token, an introspection, the app session (/app/v1/me), the SSO session
# (prompt=none) and discovery. Bounded by N and by curl's own timeout.
traffic() {
	local out=$1 n=$2 i s bearer
	bearer=$(jq -r .session "$E2E_DIR/app/state.json")
	for i in $(seq "$n"); do
		case $((i % 5)) in
		0) s=$(curl -s -m 3 -o "$out.b" -w '%{http_code}' -u "$OIDC_RP:$OIDC_RP_SECRET" -d grant_type=client_credentials "$(url /token)"); echo "token $s" ;;
		1) s=$(curl -s -m 3 -o "$out.b" -w '%{http_code}' -u "$OIDC_RP:$OIDC_RP_SECRET" -d token=x "$(url /introspect)"); echo "introspect $s" ;;
		2) s=$(curl -s -m 3 -o "$out.b" -w '%{http_code}' -H "Authorization: Bearer $bearer" "$(url /app/v1/me)"); echo "me $s" ;;
		3) s=$(curl -s -m 3 -o "$out.b" -w '%{http_code}' -b "$E2E_DIR/jar" "$(authz_url '&prompt=none')"); echo "sso $s" ;;
		4) s=$(curl -s -m 3 -o "$out.b" -w '%{http_code}' "$(url /.well-known/openid-configuration)"); echo "discovery $s" ;;
		esac
		[ "$s" = 503 ] && cp "$out.b" "$out.503"
	done > "$out"
}

faults_env() {
	oidc_env || return 1
	APP --state "$E2E_DIR/app" login --passcode 468213 >/dev/null || return 1
	FAULT_TOKENS=$(offline_login "$E2E_DIR/jar")
	[ "$(jq -r .refresh_token <<<"$FAULT_TOKENS")" != null ]
}

# the citizen's state after a fault: the app session, the SSO session, the refresh token
citizen_intact() {
	local rt=$1 out
	[ "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $(jq -r .session "$E2E_DIR/app/state.json")" "$(url /app/v1/me)")" = 200 ] || { echo "app session"; return 1; }
	out=$(browse "$E2E_DIR/jar" "$(authz_url '&prompt=none')")
	[[ "$(grep -i '^Location:' <<<"$out")" == *"code="* ]] || { echo "SSO session"; return 1; }
	out=$(refresh "$rt")
	[ "${out%% *}" = 200 ] || { echo "refresh: $out"; return 1; }
	jq -r .refresh_token <<<"${out#* }"
}

suite_faults_redis_midtraffic() {
	faults_env || { nok "authd and a logged-in citizen"; return; }
	local pid ms rt out
	rt=$(jq -r .refresh_token <<<"$FAULT_TOKENS")
	traffic "$E2E_DIR/before" 50
	check "traffic before the fault: all 200 (302 for the SSO)" bash -c '! grep -vqE " (200|302)$" "$0"' "$E2E_DIR/before"
	traffic "$E2E_DIR/during" 400 & pid=$!
	sleep 1
	redis_stop
	sleep 2
	REDIS_KEEP_PORT=1 redis_start
	# ready = ten answers in a row say so (the two workers reconnect on their own)
	local okrow=0
	for _ in $(seq 200); do
		if [ "$(curl -s -o /dev/null -w '%{http_code}' "$(url /readyz)")" = 200 ]; then okrow=$((okrow + 1)); else okrow=0; fi
		[ "$okrow" -ge 10 ] && break
		sleep 0.01
	done
	# recovery, from the logs: Redis's "Ready to accept connections" to the last worker's
	# store_ready after it (the test's own polling runs beside the traffic: too noisy to time)
	local rr wr
	rr=$(grep "Ready to accept connections" "$E2E_DIR/redis/redis.log" | tail -1 | awk '{print $2" "$3" "$4" "$5}')
	rr=$(date -d "$rr" +%s%3N)
	wr=$(grep '"ev":"store_ready"' "$AUTHD_LOG" | tail -2 | sed 's/.*"ts":"\([^"]*\)".*/\1/' | while read -r t; do date -d "$t" +%s%3N; done | sort -n | tail -1)
	ms=$((wr - rr))
	wait "$pid"
	check "Redis stopped mid-traffic: answers are 200/302 or 503 — never a 500, never a dropped connection" bash -c \
		'grep -q " 503$" "$0" && ! grep -vqE " (200|302|503)$" "$0"' "$E2E_DIR/during"
	check "the 503s are JSON temporarily_unavailable" bash -c 'jqe ".error == \"temporarily_unavailable\"" < "$0"' "$E2E_DIR/during.503"
	check "recovery: every worker ready again ${ms} ms after Redis returned (within a second)" test "$ms" -lt 1000
	check "no worker crashed or was restarted" bash -c '! grep -qE "\"ev\":\"worker_died\"|AddressSanitizer|runtime error" "$0" && kill -0 "$1"' "$AUTHD_LOG" "$AUTHD_PID"
	out=$(citizen_intact "$rt")
	check "nothing corrupted: the app session, the SSO session and the refresh token still work" bash -c '[ ${#0} -gt 40 ]' "$out"
	traffic "$E2E_DIR/after" 50
	check "traffic after recovery: all 200 (302 for the SSO)" bash -c '! grep -vqE " (200|302)$" "$0"' "$E2E_DIR/after"
	check "the audit chain is whole" "$(dirname "$AUTHD")/eidctl" -c "$E2E_DIR/authd.json" audit verify
}

suite_faults_redis_aof() {
	faults_env || { nok "authd and a logged-in citizen"; return; }
	local rt out
	rt=$(jq -r .refresh_token <<<"$FAULT_TOKENS")
	sleep 1.5 # appendfsync everysec: what was written is on disk
	kill -9 "$REDIS_PID"; wait "$REDIS_PID" 2>/dev/null
	REDIS_KEEP_PORT=1 redis_start
	wait_for bash -c '[ "$(curl -s -o /dev/null -w "%{http_code}" "$0")" = 200 ]' "$(url /readyz)"
	check "Redis killed (SIGKILL) and restarted from its append-only file: authd is ready again" \
		test "$(curl -s -o /dev/null -w '%{http_code}' "$(url /readyz)")" = 200
	out=$(citizen_intact "$rt")
	check "the account, the app and SSO sessions and the refresh token survived" bash -c '[ ${#0} -gt 40 ]' "$out"
	check "the citizen logs in again in the app (account, device key, passcode intact)" \
		APP --state "$E2E_DIR/app" login --passcode 468213
	check "and on the web with password + code" bash -c 'jqe ".id_token" <<<"$0"' "$(sms_login "$E2E_DIR/jar2")"
	check "the audit chain survived whole" "$(dirname "$AUTHD")/eidctl" -c "$E2E_DIR/authd.json" audit verify
}

# Slow clients (slowloris): many connections that never finish a request do not starve normal
# clients; those that go quiet are closed at limits.timeout_s.
suite_faults_slowloris() {
	prepare_dirs; redis_start; write_conf '.limits.timeout_s = 3'
	authd_start || { nok "authd starts"; return; }
	local pid out n=1000 hard
	# the generator needs a descriptor per connection too: within this machine's hard limit
	hard=$(ulimit -Hn); [ "$hard" = unlimited ] && hard=1048576
	[ "$hard" -lt 2200 ] && n=$(( hard / 2 - 100 ))
	ulimit -Sn "$hard" 2>/dev/null
	node "$HERE/slowloris.mjs" "$AUTHD_PORT" "$n" 10 drip "$E2E_DIR/drip.json" & pid=$!
	E2E_PIDS+=("$pid")
	sleep 2
	out=$(for _ in $(seq 20); do curl -s -o /dev/null -m 2 -w '%{http_code}\n' "$(url /.well-known/openid-configuration)"; sleep 0.2; done | sort | uniq -c)
	wait "$pid"
	check "$n connections dripping header lines and never finishing: all 20 normal requests answered 200 meanwhile" \
		bash -c '[ "$(awk "\$2 == 200 {print \$1}" <<<"$0")" = 20 ]' "$out"
	check "... and the slow connections were all accepted (the worker did not run out of descriptors)" \
		bash -c 'jqe ".open == $1" < "$0"' "$E2E_DIR/drip.json" "$n"
	node "$HERE/slowloris.mjs" "$AUTHD_PORT" "$n" 6 idle "$E2E_DIR/idle.json"
	check "$n connections that send half a request and go quiet are closed by authd at limits.timeout_s (3 s)" \
		bash -c 'jqe ".open == $1 and .closed == $1" < "$0"' "$E2E_DIR/idle.json" "$n"
	check "authd is alive and ready" test "$(curl -s -o /dev/null -w '%{http_code}' "$(url /readyz)")" = 200
	check "it raised its descriptor limit and said so" grep -q '"ev":"fd_limit"' "$AUTHD_LOG"
}
