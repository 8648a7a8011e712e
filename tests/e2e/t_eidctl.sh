# End-to-end: eidctl, the administrator's command line — key rotation against a real authd
# (rotate, SIGHUP, /jwks, tokens before and after), client secrets, and the admin API
# (docs/admin-api.md) driven through eidctl with its own credentials.

EC_RP_SECRET=demo-rp-dev-secret-change-me-0123456789abcdef

eidctl_bin() { echo "$(dirname "$AUTHD")/eidctl"; }
# A client_credentials token for demo-rp (client_secret_basic): prints the access token.
ec_rp_token() { curl -sS -u "demo-rp:$EC_RP_SECRET" -d grant_type=client_credentials "$(url /token)" | jq -r .access_token; }
# The kids /jwks publishes, sorted, one a line.
ec_jwks_kids() { curl -fsS "$(url /jwks)" | jq -r '.keys[].kid' | sort; }
# The kid of the key in state $1 and alg $2 from eidctl's "now:" table.
ec_kid_of() { awk -v s="$1" -v a="$2" '$1 == s && $2 == a {print $5; exit}' <<<"$3"; }
export -f ec_jwks_kids

suite_eidctl_keys() {
	prepare_dirs; redis_start; write_conf; authd_start || { nok "authd starts"; return; }
	local E; E=$(eidctl_bin)
	local old_tok old_active old_next out rc new_next keys="$E2E_DIR/keys" before
	echo "$AUTHD_PID" > "$E2E_DIR/authd.pid"
	old_tok=$(ec_rp_token)
	old_active=$(node "$HERE/jwt_verify.mjs" "$(url /jwks)" "$old_tok" | jq -r .header.kid)
	# before any rotation the ES256 keys are the active one and the next one
	old_next=$(curl -fsS "$(url /jwks)" | jq -r --arg a "$old_active" '.keys[] | select(.alg == "ES256" and .kid != $a) | .kid')
	check "before: a token signed by the active key, and one ES256 next key published" \
		bash -c '[ ${#0} = 43 ] && [ ${#1} = 43 ]' "$old_active" "$old_next"

	out=$("$E" -c "$E2E_DIR/authd.json" keys rotate --pid-file "$E2E_DIR/authd.pid" 2>&1); rc=$?
	check "keys rotate: exit 0, says what it did and that it sent SIGHUP" bash -c \
		'[ "$0" = 0 ] && grep -q "es256-2.pem *next -> active" <<<"$1" && grep -q "es256-1.pem *active -> retired" <<<"$1" &&
		 grep -q "es256-3.pem *new next key" <<<"$1" && grep -q "^sent SIGHUP to $2" <<<"$1" || { echo "$1"; false; }' "$rc" "$out" "$AUTHD_PID"
	check "keys rotate: the new active key is the one RPs already had as next" \
		test "$(ec_kid_of active ES256 "$out")" = "$old_next"
	new_next=$(ec_kid_of next ES256 "$out")
	check "keys rotate: the manifest marks the old key retired with retired_at (unix s, now)" bash -c \
		'jq -e --argjson now "$(date +%s)" ".keys[] | select(.file == \"es256-1.pem\") | .state == \"retired\" and (.retired_at | type == \"number\" and . <= \$now and . > \$now - 60)" "$0/keys.json" >/dev/null' "$keys"
	check "keys rotate: the new next key's PEM and the manifest are 0600; no temp file left" bash -c \
		'[ "$(stat -c %a "$0/es256-3.pem")" = 600 ] && [ "$(stat -c %a "$0/keys.json")" = 600 ] && [ ! -e "$0/keys.json.tmp" ]' "$keys"
	check "after SIGHUP authd publishes the new next key (reload seen within 5 s)" \
		wait_for bash -c 'ec_jwks_kids | grep -qxF -e "$0"' "$new_next"
	check "/jwks: the retired key, the new active and the new next key, and the RS256 key" bash -c \
		'k=$(ec_jwks_kids); grep -qxF -e "$0" <<<"$k" && grep -qxF -e "$1" <<<"$k" && grep -qxF -e "$2" <<<"$k" && [ "$(wc -l <<<"$k")" = 4 ]' \
		"$old_active" "$old_next" "$new_next"
	check "a token issued before the rotation still verifies against /jwks (node crypto)" \
		node "$HERE/jwt_verify.mjs" "$(url /jwks)" "$old_tok"
	out=$(node "$HERE/jwt_verify.mjs" "$(url /jwks)" "$(ec_rp_token)")
	check "a new token is signed by the new active key (header kid)" bash -c \
		'jqe --arg k "$1" ".header.kid == \$k" <<<"$0"' "$out" "$old_next"
	check "authd logged the reload" grep -q '"ev":"reloaded"' "$AUTHD_LOG"
	ec_creds eidctl eidctl.pem creds.json
	check "the audit log records the rotation (eidctl audit filter --ev keys_rotated): new active, was" \
		wait_for bash -c '"$0" -C "$1" --json audit filter --ev keys_rotated | jqe --arg d "alg=ES256;active=$2;was=$3" "any(.entries[]; .detail == \$d)"' \
		"$E" "$E2E_DIR/creds.json" "$old_next" "$old_active"

	# A key retired long enough ago (here: its retired_at moved back a day) goes at the next rotation.
	jq '(.keys[] | select(.file == "es256-1.pem") | .retired_at) |= . - 86400' "$keys/keys.json" > "$keys/k.tmp" && mv "$keys/k.tmp" "$keys/keys.json"
	out=$("$E" -c "$E2E_DIR/authd.json" keys rotate --pid-file "$E2E_DIR/authd.pid" 2>&1); rc=$?
	check "second rotation: the long-retired key leaves the manifest and its PEM is deleted" bash -c \
		'[ "$0" = 0 ] && grep -q "es256-1.pem *retired long enough: removed from the manifest, file deleted" <<<"$1" &&
		 [ ! -e "$2/es256-1.pem" ] && ! grep -q "es256-1.pem" "$2/keys.json"' "$rc" "$out" "$keys"
	check "second rotation: the key retired by the first one stays (retired less than the token lifetime ago)" bash -c \
		'jq -e ".keys[] | select(.file == \"es256-2.pem\") | .state == \"retired\"" "$0/keys.json" >/dev/null' "$keys"
	check "after the reload /jwks no longer publishes the removed key" \
		wait_for bash -c '! ec_jwks_kids | grep -qxF -e "$0"' "$old_active"

	# RS256 has no next dev key: the first rotation only prepares one.
	out=$("$E" -c "$E2E_DIR/authd.json" keys rotate --alg RS256 2>&1); rc=$?
	check "keys rotate --alg RS256 without a next key: adds rs256-2.pem as next, the active key stays, reminds to reload" bash -c \
		'[ "$0" = 0 ] && grep -q "no next RS256 key" <<<"$1" && grep -q "rs256-2.pem *new next key" <<<"$1" &&
		 grep -q "kill -HUP" <<<"$1" && jq -e "[.keys[] | select(.alg == \"RS256\")] | map(.state) | sort == [\"active\", \"next\"]" "$2/keys.json" >/dev/null' \
		"$rc" "$out" "$keys"

	# Refusals change nothing.
	before=$(cat "$keys/keys.json")
	out=$("$E" -c "$E2E_DIR/authd.json" keys rotate --alg HS256 2>&1); rc=$?
	check "keys rotate --alg HS256: usage error (exit 2)" bash -c '[ "$0" = 2 ] && grep -q "ES256 or RS256" <<<"$1"' "$rc" "$out"
	out=$("$E" -c "$E2E_DIR/authd.json" keys rotate --pid-file "$E2E_DIR/nope.pid" 2>&1); rc=$?
	check "keys rotate --pid-file with no such file: exit 1 before anything changes" bash -c \
		'[ "$0" = 1 ] && [ "$(cat "$2/keys.json")" = "$3" ]' "$rc" "$out" "$keys" "$before"
	jq '.keys += [{file: "es256-2.pem", alg: "ES256", state: "next"}]' <<<"$before" > "$keys/keys.json"
	before=$(cat "$keys/keys.json")
	out=$("$E" -c "$E2E_DIR/authd.json" keys rotate 2>&1); rc=$?
	check "keys rotate on a manifest authd would refuse: exit 1 with the reason, nothing written" bash -c \
		'[ "$0" = 1 ] && grep -q "keys.json: keys\[.*listed twice" <<<"$1" && [ "$(cat "$2/keys.json")" = "$3" ] &&
		 [ "$(ls "$2" | grep -c "^es256-.*\.pem$")" = 3 ]' "$rc" "$out" "$keys" "$before"
}

suite_eidctl_client_secret() {
	prepare_dirs; redis_start; write_conf; authd_start || { nok "authd starts"; return; }
	local E; E=$(eidctl_bin)
	local out secret hash human rc
	out=$("$E" --json client secret); rc=$?
	secret=$(jq -r .client_secret <<<"$out"); hash=$(jq -r .client_secret_hash <<<"$out")
	check "client secret: 32 random bytes as base64url (43 characters)" bash -c \
		'[ "$0" = 0 ] && [[ "$1" =~ ^[A-Za-z0-9_-]{43}$ ]]' "$rc" "$secret"
	check "client secret: the hash is sha256: + base64url(SHA-256(secret)) (openssl)" test "$hash" = \
		"sha256:$(printf %s "$secret" | openssl dgst -sha256 -binary | basenc --base64url | tr -d '=')"
	check "client secret: two runs, two secrets" bash -c '[ "$("$0" --json client secret | jq -r .client_secret)" != "$1" ]' "$E" "$secret"
	human=$("$E" client secret)
	check "client secret: the human form prints a client_secret_hash line that pastes into JSON" bash -c \
		'line=$(grep "\"client_secret_hash\": \"sha256:" <<<"$0" | sed "s/^ *//"); jq -e ".client_secret_hash | startswith(\"sha256:\")" <<<"{$line}" >/dev/null' "$human"
	jq -n --arg h "$hash" '{client_id: "svc-new", client_name: "New back end",
		token_endpoint_auth_method: "client_secret_basic", client_secret_hash: $h,
		grant_types: ["client_credentials"], redirect_uris: []}' > "$E2E_DIR/clients/svc-new.json"
	kill -HUP "$AUTHD_PID"
	check "a registration with the printed hash authenticates with the secret (after SIGHUP)" \
		wait_for bash -c 'curl -fsS -u "svc-new:$0" -d grant_type=client_credentials "$(url /token)" | jqe ".access_token | length > 100"' "$secret"
	out=$(curl -sS -o /dev/null -w '%{http_code}' -u "svc-new:${secret}x" -d grant_type=client_credentials "$(url /token)")
	check "and another secret does not (401)" test "$out" = 401
	check "no secret in authd's log" bash -c '! grep -q -e "$0" "$1"' "$secret" "$AUTHD_LOG"
}

# --- the admin API through eidctl (needs the server side: authd/ep_admin.c) ---

ec_creds() { jq -n --arg u "$(url '')" --arg c "$1" --arg k "$E2E_DIR/keys/$2" '{url: $u, client_id: $c, key: $k}' > "$E2E_DIR/$3"; }

suite_eidctl_admin() {
	activation_env || { nok "authd starts"; return; }
	local E; E=$(eidctl_bin)
	local ID=001085012345 S=$E2E_DIR/app out rc sess
	# an officer: the same key as eidctl's, another client_id and role
	jq '.client_id = "officer" | .admin_role = "officer" | .client_name = "an officer"' \
		"$E2E_DIR/clients/eidctl.json" > "$E2E_DIR/clients/officer.json"
	kill -HUP "$AUTHD_PID"; sleep 0.5
	ec_creds eidctl eidctl.pem creds.json
	ec_creds officer eidctl.pem officer.json
	ec_creds demo-bank demo-bank.pem bank.json
	local A="$E -C $E2E_DIR/creds.json"
	APP --state "$S" --dev-sms activate "${ACT_ARGS[@]}" --password 'Matkhau#2026' >/dev/null
	APP --state "$S" login --passcode 468213 >/dev/null

	out=$($A account show $ID 2>&1); rc=$?
	check "account show: exit 0, status, level, device, an app session" bash -c \
		'[ "$0" = 0 ] && grep -q "^account *001085012345" <<<"$1" && grep -q "^status *active, level 1" <<<"$1" &&
		 grep -q "^device .*(bound)" <<<"$1" && grep -q "^sessions *sso 0, app 1" <<<"$1"' "$rc" "$out"
	out=$($A --json account show $ID)
	check "account show --json: the server's answer as it is" bash -c \
		'jqe ".id == \"001085012345\" and .status == \"active\" and .level == 1 and (has(\"password\") | not)" <<<"$0"' "$out"
	out=$($A account show 12345 2>&1); rc=$?
	check "account show with a malformed ID: usage (exit 2), refused locally" bash -c '[ "$0" = 2 ] && grep -q "12-digit" <<<"$1"' "$rc" "$out"
	out=$($A account show 999999999999 2>&1); rc=$?
	check "account show of an ID with no account: exit 1, 404 not_found printed" bash -c '[ "$0" = 1 ] && grep -q "404 not_found" <<<"$1"' "$rc" "$out"

	out=$($A account lock $ID 2>&1); rc=$?
	check "account lock without --reason: usage (exit 2)" bash -c '[ "$0" = 2 ] && grep -q -- "--reason" <<<"$1"' "$rc" "$out"
	out=$($A account lock $ID --minutes 5 --reason "phone reported stolen" 2>&1); rc=$?
	check "account lock --minutes 5: locked until a time, the app session ended" bash -c \
		'[ "$0" = 0 ] && grep -q "^001085012345: locked until 20" <<<"$1" && grep -q "app 1" <<<"$1"' "$rc" "$out"
	check "account show: the lock, by eidctl, with its reason" bash -c \
		'$0 account show 001085012345 | grep -q "^locked *until .*by eidctl: phone reported stolen"' "$A"
	out=$($A account reinstate $ID --reason "owner came to the office" 2>&1); rc=$?
	check "account reinstate: active, not locked" bash -c '[ "$0" = 0 ] && grep -q "^001085012345: active, not locked" <<<"$1"' "$rc" "$out"
	out=$($A account reinstate $ID --reason "again" 2>&1); rc=$?
	check "account reinstate of an active account: exit 1, 409 conflict printed" bash -c '[ "$0" = 1 ] && grep -q "409 conflict" <<<"$1"' "$rc" "$out"

	APP --state "$S" login --passcode 468213 >/dev/null
	out=$($A sessions $ID 2>&1); rc=$?
	check "sessions: lists the app session" bash -c '[ "$0" = 0 ] && grep -q "^app sessions: 1" <<<"$1"' "$rc" "$out"
	sess=$($A --json sessions $ID | jq -r '.app[0].session')
	out=$($A sessions $ID --end -not-a-session --reason "test" 2>&1); rc=$?
	check "sessions --end with an identifier beginning with '-' reaches the server as one (404 not_found)" bash -c \
		'[ "$0" = 1 ] && grep -q "404 not_found" <<<"$1"' "$rc" "$out"
	out=$($A sessions $ID --end "$sess" 2>&1); rc=$?
	check "sessions --end SESSION without --reason: usage (exit 2)" test "$rc" = 2
	out=$($A sessions $ID --end "$sess" --reason "suspicious session" 2>&1); rc=$?
	check "sessions --end SESSION --reason: that session ended" bash -c '[ "$0" = 0 ] && grep -q "^001085012345: ended .*app 1" <<<"$1"' "$rc" "$out"

	out=$($A account level2 $ID --reason "in-person check, document 012345678" 2>&1); rc=$?
	check "account level2: level 2" bash -c '[ "$0" = 0 ] && grep -q "^001085012345: level 2" <<<"$1"' "$rc" "$out"
	out=$($A account level2 $ID --reason "again" 2>&1); rc=$?
	check "account level2 of a level-2 account: exit 1, 409 conflict" bash -c '[ "$0" = 1 ] && grep -q "409 conflict" <<<"$1"' "$rc" "$out"
	out=$($A device retire $ID --reason "phone lost" 2>&1); rc=$?
	check "device retire: done" bash -c '[ "$0" = 0 ] && grep -q "^001085012345: device retired" <<<"$1"' "$rc" "$out"
	out=$($A device retire $ID --reason "phone lost" 2>&1); rc=$?
	check "device retire without a bound device: exit 1, 409 conflict" bash -c '[ "$0" = 1 ] && grep -q "409 conflict" <<<"$1"' "$rc" "$out"
	out=$($A account revoke $ID --reason "reported deceased" 2>&1); rc=$?
	check "account revoke: revoked" bash -c '[ "$0" = 0 ] && grep -q "^001085012345: revoked" <<<"$1"' "$rc" "$out"
	check "account show after revoke: status revoked" bash -c '$0 account show 001085012345 | grep -q "^status *revoked"' "$A"

	out=$($E -C "$E2E_DIR/officer.json" account revoke $ID --reason "not my role" 2>&1); rc=$?
	check "an officer's revoke: exit 1, 403 forbidden printed" bash -c '[ "$0" = 1 ] && grep -q "403 forbidden" <<<"$1"' "$rc" "$out"
	out=$($E -C "$E2E_DIR/officer.json" account show $ID 2>&1); rc=$?
	check "an officer may look an account up" test "$rc" = 0
	out=$($E -C "$E2E_DIR/bank.json" account show $ID 2>&1); rc=$?
	check "a relying party's key gets no admin token: exit 1, the token refusal printed" bash -c \
		'[ "$0" = 1 ] && grep -q "token refused (4" <<<"$1"' "$rc" "$out"

	out=$($A audit tail 50 2>&1); rc=$?
	check "audit tail: the administrator's actions, by eidctl, masked ID numbers only" bash -c \
		'[ "$0" = 0 ] && grep -q "001085\*\*\*\*\*\*~" <<<"$1" && ! grep -q "001085012345" <<<"$1" && grep -qi "revoke" <<<"$1"' "$rc" "$out"
	out=$($A --json audit filter --id $ID --limit 1000)
	check "audit filter --id: only that citizen's entries, oldest first" bash -c \
		'jqe "(.entries | length > 3) and all(.entries[]; .sub | startswith(\"001085******~\")) and ([.entries[].ts | tonumber] | . == sort)" <<<"$0"' "$out"
	out=$($A --json audit filter --since 2000-01-01 --until 2000-01-02)
	check "audit filter --since/--until (dates, UTC): nothing from 2000" bash -c 'jqe ".entries == []" <<<"$0"' "$out"
	out=$($A audit filter --limit abc 2>&1); rc=$?
	check "audit filter --limit abc: usage (exit 2)" test "$rc" = 2
}
