# Citizen accounts: the population registry loaded by eidctl into the real Redis authd uses.

suite_population_import() {
	prepare_dirs; redis_start; write_conf
	local EIDCTL=$(dirname "$AUTHD")/eidctl out rc
	out=$("$EIDCTL" -c "$E2E_DIR/authd.json" import-population "$REPO/config/population-demo.csv" 2>&1); rc=$?
	check "import: the demo CSV loads whole (300 citizens, exit 0)" \
		test "$rc $out" = "0 import-population: 300 loaded, 0 rejected"
	check "import: a record holds the registry fields, phone normalised" bash -c \
		'[ "$(redis-cli -p "$0" hget "eid:{001085012345}:reg" name)" = "Nguyễn Văn An" ] &&
		 [ "$(redis-cli -p "$0" hget "eid:{001085012345}:reg" phone)" = "+84912345678" ] &&
		 [ "$(redis-cli -p "$0" hget "eid:{001085012345}:reg" dob)" = "1985-03-14" ]' "$REDIS_PORT"
	cat > "$E2E_DIR/mixed.csv" <<'CSV'
id_number,full_name,date_of_birth,sex,residence,phone,document_number
079191000001,Lê Thị Hoa,1991-12-31,F,"5 Lê Lợi, Hồ Chí Minh",0987654321,191000001
079291000002,Sai Thế Kỷ,1991-12-31,F,Hồ Chí Minh,0987654322,291000002
079191000003,Sai Giới Tính,1991-12-31,M,Hồ Chí Minh,0987654323,191000003
07919100000,Thiếu Số,1991-12-31,F,Hồ Chí Minh,0987654324,19100000
003191000005,Sai Tỉnh,1991-12-31,F,Hồ Chí Minh,0987654325,191000005
079192000006,Sai Năm,1991-12-31,F,Hồ Chí Minh,0987654326,192000006
079191000001,Trùng Số,1991-12-31,F,Hồ Chí Minh,0987654327,191000001
048300000007,Trần Thu Hà,2000-02-29,F,Đà Nẵng,0912000007,300000007
CSV
	out=$("$EIDCTL" -c "$E2E_DIR/authd.json" import-population "$E2E_DIR/mixed.csv" 2>&1); rc=$?
	check "import: malformed rows are rejected, the rest load (exit 3)" \
		bash -c '[ "$0" = 3 ] && grep -q "2 loaded, 6 rejected" <<<"$1"' "$rc" "$out"
	check "import: each rejected row is named by line number and reason" bash -c \
		'grep -q "mixed.csv:3: id_number: century digit 2" <<<"$0" &&
		 grep -q "mixed.csv:4: id_number: sex digit 1 says female, sex says male" <<<"$0" &&
		 grep -q "mixed.csv:5: id_number: must be 12 digits" <<<"$0" &&
		 grep -q "mixed.csv:6: id_number: 003 is not a province code" <<<"$0" &&
		 grep -q "mixed.csv:7: id_number: birth year digits 92" <<<"$0" &&
		 grep -q "mixed.csv:8: id_number: 079191\*\*\*\*\*\* appears twice" <<<"$0"' "$out"
	check "import: rejected rows wrote nothing" bash -c \
		'[ "$(redis-cli -p "$0" exists "eid:{079291000002}:reg")" = 0 ] &&
		 [ "$(redis-cli -p "$0" hget "eid:{079191000001}:reg" name)" = "Lê Thị Hoa" ]' "$REDIS_PORT"
	printf 'id,name\n001085012345,An\n' > "$E2E_DIR/header.csv"
	out=$("$EIDCTL" -c "$E2E_DIR/authd.json" import-population "$E2E_DIR/header.csv" 2>&1); rc=$?
	check "import: a wrong header stops the import (exit 1, line 1 named)" \
		bash -c '[ "$0" = 1 ] && grep -q "header.csv:1: header must be" <<<"$1"' "$rc" "$out"
	redis_stop
	out=$("$EIDCTL" -c "$E2E_DIR/authd.json" import-population "$REPO/config/population-demo.csv" 2>&1); rc=$?
	check "import: Redis down is an error, not a crash (exit 1)" \
		bash -c '[ "$0" = 1 ] && grep -q "eidctl: redis:" <<<"$1"' "$rc" "$out"
}

# post PATH JSON: POSTs JSON to authd; prints "<status> <body>".
post() { curl -sS -X POST -H 'Content-Type: application/json' -d "$2" -w ' %{http_code}' "$(url "$1")" | awk '{code=$NF; $NF=""; sub(/ $/, ""); print code " " $0}'; }
# The last SMS sent to a phone, from the dev outbox: its 6-digit code.
sms_code() { redis-cli -p "$REDIS_PORT" --raw xrevrange eid:sms:outbox + - count 20 | awk -v p="$1" '$0 == p {f=1} f && /VNeID/ {print; exit}' | grep -o '[0-9]\{6\}' ; }

export -f post sms_code

DEMO='{"id_number":"001085012345","phone":"0912345678","full_name":"Nguyễn Văn An","date_of_birth":"1985-03-14"}'

activation_env() {
	prepare_dirs; redis_start; write_conf "${1:-.}"
	"$(dirname "$AUTHD")/eidctl" -c "$E2E_DIR/authd.json" import-population "$REPO/config/population-demo.csv" >/dev/null
	authd_start
}

suite_activation_start_verify() {
	activation_env || { nok "authd starts"; return; }
	local out aid code
	out=$(post /app/v1/activation/start "$DEMO")
	check "start: matching details get 200, an activation id and the masked phone" bash -c \
		'[ "${0%% *}" = 200 ] && jqe ".activation_id | length > 20" <<<"${0#* }" >/dev/null &&
		 jqe ".phone == \"+84*****5678\" and .expires_in == 300" <<<"${0#* }"' "$out"
	aid=$(jq -r .activation_id <<<"${out#* }")
	code=$(sms_code +84912345678)
	check "start: a 6-digit code went to the phone on file (dev outbox)" test "${#code}" = 6
	check "start: Redis holds the code's MAC and the activation id's hash, never either" bash -c \
		'v=$(redis-cli -p "$0" hgetall "eid:{001085012345}:act"); ! grep -qx "$1" <<<"$v" && ! grep -qx "$2" <<<"$v"' \
		"$REDIS_PORT" "$code" "$aid"
	check "start: the name matches whatever its case (ID cards print capitals)" bash -c \
		'[ "$(post /app/v1/activation/start "$(jq -c ".full_name = \"NGUYỄN VĂN AN\"" <<<"$0")" | cut -d" " -f1)" = 200 ]' "$DEMO"
	# the second start replaced the first: use its code
	out=$(post /app/v1/activation/start "$DEMO"); aid=$(jq -r .activation_id <<<"${out#* }"); code=$(sms_code +84912345678)
	local wrong=000000; [ "$code" = 000000 ] && wrong=111111
	out=$(post /app/v1/activation/verify "{\"id_number\":\"001085012345\",\"activation_id\":\"$aid\",\"code\":\"$wrong\"}")
	check "verify: a wrong code is refused with the attempts left" bash -c \
		'[ "${0%% *}" = 400 ] && jqe ".error == \"invalid_code\" and .attempts_left == 4" <<<"${0#* }"' "$out"
	out=$(post /app/v1/activation/verify "{\"id_number\":\"001085012345\",\"activation_id\":\"wrong-activation\",\"code\":\"$code\"}")
	check "verify: the right code for another activation id is refused" test "${out%% *}" = 400
	out=$(post /app/v1/activation/verify "{\"id_number\":\"001085012345\",\"activation_id\":\"$aid\",\"code\":\"$code\"}")
	check "verify: the right code verifies" test "$out" = '200 {"status":"verified"}'
	out=$(post /app/v1/activation/verify "{\"id_number\":\"001085012345\",\"activation_id\":\"$aid\",\"code\":\"$code\"}")
	check "verify: a code is single-use" bash -c \
		'[ "${0%% *}" = 400 ] && jqe ".error_description == \"this code was already used\"" <<<"${0#* }"' "$out"
	# five wrong codes end the activation; the right code is refused afterwards
	out=$(post /app/v1/activation/start "$DEMO"); aid=$(jq -r .activation_id <<<"${out#* }"); code=$(sms_code +84912345678)
	wrong=000000; [ "$code" = 000000 ] && wrong=111111
	for _ in 1 2 3 4; do post /app/v1/activation/verify "{\"id_number\":\"001085012345\",\"activation_id\":\"$aid\",\"code\":\"$wrong\"}" >/dev/null; done
	out=$(post /app/v1/activation/verify "{\"id_number\":\"001085012345\",\"activation_id\":\"$aid\",\"code\":\"$wrong\"}")
	check "verify: the fifth wrong code ends the activation" bash -c \
		'jqe ".error_description | startswith(\"too many wrong codes\")" <<<"${0#* }"' "$out"
	out=$(post /app/v1/activation/verify "{\"id_number\":\"001085012345\",\"activation_id\":\"$aid\",\"code\":\"$code\"}")
	check "verify: after that even the right code is refused" test "${out%% *}" = 400
	# expiry: let the activation's lifetime run out (PEXPIRE stands in for five minutes)
	out=$(post /app/v1/activation/start "$DEMO"); aid=$(jq -r .activation_id <<<"${out#* }"); code=$(sms_code +84912345678)
	redis-cli -p "$REDIS_PORT" pexpire "eid:{001085012345}:act" 1 >/dev/null; sleep 0.05
	out=$(post /app/v1/activation/verify "{\"id_number\":\"001085012345\",\"activation_id\":\"$aid\",\"code\":\"$code\"}")
	check "verify: an expired code is refused" bash -c \
		'[ "${0%% *}" = 400 ] && jqe ".error_description == \"no such operation, or it has expired\"" <<<"${0#* }"' "$out"
}

suite_activation_mismatch() {
	activation_env '.accounts.activation_mismatches_per_ip_hour = 8' || { nok "authd starts"; return; }
	local wrong_phone wrong_name wrong_dob unknown a b c d
	wrong_phone=$(jq -c '.phone = "0912345679"' <<<"$DEMO")
	wrong_name=$(jq -c '.full_name = "Nguyễn Văn Ân"' <<<"$DEMO")
	wrong_dob=$(jq -c '.date_of_birth = "1985-03-15"' <<<"$DEMO")
	unknown=$(jq -c '.id_number = "001085999999"' <<<"$DEMO")
	a=$(post /app/v1/activation/start "$wrong_phone"); b=$(post /app/v1/activation/start "$wrong_name")
	c=$(post /app/v1/activation/start "$wrong_dob"); d=$(post /app/v1/activation/start "$unknown")
	check "mismatch: wrong phone, name, date of birth and unknown ID get one same answer" bash -c \
		'[ "$0" = "$1" ] && [ "$1" = "$2" ] && [ "$2" = "$3" ] && [ "$0" = "400 {\"error\":\"mismatch\",\"error_description\":\"details do not match\"}" ]' "$a" "$b" "$c" "$d"
	check "mismatch: no SMS was sent" test "$(redis-cli -p "$REDIS_PORT" xlen eid:sms:outbox)" = 0
	post /app/v1/activation/start "$wrong_dob" >/dev/null; post /app/v1/activation/start "$wrong_dob" >/dev/null
	a=$(post /app/v1/activation/start "$DEMO")
	check "mismatch: after 5 mismatches for an ID number even the right details get 429" bash -c \
		'[ "${0%% *}" = 429 ] && jqe ".error == \"rate_limited\"" <<<"${0#* }"' "$a"
	check "mismatch: the limited attempt sent no SMS" test "$(redis-cli -p "$REDIS_PORT" xlen eid:sms:outbox)" = 0
	# per client address: 8 mismatches from one IP, over several ID numbers
	for id in 079191000001 048300000007 001085000001; do post /app/v1/activation/start "$(jq -c ".id_number = \"$id\"" <<<"$DEMO")" >/dev/null; done
	a=$(post /app/v1/activation/start "$(jq -c '.id_number = "002203852315" | .full_name = "Hồ Minh Sơn" | .date_of_birth = "2003-03-06" | .phone = "0372387804"' <<<"$DEMO")")
	check "mismatch: after 8 mismatches from one address, a matching citizen from it gets 429 too" test "${a%% *}" = 429
	check "mismatch: refusals are logged with a masked ID number, never the full one" bash -c \
		'grep -q "\"ev\":\"activation_mismatch\".*\"id\":\"001085\*\*\*\*\*\*\"" "$0" && ! grep -q "001085012345" "$0"' "$AUTHD_LOG"
}

suite_app_bad_input() {
	activation_env || { nok "authd starts"; return; }
	local out
	check "bad input: 11-digit ID number → 400 naming the field" bash -c \
		'o=$(post /app/v1/activation/start "$(jq -c ".id_number = \"00108501234\"" <<<"$0")"); [ "$o" = "400 {\"error\":\"invalid_request\",\"error_description\":\"id_number: must be 12 digits\"}" ]' "$DEMO"
	check "bad input: a landline phone → 400" bash -c \
		'[ "$(post /app/v1/activation/start "$(jq -c ".phone = \"02412345678\"" <<<"$0")" | cut -d" " -f1)" = 400 ]' "$DEMO"
	check "bad input: a missing field → 400 naming it" bash -c \
		'o=$(post /app/v1/activation/start "$(jq -c "del(.full_name)" <<<"$0")"); jqe ".error_description == \"full_name: missing\"" <<<"${o#* }"' "$DEMO"
	check "bad input: a number where a string belongs → 400" bash -c \
		'o=$(post /app/v1/activation/start "$(jq -c ".phone = 912345678" <<<"$0")"); jqe ".error_description == \"phone: must be a string\"" <<<"${o#* }"' "$DEMO"
	check "bad input: an impossible date → 400" bash -c \
		'[ "$(post /app/v1/activation/start "$(jq -c ".date_of_birth = \"1985-02-30\"" <<<"$0")" | cut -d" " -f1)" = 400 ]' "$DEMO"
	check "bad input: not JSON → 400" test "$(post /app/v1/activation/start '{"id_number":' | cut -d' ' -f1)" = 400
	check "bad input: a JSON array → 400" test "$(post /app/v1/activation/start '[1,2]' | cut -d' ' -f1)" = 400
	check "bad input: duplicate keys → 400" test "$(post /app/v1/activation/start '{"id_number":"001085012345","id_number":"079191000001"}' | cut -d' ' -f1)" = 400
	check "bad input: wrong content type → 415" \
		test "$(curl -sS -o /dev/null -w '%{http_code}' -X POST -d "$DEMO" "$(url /app/v1/activation/start)")" = 415
	check "bad input: a body over the route's limit → 413" bash -c \
		'[ "$(head -c 8000 /dev/zero | tr "\0" a | curl -sS -o /dev/null -w "%{http_code}" -X POST -H "Content-Type: application/json" --data-binary @- "$0")" = 413 ]' "$(url /app/v1/activation/start)"
	check "bad input: GET on a POST route → 405" \
		test "$(curl -sS -o /dev/null -w '%{http_code}' "$(url /app/v1/activation/start)")" = 405
	check "bad input: nothing was written to Redis" \
		test "$(redis-cli -p "$REDIS_PORT" --scan --pattern 'eid:{*}:act' | wc -l)" = 0
	redis_stop
	out=$(post /app/v1/activation/start "$DEMO")
	check "Redis down: 503 temporarily_unavailable" bash -c \
		'[ "${0%% *}" = 503 ] && jqe ".error == \"temporarily_unavailable\"" <<<"${0#* }"' "$out"
}

APP() { "$(dirname "$AUTHD")/eid-app" --url "$(url '')" -c "$E2E_DIR/authd.json" "$@"; }
export -f APP post sms_code
export HERE
export AUTHD E2E_DIR
ACT_ARGS=(--id 001085012345 --phone 0912345678 --name "Nguyễn Văn An" --dob 1985-03-14 --passcode 468213)

suite_activation_complete() {
	activation_env || { nok "authd starts"; return; }
	local out rc
	out=$(APP --state "$E2E_DIR/app" --dev-sms activate "${ACT_ARGS[@]}" --password 'Matkhau#2026' 2>&1); rc=$?
	check "eid-app activate: the real flow ends with an active level-1 account" \
		bash -c '[ "$0" = 0 ] && grep -q "^activated: level 1, device " <<<"$1"' "$rc" "$out"
	check "eid-app keeps its device key and secrets in files only it can read (0600)" bash -c \
		'[ "$(stat -c %a "$0/device.pem")" = 600 ] && [ "$(stat -c %a "$0/state.json")" = 600 ] &&
		 openssl pkey -in "$0/device.pem" -noout -text 2>/dev/null | grep -q "prime256v1\|P-256"' "$E2E_DIR/app"
	local acct; acct=$(redis-cli -p "$REDIS_PORT" --raw hgetall "eid:{001085012345}:acct")
	check "account: status active, level 1, bound to the app's device (id = JWK thumbprint)" bash -c \
		'grep -qx active <<<"$0" && [ "$(redis-cli -p "$1" hget "eid:{001085012345}:acct" device_id)" = "$(jq -r .device_id "$2/state.json")" ]' "$acct" "$REDIS_PORT" "$E2E_DIR/app"
	check "account: password and passcode stored as Argon2id (OWASP minimum), never in clear" bash -c \
		'[ "$(grep -cF -- "\$argon2id\$v=19\$m=19456,t=2,p=1\$" <<<"$0")" = 2 ] && ! grep -qx "Matkhau#2026\|468213" <<<"$0"' "$acct"
	check "account: the TOTP seed is stored encrypted, and decrypts (AES-GCM, data key) to the app's secret; eid-app otp is RFC 6238" \
		node "$HERE/totp_check.mjs" "$E2E_DIR/keys" 001085012345 \
		"$(redis-cli -p "$REDIS_PORT" hget "eid:{001085012345}:acct" totp)" \
		"$(jq -r .totp.secret "$E2E_DIR/app/state.json")" "$(APP --state "$E2E_DIR/app" otp)"
	check "account: the level history records how level 1 was reached" bash -c \
		'redis-cli -p "$0" lrange "eid:{001085012345}:levels" 0 -1 | jqe ".level == 1 and .by == \"citizen\" and .how == \"activation\""' "$REDIS_PORT"
	check "account: the pending activation is gone" \
		test "$(redis-cli -p "$REDIS_PORT" exists "eid:{001085012345}:act")" = 0
	out=$(APP --state "$E2E_DIR/app2" --dev-sms activate "${ACT_ARGS[@]}" --password 'Matkhau#2026' 2>&1); rc=$?
	check "activating an activated citizen again is refused (409, says what to do)" bash -c \
		'[ "$0" = 1 ] && grep -q "409 account_exists" <<<"$1" && grep -q "recovery or a new device" <<<"$1"' "$rc" "$out"
	check "eid-app status shows the masked ID number and the device" bash -c \
		'APP --state "$0" status | grep -q "^citizen   001085\*\*\*\*\*\*$"' "$E2E_DIR/app"
}

# Starts an activation and verifies its code; prints the activation id.
verified_activation() {
	local id=$1 phone=$2 name=$3 dob=$4 out aid code
	out=$(post /app/v1/activation/start "{\"id_number\":\"$id\",\"phone\":\"$phone\",\"full_name\":\"$name\",\"date_of_birth\":\"$dob\"}")
	aid=$(jq -r .activation_id <<<"${out#* }")
	code=$(sms_code "+84${phone#0}")
	post /app/v1/activation/verify "{\"id_number\":\"$id\",\"activation_id\":\"$aid\",\"code\":\"$code\"}" >/dev/null
	echo "$aid"
}

JWK='{"kty":"EC","crv":"P-256","x":"XrOwVyrB39714ufbIHMEJqEKBTA1K8lg4v8lN0H0Xw0","y":"RcIjJWdNxBx9BwKxWW_kFZk_XGgndTAODwOQpoyFGko"}'
SELFIE=ebc23a22ba78ac989a8483edfe5d23a33cc9f2fb230ab46831262a6f58c811a1

complete_body() { # aid password passcode [jwk]
	jq -nc --arg aid "$1" --arg pw "$2" --arg pc "$3" --argjson jwk "${4:-$JWK}" --arg s "$SELFIE" \
		'{id_number: "001085012345", activation_id: $aid, device_key: $jwk, device_name: "test",
		  selfie_hash: $s, password: $pw, passcode: $pc}'
}

suite_activation_refusals() {
	activation_env || { nok "authd starts"; return; }
	local aid out
	out=$(post /app/v1/activation/start "$DEMO"); aid=$(jq -r .activation_id <<<"${out#* }")
	out=$(post /app/v1/activation/complete "$(complete_body "$aid" 'Matkhau#2026' 468213)")
	check "complete before the SMS code is verified is refused" bash -c \
		'[ "${0%% *}" = 400 ] && jqe ".error_description == \"verify the SMS code first\"" <<<"${0#* }"' "$out"
	aid=$(verified_activation 001085012345 0912345678 "Nguyễn Văn An" 1985-03-14)
	for pw in 'Sh#1a' 'matkhau#2026' 'MATKHAU#2026' 'Matkhau#abcd' 'Matkhau12026' 'Mậtkhẩu#2026' 'Matkhau#2026-too-long!'; do
		out=$(post /app/v1/activation/complete "$(complete_body "$aid" "$pw" 468213)")
		check "weak password refused: $pw" bash -c '[ "${0%% *}" = 400 ] && jqe ".error == \"weak_secret\"" <<<"${0#* }"' "$out"
	done
	for pc in 000000 123456 654321 121212 140385 850314 12345 abcdef; do
		out=$(post /app/v1/activation/complete "$(complete_body "$aid" 'Matkhau#2026' "$pc")")
		check "trivial passcode refused: $pc" bash -c '[ "${0%% *}" = 400 ] && jqe ".error == \"weak_secret\"" <<<"${0#* }"' "$out"
	done
	out=$(post /app/v1/activation/complete "$(complete_body "$aid" 'Matkhau#2026' 468213 "$(jq -c '.d = "AAAA"' <<<"$JWK")")")
	check "a device key with a private member is refused" bash -c '[ "${0%% *}" = 400 ] && grep -q "device_key" <<<"$0"' "$out"
	out=$(post /app/v1/activation/complete "$(complete_body "$aid" 'Matkhau#2026' 468213 '{"kty":"EC","crv":"P-256","x":"AAAA","y":"AAAA"}')")
	check "a device key that is not a P-256 point is refused" test "${out%% *}" = 400
	out=$(post /app/v1/activation/complete "$(complete_body "$aid" 'Matkhau#2026' 468213 '"not a jwk"')")
	check "a device key that is not a JWK object is refused" test "${out%% *}" = 400
	out=$(post /app/v1/activation/complete "$(complete_body "wrong-activation-id" 'Matkhau#2026' 468213)")
	check "complete with another activation id is refused" test "${out%% *}" = 400
	check "after every refusal: no account, the verified activation still pending" bash -c \
		'[ "$(redis-cli -p "$0" exists "eid:{001085012345}:acct")" = 0 ] && [ "$(redis-cli -p "$0" hget "eid:{001085012345}:act" state)" = verified ]' "$REDIS_PORT"
	out=$(post /app/v1/activation/complete "$(complete_body "$aid" 'Matkhau#2026' 468213)")
	check "then the right request activates (201)" test "${out%% *}" = 201
	out=$(post /app/v1/activation/complete "$(complete_body "$aid" 'Matkhau#2026' 468213)")
	check "replaying the completed activation is refused" test "${out%% *}" = 400
}

# SIGKILL during activation: every citizen ends with no account or a whole one.
WHOLE_ACCOUNT=created,device_bound,device_id,device_key,device_name,level,pin,pin_fails,pwd,pwd_fails,selfie,status,totp
suite_activation_sigkill() {
	activation_env '.workers = 2' || { nok "authd starts"; return; }
	local ids=() line n=0
	while IFS=, read -r id name dob sex res phone doc; do
		[ "$id" = id_number ] && continue
		n=$((n + 1)); [ $n -gt 12 ] && break
		aid=$(verified_activation "$id" "$phone" "$name" "$dob")
		ids+=("$id")
		echo "$id $aid" >> "$E2E_DIR/pending"
	done < <(sed -n '2,40p' "$REPO/config/population-demo.csv" | sed 's/"[^"]*"/RES/')
	local verified=0
	for id in "${ids[@]}"; do
		[ "$(redis-cli -p "$REDIS_PORT" hget "eid:{$id}:act" state)" = verified ] && verified=$((verified + 1))
	done
	check "setup: ${#ids[@]} activations verified before the kill" test "$verified" = "${#ids[@]}"
	# fire all completions at once, and kill authd (master and workers) while they hash
	local cpids=()
	while read -r id aid; do
		jq -nc --arg id "$id" --arg aid "$aid" --argjson jwk "$JWK" --arg s "$SELFIE" \
			'{id_number: $id, activation_id: $aid, device_key: $jwk, device_name: "t",
			  selfie_hash: $s, password: "Matkhau#2026", passcode: "468213"}' > "$E2E_DIR/body.$id"
		curl -sS -o /dev/null -X POST -H 'Content-Type: application/json' --data-binary @"$E2E_DIR/body.$id" \
			"$(url /app/v1/activation/complete)" 2>/dev/null &
		cpids+=($!)
	done < "$E2E_DIR/pending"
	sleep 0.04
	local workers; workers=$(pgrep -P "$AUTHD_PID")
	kill -9 "$AUTHD_PID" $workers 2>/dev/null
	wait "${cpids[@]}" 2>/dev/null
	local whole=0 none=0 partial=0
	for id in "${ids[@]}"; do
		local fields lv act
		# a whole account has every one of these fields, and nothing else
		fields=$(redis-cli -p "$REDIS_PORT" --raw hkeys "eid:{$id}:acct" | sort | paste -sd, -)
		lv=$(redis-cli -p "$REDIS_PORT" llen "eid:{$id}:levels")
		act=$(redis-cli -p "$REDIS_PORT" exists "eid:{$id}:act")
		if [ -z "$fields" ] && [ "$lv" = 0 ] && [ "$act" = 1 ]; then none=$((none + 1))
		elif [ "$fields" = "$WHOLE_ACCOUNT" ] && [ "$lv" = 1 ] && [ "$act" = 0 ]; then whole=$((whole + 1))
		else partial=$((partial + 1)); echo "        partial: $id fields=$fields levels=$lv act=$act"; fi
	done
	echo "        (after SIGKILL: $whole whole accounts, $none none, $partial partial)"
	check "SIGKILL during activation: no partial account (${#ids[@]} citizens)" test "$partial" = 0
	check "SIGKILL landed mid-way (some activations had not committed)" test "$none" -gt 0
}

# challenge ID → a fresh app-login challenge
challenge() { post /app/v1/login/challenge "{\"id_number\":\"$1\"}" | cut -d' ' -f2- | jq -r .challenge; }
# proof STATE CHALLENGE [ALG] → a login JWS signed by that app's device key (node crypto)
proof() { node "$HERE/app_sign.mjs" "$1/device.pem" "$(jq -r .device_id "$1/state.json")" "$2" 001085012345 "$(url /app/v1/login)" "${3:-ES256}"; }
login_body() { jq -nc --arg c "$1" --arg s "$2" --arg p "$3" '{id_number: "001085012345", challenge: $c, signature: $s, passcode: $p}'; }

suite_app_login() {
	activation_env || { nok "authd starts"; return; }
	local S=$E2E_DIR/app out c p tok
	APP --state "$S" --dev-sms activate "${ACT_ARGS[@]}" --password 'Matkhau#2026' >/dev/null
	out=$(APP --state "$S" login --passcode 468213 2>&1)
	check "eid-app login: passcode + device signature open an app session" grep -q "^logged in" <<<"$out"
	tok=$(jq -r .session "$S/state.json")
	out=$(curl -sS -H "Authorization: Bearer $tok" -w ' %{http_code}' "$(url /app/v1/me)")
	check "the session is a bearer for the app API (/me: active, level 1, masked ID)" bash -c \
		'[ "${0##* }" = 200 ] && jqe ".status == \"active\" and .level == 1 and .id_number == \"001085******\" and (.amr | index(\"hwk\"))" <<<"${0% *}"' "$out"
	check "/me without a session: 401 with WWW-Authenticate" bash -c \
		'curl -sS -D - -o /dev/null "$0" | tr -d "\r" | grep -q "^WWW-Authenticate: Bearer"' "$(url /app/v1/me)"
	check "/me with a forged session: 401" test "$(curl -sS -o /dev/null -w '%{http_code}' -H "Authorization: Bearer 001085012345.forged" "$(url /app/v1/me)")" = 401
	check "the session slides: its expiry is renewed on use" bash -c \
		'k=$(redis-cli -p "$0" --scan --pattern "eid:{001085012345}:as:*" | head -1); redis-cli -p "$0" expire "$k" 100 >/dev/null;
		 curl -fsS -o /dev/null -H "Authorization: Bearer $1" "$2"; [ "$(redis-cli -p "$0" ttl "$k")" -gt 1000 ]' "$REDIS_PORT" "$tok" "$(url /app/v1/me)"
	# replay: the same challenge and signature twice
	c=$(challenge 001085012345); p=$(proof "$S" "$c")
	out=$(post /app/v1/login "$(login_body "$c" "$p" 468213)")
	check "a login proof signed with node crypto is accepted" test "${out%% *}" = 200
	out=$(post /app/v1/login "$(login_body "$c" "$p" 468213)")
	check "a replayed login (same challenge and signature) is refused" bash -c \
		'[ "${0%% *}" = 400 ] && jqe ".error_description == \"this challenge was already used\"" <<<"${0#* }"' "$out"
	# another device's key, alg none, HS256 keyed with the public key, a forged challenge
	mkdir -p "$E2E_DIR/evil"; cp "$S/state.json" "$E2E_DIR/evil/"
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$E2E_DIR/evil/device.pem" 2>/dev/null
	c=$(challenge 001085012345)
	out=$(post /app/v1/login "$(login_body "$c" "$(proof "$E2E_DIR/evil" "$c")" 468213)")
	check "a login signed by another device's key is refused (401 invalid_device)" bash -c \
		'[ "${0%% *}" = 401 ] && jqe ".error == \"invalid_device\"" <<<"${0#* }"' "$out"
	out=$(post /app/v1/login "$(login_body "$c" "$(proof "$S" "$c" none)" 468213)")
	check "alg none is refused" test "${out%% *}" = 401
	out=$(post /app/v1/login "$(login_body "$c" "$(proof "$S" "$c" HS256)" 468213)")
	check "HS256 keyed with the device's public key is refused" test "${out%% *}" = 401
	check "device refusals count no passcode failure" \
		test "$(redis-cli -p "$REDIS_PORT" hget "eid:{001085012345}:acct" pin_fails)" = 0
	# flip one character in the middle (the MAC no longer matches)
	local f; f=${c:0:20}$([ "${c:20:1}" = A ] && echo B || echo A)${c:21}
	out=$(post /app/v1/login "$(login_body "$f" "$(proof "$S" "$f")" 468213)")
	check "a forged challenge is refused" test "${out%% *}" = 400
	out=$(post /app/v1/login "{\"id_number\":\"079191000001\",\"challenge\":\"$(challenge 079191000001)\",\"signature\":\"$p\",\"passcode\":\"468213\"}")
	check "an ID number without an account answers like a wrong device (no enumeration)" bash -c \
		'[ "${0%% *}" = 401 ] && jqe ".error == \"invalid_device\"" <<<"${0#* }"' "$out"
	# a device logging in again and again: each commit walks the account's sessions, so their
	# number is bounded (16): older ones end, the newest works
	for _ in $(seq 18); do APP --state "$S" login --passcode 468213 >/dev/null 2>&1; done
	tok=$(jq -r .session "$S/state.json")
	check "at most 16 live app sessions per account (older ones end); the newest works" bash -c \
		'[ "$(redis-cli -p "$0" scard "eid:{001085012345}:sessions")" -le 16 ] &&
		 [ "$(redis-cli -p "$0" --scan --pattern "eid:{001085012345}:as:*" | wc -l)" -le 16 ] &&
		 curl -fsS -o /dev/null -H "Authorization: Bearer $1" "$2"' "$REDIS_PORT" "$tok" "$(url /app/v1/me)"
}

suite_app_lockout() {
	activation_env || { nok "authd starts"; return; }
	local S=$E2E_DIR/app out i c
	APP --state "$S" --dev-sms activate "${ACT_ARGS[@]}" --password 'Matkhau#2026' >/dev/null
	for i in 1 2 3 4; do
		c=$(challenge 001085012345); out=$(post /app/v1/login "$(login_body "$c" "$(proof "$S" "$c")" 111111)")
	done
	check "wrong passcodes count down (1 attempt left after 4)" bash -c \
		'[ "${0%% *}" = 401 ] && jqe ".error == \"invalid_passcode\" and .attempts_left == 1" <<<"${0#* }"' "$out"
	c=$(challenge 001085012345); out=$(post /app/v1/login "$(login_body "$c" "$(proof "$S" "$c")" 111111)")
	check "the 5th wrong passcode locks the account (423, retry_after 300 s)" bash -c \
		'[ "${0%% *}" = 423 ] && jqe ".error == \"account_locked\" and .retry_after == 300" <<<"${0#* }"' "$out"
	c=$(challenge 001085012345); out=$(post /app/v1/login "$(login_body "$c" "$(proof "$S" "$c")" 468213)")
	check "while locked, even the right passcode is refused" test "${out%% *}" = 423
	check "the lock is logged with the masked ID number" grep -q '"ev":"account_locked".*"id":"001085\*\*\*\*\*\*"' "$AUTHD_LOG"
	# the lock expires (stand-in for five minutes passing)
	redis-cli -p "$REDIS_PORT" hset "eid:{001085012345}:acct" locked_until "$(( $(date +%s) - 1 ))" >/dev/null
	c=$(challenge 001085012345); out=$(post /app/v1/login "$(login_body "$c" "$(proof "$S" "$c")" 468213)")
	check "after the lock expires the right passcode logs in" test "${out%% *}" = 200
	for i in 1 2 3 4 5; do
		c=$(challenge 001085012345); out=$(post /app/v1/login "$(login_body "$c" "$(proof "$S" "$c")" 111111)")
	done
	check "the next lock waits twice as long (600 s)" bash -c \
		'[ "${0%% *}" = 423 ] && jqe ".retry_after == 600" <<<"${0#* }"' "$out"
}

me_code() { curl -sS -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $(jq -r .session "$1/state.json")" "$(url /app/v1/me)"; }

suite_rebind() {
	activation_env || { nok "authd starts"; return; }
	local A1=$E2E_DIR/app1 A2=$E2E_DIR/app2 out rc i
	APP --state "$A1" --dev-sms activate "${ACT_ARGS[@]}" --password 'Matkhau#2026' >/dev/null
	APP --state "$A1" login --passcode 468213 >/dev/null
	check "before: the old phone's session works" test "$(me_code "$A1")" = 200
	out=$(APP --state "$A2" --dev-sms rebind --id 001085012345 --password 'Matkhau#2026' 2>&1); rc=$?
	check "eid-app rebind: password + SMS code bind the new phone" bash -c '[ "$0" = 0 ] && grep -q "^new device bound, device " <<<"$1"' "$rc" "$out"
	check "rebind: the account is bound to the new device" \
		test "$(redis-cli -p "$REDIS_PORT" hget "eid:{001085012345}:acct" device_id)" = "$(jq -r .device_id "$A2/state.json")"
	check "rebind: the old phone's session ended" test "$(me_code "$A1")" = 401
	out=$(APP --state "$A1" login --passcode 468213 2>&1)
	check "rebind: the old phone can no longer log in (invalid_device)" grep -q "401 invalid_device" <<<"$out"
	out=$(APP --state "$A2" login --passcode 468213 2>&1)
	check "rebind: the new phone logs in with the same passcode" grep -q "^logged in" <<<"$out"
	check "rebind: the level is kept (password + SMS are two factors)" \
		test "$(jq -r .level "$A2/state.json")" = 1
	check "rebind: the new phone got a new TOTP seed, and only it matches the stored one" bash -c \
		'node "$0/totp_check.mjs" "$1/keys" 001085012345 "$(redis-cli -p "$2" hget "eid:{001085012345}:acct" totp)" "$(jq -r .totp.secret "$3/state.json")" "$(APP --state "$3" otp)" &&
		 ! node "$0/totp_check.mjs" "$1/keys" 001085012345 "$(redis-cli -p "$2" hget "eid:{001085012345}:acct" totp)" "$(jq -r .totp.secret "$4/state.json")" "$(APP --state "$4" otp)" 2>/dev/null' \
		"$HERE" "$E2E_DIR" "$REDIS_PORT" "$A2" "$A1"
	out=$(post /app/v1/device/start '{"id_number":"001085012345","password":"Wrong#Pass1"}')
	check "rebind: a wrong password is refused (401 invalid_password)" bash -c \
		'[ "${0%% *}" = 401 ] && jqe ".error == \"invalid_password\"" <<<"${0#* }"' "$out"
	local unknown; unknown=$(post /app/v1/device/start '{"id_number":"079191000001","password":"Wrong#Pass1"}')
	check "rebind: an ID number without an account answers exactly like a wrong password" test "$unknown" = "$out"
	for i in 2 3 4 5; do out=$(post /app/v1/device/start '{"id_number":"001085012345","password":"Wrong#Pass1"}'); done
	check "rebind: the wrong password that locks reads like any other" test "$out" = "$unknown"
	check "rebind: the lock is logged" grep -q '"ev":"account_locked".*"by":"password"' "$AUTHD_LOG"
	out=$(post /app/v1/device/start '{"id_number":"001085012345","password":"Matkhau#2026"}')
	check "rebind: while locked, only the right password learns of the lock (423)" test "${out%% *}" = 423
	out=$(post /app/v1/device/start '{"id_number":"001085012345","password":"Wrong#Pass1"}')
	check "rebind: while locked, a wrong password still reads like a wrong password" test "$out" = "$unknown"
}

suite_recovery() {
	activation_env || { nok "authd starts"; return; }
	local A1=$E2E_DIR/app1 A2=$E2E_DIR/app2 out rc
	APP --state "$A1" --dev-sms activate "${ACT_ARGS[@]}" --password 'Matkhau#2026' >/dev/null
	APP --state "$A1" login --passcode 468213 >/dev/null
	# stand-in for a level-2 account, and a lock from forgotten passcodes
	redis-cli -p "$REDIS_PORT" hset "eid:{001085012345}:acct" level 2 locked_until "$(( $(date +%s) + 3000 ))" >/dev/null
	out=$(APP --state "$A2" --dev-sms recover --id 001085012345 --phone 0912345678 --name "Nguyễn Văn An" \
		--dob 1985-03-14 --password 'Moi#Matkhau9' --passcode 902417 2>&1); rc=$?
	check "eid-app recover: registry details + SMS code give new secrets on this phone" \
		bash -c '[ "$0" = 0 ] && grep -q "^recovered: level 1" <<<"$1"' "$rc" "$out"
	check "recovery: every session of the account ended" test "$(me_code "$A1")" = 401
	check "recovery: the level drops to 1, and the history says why" bash -c \
		'[ "$(redis-cli -p "$0" hget "eid:{001085012345}:acct" level)" = 1 ] &&
		 redis-cli -p "$0" lrange "eid:{001085012345}:levels" -1 -1 | jqe ".level == 1 and .how == \"recovery\""' "$REDIS_PORT"
	out=$(APP --state "$A2" login --passcode 902417 2>&1)
	check "recovery: the lock is cleared and the new passcode logs in on the new phone" grep -q "^logged in" <<<"$out"
	out=$(APP --state "$A1" login --passcode 468213 2>&1)
	check "recovery: the old phone is retired" grep -q "401 invalid_device" <<<"$out"
	out=$(post /app/v1/device/start '{"id_number":"001085012345","password":"Matkhau#2026"}')
	check "recovery: the old password no longer verifies" test "${out%% *}" = 401
	out=$(post /app/v1/device/start '{"id_number":"001085012345","password":"Moi#Matkhau9"}')
	check "recovery: the new password does" test "${out%% *}" = 200
	out=$(post /app/v1/recovery/start "$(jq -c '.phone = "0912345679"' <<<"$DEMO")")
	check "recovery: a detail that differs gets the one mismatch answer" test "$out" = '400 {"error":"mismatch","error_description":"details do not match"}'
	out=$(post /app/v1/recovery/start '{"id_number":"002203852315","phone":"0372387804","full_name":"Hồ Minh Sơn","date_of_birth":"2003-03-06"}')
	check "recovery: a citizen without an account is told to activate (409)" bash -c \
		'[ "${0%% *}" = 409 ] && jqe ".error == \"no_account\"" <<<"${0#* }"' "$out"
	redis-cli -p "$REDIS_PORT" hset "eid:{001085012345}:acct" status revoked >/dev/null
	out=$(post /app/v1/recovery/start "$DEMO")
	check "recovery: a revoked account cannot be recovered from the app (403)" bash -c \
		'[ "${0%% *}" = 403 ] && jqe ".error == \"account_revoked\"" <<<"${0#* }"' "$out"
}

b64u() { openssl base64 -A < "$1" | tr '+/' '-_' | tr -d '='; }
chip_body() { jq -nc --arg s "$(b64u "$1")" --arg d "$(b64u "$2")" '{sod: $s, dg1: $d}'; }
chip_post() { curl -sS -X POST -H 'Content-Type: application/json' -H "Authorization: Bearer $1" -d "$2" -w ' %{http_code}' "$(url /app/v1/level2/chip)" | awk '{code=$NF; $NF=""; sub(/ $/, ""); print code " " $0}'; }

suite_level2_chip() {
	prepare_dirs; redis_start
	local P=$REPO/tests/pki
	"$P/mkpki.sh" "$E2E_DIR/pki" "VN Test CSCA"
	"$P/mkpki.sh" "$E2E_DIR/rogue" "Rogue CSCA"
	mkdir -p "$E2E_DIR/csca"; cp "$E2E_DIR/pki/csca.pem" "$E2E_DIR/csca/"
	write_conf ".chip.csca_dir = \"$E2E_DIR/csca\""
	"$(dirname "$AUTHD")/eidctl" -c "$E2E_DIR/authd.json" import-population "$REPO/config/population-demo.csv" >/dev/null
	authd_start || { nok "authd starts"; return; }
	local S=$E2E_DIR/app tok out
	APP --state "$S" --dev-sms activate "${ACT_ARGS[@]}" --password 'Matkhau#2026' >/dev/null
	APP --state "$S" login --passcode 468213 >/dev/null
	tok=$(jq -r .session "$S/state.json")
	# the demo citizen's chip, and variants
	"$P/mksod.sh" "$E2E_DIR/pki" "$E2E_DIR/good" 001085012345 085012345 850314 M 'NGUYEN<<VAN<AN'
	"$P/mksod.sh" "$E2E_DIR/rogue" "$E2E_DIR/rogue-sod" 001085012345 085012345 850314 M 'NGUYEN<<VAN<AN'
	"$P/mksod.sh" "$E2E_DIR/pki" "$E2E_DIR/other" 002203852315 203852315 030306 M 'HO<<MINH<SON'
	node -e 'const fs=require("fs"),c=require("crypto");const s=fs.readFileSync(process.argv[1]);
		const h=c.createHash("sha256").update(fs.readFileSync(process.argv[2])).digest();const i=s.indexOf(h);
		if(i<0)process.exit(1);s[i+5]^=1;fs.writeFileSync(process.argv[3],s)' \
		"$E2E_DIR/good/sod.der" "$E2E_DIR/good/dg1.bin" "$E2E_DIR/forged.der"
	out=$(chip_post "$tok" "$(chip_body "$E2E_DIR/forged.der" "$E2E_DIR/good/dg1.bin")")
	check "chip: a forged SOD (signed content altered) is refused" bash -c \
		'[ "${0%% *}" = 400 ] && jqe ".error == \"chip_invalid\" and (.error_description | contains(\"signature does not verify\"))" <<<"${0#* }"' "$out"
	out=$(chip_post "$tok" "$(chip_body "$E2E_DIR/rogue-sod/sod.der" "$E2E_DIR/rogue-sod/dg1.bin")")
	check "chip: a Document Signer from an untrusted CSCA is refused" bash -c \
		'[ "${0%% *}" = 400 ] && jqe ".error_description | contains(\"does not chain to a trusted CSCA\")" <<<"${0#* }"' "$out"
	out=$(chip_post "$tok" "$(chip_body "$E2E_DIR/good/sod.der" "$E2E_DIR/other/dg1.bin")")
	check "chip: a DG1 that is not the one the SOD signs is refused" bash -c \
		'[ "${0%% *}" = 400 ] && jqe ".error_description | contains(\"hash is not the one the SOD signs\")" <<<"${0#* }"' "$out"
	out=$(chip_post "$tok" "$(chip_body "$E2E_DIR/other/sod.der" "$E2E_DIR/other/dg1.bin")")
	check "chip: a genuine chip of another citizen does not match the registry" bash -c \
		'[ "${0%% *}" = 400 ] && jqe ".error == \"chip_mismatch\"" <<<"${0#* }"' "$out"
	out=$(chip_post "not-a-session" "$(chip_body "$E2E_DIR/good/sod.der" "$E2E_DIR/good/dg1.bin")")
	check "chip: without an app session: 401" test "${out%% *}" = 401
	out=$(chip_post "$tok" '{"sod":"!!","dg1":"AA"}')
	check "chip: a SOD that is not base64url: 400" test "${out%% *}" = 400
	out=$(chip_post "$tok" "$(jq -nc '{sod: "MIIB", dg1: "YQ"}')")
	check "chip: a SOD that is not CMS: 400" bash -c '[ "${0%% *}" = 400 ] && jqe ".error == \"chip_invalid\"" <<<"${0#* }"' "$out"
	check "chip: after every refusal the account is still level 1" \
		test "$(redis-cli -p "$REDIS_PORT" hget "eid:{001085012345}:acct" level)" = 1
	out=$(APP --state "$S" level2 --sod "$E2E_DIR/rogue-sod/sod.der" --dg1 "$E2E_DIR/rogue-sod/dg1.bin" 2>&1)
	check "eid-app level2 prints the refusal's reason" grep -q "400 chip_invalid.*trusted CSCA" <<<"$out"
	out=$(APP --state "$S" level2 --sod "$E2E_DIR/good/sod.der" --dg1 "$E2E_DIR/good/dg1.bin" 2>&1)
	check "eid-app level2: the citizen's own chip (passive authentication + registry match) raises to level 2" \
		grep -q "^level 2: " <<<"$out"
	check "chip: the level history records the chip path and document" bash -c \
		'redis-cli -p "$0" lrange "eid:{001085012345}:levels" -1 -1 | jqe ".level == 2 and .how == \"chip\" and .doc == \"085012345\""' "$REDIS_PORT"
	check "chip: the app session sees level 2" bash -c \
		'curl -fsS -H "Authorization: Bearer $0" "$1" | jqe ".level == 2"' "$tok" "$(url /app/v1/me)"
	{ printf '\x77\x82'; printf "\\x$(printf %02x $(( $(stat -c %s "$E2E_DIR/good/sod.der") >> 8 )))\\x$(printf %02x $(( $(stat -c %s "$E2E_DIR/good/sod.der") & 255 )))"; cat "$E2E_DIR/good/sod.der"; } > "$E2E_DIR/ef.sod"
	out=$(chip_post "$tok" "$(chip_body "$E2E_DIR/ef.sod" "$E2E_DIR/good/dg1.bin")")
	check "chip: EF.SOD in its '77' file tag is accepted too (idempotent at level 2)" test "${out%% *}" = 200
	check "chip: one level-2 entry in the history" \
		test "$(redis-cli -p "$REDIS_PORT" lrange "eid:{001085012345}:levels" 0 -1 | grep -c '"level":2')" = 1
}

# the last audit entry's field/value pairs, one per line
last_entry() { redis-cli -p "$REDIS_PORT" --raw xrevrange eid:audit + - count 1 | tail -n +2; }

suite_audit() {
	activation_env || { nok "authd starts"; return; }
	local EIDCTL; EIDCTL="$(dirname "$AUTHD")/eidctl -c $E2E_DIR/authd.json"
	local S=$E2E_DIR/app out rc c
	APP --state "$S" --dev-sms activate "${ACT_ARGS[@]}" --password 'Matkhau#2026' >/dev/null
	APP --state "$S" login --passcode 468213 >/dev/null
	APP --state "$S" login --passcode 111111 >/dev/null 2>&1
	post /app/v1/device/start '{"id_number":"001085012345","password":"Wrong#Pass1"}' >/dev/null
	# the tail comes over the admin API (docs/admin-api.md), as the dev admin client eidctl
	jq -n --arg u "$(url '')" --arg k "$E2E_DIR/keys/eidctl.pem" '{url: $u, client_id: "eidctl", key: $k}' > "$E2E_DIR/eidctl.json"
	out=$("$(dirname "$AUTHD")/eidctl" -C "$E2E_DIR/eidctl.json" audit tail 10)
	check "audit: activation, login, a wrong passcode and a wrong password are recorded" bash -c \
		'grep -q "account_activated *001085\*\*\*\*\*\*" <<<"$0" && grep -q "app_login " <<<"$0" &&
		 grep -q "passcode_failed" <<<"$0" && grep -q "password_failed" <<<"$0"' "$out"
	check "audit: entries carry masked ID numbers, never full ones, nor secrets" bash -c \
		'! redis-cli -p "$0" --raw xrange eid:audit - + | grep -q "001085012345\|Matkhau\|468213\|111111"' "$REDIS_PORT"
	out=$($EIDCTL audit verify); rc=$?
	check "audit verify: an untouched log passes (exit 0)" bash -c '[ "$0" = 0 ] && grep -q "entries, chain intact" <<<"$1"' "$rc" "$out"
	# delete the last entry: the head no longer matches
	local saved id; saved=$(last_entry); id=$(redis-cli -p "$REDIS_PORT" --raw xrevrange eid:audit + - count 1 | head -1)
	redis-cli -p "$REDIS_PORT" xdel eid:audit "$id" >/dev/null
	out=$($EIDCTL audit verify); rc=$?
	check "audit verify: deleting the last entry is detected (exit 1)" bash -c '[ "$0" = 1 ] && grep -q "deleted at the end" <<<"$1"' "$rc" "$out"
	mapfile -t kv <<<"$saved"
	redis-cli -p "$REDIS_PORT" xadd eid:audit '*' "${kv[@]}" >/dev/null
	check "audit verify: the same entry put back makes the chain whole again" $EIDCTL audit verify
	# edit the last entry's detail
	id=$(redis-cli -p "$REDIS_PORT" --raw xrevrange eid:audit + - count 1 | head -1)
	redis-cli -p "$REDIS_PORT" xdel eid:audit "$id" >/dev/null
	for i in "${!kv[@]}"; do [ "${kv[$i]}" = detail ] && kv[$((i + 1))]=edited; done
	redis-cli -p "$REDIS_PORT" xadd eid:audit '*' "${kv[@]}" >/dev/null
	out=$($EIDCTL audit verify); rc=$?
	check "audit verify: an edited entry is detected (exit 1)" bash -c '[ "$0" = 1 ] && grep -q "content was edited" <<<"$1"' "$rc" "$out"
	# delete an entry in the middle
	id=$(redis-cli -p "$REDIS_PORT" --raw xrange eid:audit - + count 2 | sed -n '/^[0-9]*-[0-9]*$/p' | sed -n 2p)
	redis-cli -p "$REDIS_PORT" xdel eid:audit "$id" >/dev/null
	out=$($EIDCTL audit verify); rc=$?
	check "audit verify: a deleted entry in the middle is detected (exit 1)" bash -c '[ "$0" = 1 ] && grep -q "does not follow the entry before" <<<"$1"' "$rc" "$out"
}

# Two workers append concurrently: the chain stays whole.
suite_audit_concurrent() {
	activation_env '.workers = 2' || { nok "authd starts"; return; }
	local S=$E2E_DIR/app i pids=()
	APP --state "$S" --dev-sms activate "${ACT_ARGS[@]}" --password 'Matkhau#2026' >/dev/null
	for i in $(seq 16); do
		post /app/v1/device/start '{"id_number":"001085012345","password":"Wrong#Pass1"}' > "$E2E_DIR/ans.$i" &
		pids+=($!)
	done
	wait "${pids[@]}"
	# attempts answered 401 had their password checked and audited (a slow build may answer
	# some 503 at the deadline: nothing was checked, nothing to audit)
	local checked; checked=$(cat "$E2E_DIR"/ans.* | grep -c '^401 ')
	check "audit: 16 concurrent appends over 2 workers leave a whole chain" \
		"$(dirname "$AUTHD")/eidctl" -c "$E2E_DIR/authd.json" audit verify
	check "audit: every checked attempt was recorded ($checked of 16)" \
		test "$(redis-cli -p "$REDIS_PORT" --raw xrange eid:audit - + | grep -cxE 'password_failed|account_locked')" = "$checked"
	local locks; locks=$(redis-cli -p "$REDIS_PORT" hget "eid:{001085012345}:acct" locks)
	check "a flood of parallel wrong passwords locks once, not once per five (no lock stretching)" \
		bash -c '[ "${0:-0}" -le 1 ] && { [ "$1" -lt 5 ] || [ "$0" = 1 ]; }' "$locks" "$checked"
}

# The per-address failure limit (guard.c): wrong device signatures, passcodes, passwords and SMS
# codes from one address across any citizens; past the limit every authentication step answers
# 429 with Retry-After, even for the right secrets, until the window ends.
suite_auth_address_limit() {
	activation_env '.accounts.auth_failures_per_ip_hour = 4' || { nok "authd starts"; return; }
	local S=$E2E_DIR/app out c
	APP --state "$S" --dev-sms activate "${ACT_ARGS[@]}" --password 'Matkhau#2026' >/dev/null
	APP --state "$S" login --passcode 468213 >/dev/null
	check "successful steps count nothing (activation done, no failure counted)" \
		test "$(redis-cli -p "$REDIS_PORT" get 'eid:rl:ip:127.0.0.1:auth')" = ""
	mkdir -p "$E2E_DIR/evil"; cp "$S/state.json" "$E2E_DIR/evil/"
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$E2E_DIR/evil/device.pem" 2>/dev/null
	c=$(challenge 001085012345); post /app/v1/login "$(login_body "$c" "$(proof "$E2E_DIR/evil" "$c")" 468213)" >/dev/null
	c=$(challenge 001085012345); post /app/v1/login "$(login_body "$c" "$(proof "$S" "$c")" 111111)" >/dev/null
	post /app/v1/device/start '{"id_number":"079191000001","password":"Wrong#Pass1"}' >/dev/null
	out=$(post /app/v1/activation/verify '{"id_number":"079191000001","activation_id":"nope","code":"123456"}')
	check "four failures of four kinds, against two citizens, are counted for the address" \
		test "$(redis-cli -p "$REDIS_PORT" get 'eid:rl:ip:127.0.0.1:auth')" = 4
	check "the counter's window is one hour" bash -c \
		't=$(redis-cli -p "$0" ttl eid:rl:ip:127.0.0.1:auth); [ "$t" -gt 3500 ] && [ "$t" -le 3600 ]' "$REDIS_PORT"
	c=$(challenge 001085012345)
	out=$(curl -sS -D - -X POST -H 'Content-Type: application/json' -d "$(login_body "$c" "$(proof "$S" "$c")" 468213)" "$(url /app/v1/login)" | tr -d '\r')
	check "over the limit even the right passcode and device get 429 rate_limited with Retry-After" bash -c \
		'grep -q "^HTTP/1.1 429" <<<"$0" && grep -q "^Retry-After: [0-9]" <<<"$0" && grep -q "\"error\":\"rate_limited\"" <<<"$0"' "$out"
	check "the limited login did not consume the account's passcode attempts" \
		test "$(redis-cli -p "$REDIS_PORT" hget "eid:{001085012345}:acct" pin_fails)" = 1
	out=$(post /app/v1/device/start '{"id_number":"001085012345","password":"Matkhau#2026"}')
	check "every guarded step is limited (device/start: 429)" test "${out%% *}" = 429
	out=$(curl -sS -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' -H 'X-Forwarded-For: 203.0.113.9' \
		-d "$(login_body "$c" "$(proof "$S" "$c")" 468213)" "$(url /app/v1/login)")
	check "X-Forwarded-For from an untrusted peer does not escape the limit" test "$out" = 429
	check "the app session still works (only authentication steps are guarded)" test "$(me_code "$S")" = 200
	check "the limit is logged with the address" grep -q '"ev":"auth_address_limited".*"ip":"127.0.0.1"' "$AUTHD_LOG"
	redis-cli -p "$REDIS_PORT" del 'eid:rl:ip:127.0.0.1:auth' >/dev/null # stand-in for the hour passing
	c=$(challenge 001085012345); out=$(post /app/v1/login "$(login_body "$c" "$(proof "$S" "$c")" 468213)")
	check "when the window ends the right passcode logs in" test "${out%% *}" = 200
}
