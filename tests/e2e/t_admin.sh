# End-to-end: the admin API (/admin/v1): roles, revocation everywhere at once, back-channel
# logout to an RP's test listener, reinstatement, an officer's level 2, locks, sessions, devices,
# the audit log read back. Admin tokens come from client_credentials with private_key_jwt.

ADM_ID=001085012345
AT_JWT=urn:ietf:params:oauth:client-assertion-type:jwt-bearer

# adm_client ID ROLE: an admin client like clients/eidctl.json (the same key) with another role.
adm_client() { jq --arg id "$1" --arg role "$2" '.client_id = $id | .admin_role = $role' "$REPO/clients/eidctl.json" > "$E2E_DIR/clients/$1.json"; }
# adm_token CLIENT: an admin access token (scope admin, private_key_jwt with keys/eidctl.pem).
adm_token() {
	local a
	a=$(node "$HERE/jwt_sign.mjs" "$E2E_DIR/keys/eidctl.pem" ES256 '{}' \
		"$(jq -nc --arg c "$1" --arg aud "$(url '')" --arg j "$1-$RANDOM$RANDOM$RANDOM" '{iss: $c, sub: $c, aud: $aud, jti: $j, exp: "$now+60"}')")
	form /token -d grant_type=client_credentials -d scope=admin -d "client_assertion_type=$AT_JWT" \
		-d "client_assertion=$a" | cut -d' ' -f2- | jq -r .access_token
}
# adm TOKEN PATH [JSON]: GET (no JSON) or POST; prints "<status> <body>".
adm() {
	if [ $# -ge 3 ]; then
		curl -sS -X POST -H "Authorization: Bearer $1" -H 'Content-Type: application/json' -d "$3" -w ' %{http_code}' "$(url "$2")"
	else
		curl -sS -H "Authorization: Bearer $1" -w ' %{http_code}' "$(url "$2")"
	fi | awk '{code=$NF; $NF=""; sub(/ $/, ""); print code " " $0}'
}
export -f adm
bcl_lines() { [ -f "$E2E_DIR/bcl" ] && wc -l < "$E2E_DIR/bcl" || echo 0; }

# An RP (demo-rp) with a back-channel logout endpoint (a node listener that refuses its first
# delivery with 503, so authd must retry), a second RP without one (rs-rp), an officer and an
# auditor, a citizen with an app session.
admin_env() {
	prepare_dirs; svc_client
	BCL_PORT=$(free_port)
	node "$HERE/bcl_receiver.mjs" "$BCL_PORT" "$E2E_DIR/bcl" 1 & E2E_PIDS+=($!)
	jq --arg u "http://127.0.0.1:$BCL_PORT/bcl" '.backchannel_logout_uri = $u' "$REPO/clients/demo-rp.json" > "$E2E_DIR/clients/demo-rp.json"
	jq '.client_id = "rs-rp" | .client_name = "RS256 RP" | .id_token_signed_response_alg = "RS256" | .sector_identifier = "rs.example.vn"' \
		"$REPO/clients/demo-rp.json" > "$E2E_DIR/clients/rs-rp.json"
	adm_client officer-1 officer; adm_client auditor-1 auditor
	redis_start; write_conf '.qr.show_payload = true | .audit.token_summary_s = 1'
	"$(dirname "$AUTHD")/eidctl" -c "$E2E_DIR/authd.json" import-population "$REPO/config/population-demo.csv" >/dev/null
	authd_start || return 1
	wait_for test -f "$E2E_DIR/bcl.ready" || return 1
	APP --state "$E2E_DIR/app" --dev-sms activate "${ACT_ARGS[@]}" --password 'Matkhau#2026' >/dev/null || return 1
	APP --state "$E2E_DIR/app" login --passcode 468213 >/dev/null
}

# sms_login JAR: a web login with the SMS code (a TOTP code may not be reused within its step);
# prints the token response.
sms_login() {
	local p c
	p=$(browse "$1" "$(authz_url)")
	p=$(login_post "$1" "$p" '' '' sms)
	c=$(redis-cli -p "$REDIS_PORT" --raw xrevrange eid:sms:outbox + - count 1 | grep -o 'la [0-9]\{6\}' | cut -d' ' -f2)
	p=$(login_post "$1" "$p" "$c")
	[ "$(status_of "$p")" = 200 ] && p=$(consent_post "$1" "$p")
	redeem "$(qparam code "$(location_of "$p")")" | cut -d' ' -f2-
}

# rs_login JAR: the second RP, through the SSO session of JAR; prints the token response.
rs_login() {
	local p
	p=$(browse "$1" "$(authz_url | sed 's/client_id=demo-rp/client_id=rs-rp/')")
	p=$(consent_post "$1" "$p")
	form /token -u "rs-rp:$OIDC_RP_SECRET" -d grant_type=authorization_code --data-urlencode "code=$(qparam code "$(location_of "$p")")" \
		--data-urlencode "redirect_uri=$OIDC_CB" -d "code_verifier=$OIDC_VERIFIER" | cut -d' ' -f2-
}

suite_admin_revoke() {
	admin_env || { nok "authd, the RP's listener and the citizen are ready"; return; }
	local J=$E2E_DIR/jar T tok1 tok2 rt at idt out i p
	tok1=$(offline_login "$J")
	tok2=$(rs_login "$J")
	rt=$(jq -r .refresh_token <<<"$tok1"); at=$(jq -r .access_token <<<"$tok1"); idt=$(jq -r .id_token <<<"$tok1")
	check "the citizen is logged in at two RPs (one with back-channel logout) and in the app" bash -c \
		'[ "$(jq -r .access_token <<<"$0")" != null ] && [ "$(jq -r .access_token <<<"$1")" != null ]' "$tok1" "$tok2"
	# pending logins: a bank's CIBA request, and a QR login approved in the app but not yet
	# collected by its browser
	local arid qid
	arid=$(bc_authorize | cut -d' ' -f2- | jq -r .auth_req_id)
	p=$(browse "$E2E_DIR/jq" "$(authz_url)"); qid=$(qid_of "$p")
	APP --state "$E2E_DIR/app" scan "$(qr_get "$E2E_DIR/jq" payload "$qid")" >/dev/null
	APP --state "$E2E_DIR/app" approve >/dev/null
	T=$(adm_token eidctl)
	out=$(adm "$T" "/admin/v1/account?id=$ADM_ID")
	check "look up: active, level 1, a bound device, 1 SSO + 1 app session, 2 grants, no secrets" bash -c \
		'[ "${0%% *}" = 200 ] && jqe ".status == \"active\" and .level == 1 and .device.bound and .sessions.sso == 1 and .sessions.app == 1 and .grants == 2 and .name == \"Nguyễn Văn An\"" <<<"${0#* }" && ! grep -qiE "argon|pwd|pin|totp|device_key" <<<"${0#* }"' "$out"
	out=$(adm "$T" /admin/v1/account/revoke "{\"id\":\"$ADM_ID\"}")
	check "revoke without a reason: 400 invalid_request" bash -c '[ "${0%% *}" = 400 ] && jqe ".error == \"invalid_request\"" <<<"${0#* }"' "$out"
	out=$(adm "$T" /admin/v1/account/revoke "{\"id\":\"$ADM_ID\",\"reason\":\"reported stolen identity, case 17\"}")
	check "revoke: 200, ended 1 SSO + 1 app session, 2 grants, 1 CIBA request; 1 logout token queued (the RP with an endpoint)" bash -c \
		'[ "${0%% *}" = 200 ] && jqe ".status == \"revoked\" and .ended.sso == 1 and .ended.app == 1 and .ended.grants == 2 and .ended.ciba == 1 and .ended.logout_tokens == 1" <<<"${0#* }"' "$out"
	out=$(ciba_poll "$arid")
	check "at once: the bank's pending CIBA request is gone (expired_token)" bash -c \
		'[ "${0%% *}" = 400 ] && jqe ".error == \"expired_token\"" <<<"${0#* }"' "$out"
	out=$(browse "$E2E_DIR/jq" "$(url "/qr/complete?qid=$qid")")
	check "at once: a QR login approved before cannot be collected (no session, no code)" bash -c \
		'[ "$1" -ge 400 ] && ! grep -qi "^Set-Cookie: eid_sso=[^;]" <<<"$0" && ! grep -q "code=" <<<"$0"' "$out" "$(status_of "$out")"
	# at once: everything that answered for the citizen a moment ago now refuses
	out=$(refresh "$rt")
	check "at once: the refresh token fails (invalid_grant)" bash -c '[ "${0%% *}" = 400 ] && jqe ".error == \"invalid_grant\"" <<<"${0#* }"' "$out"
	out=$(form /introspect -u "$OIDC_RP:$OIDC_RP_SECRET" -d "token=$at")
	check "at once: introspection says active false" test "${out#* }" = '{"active":false}'
	check "at once: /userinfo refuses the access token (401)" test "$(curl -sS -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $at" "$(url /userinfo)")" = 401
	out=$(browse "$J" "$(authz_url '&prompt=none')")
	check "at once: the SSO session is gone (prompt=none: login_required)" bash -c '[[ "$(grep -i "^Location:" <<<"$0")" == *"error=login_required"* ]]' "$out"
	out=$(APP --state "$E2E_DIR/app" status)
	check "at once: the app session is gone" grep -q "session   ended" <<<"$out"
	out=$(browse "$E2E_DIR/jar2" "$(authz_url)"); out=$(login_post "$E2E_DIR/jar2" "$out" "$(APP --state "$E2E_DIR/app" otp)")
	check "a new web login is refused, telling the citizen what to do (403, contact the police)" bash -c \
		'[ "$1" = 403 ] && grep -q "liên hệ cơ quan Công an" <<<"$0"' "$out" "$(status_of "$out")"
	out=$(APP --state "$E2E_DIR/app" login --passcode 468213 2>&1)
	check "a new app login is refused: 403 account_revoked" grep -q "403 account_revoked" <<<"$out"
	# the back-channel logout: refused once (503), retried, delivered
	for i in $(seq 100); do [ "$(bcl_lines)" -ge 1 ] && break; sleep 0.1; done
	check "the RP with a backchannel_logout_uri received a logout token (after a retry: its first answer was 503)" bash -c \
		'[ "$(wc -l < "$0")" = 1 ] && [ "$(wc -l < "$0.refused")" = 1 ]' "$E2E_DIR/bcl"
	out=$(node "$HERE/jwt_verify.mjs" "$(url /jwks)" "$(head -1 "$E2E_DIR/bcl")")
	check "... a valid one: typ logout+jwt, verifies (node crypto), iss, aud, events, the ID token's sub and sid, no nonce" bash -c \
		'c=$(node "$2/jwt_verify.mjs" "$3" "$1" | jq .claims); jqe --arg iss "$4" --argjson id "$c" ".header.typ == \"logout+jwt\" and .claims.iss == \$iss and .claims.aud == \"demo-rp\" and (.claims.events | has(\"http://schemas.openid.net/event/backchannel-logout\")) and .claims.sub == \$id.sub and .claims.sid == \$id.sid and (.claims | has(\"nonce\") | not) and (.claims.jti | length > 10) and .claims.exp > .claims.iat" <<<"$0"' \
		"$out" "$idt" "$HERE" "$(url /jwks)" "$(url '')"
	check "the RP without an endpoint got nothing, the queue is empty" bash -c \
		'[ "$(redis-cli -p "$0" zcard eid:bcl:q)" = 0 ]' "$REDIS_PORT"
	out=$(adm "$T" "/admin/v1/account?id=$ADM_ID")
	check "look up: revoked, nothing live" bash -c '[ "${0%% *}" = 200 ] && jqe ".status == \"revoked\" and .sessions.sso == 0 and .sessions.app == 0 and .grants == 0" <<<"${0#* }"' "$out"
	out=$(adm "$T" /admin/v1/account/reinstate "{\"id\":\"$ADM_ID\",\"reason\":\"identity confirmed in person\"}")
	check "reinstate: 200 active" bash -c '[ "${0%% *}" = 200 ] && jqe ".status == \"active\"" <<<"${0#* }"' "$out"
	out=$(sms_login "$E2E_DIR/jar3")
	check "after reinstatement the citizen logs in again (tokens)" bash -c 'jqe ".access_token and .id_token" <<<"$0"' "$out"
	check "... and in the app" bash -c '"$0" --url "$1" --state "$2" login --passcode 468213' \
		"$(dirname "$AUTHD")/eid-app" "$(url '')" "$E2E_DIR/app"
	out=$(adm "$T" /admin/v1/account/reinstate "{\"id\":\"$ADM_ID\",\"reason\":\"again\"}")
	check "reinstating an active account: 409 conflict" bash -c '[ "${0%% *}" = 409 ] && jqe ".error == \"conflict\"" <<<"${0#* }"' "$out"
	out=$(adm "$T" /admin/v1/account/revoke '{"id":"079191000001","reason":"x"}')
	check "an ID number without an account: 404" test "${out%% *}" = 404
}

suite_admin_roles() {
	admin_env || { nok "authd, the RP's listener and the citizen are ready"; return; }
	local T O A S out p qid idt
	T=$(adm_token eidctl); O=$(adm_token officer-1); A=$(adm_token auditor-1)
	S=$(form /token -d grant_type=client_credentials -d client_id=svc -d "client_secret=$SVC_SECRET" | cut -d' ' -f2- | jq -r .access_token)
	out=$(curl -sS -D - -o /dev/null "$(url "/admin/v1/account?id=$ADM_ID")" | tr -d '\r')
	check "no token: 401 with WWW-Authenticate: Bearer" bash -c 'grep -q "^HTTP/1.1 401" <<<"$0" && grep -qi "^WWW-Authenticate: Bearer" <<<"$0"' "$out"
	out=$(adm "$S" /admin/v1/account/revoke "{\"id\":\"$ADM_ID\",\"reason\":\"not mine to do\"}")
	check "a non-admin client's token calling revoke: 403 insufficient_scope" bash -c '[ "${0%% *}" = 403 ] && jqe ".error == \"insufficient_scope\"" <<<"${0#* }"' "$out"
	out=$(adm "$O" /admin/v1/account/revoke "{\"id\":\"$ADM_ID\",\"reason\":\"officers cannot\"}")
	check "an officer calling revoke: 403 forbidden" bash -c '[ "${0%% *}" = 403 ] && jqe ".error == \"forbidden\"" <<<"${0#* }"' "$out"
	check "... and the account is still active" bash -c 'jqe ".status == \"active\"" <<<"$(adm "$0" "/admin/v1/account?id=$1" | cut -d" " -f2-)"' "$T" "$ADM_ID"
	out=$(adm "$A" "/admin/v1/account?id=$ADM_ID")
	check "an auditor looking up an account: 403 forbidden" test "${out%% *}" = 403
	out=$(adm "${T%?}x" "/admin/v1/account?id=$ADM_ID")
	check "a tampered token: 401 invalid_token" test "${out%% *}" = 401
	form /revoke -d "token=$O" -d client_assertion_type="$AT_JWT" -d "client_assertion=$(node "$HERE/jwt_sign.mjs" "$E2E_DIR/keys/eidctl.pem" ES256 '{}' "$(jq -nc --arg aud "$(url '')" '{iss: "officer-1", sub: "officer-1", aud: $aud, jti: "rv-1", exp: "$now+60"}')")" >/dev/null
	out=$(adm "$O" "/admin/v1/account?id=$ADM_ID")
	check "a token revoked at /revoke: 401" test "${out%% *}" = 401
	O=$(adm_token officer-1)
	out=$(adm "$O" /admin/v1/account/level2 "{\"id\":\"$ADM_ID\",\"reason\":\"chip ID card checked in person, ward 3 office\"}")
	check "an officer raises the account to level 2: 200" bash -c '[ "${0%% *}" = 200 ] && jqe ".level == 2" <<<"${0#* }"' "$out"
	out=$(adm "$O" "/admin/v1/account?id=$ADM_ID")
	check "... recorded in the level history: by officer-1, in person" bash -c \
		'jqe ".level == 2 and (.levels | last | .level == 2 and .by == \"officer-1\" and .how == \"in_person\")" <<<"${0#* }"' "$out"
	out=$(adm "$O" /admin/v1/account/level2 "{\"id\":\"$ADM_ID\",\"reason\":\"again\"}")
	check "raising a level-2 account again: 409" test "${out%% *}" = 409
	# the citizen's next app-confirmed login carries level 2
	p=$(browse "$E2E_DIR/jq" "$(authz_url '&acr_values=urn:eid:level:2')"); qid=$(qid_of "$p")
	APP --state "$E2E_DIR/app" scan "$(qr_get "$E2E_DIR/jq" payload "$qid")" >/dev/null
	APP --state "$E2E_DIR/app" approve >/dev/null
	p=$(browse "$E2E_DIR/jq" "$(url "/qr/complete?qid=$qid")")
	[ "$(status_of "$p")" = 200 ] && p=$(consent_post "$E2E_DIR/jq" "$p")
	idt=$(redeem "$(qparam code "$(location_of "$p")")" | cut -d' ' -f2- | jq -r .id_token)
	check "the citizen's next app-confirmed (QR) login: acr urn:eid:level:2" bash -c \
		'node "$0/jwt_verify.mjs" "$1" "$2" | jqe ".claims.acr == \"urn:eid:level:2\""' "$HERE" "$(url /jwks)" "$idt"
	# the audit log, read back by the auditor
	out=$(adm "$A" "/admin/v1/audit?id=$ADM_ID&ev=admin_refused")
	check "audit (auditor): the two refused revocations, who and why, filed under the citizen" bash -c \
		'[ "${0%% *}" = 200 ] && jqe "[.entries[] | .detail] | (map(select(test(\"^by=svc;op=revoke;why=scope\"))) | length == 1) and (map(select(test(\"^by=officer-1;op=revoke;why=role\"))) | length == 1)" <<<"${0#* }"' "$out"
	out=$(adm "$A" "/admin/v1/audit?id=$ADM_ID&ev=admin_level2")
	check "audit: the raise (officer-1, the reason) and the refused second one; the log holds no whole ID number" bash -c \
		'jqe ".entries | length == 2 and (.[0].detail | test(\"^by=officer-1;reason=chip ID card checked in person\")) and (.[1].detail | test(\"result=conflict\")) and (.[0].sub | test(\"^001085\\\\*{6}~[0-9a-f]{12}$\"))" <<<"${0#* }" && ! grep -q "$1" <<<"${0#* }"' "$out" "$ADM_ID"
	out=$(adm "$A" "/admin/v1/audit?client=officer-1&limit=1000")
	check "audit: filter by client finds what officer-1 did (look-ups, the raise, the refusal)" bash -c \
		'jqe "[.entries[].ev] | (index(\"admin_show\") != null) and (index(\"admin_level2\") != null) and (index(\"admin_refused\") != null)" <<<"${0#* }"' "$out"
	out=$(adm "$A" "/admin/v1/audit?limit=3")
	check "audit: limit=3 is the last three entries, oldest first, each with its hash link" bash -c \
		'jqe ".entries | length == 3 and (.[0].stream_id < .[2].stream_id) and (.[1].prev == .[0].h) and (.[2].prev == .[1].h)" <<<"${0#* }"' "$out"
	kill -HUP "$AUTHD_PID"
	for i in $(seq 30); do
		out=$(adm "$A" "/admin/v1/audit?ev=config_reloaded"); jq -e '.entries | length > 0' <<<"${out#* }" >/dev/null 2>&1 && break; sleep 0.1
	done
	check "audit: a config reload is recorded (once, by worker 0)" bash -c 'jqe ".entries | length == 1 and (.[0].detail | test(\"^generation=2;keys=3;clients=\"))" <<<"${0#* }"' "$out"
	out=$(adm "$A" "/admin/v1/audit?ev=tokens_issued&limit=1000")
	check "audit: token issuance summaries per client (eidctl's, officer-1's, demo-rp's tokens)" bash -c \
		'jqe "[.entries[].detail] | join(\",\") | test(\"eidctl=\") and test(\"officer-1=\") and test(\"demo-rp=1\")" <<<"${0#* }"' "$out"
	out=$(adm "$A" "/admin/v1/audit?id=$ADM_ID&ev=sms_operation_started")
	check "audit: the activation's steps (SMS sent, code verified, account activated) are there" bash -c \
		'jqe ".entries | length == 1 and .[0].detail == \"activation\"" <<<"${0#* }" && jqe ".entries | length == 1" <<<"$(adm "$1" "/admin/v1/audit?id=$2&ev=sms_code_verified" | cut -d" " -f2-)" && jqe ".entries | length == 1" <<<"$(adm "$1" "/admin/v1/audit?id=$2&ev=account_activated" | cut -d" " -f2-)"' "$out" "$A" "$ADM_ID"
	check "eidctl audit verify: the chain of all these entries is intact" \
		"$(dirname "$AUTHD")/eidctl" -c "$E2E_DIR/authd.json" audit verify
}

suite_admin_ops() {
	admin_env || { nok "authd, the RP's listener and the citizen are ready"; return; }
	local T J=$E2E_DIR/jar out h p
	T=$(adm_token eidctl)
	offline_login "$J" >/dev/null
	out=$(adm "$T" "/admin/v1/sessions?id=$ADM_ID")
	check "sessions: one SSO session (with its acr, amr and sid), one app session, one grant of demo-rp" bash -c \
		'[ "${0%% *}" = 200 ] && jqe "(.sso | length == 1) and .sso[0].acr == \"urn:eid:level:1\" and (.sso[0].sid | length > 10) and (.app | length == 1) and (.grants | length == 1) and .grants[0].client == \"demo-rp\"" <<<"${0#* }"' "$out"
	h=$(jq -r '.sso[0].session' <<<"${out#* }")
	out=$(adm "$T" /admin/v1/sessions/end "{\"id\":\"$ADM_ID\",\"reason\":\"citizen asked\",\"session\":\"nope\"}")
	check "ending an unknown session: 404" test "${out%% *}" = 404
	out=$(adm "$T" /admin/v1/sessions/end "{\"id\":\"$ADM_ID\",\"reason\":\"citizen asked\",\"session\":\"$h\"}")
	check "ending the SSO session: it and the grant issued from it end, a logout token is queued; the app session stays" bash -c \
		'[ "${0%% *}" = 200 ] && jqe ".ended.sso == 1 and .ended.grants == 1 and .ended.app == 0 and .ended.logout_tokens == 1" <<<"${0#* }"' "$out"
	out=$(browse "$J" "$(authz_url '&prompt=none')")
	check "... the browser must log in again (login_required)" bash -c '[[ "$(grep -i "^Location:" <<<"$0")" == *"error=login_required"* ]]' "$out"
	# lock: sessions end, logins are refused until it ends or an admin reinstates
	out=$(adm "$T" /admin/v1/account/lock "{\"id\":\"$ADM_ID\",\"reason\":\"suspicious activity\",\"minutes\":30}")
	check "lock for 30 minutes: 200, the app session ended" bash -c \
		'[ "${0%% *}" = 200 ] && jqe ".status == \"locked\" and .ended.app == 1 and (.locked_until - now | . > 1700 and . < 1900)" <<<"${0#* }"' "$out"
	out=$(adm "$T" "/admin/v1/account?id=$ADM_ID")
	check "look up: locked by eidctl with the reason" bash -c 'jqe ".lock.by == \"eidctl\" and .lock.reason == \"suspicious activity\" and .locked_until > 0" <<<"${0#* }"' "$out"
	p=$(browse "$E2E_DIR/jar2" "$(authz_url)"); p=$(login_post "$E2E_DIR/jar2" "$p" "$(APP --state "$E2E_DIR/app" otp)")
	check "a web login while locked: 423" test "$(status_of "$p")" = 423
	out=$(APP --state "$E2E_DIR/app" login --passcode 468213 2>&1)
	check "an app login while locked: 423 account_locked" grep -q "423" <<<"$out"
	out=$(adm "$T" /admin/v1/account/reinstate "{\"id\":\"$ADM_ID\",\"reason\":\"cleared\"}")
	check "reinstate lifts the lock" bash -c '[ "${0%% *}" = 200 ] && jqe ".locked_until == 0" <<<"${0#* }"' "$out"
	check "... the app logs in again" APP --state "$E2E_DIR/app" login --passcode 468213
	# retire the device: the app sessions end and the app can no longer log in
	out=$(adm "$T" /admin/v1/device/retire "{\"id\":\"$ADM_ID\",\"reason\":\"phone lost\"}")
	check "retire the device: 200, device null, the app session ended" bash -c \
		'[ "${0%% *}" = 200 ] && jqe ".device == null and .ended.app == 1" <<<"${0#* }"' "$out"
	out=$(APP --state "$E2E_DIR/app" login --passcode 468213 2>&1)
	check "... the retired device cannot log in" bash -c '! grep -q "^session" <<<"$0" && grep -qE "40[0-9]" <<<"$0"' "$out"
	out=$(adm "$T" /admin/v1/device/retire "{\"id\":\"$ADM_ID\",\"reason\":\"again\"}")
	check "retiring when no device is bound: 409" test "${out%% *}" = 409
	out=$(adm "$T" /admin/v1/account/lock "{\"id\":\"$ADM_ID\",\"reason\":\"x\",\"minutes\":0}")
	check "lock minutes out of range: 400" test "${out%% *}" = 400
	out=$(adm "$T" /admin/v1/account/revoke "{\"id\":\"$ADM_ID\",\"reason\":\"line\\nbreak\"}")
	check "a reason with a control character: 400" test "${out%% *}" = 400
	check "discovery: backchannel_logout_supported and backchannel_logout_session_supported" bash -c \
		'jqe ".backchannel_logout_supported == true and .backchannel_logout_session_supported == true" <<<"$(curl -sS "$0")"' "$(url /.well-known/openid-configuration)"
	out=$(adm "$T" "/admin/v1/account?id=12345")
	check "a malformed ID number: 400" test "${out%% *}" = 400
	# the citizen logs out at an RP (RP-initiated logout): the RPs of that session are told too
	local tok at idt n
	tok=$(sms_login "$E2E_DIR/jar4"); at=$(jq -r .access_token <<<"$tok"); idt=$(jq -r .id_token <<<"$tok")
	n=$(bcl_lines)
	browse "$E2E_DIR/jar4" "$(url /logout)?id_token_hint=$idt" >/dev/null
	for i in $(seq 50); do [ "$(bcl_lines)" -gt "$n" ] && break; sleep 0.1; done
	check "logout: the RP gets a logout token for that session's sid, and the session's grant ends" bash -c \
		'c=$(node "$1/jwt_verify.mjs" "$2" "$3" | jq .claims); t=$(node "$1/jwt_verify.mjs" "$2" "$(tail -1 "$0")" | jq .claims); jqe --argjson c "$c" ".sid == \$c.sid and .sub == \$c.sub" <<<"$t" && [ "$(curl -sS -o /dev/null -w "%{http_code}" -H "Authorization: Bearer $4" "$5")" = 401 ]' \
		"$E2E_DIR/bcl" "$HERE" "$(url /jwks)" "$idt" "$at" "$(url /userinfo)"
}
