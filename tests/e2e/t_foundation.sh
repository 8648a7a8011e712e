# Foundation: discovery, JWKS, readiness with Redis going away and coming back, SIGHUP reload,
# config errors, limits, metrics, TLS, trusted proxies, worker restart, graceful stop.

hdr() { curl -sS -D - -o /dev/null "$@" | tr -d '\r'; }

suite_discovery_and_jwks() {
	prepare_dirs; redis_start; write_conf; authd_start || { nok "authd starts"; return; }
	local d
	d=$(curl -fsS "$(url /.well-known/openid-configuration)")
	check "discovery: issuer is the configured one" \
		test "$(jq -r .issuer <<<"$d")" = "http://127.0.0.1:$AUTHD_PORT"
	check "discovery: jwks_uri is issuer + /jwks" \
		test "$(jq -r .jwks_uri <<<"$d")" = "http://127.0.0.1:$AUTHD_PORT/jwks"
	check "discovery: OIDC required members present" jqe \
		'.response_types_supported == ["code"] and .subject_types_supported == ["pairwise"]
		 and (.id_token_signing_alg_values_supported | index("ES256"))
		 and (.acr_values_supported | index("urn:eid:level:2"))' <<<"$d"
	check "discovery: every endpoint it lists is served (none answers 404)" bash -c \
		'for u in $(jq -r "to_entries[] | select(.key | endswith(\"_endpoint\") or . == \"jwks_uri\") | .value" <<<"$0"); do
			c=$(curl -sS -o /dev/null -w "%{http_code}" "$u"); [ "$c" != 404 ] || { echo "$u: 404"; exit 1; }; done' "$d"
	local h
	h=$(hdr "$(url /.well-known/openid-configuration)")
	check "discovery: JSON, cacheable, nosniff, request id" bash -c \
		'grep -qi "^content-type: application/json" <<<"$0" && grep -qi "^cache-control: public" <<<"$0" &&
		 grep -qi "^x-content-type-options: nosniff" <<<"$0" && grep -qi "^x-request-id: ." <<<"$0"' "$h"
	check "jwks: kids are RFC 7638 thumbprints; signatures by the on-disk keys verify (node crypto)" \
		node "$HERE/jwks_check.mjs" "$(url /jwks)" "$E2E_DIR/keys"
	check "jwks: active and next ES256 keys and the RS256 key are published" \
		test "$(curl -fsS "$(url /jwks)" | jq '[.keys[] | .alg] | sort | join(",")' -r)" = "ES256,ES256,RS256"
	check "HEAD /jwks answers 200 without a body" \
		test "$(curl -sS -I -o /dev/null -w '%{http_code}' "$(url /jwks)")" = 200
	check "unknown path: 404 JSON error" \
		test "$(curl -sS "$(url /nope)" -w ' %{http_code}')" = '{"error":"not_found"} 404'
	check "wrong method: 405 with Allow" bash -c \
		'h=$(curl -sS -D - -o /dev/null -X POST "$0" | tr -d "\r"); grep -q "^HTTP/1.1 405" <<<"$h" && grep -qi "^allow: GET, HEAD" <<<"$h"' "$(url /jwks)"
	check "X-Request-Id from the caller is echoed" \
		bash -c 'curl -sS -D - -o /dev/null -H "X-Request-Id: e2e-abc.123" "$0" | tr -d "\r" | grep -qx "X-Request-Id: e2e-abc.123"' "$(url /healthz)"
	check "X-Request-Id with unsafe characters is replaced" \
		bash -c '! curl -sS -D - -o /dev/null -H "X-Request-Id: a\"b<c>" "$0" | grep -q "a\"b<c>"' "$(url /healthz)"
	check "access log: one JSON line per request with route pattern and status" bash -c \
		'sleep 0.2; grep "\"ev\":\"access\"" "$0" | grep "\"route\":\"/jwks\"" | head -1 | jqe ".status == 200 and .method == \"GET\" and (.ms | type == \"number\")"' "$AUTHD_LOG"
	check "an oversized header is refused with a 4xx and authd keeps serving" bash -c \
		'c=$(curl -sS -o /dev/null -w "%{http_code}" -H "X-Big: $(head -c 20000 /dev/zero | tr "\0" a)" "$0"); [ "$c" -ge 400 ] && [ "$c" -lt 500 ] && curl -fsS "$1" >/dev/null' "$(url /jwks)" "$(url /healthz)"
	check "an oversized body is refused with 413" \
		test "$(head -c 100000 /dev/zero | curl -sS -o /dev/null -w '%{http_code}' --data-binary @- "$(url /jwks)")" = 413
	# metrics are summed over the workers' shared slots; poll briefly, print what was seen
	local pat
	for pat in '^authd_http_requests_total{route="/jwks",status="200"} [1-9]' \
		'^authd_http_request_duration_seconds_bucket{route="/jwks",le="+Inf"} [1-9]' \
		'^authd_workers_up 2$' '^authd_redis_connected 2$'; do
		check "metrics: $pat" bash -c 'for i in $(seq 50); do curl -fsS "$0" | grep -q "$1" && exit 0; sleep 0.1; done;
			curl -fsS "$0" | grep -E "^authd_(workers_up|redis_connected) "; exit 1' "$(url /metrics)" "$pat"
	done
	authd_stop
	check "authd stops on SIGTERM with status 0" test $? = 0
}

suite_redis_outage() {
	prepare_dirs; redis_start; write_conf; authd_start || { nok "authd starts"; return; }
	check "readyz: 200 while Redis answers" \
		test "$(curl -sS -o /dev/null -w '%{http_code}' "$(url /readyz)")" = 200
	redis_stop
	check "readyz: 503 JSON error once Redis is stopped" bash -c \
		'for i in $(seq 50); do b=$(curl -sS -w " %{http_code}" "$0"); [ "${b##* }" = 503 ] && break; sleep 0.1; done;
		 [ "${b##* }" = 503 ] && jqe ".error == \"temporarily_unavailable\"" <<<"${b% *}"' "$(url /readyz)"
	check "discovery keeps answering without Redis" \
		curl -fsS -o /dev/null "$(url /.well-known/openid-configuration)"
	check "metrics show no worker connected to Redis" \
		bash -c 'curl -fsS "$0" | grep -q "^authd_redis_connected 0$"' "$(url /metrics)"
	REDIS_KEEP_PORT=1 redis_start
	local t0=$(date +%s%N)
	check "readyz: back to 200 within 2 s of Redis returning, without a restart" \
		wait_for bash -c '[ "$(curl -sS -o /dev/null -w "%{http_code}" "$0")" = 200 ]' "$(url /readyz)"
	echo "        (recovered in $(( ($(date +%s%N) - t0) / 1000000 )) ms)"
	check "every worker recovered (readyz 200 twenty times in a row)" bash -c \
		'for i in $(seq 20); do [ "$(curl -sS -o /dev/null -w "%{http_code}" "$0")" = 200 ] || exit 1; done' "$(url /readyz)"
}

suite_reload() {
	prepare_dirs; redis_start; write_conf; authd_start || { nok "authd starts"; return; }
	local before after
	before=$(curl -fsS "$(url /jwks)" | jq -r '[.keys[].kid] | sort | join(",")')
	# Add a retired ES256 key and a new client.
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$E2E_DIR/keys/es256-old.pem" 2>/dev/null
	jq '.keys += [{file: "es256-old.pem", alg: "ES256", state: "retired"}]' "$E2E_DIR/keys/keys.json" > "$E2E_DIR/k.json"
	mv "$E2E_DIR/k.json" "$E2E_DIR/keys/keys.json"
	jq '.client_id = "reload-test" | .client_name = "Reload test"' "$REPO/clients/demo-rp.json" > "$E2E_DIR/clients/reload-test.json"
	# A keep-alive client makes 3000 requests on one connection while the reload happens.
	local urls=()
	for _ in $(seq 3000); do urls+=(-o /dev/null "$(url /jwks)"); done
	curl -sS -w '%{http_code} %{num_connects}\n' "${urls[@]}" > "$E2E_DIR/codes" &
	local cpid=$!
	sleep 0.1
	check "SIGHUP is sent while the keep-alive client is still running" kill -0 "$cpid"
	kill -HUP "$AUTHD_PID"
	check "SIGHUP: the new key is published by every worker" bash -c \
		'for i in $(seq 50); do ok=1; for j in $(seq 10); do n=$(curl -fsS "$0" | jq ".keys | length"); [ "$n" = 4 ] || ok=0; done; [ $ok = 1 ] && exit 0; sleep 0.1; done; exit 1' "$(url /jwks)"
	check "SIGHUP: the reload is logged with the new client count" bash -c \
		'grep "\"ev\":\"reloaded\"" "$0" | grep -q "\"clients\":\"5\""' "$AUTHD_LOG"
	wait "$cpid"
	check "SIGHUP: all 3000 requests answered 200" \
		test "$(awk '$1 == 200' "$E2E_DIR/codes" | wc -l)" = 3000
	check "SIGHUP: the connection was not dropped (one connect for 3000 requests)" \
		test "$(awk '{s += $2} END {print s}' "$E2E_DIR/codes")" = 1
	# A broken manifest: the reload fails, the old generation keeps serving.
	cp "$E2E_DIR/keys/keys.json" "$E2E_DIR/keys.good"
	echo '{"keys": [{"file": "nope.pem", "alg": "ES256", "state": "active"}]}' > "$E2E_DIR/keys/keys.json"
	after=$(curl -fsS "$(url /jwks)" | jq -r '[.keys[].kid] | sort | join(",")')
	kill -HUP "$AUTHD_PID"
	check "SIGHUP with a broken manifest: reload_failed logged naming the file" bash -c \
		'for i in $(seq 50); do grep "\"ev\":\"reload_failed\"" "$0" | grep -q "nope.pem" && exit 0; sleep 0.1; done; exit 1' "$AUTHD_LOG"
	check "SIGHUP with a broken manifest: the previous keys stay published" \
		test "$(curl -fsS "$(url /jwks)" | jq -r '[.keys[].kid] | sort | join(",")')" = "$after"
	check "the reload changed the key set" test "$before" != "$after"
	check "metrics count the failed reloads" bash -c \
		'curl -fsS "$0" | grep -q "^authd_reloads_total{result=\"failed\"} [1-9]"' "$(url /metrics)"
}

# bad_conf NAME FILTER EXPECTED: authd refuses to start, one line on stderr containing EXPECTED.
bad_conf() {
	local name=$1 filter=$2 want=$3 out rc
	write_conf "$filter"
	out=$(timeout 10 "$AUTHD" -c "$E2E_DIR/authd.json" 2>&1 >/dev/null); rc=$?
	if [ $rc -ne 0 ] && [ "$(printf '%s\n' "$out" | wc -l)" = 1 ] && grep -qF -- "$want" <<<"$out"; then
		ok "config error: $name"
	else
		nok "config error: $name" "rc=$rc out=$out (wanted: $want)"
	fi
}

suite_config_errors() {
	prepare_dirs
	local f="$E2E_DIR/authd.json"
	bad_conf "unknown key" '.listen.prot = 1' "authd.json: listen.prot: unknown key"
	bad_conf "unknown top-level key" '.colour = "blue"' "authd.json: colour: unknown key"
	bad_conf "wrong type" '.listen.port = "8080"' "authd.json: listen.port: must be an integer"
	bad_conf "out of range" '.listen.port = 70000' "authd.json: listen.port: must be 1..65535, got 70000"
	bad_conf "missing issuer" 'del(.issuer)' "authd.json: issuer: missing"
	bad_conf "plain-http issuer off loopback" '.issuer = "http://id.example.vn"' "authd.json: issuer: http is allowed only for a loopback host"
	bad_conf "two redis endpoints" '.redis.unix_socket = "/tmp/x.sock"' "authd.json: redis: set exactly one"
	bad_conf "code lifetime over 60 s" '.tokens.code_ttl_s = 600' "authd.json: tokens.code_ttl_s: must be 5..60, got 600"
	bad_conf "missing keys dir" ".keys.dir = \"$E2E_DIR/none\"" "keys.json"
	bad_conf "missing TLS key file" ".tls = {cert: \"$E2E_DIR/c.pem\", key: \"$E2E_DIR/k.pem\"}" "tls.cert"
	bad_conf "bad trusted proxy" '.trusted_proxies = ["10.0.0.1/33"]' "authd.json: trusted_proxies[0]: prefix length must be 0..32"
	jq '.redirect_uris = ["https://rp.example.vn/cb#frag"]' "$REPO/clients/demo-rp.json" > "$E2E_DIR/clients/demo-rp.json"
	bad_conf "client registration error names file and key" '.' "demo-rp.json: redirect_uris[0]"
	cp "$REPO/clients/demo-rp.json" "$E2E_DIR/clients/demo-rp.json"
	echo '{"issuer": "http://127.0.0.1:1", ' > "$f"
	local out
	out=$("$AUTHD" -c "$f" 2>&1)
	check "config error: malformed JSON names the line" grep -q "authd.json: line 2" <<<"$out"
	write_conf
	check "authd -t accepts a good config" "$AUTHD" -t -c "$f"
}

suite_tls_and_proxies() {
	prepare_dirs; redis_start
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=127.0.0.1 \
		-addext "subjectAltName=IP:127.0.0.1" -keyout "$E2E_DIR/tls.key" -out "$E2E_DIR/tls.crt" 2>/dev/null
	write_conf ".issuer = \"https://127.0.0.1:$AUTHD_PORT\" | .tls = {cert: \"$E2E_DIR/tls.crt\", key: \"$E2E_DIR/tls.key\"}
		| .trusted_proxies = [\"127.0.0.1\"] | .metrics.allow = [\"10.0.0.0/8\"]"
	AUTHD_LOG=$E2E_DIR/authd.log
	"$AUTHD" -c "$E2E_DIR/authd.json" 2>>"$AUTHD_LOG" & AUTHD_PID=$!; E2E_PIDS+=("$AUTHD_PID")
	local u="https://127.0.0.1:$AUTHD_PORT"
	check "TLS: discovery over https with the configured certificate" \
		wait_for curl -fsS --cacert "$E2E_DIR/tls.crt" "$u/.well-known/openid-configuration"
	check "TLS: HSTS header on responses" bash -c \
		'curl -sS -D - -o /dev/null --cacert "$0" "$1" | tr -d "\r" | grep -qi "^strict-transport-security: max-age="' "$E2E_DIR/tls.crt" "$u/jwks"
	check "TLS: plain HTTP on the TLS port gets no HTTP answer" bash -c \
		'! curl -fsS -m 2 "http://127.0.0.1:$0/jwks"' "$AUTHD_PORT"
	check "metrics.allow: 403 for a caller outside the range" \
		test "$(curl -sS -o /dev/null -w '%{http_code}' --cacert "$E2E_DIR/tls.crt" "$u/metrics")" = 403
	check "trusted proxy: X-Forwarded-For from 127.0.0.1 is believed (10.1.2.3 may read metrics)" \
		test "$(curl -sS -o /dev/null -w '%{http_code}' -H 'X-Forwarded-For: 10.1.2.3' --cacert "$E2E_DIR/tls.crt" "$u/metrics")" = 200
	check "trusted proxy: the client address is logged, not the proxy's" bash -c \
		'sleep 0.2; grep "\"route\":\"/metrics\"" "$0" | grep -q "\"ip\":\"10.1.2.3\""' "$AUTHD_LOG"
	check "trusted proxy: the rightmost untrusted address counts (spoofed left entries ignored)" \
		test "$(curl -sS -o /dev/null -w '%{http_code}' -H 'X-Forwarded-For: 10.9.9.9, 192.0.2.7' --cacert "$E2E_DIR/tls.crt" "$u/metrics")" = 403
	local cb; cb=$(jq -rn '"http://127.0.0.1:8081/callback"|@uri')
	check "TLS: the login's browser cookie is __Host- prefixed, Secure, HttpOnly, SameSite=Lax, Path=/" bash -c \
		'curl -sS -D - -o /dev/null --cacert "$0" "$1" | tr -d "\r" | grep -qi "^Set-Cookie: __Host-eid_tx=[^;]*; Path=/; HttpOnly; SameSite=Lax; Secure"' \
		"$E2E_DIR/tls.crt" "$u/authorize?client_id=demo-rp&redirect_uri=$cb&response_type=code&scope=openid&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256"
}

suite_workers() {
	prepare_dirs; redis_start; write_conf; authd_start || { nok "authd starts"; return; }
	local workers
	workers=$(pgrep -P "$AUTHD_PID" | sort)
	check "two worker processes under the master" test "$(wc -l <<<"$workers")" = 2
	local victim
	victim=$(head -1 <<<"$workers")
	kill -9 "$victim"
	check "a killed worker is replaced by the master" bash -c \
		'for i in $(seq 50); do n=$(pgrep -P "$0" | grep -vx "$1" | wc -l); [ "$n" = 2 ] && exit 0; sleep 0.1; done; exit 1' "$AUTHD_PID" "$victim"
	check "the other worker kept serving meanwhile" bash -c \
		'for i in $(seq 20); do curl -fsS -o /dev/null "$0" || exit 1; done' "$(url /jwks)"
	check "worker_died is logged" grep -q '"ev":"worker_died"' "$AUTHD_LOG"
	authd_stop
	check "graceful stop: SIGTERM ends master and workers with status 0" test $? = 0
	check "graceful stop: no worker left behind" bash -c '! pgrep -P "$0"' "$AUTHD_PID"
}

suite_drain() {
	prepare_dirs; redis_start; write_conf '.workers = 1 | .redis.timeout_ms = 5000'
	authd_start || { nok "authd starts"; return; }
	# Hold a request in flight: Redis is paused, so /readyz waits for its PING reply.
	kill -STOP "$REDIS_PID"
	curl -sS -o "$E2E_DIR/body" -w '%{http_code}' "$(url /readyz)" > "$E2E_DIR/code" &
	local cpid=$!
	# under load curl may take a while to start: wait for its connection, then for its request
	wait_for bash -c 'ss -Htn state established "( dport = :$0 )" | grep -q .' "$AUTHD_PORT"
	sleep 0.3
	kill -TERM "$AUTHD_PID"
	sleep 0.3
	check "drain: after SIGTERM the listener is closed to new connections" bash -c \
		'! curl -sS -m 1 -o /dev/null "$0" 2>/dev/null' "$(url /healthz)"
	check "drain: the master waits while a request is in flight" kill -0 "$AUTHD_PID"
	kill -CONT "$REDIS_PID"
	wait "$cpid"
	check "drain: the in-flight request is answered (200 ready)" \
		test "$(cat "$E2E_DIR/code") $(cat "$E2E_DIR/body")" = '200 {"status":"ready"}'
	check "drain: authd exits once it is done" bash -c \
		'for i in $(seq 50); do kill -0 "$0" 2>/dev/null || exit 0; sleep 0.1; done; exit 1' "$AUTHD_PID"
}

suite_store_deadline() {
	prepare_dirs; redis_start; write_conf '.workers = 1 | .redis.timeout_ms = 300'
	authd_start || { nok "authd starts"; return; }
	kill -STOP "$REDIS_PID"
	local t0=$(date +%s%N) b
	b=$(curl -sS -w ' %{http_code}' "$(url /readyz)")
	local ms=$(( ($(date +%s%N) - t0) / 1000000 ))
	check "a hung Redis gives 503 temporarily_unavailable at the request deadline (${ms} ms)" \
		bash -c '[ "${0##* }" = 503 ] && jqe ".error == \"temporarily_unavailable\"" <<<"${0% *}" && [ "$1" -lt 2000 ]' "$b" "$ms"
	kill -CONT "$REDIS_PID"
	check "the late Redis reply is dropped and the next request succeeds" \
		wait_for bash -c '[ "$(curl -sS -o /dev/null -w "%{http_code}" "$0")" = 200 ]' "$(url /readyz)"
	check "authd is alive after the late reply" kill -0 "$AUTHD_PID"
}
