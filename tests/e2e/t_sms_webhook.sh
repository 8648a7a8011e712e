# The SMS webhook sender: authd POSTs each one-time code to an HTTPS gateway within the citizen's
# request. The gateway is tests/e2e/sms_receiver.mjs (node built-ins) on 127.0.0.1, with a test
# CA and server certificates made here by the openssl CLI. Uses post, DEMO and complete_body from
# t_accounts.sh (every t_*.sh is sourced before any suite runs).

# smsw_certs DIR: a test CA, "good" (localhost, 127.0.0.1) and "other" (other.example) server
# certificates signed by it, and a "rogue" CA nobody trusts.
smsw_certs() {
	local d=$1 n
	mkdir -p "$d"
	for n in ca rogue; do
		openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
			-keyout "$d/$n.key" -out "$d/$n.pem" -subj "/CN=authd e2e $n" \
			-addext "basicConstraints=critical,CA:TRUE" \
			-addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null || return 1
	done
	smsw_cert "$d" good "DNS:localhost,IP:127.0.0.1" && smsw_cert "$d" other "DNS:other.example"
}

smsw_cert() { # DIR NAME SAN
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$1/$2.key" \
		-out "$1/$2.csr" -subj "/CN=$2" 2>/dev/null &&
	printf 'subjectAltName=%s\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n' "$3" > "$1/$2.ext" &&
	openssl x509 -req -in "$1/$2.csr" -CA "$1/ca.pem" -CAkey "$1/ca.key" -CAcreateserial \
		-days 2 -extfile "$1/$2.ext" -out "$1/$2.pem" 2>/dev/null
}

# smsw_receiver NAME CERT: starts a receiver; its port in RECV_PORT, what it got in
# $E2E_DIR/NAME.got, its answer mode in $E2E_DIR/NAME.mode (ok, 500, hang).
smsw_receiver() {
	RECV_PORT=$(free_port) || return 1
	echo ok > "$E2E_DIR/$1.mode"
	: > "$E2E_DIR/$1.got"
	node "$HERE/sms_receiver.mjs" "$RECV_PORT" "$E2E_DIR/pki/$2.pem" "$E2E_DIR/pki/$2.key" \
		"$E2E_DIR/$1.got" "$E2E_DIR/$1.mode" 2>>"$E2E_DIR/$1.log" &
	E2E_PIDS+=($!)
	wait_for test -f "$E2E_DIR/$1.got.ready"
}

# smsw_conf URL [CA_FILE]: a jq filter for the webhook sender (token, 1 s timeout).
smsw_conf() {
	echo ".sms = {sender: \"webhook\", webhook_url: \"$1\", webhook_timeout_ms: 1000,
	              webhook_token_file: \"$E2E_DIR/sms.token\"} ${2:+| .sms.webhook_ca_file = \"$2\"}"
}

# smsw_reload FILTER: rewrites authd.json and reloads; waits until both workers have.
smsw_reload() {
	local n
	write_conf "$1"
	n=$(grep -c '"ev":"reloaded","worker"' "$AUTHD_LOG")
	kill -HUP "$AUTHD_PID"
	wait_for bash -c '[ "$(grep -c "\"ev\":\"reloaded\",\"worker\"" "$0")" -ge "$1" ]' "$AUTHD_LOG" $((n + 2))
}

# The last SMS a receiver got: its text, and the code in it.
smsw_text() { tail -1 "$E2E_DIR/$1.got" | jq -r '.body | fromjson | .text'; }
smsw_code() { smsw_text "$1" | grep -o '[0-9]\{6\}'; }
# start_timed JSON: "<status> <ms> <body>" of an activation start
start_timed() {
	local t0 out
	t0=$(date +%s%N)
	out=$(post /app/v1/activation/start "$1")
	echo "${out%% *} $(( ($(date +%s%N) - t0) / 1000000 )) ${out#* }"
}

SON='{"id_number":"002203852315","phone":"0372387804","full_name":"Hồ Minh Sơn","date_of_birth":"2003-03-06"}'
son_complete_body() { complete_body "$@" | jq -c '.id_number = "002203852315"'; }

smsw_env() {
	prepare_dirs; redis_start || return 1
	smsw_certs "$E2E_DIR/pki" || { nok "test certificates are made"; return 1; }
	echo 'e2e-Gateway.Token_1~2' > "$E2E_DIR/sms.token"
	smsw_receiver gw good || { nok "the receiver starts"; return 1; }
	GW_PORT=$RECV_PORT
	write_conf "$(smsw_conf "https://127.0.0.1:$GW_PORT/send?via=e2e" "$E2E_DIR/pki/ca.pem")"
	"$(dirname "$AUTHD")/eidctl" -c "$E2E_DIR/authd.json" import-population "$REPO/config/population-demo.csv" >/dev/null
	authd_start
}

suite_sms_webhook() {
	smsw_env || { nok "authd starts with the webhook sender"; return; }
	local out aid code got st ms
	out=$(curl -sS -X POST -H 'Content-Type: application/json' -H 'X-Request-Id: e2e-sms-1' -d "$DEMO" \
		-w ' %{http_code}' "$(url /app/v1/activation/start)")
	check "webhook: activation start answers 200 once the gateway took the SMS" test "${out##* }" = 200
	aid=$(jq -r .activation_id <<<"${out% *}")
	got=$(tail -1 "$E2E_DIR/gw.got")
	check "webhook: one POST of JSON reached the gateway's URL (path and query kept)" bash -c \
		'[ "$(wc -l < "$1")" = 1 ] && jqe ".method == \"POST\" and .url == \"/send?via=e2e\" and
		 (.headers[\"content-type\"] | startswith(\"application/json\"))" <<<"$0"' "$got" "$E2E_DIR/gw.got"
	check "webhook: the body names the phone on file (+84...) and the request id" bash -c \
		'jq -r .body <<<"$0" | jqe ".phone == \"+84912345678\" and .id == \"e2e-sms-1\" and (keys == [\"id\", \"phone\", \"text\"])"' "$got"
	code=$(smsw_code gw)
	check "webhook: the text carries a 6-digit code" test "${#code}" = 6
	check "webhook: the bearer token from sms.webhook_token_file arrives" \
		jqe '.headers.authorization == "Bearer e2e-Gateway.Token_1~2"' <<<"$got"
	check "webhook: the Redis outbox stream is not written" \
		test "$(redis-cli -p "$REDIS_PORT" xlen eid:sms:outbox)" = 0
	out=$(post /app/v1/activation/verify "{\"id_number\":\"001085012345\",\"activation_id\":\"$aid\",\"code\":\"$code\"}")
	check "webhook: the code from the gateway verifies" test "$out" = '200 {"status":"verified"}'
	out=$(post /app/v1/activation/complete "$(complete_body "$aid" 'Matkhau#2026' 468213)")
	check "webhook: and the activation completes (201, active account)" bash -c \
		'[ "${0%% *}" = 201 ] && [ "$(redis-cli -p "$1" hget "eid:{001085012345}:acct" status)" = active ]' "$out" "$REDIS_PORT"

	# the gateway fails: 500
	echo 500 > "$E2E_DIR/gw.mode"
	out=$(post /app/v1/activation/start "$SON")
	check "gateway 500: the app gets 503 sms_unavailable" \
		test "$out" = '503 {"error":"sms_unavailable","error_description":"the SMS could not be sent; try again later"}'
	check "gateway 500: the request did reach it (and was refused there)" \
		jqe '.mode == "500"' <<<"$(tail -1 "$E2E_DIR/gw.got")"
	check "gateway 500: logged at warn with the reason and the masked phone" \
		grep -q '"lvl":"warn","ev":"sms_webhook_failed".*"reason":"status","status":"500","phone":"+84\*\*\*\*\*7804"' "$AUTHD_LOG"
	check "gateway 500: no account was made" \
		test "$(redis-cli -p "$REDIS_PORT" exists "eid:{002203852315}:acct")" = 0

	# the gateway hangs: the call's own deadline (1 s) answers
	echo hang > "$E2E_DIR/gw.mode"
	read -r st ms out <<<"$(start_timed "$SON")"
	check "gateway hangs: 503 sms_unavailable at the call's 1 s timeout (not the 500 ms Redis deadline, not much after: $ms ms)" \
		bash -c '[ "$0" = 503 ] && jqe ".error == \"sms_unavailable\"" <<<"$2" && [ "$1" -ge 950 ] && [ "$1" -lt 2500 ]' "$st" "$ms" "$out"
	check "gateway hangs: logged as a timeout" grep -q '"ev":"sms_webhook_failed".*"reason":"timeout"' "$AUTHD_LOG"
	check "gateway hangs: authd stays healthy (healthz, readyz)" bash -c \
		'curl -fsS "$0" >/dev/null && curl -fsS "$1" >/dev/null' "$(url /healthz)" "$(url /readyz)"

	# the gateway is back: the failed starts left nothing in the way
	echo ok > "$E2E_DIR/gw.mode"
	out=$(post /app/v1/activation/start "$SON")
	aid=$(jq -r .activation_id <<<"${out#* }")
	code=$(smsw_code gw)
	check "gateway back: the next start sends a new code to the citizen's phone" bash -c \
		'[ "${0%% *}" = 200 ] && tail -1 "$1" | jq -r .body | jqe ".phone == \"+84372387804\""' "$out" "$E2E_DIR/gw.got"
	out=$(post /app/v1/activation/verify "{\"id_number\":\"002203852315\",\"activation_id\":\"$aid\",\"code\":\"$code\"}")
	check "gateway back: its code verifies" test "$out" = '200 {"status":"verified"}'
	out=$(post /app/v1/activation/complete "$(son_complete_body "$aid" 'Matkhau#2026' 468213)")
	check "gateway back: the activation completes" test "${out%% *}" = 201
	# SIGTERM while a call hangs: the drain waits for it, and the citizen still gets an answer
	echo hang > "$E2E_DIR/gw.mode"
	local n cpid rc
	n=$(wc -l < "$E2E_DIR/gw.got")
	post /app/v1/recovery/start "$DEMO" > "$E2E_DIR/term.out" &
	cpid=$!
	wait_for bash -c '[ "$(wc -l < "$0")" -gt "$1" ]' "$E2E_DIR/gw.got" "$n"
	authd_stop; rc=$?
	wait "$cpid"
	check "SIGTERM during a hanging call: the request is answered 503 sms_unavailable" \
		jqe '.error == "sms_unavailable"' <<<"$(cut -d' ' -f2- "$E2E_DIR/term.out")"
	check "SIGTERM during a hanging call: authd drains and exits 0" test "$rc" = 0

	local pats=(-e VNeID -e e2e-Gateway -e 84912345678 -e 84372387804) c
	for c in $(jq -r '.body | fromjson | .text' "$E2E_DIR/gw.got" | grep -o '[0-9]\{6\}'); do pats+=(-e "$c"); done
	check "webhook: the log holds no SMS text, code, token or full phone number" \
		bash -c '! grep -qwF "$@"' "$AUTHD_LOG" "${pats[@]}" "$AUTHD_LOG"
}

suite_sms_webhook_tls() {
	smsw_env || { nok "authd starts with the webhook sender"; return; }
	smsw_receiver other other || { nok "the second receiver starts"; return; }
	local OTHER_PORT=$RECV_PORT out n

	smsw_reload "$(smsw_conf "https://localhost:$GW_PORT/send" "$E2E_DIR/pki/ca.pem")"
	out=$(post /app/v1/activation/start "$DEMO")
	check "tls: a host name (localhost, from /etc/hosts) matching the certificate's DNS name is accepted" \
		bash -c '[ "${0%% *}" = 200 ] && tail -1 "$1" | jqe ".headers.host == \"localhost:$2\""' \
		"$out" "$E2E_DIR/gw.got" "$GW_PORT"

	# a reload with a wrong URL keeps the running generation, which still delivers
	write_conf "$(smsw_conf "http://sms.example.vn/send" "$E2E_DIR/pki/ca.pem")"
	kill -HUP "$AUTHD_PID"
	check "reload: an http URL to a non-loopback host is refused, naming the key" wait_for \
		grep -q '"ev":"reload_failed".*sms.webhook_url: http is allowed only for a loopback host' "$AUTHD_LOG"
	n=$(wc -l < "$E2E_DIR/gw.got")
	out=$(post /app/v1/activation/start "$DEMO")
	check "reload: refused, so the running configuration still delivers" bash -c \
		'[ "${0%% *}" = 200 ] && [ "$(wc -l < "$1")" = "$2" ]' "$out" "$E2E_DIR/gw.got" $((n + 1))

	smsw_reload "$(smsw_conf "https://localhost:$OTHER_PORT/send" "$E2E_DIR/pki/ca.pem")"
	out=$(post /app/v1/activation/start "$DEMO")
	check "tls: a certificate for another host name (trusted CA) is refused: 503" bash -c \
		'[ "${0%% *}" = 503 ] && jqe ".error == \"sms_unavailable\"" <<<"${0#* }"' "$out"
	smsw_reload "$(smsw_conf "https://127.0.0.1:$OTHER_PORT/send" "$E2E_DIR/pki/ca.pem")"
	out=$(post /app/v1/activation/start "$DEMO")
	check "tls: an IP address the certificate does not name is refused: 503" test "${out%% *}" = 503
	check "tls: the refused handshakes carried no request (nothing reached that receiver)" \
		test "$(wc -l < "$E2E_DIR/other.got")" = 0

	n=$(wc -l < "$E2E_DIR/gw.got")
	smsw_reload "$(smsw_conf "https://127.0.0.1:$GW_PORT/send")"
	out=$(post /app/v1/activation/start "$DEMO")
	check "tls: without sms.webhook_ca_file the test CA is not trusted (system store): 503" bash -c \
		'[ "${0%% *}" = 503 ] && [ "$(wc -l < "$1")" = "$2" ]' "$out" "$E2E_DIR/gw.got" "$n"
	check "tls: those failures are logged as tls" \
		test "$(grep -c '"ev":"sms_webhook_failed".*"reason":"tls"' "$AUTHD_LOG")" = 3

	smsw_reload "$(smsw_conf "https://127.0.0.1:$(free_port)/send" "$E2E_DIR/pki/ca.pem")"
	out=$(post /app/v1/activation/start "$DEMO")
	check "connect: an https URL to a port nothing listens on: 503 at once, logged as connect" bash -c \
		'[ "${0%% *}" = 503 ] && grep -q "\"ev\":\"sms_webhook_failed\".*\"reason\":\"connect\"" "$1"' "$out" "$AUTHD_LOG"
	check "after every failure authd is healthy" curl -fsS "$(url /readyz)"
	check "the outbox stream was never written" test "$(redis-cli -p "$REDIS_PORT" xlen eid:sms:outbox)" = 0
}

suite_sms_webhook_config() {
	prepare_dirs
	echo 'e2e-Gateway.Token_1~2' > "$E2E_DIR/sms.token"
	local out rc
	write_conf "$(smsw_conf "http://sms.example.vn/send")"
	out=$("$AUTHD" -t -c "$E2E_DIR/authd.json" 2>&1); rc=$?
	check "authd -t: http:// to a non-loopback host fails, naming the key" bash -c \
		'[ "$0" = 1 ] && grep -q "authd.json: sms.webhook_url: http is allowed only for a loopback host" <<<"$1"' "$rc" "$out"
	write_conf '.sms.sender = "webhook"'
	out=$("$AUTHD" -t -c "$E2E_DIR/authd.json" 2>&1); rc=$?
	check "authd -t: the webhook sender without a URL fails, naming the key" bash -c \
		'[ "$0" = 1 ] && grep -q "sms.webhook_url: required when sms.sender is webhook" <<<"$1"' "$rc" "$out"
	echo "not a certificate" > "$E2E_DIR/bad-ca.pem"
	write_conf "$(smsw_conf "https://sms.example.vn/send" "$E2E_DIR/bad-ca.pem")"
	out=$("$AUTHD" -t -c "$E2E_DIR/authd.json" 2>&1); rc=$?
	check "authd -t: a CA file without a certificate fails, naming the key" bash -c \
		'[ "$0" = 1 ] && grep -q "sms.webhook_ca_file: .*bad-ca.pem: no PEM CA certificate" <<<"$1"' "$rc" "$out"
	write_conf "$(smsw_conf "https://sms.example.vn/send") | .sms.webhook_token_file = \"$E2E_DIR/missing\""
	out=$("$AUTHD" -t -c "$E2E_DIR/authd.json" 2>&1); rc=$?
	check "authd -t: a missing token file fails, naming the key" bash -c \
		'[ "$0" = 1 ] && grep -q "sms.webhook_token_file: cannot open" <<<"$1"' "$rc" "$out"
	write_conf "$(smsw_conf "http://127.0.0.1:9/send")"
	check "authd -t: http:// to a loopback host is accepted (development)" "$AUTHD" -t -c "$E2E_DIR/authd.json"
	write_conf "$(smsw_conf "https://sms.example.vn/send")"
	out=$("$AUTHD" -t -c "$E2E_DIR/authd.json" 2>&1); rc=$?
	check "authd -t: an https URL with the system trust store is accepted; the token is never printed" \
		bash -c '[ "$0" = 0 ] && ! grep -q "e2e-Gateway" <<<"$1"' "$rc" "$out"
}
