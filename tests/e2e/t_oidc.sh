# End-to-end: the browser side of OpenID Connect (/authorize, the login form, consent, the SSO
# cookie) and code redemption at /token, driven over HTTP with a cookie jar; eid-app provides the
# one-time codes. Tokens are verified with Node's own crypto against /jwks.

OIDC_RP=demo-rp
OIDC_RP_SECRET=demo-rp-dev-secret-change-me-0123456789abcdef
OIDC_CB=http://127.0.0.1:8081/callback
OIDC_VERIFIER=dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk # RFC 7636 Appendix B
OIDC_CHALLENGE=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM

oidc_env() {
	prepare_dirs; svc_client
	# the demo RP again, asking for RS256 ID tokens
	jq '.client_id = "rs-rp" | .client_name = "RS256 RP" | .id_token_signed_response_alg = "RS256" | .sector_identifier = "rs.example.vn"' \
		"$REPO/clients/demo-rp.json" > "$E2E_DIR/clients/rs-rp.json"
	redis_start; write_conf "${1:-.}"
	"$(dirname "$AUTHD")/eidctl" -c "$E2E_DIR/authd.json" import-population "$REPO/config/population-demo.csv" >/dev/null
	authd_start || return 1
	APP --state "$E2E_DIR/app" --dev-sms activate "${ACT_ARGS[@]}" --password 'Matkhau#2026' >/dev/null
}

# authz_url [extra query]: an authorization request of the demo RP.
authz_url() { echo "$(url /authorize)?client_id=$OIDC_RP&redirect_uri=$(jq -rn --arg u "$OIDC_CB" '$u|@uri')&response_type=code&scope=openid%20profile&state=st-1&nonce=n-1&code_challenge=$OIDC_CHALLENGE&code_challenge_method=S256${1:-}"; }
# browse JAR URL [curl args]: GET with the jar; prints headers and body.
browse() { local jar=$1 u=$2; shift 2; curl -sS -i -b "$jar" -c "$jar" "$@" "$u" | tr -d '\r'; }
# hidden NAME PAGE: the value of a hidden field.
hidden() { grep -o "name=\"$1\" value=\"[^\"]*\"" <<<"$2" | head -1 | sed 's/.*value="//; s/"$//'; }
status_of() { head -1 <<<"$1" | awk '{print $2}'; }
location_of() { grep -i '^Location: ' <<<"$1" | head -1 | cut -d' ' -f2-; }
qparam() { sed -n "s/.*[?&]$1=\([^&]*\).*/\1/p" <<<"$2" | head -1; }
# login JAR PAGE [otp] [password] [action]: posts the login form of PAGE.
login_post() {
	local jar=$1 pg=$2
	browse "$jar" "$(url /login)" -X POST --data-urlencode "tid=$(hidden tid "$pg")" \
		--data-urlencode "csrf=$(hidden csrf "$pg")" -d id_number=001085012345 \
		--data-urlencode "password=${4:-Matkhau#2026}" -d "otp=${3:-}" -d "action=${5:-login}"
}
consent_post() {
	browse "$1" "$(url /consent)" -X POST --data-urlencode "tid=$(hidden tid "$2")" \
		--data-urlencode "csrf=$(hidden csrf "$2")" -d "decision=${3:-allow}"
}
redeem() { # CODE [verifier] [redirect_uri] → "<status> <body>"
	form /token -u "$OIDC_RP:$OIDC_RP_SECRET" -d grant_type=authorization_code --data-urlencode "code=$1" \
		--data-urlencode "redirect_uri=${3:-$OIDC_CB}" -d "code_verifier=${2:-$OIDC_VERIFIER}"
}
suite_oidc_code_flow() {
	oidc_env || { nok "authd starts"; return; }
	local J=$E2E_DIR/jar p loc code out tok idt
	p=$(browse "$J" "$(authz_url '&login_hint=001085012345&ui_locales=en')")
	check "/authorize shows the login form (HTML, no-store, CSP, frame-ancestors none)" bash -c \
		'[ "$(head -1 <<<"$0" | cut -d" " -f2)" = 200 ] && grep -qi "^Content-Type: text/html" <<<"$0" && grep -qi "^Cache-Control: no-store" <<<"$0" && grep -q "frame-ancestors .none." <<<"$0" && grep -q "name=\"password\"" <<<"$0" && grep -q "name=\"otp\"" <<<"$0" && grep -q "name=\"id_number\"" <<<"$0"' "$p"
	check "the form names the RP, prefills login_hint, speaks English for ui_locales=en" bash -c \
		'grep -q "Demo RP (dev only)" <<<"$0" && grep -q "value=\"001085012345\"" <<<"$0" && grep -q "Log in with eID" <<<"$0"' "$p"
	local q; q=$(grep -o 'src="/qr/image?qid=[^"]*"' <<<"$p" | head -1 | sed 's/.*qid=//; s/"$//')
	check "outside development the QR payload is not served as text (/qr/payload: 404)" bash -c \
		'[ -n "$1" ] && [ "$(curl -sS -o /dev/null -w "%{http_code}" -b "$0" "$2$1")" = 404 ]' "$J" "$q" "$(url '/qr/payload?qid=')"
	check "the browser gets its binding cookie (HttpOnly, SameSite=Lax)" bash -c \
		'grep -qi "^Set-Cookie: eid_tx=.*HttpOnly; SameSite=Lax" <<<"$0"' "$p"
	out=$(login_post "$J" "$p" 000000)
	check "a wrong code: 400, the form again, one message for any wrong part" bash -c \
		'[ "$(head -1 <<<"$0" | cut -d" " -f2)" = 400 ] && grep -q "password or code is wrong" <<<"$0"' "$out"
	out=$(login_post "$J" "$p" "$(APP --state "$E2E_DIR/app" otp)" 'Wrong#Pass1')
	check "a wrong password with the right code: the same answer" bash -c \
		'[ "$(head -1 <<<"$0" | cut -d" " -f2)" = 400 ] && grep -q "password or code is wrong" <<<"$0"' "$out"
	check "failures count toward the account lock (2)" test "$(redis-cli -p "$REDIS_PORT" hget "eid:{001085012345}:acct" pwd_fails)" = 2
	p=$(login_post "$J" "$p" "$(APP --state "$E2E_DIR/app" otp)")
	check "password + TOTP from eid-app: the consent page listing the claims" bash -c \
		'[ "$(head -1 <<<"$0" | cut -d" " -f2)" = 200 ] && grep -q "action=\"/consent\"" <<<"$0" && grep -q "Name, date of birth, sex" <<<"$0"' "$p"
	check "login sets the SSO cookie (HttpOnly, SameSite=Lax) and clears the failures" bash -c \
		'grep -qi "^Set-Cookie: eid_sso=.*HttpOnly; SameSite=Lax" <<<"$0" && [ "$(redis-cli -p "$1" hget "eid:{001085012345}:acct" pwd_fails)" = 0 ]' "$p" "$REDIS_PORT"
	out=$(consent_post "$J" "$p")
	loc=$(location_of "$out")
	check "consent: 303 to the registered redirect_uri with code, state and iss (RFC 9207)" bash -c \
		'[ "$(head -1 <<<"$0" | cut -d" " -f2)" = 303 ] && [[ "$1" == "$2?code="* ]] && grep -q "&state=st-1&iss=http%3A%2F%2F127.0.0.1%3A" <<<"$1"' "$out" "$loc" "$OIDC_CB"
	code=$(qparam code "$loc")
	out=$(redeem "$code")
	check "the code redeems (client_secret_basic + PKCE): ID token, access token, no refresh token" bash -c \
		'[ "${0%% *}" = 200 ] && jqe ".token_type == \"Bearer\" and (.id_token | length > 100) and (.access_token | length > 100) and .scope == \"openid profile\" and (has(\"refresh_token\") | not)" <<<"${0#* }"' "$out"
	tok=$(jq -r .access_token <<<"${out#* }"); idt=$(jq -r .id_token <<<"${out#* }")
	out=$(node "$HERE/jwt_verify.mjs" "$(url /jwks)" "$idt")
	check "the ID token verifies (node crypto): iss, aud = azp = demo-rp, nonce, acr level 1, amr pwd+otp, sid, auth_time" bash -c \
		'jqe --arg iss "$1" ".header.typ == \"JWT\" and .claims.iss == \$iss and .claims.aud == \"demo-rp\" and .claims.azp == \"demo-rp\" and .claims.nonce == \"n-1\" and .claims.acr == \"urn:eid:level:1\" and .claims.amr == [\"pwd\",\"otp\"] and (.claims.sid | length == 22) and (.claims.auth_time <= .claims.iat) and .claims.exp - .claims.iat == 300" <<<"$0"' "$out" "$(url '')"
	check "sub is pairwise: 43 characters, not the ID number" bash -c \
		'jqe ".claims.sub | (length == 43) and (contains(\"001085012345\") | not)" <<<"$0"' "$out"
	check "at_hash is the left half of SHA-256 of the access token" bash -c \
		'[ "$(jq -r .claims.at_hash <<<"$0")" = "$(printf %s "$1" | openssl dgst -sha256 -binary | head -c 16 | basenc --base64url | tr -d =)" ]' "$out" "$tok"
	out=$(node "$HERE/jwt_verify.mjs" "$(url /jwks)" "$tok")
	check "the access token (RFC 9068) carries the same sub, client_id, scope, acr and sid" bash -c \
		'jqe --argjson id "$(node "$2/jwt_verify.mjs" "$3" "$1" | jq .claims)" ".header.typ == \"at+jwt\" and .claims.sub == \$id.sub and .claims.client_id == \"demo-rp\" and .claims.scope == \"openid profile\" and .claims.sid == \$id.sid" <<<"$0"' "$out" "$idt" "$HERE" "$(url /jwks)"
	out=$(form /introspect -u "$OIDC_RP:$OIDC_RP_SECRET" -d "token=$tok")
	check "the citizen's access token introspects active" bash -c 'jqe ".active == true and .acr == \"urn:eid:level:1\"" <<<"${0#* }"' "$out"
	out=$(redeem "$code")
	check "the same code again: 400 invalid_grant" bash -c '[ "${0%% *}" = 400 ] && jqe ".error == \"invalid_grant\"" <<<"${0#* }"' "$out"
	out=$(form /introspect -u "$OIDC_RP:$OIDC_RP_SECRET" -d "token=$tok")
	check "... and the tokens it produced are revoked (introspection: active false)" bash -c '[ "${0#* }" = "{\"active\":false}" ]' "$out"
	# SSO: the next request is answered at once, consent remembered
	out=$(browse "$J" "$(authz_url)")
	loc=$(location_of "$out")
	check "with the SSO session and remembered consent: 302 straight back with a code" bash -c \
		'[ "$(head -1 <<<"$0" | cut -d" " -f2)" = 302 ] && [[ "$1" == *"code="* ]]' "$out" "$loc"
	out=$(redeem "$(qparam code "$loc")" "${OIDC_VERIFIER%?}x")
	check "a wrong code_verifier: 400 invalid_grant" bash -c '[ "${0%% *}" = 400 ] && jqe ".error == \"invalid_grant\"" <<<"${0#* }"' "$out"
	out=$(browse "$J" "$(authz_url '&prompt=none')")
	check "prompt=none with a session: a code" bash -c '[[ "$(grep -i "^Location:" <<<"$0")" == *"code="* ]]' "$out"
	out=$(browse "$E2E_DIR/fresh" "$(authz_url '&prompt=none')")
	check "prompt=none without a session: login_required, state and iss kept" bash -c \
		'l=$(grep -i "^Location:" <<<"$0"); [[ "$l" == *"error=login_required"* && "$l" == *"state=st-1"* && "$l" == *"iss="* ]]' "$out"
	out=$(browse "$J" "$(authz_url '&prompt=login')")
	check "prompt=login with a session: the login form again" bash -c \
		'[ "$(head -1 <<<"$0" | cut -d" " -f2)" = 200 ] && grep -q "name=\"password\"" <<<"$0"' "$out"
	out=$(browse "$J" "$(authz_url '&max_age=0')")
	check "max_age=0: the login form again" grep -q 'name="password"' <<<"$out"
	out=$(browse "$J" "$(authz_url '&prompt=consent')")
	check "prompt=consent: the consent page again" grep -q 'action="/consent"' <<<"$out"
	out=$(consent_post "$J" "$out" deny)
	check "deny: 303 back with access_denied" bash -c '[[ "$(grep -i "^Location:" <<<"$0")" == *"error=access_denied"* ]]' "$out"
	local k; k=$(redis-cli -p "$REDIS_PORT" --scan --pattern 'eid:{001085012345}:sso:*' | head -1)
	check "the SSO session slides: its expiry is sessions.idle_s (30 min) after the last use" bash -c \
		't=$(redis-cli -p "$0" ttl "$1"); [ "$t" -gt 1790 ] && [ "$t" -le 1800 ]' "$REDIS_PORT" "$k"
	redis-cli -p "$REDIS_PORT" hset "$k" auth_time "$(( $(date +%s) - 43201 ))" >/dev/null
	out=$(browse "$J" "$(authz_url)")
	check "12 h after the login (sessions.max_s) the session no longer answers: the login form" grep -q 'name="password"' <<<"$out"
	redis-cli -p "$REDIS_PORT" hset "$k" auth_time "$(date +%s)" >/dev/null
	out=$(browse "$J" "$(authz_url '&acr_values=urn:eid:level:2')")
	check "acr_values level 2 with a level-1 session is never silently lowered: the QR login only" bash -c \
		'[ "$(head -1 <<<"$0" | cut -d" " -f2)" = 200 ] && grep -q "/qr/image" <<<"$0" && ! grep -q "name=\"password\"" <<<"$0"' "$out"
	out=$(browse "$J" "$(authz_url '&acr_values=urn:eid:level:2&prompt=none')")
	check "... and with prompt=none: login_required" bash -c '[[ "$(grep -i "^Location:" <<<"$0")" == *"error=login_required"* ]]' "$out"
}

suite_oidc_refusals() {
	oidc_env || { nok "authd starts"; return; }
	local J=$E2E_DIR/jar p out code
	out=$(browse "$J" "$(authz_url | sed 's/redirect_uri=[^&]*/redirect_uri=https%3A%2F%2Fevil.example%2Fcb/')")
	check "an unregistered redirect_uri: 400 HTML page, no redirect" bash -c \
		'[ "$(head -1 <<<"$0" | cut -d" " -f2)" = 400 ] && ! grep -qi "^Location:" <<<"$0" && grep -qi "^Content-Type: text/html" <<<"$0"' "$out"
	out=$(browse "$J" "$(authz_url | sed 's/redirect_uri=[^&]*/redirect_uri=http%3A%2F%2F127.0.0.1%3A8081%2Fcallback%2F/')")
	check "redirect_uri matching is exact (a trailing slash is another URI)" test "$(status_of "$out")" = 400
	out=$(browse "$J" "$(authz_url | sed 's/client_id=demo-rp/client_id=nobody/')")
	check "an unknown client: 400 HTML page, no redirect" bash -c '[ "$(head -1 <<<"$0" | cut -d" " -f2)" = 400 ] && ! grep -qi "^Location:" <<<"$0"' "$out"
	out=$(browse "$J" "$(authz_url | sed 's/&code_challenge=[^&]*//; s/&code_challenge_method=S256//')")
	check "no PKCE: redirect with invalid_request" bash -c '[[ "$(grep -i "^Location:" <<<"$0")" == *"error=invalid_request"* ]]' "$out"
	out=$(browse "$J" "$(authz_url | sed 's/code_challenge_method=S256/code_challenge_method=plain/')")
	check "PKCE plain: redirect with invalid_request" bash -c '[[ "$(grep -i "^Location:" <<<"$0")" == *"error=invalid_request"* ]]' "$out"
	out=$(browse "$J" "$(authz_url | sed 's/response_type=code/response_type=token/')")
	check "response_type=token: unsupported_response_type" bash -c '[[ "$(grep -i "^Location:" <<<"$0")" == *"error=unsupported_response_type"* ]]' "$out"
	out=$(browse "$J" "$(authz_url | sed 's/scope=openid%20profile/scope=profile/')")
	check "no openid scope: invalid_scope" bash -c '[[ "$(grep -i "^Location:" <<<"$0")" == *"error=invalid_scope"* ]]' "$out"
	out=$(browse "$J" "$(authz_url '&unknown_param=1&claims_locales=vi')")
	check "unknown parameters are ignored" test "$(status_of "$out")" = 200
	out=$(browse "$J" "$(authz_url '&state=again')")
	check "a repeated parameter: 400 HTML page" test "$(status_of "$out")" = 400
	p=$(browse "$J" "$(authz_url)")
	out=$(browse "$J" "$(url /login)" -X POST --data-urlencode "tid=$(hidden tid "$p")" -d id_number=001085012345 --data-urlencode 'password=Matkhau#2026' -d otp=123456)
	check "the login form without its CSRF token: 403" test "$(status_of "$out")" = 403
	out=$(browse "$J" "$(url /login)" -X POST --data-urlencode "tid=$(hidden tid "$p")" -d csrf=forged -d id_number=001085012345 --data-urlencode 'password=Matkhau#2026' -d otp=123456)
	check "a forged CSRF token: 403" test "$(status_of "$out")" = 403
	out=$(login_post "$E2E_DIR/other-browser" "$p" "$(APP --state "$E2E_DIR/app" otp)")
	check "the form posted from another browser (no binding cookie): 403" test "$(status_of "$out")" = 403
	out=$(login_post "$J" "$p" '' '' sms)
	check "send me an SMS code: the phone on file is told (masked)" bash -c \
		'[ "$(head -1 <<<"$0" | cut -d" " -f2)" = 200 ] && grep -q "+84\*\*\*\*\*5678" <<<"$0"' "$out"
	local sms; sms=$(redis-cli -p "$REDIS_PORT" --raw xrevrange eid:sms:outbox + - count 1 | grep -o 'la [0-9]\{6\}' | cut -d' ' -f2)
	out=$(login_post "$J" "$p" 999999)
	check "a wrong SMS code: 400" test "$(status_of "$out")" = 400
	out=$(login_post "$J" "$p" "$sms")
	check "password + the SMS code: logged in (consent page)" grep -q 'action="/consent"' <<<"$out"
	code=$(qparam code "$(location_of "$(consent_post "$J" "$out")")")
	out=$(redeem "$code")
	check "the SMS login's ID token says amr pwd+sms" bash -c \
		'node "$1/jwt_verify.mjs" "$2" "$(jq -r .id_token <<<"${0#* }")" | jqe ".claims.amr == [\"pwd\",\"sms\"]"' "$out" "$HERE" "$(url /jwks)"
	# a TOTP code works once
	local J2=$E2E_DIR/jar2 otp; otp=$(APP --state "$E2E_DIR/app" otp)
	p=$(browse "$J2" "$(authz_url)"); out=$(login_post "$J2" "$p" "$otp")
	local J3=$E2E_DIR/jar3; p=$(browse "$J3" "$(authz_url)"); out=$(login_post "$J3" "$p" "$otp")
	check "the same TOTP code a second time: refused (RFC 6238 §5.2)" test "$(status_of "$out")" = 400
	# more codes from the SSO session (a TOTP code works once, so no new logins)
	sso_code() { qparam code "$(location_of "$(browse "$J" "$(authz_url)")")"; }
	out=$(form /token -u "$OIDC_RP:$OIDC_RP_SECRET" -d grant_type=authorization_code --data-urlencode "code=$(sso_code)" --data-urlencode "redirect_uri=$OIDC_CB")
	check "no code_verifier for a PKCE code: invalid_grant" bash -c '[ "${0%% *}" = 400 ] && jqe ".error == \"invalid_grant\"" <<<"${0#* }"' "$out"
	out=$(redeem "$(sso_code)" "$OIDC_VERIFIER" "$OIDC_CB/")
	check "another redirect_uri at the token endpoint: invalid_grant" bash -c '[ "${0%% *}" = 400 ] && jqe ".error == \"invalid_grant\"" <<<"${0#* }"' "$out"
	code=$(sso_code)
	redis-cli -p "$REDIS_PORT" --scan --pattern 'eid:{001085012345}:code:*' | while read -r k; do
		[ -z "$(redis-cli -p "$REDIS_PORT" hget "$k" used)" ] && redis-cli -p "$REDIS_PORT" pexpire "$k" 1 >/dev/null; done
	sleep 0.1
	out=$(redeem "$code")
	check "an expired code: invalid_grant" bash -c '[ "${0%% *}" = 400 ] && jqe ".error == \"invalid_grant\"" <<<"${0#* }"' "$out"
	code=$(sso_code)
	out=$(form /token -d grant_type=authorization_code --data-urlencode "code=$code" --data-urlencode "redirect_uri=$OIDC_CB" -d "code_verifier=$OIDC_VERIFIER" -d client_id=svc -d client_secret=x)
	check "a code redeemed by another (unauthenticated) client: 401" test "${out%% *}" = 401
	check "no password, code or secret in the log" bash -c '! grep -q -e "Matkhau" -e "$0" "$1"' "$OIDC_RP_SECRET" "$AUTHD_LOG"
}

suite_oidc_userinfo() {
	oidc_env || { nok "authd starts"; return; }
	local J=$E2E_DIR/jar p out tok code
	p=$(browse "$J" "$(authz_url | sed 's/scope=openid%20profile/scope=openid%20profile%20phone%20address%20citizen_id/')")
	p=$(login_post "$J" "$p" "$(APP --state "$E2E_DIR/app" otp)")
	code=$(qparam code "$(location_of "$(consent_post "$J" "$p")")")
	out=$(redeem "$code"); tok=$(jq -r .access_token <<<"${out#* }")
	local sub; sub=$(node "$HERE/jwt_verify.mjs" "$(url /jwks)" "$(jq -r .id_token <<<"${out#* }")" | jq -r .claims.sub)
	out=$(curl -sS -w ' %{http_code}' -H "Authorization: Bearer $tok" "$(url /userinfo)")
	check "userinfo (GET, Bearer): the registry's claims by scope, sub = the ID token's" bash -c \
		'jqe --arg sub "$1" ".sub == \$sub and .name == \"Nguyễn Văn An\" and .birthdate == \"1985-03-14\" and .gender == \"male\" and .phone_number == \"+84912345678\" and .phone_number_verified == true and .address.country == \"VN\" and (.address.formatted | test(\"Hà Nội\")) and .citizen_id == \"001085012345\"" <<<"${0% *}"' "$out" "$sub"
	out=$(curl -sS -w ' %{http_code}' -X POST -d "access_token=$tok" "$(url /userinfo)")
	check "userinfo (POST, form access_token): 200" test "${out##* }" = 200
	# a token with profile only tells no phone, address or citizen_id
	code=$(qparam code "$(location_of "$(browse "$J" "$(authz_url)")")")
	out=$(redeem "$code")
	out=$(curl -sS -H "Authorization: Bearer $(jq -r .access_token <<<"${out#* }")" "$(url /userinfo)")
	check "scope openid profile: name, no phone, no address, no citizen_id" bash -c \
		'jqe "has(\"name\") and (has(\"phone_number\") | not) and (has(\"address\") | not) and (has(\"citizen_id\") | not)" <<<"$0"' "$out"
	out=$(curl -sS -D - -o /dev/null -H "Authorization: Bearer ${tok}x" "$(url /userinfo)" | tr -d '\r')
	check "a tampered token: 401 with WWW-Authenticate: Bearer error=invalid_token" bash -c \
		'grep -q "^HTTP/1.1 401" <<<"$0" && grep -q "^WWW-Authenticate: Bearer error=\"invalid_token\"" <<<"$0"' "$out"
	out=$(curl -sS -o /dev/null -w '%{http_code}' "$(url /userinfo)")
	check "no token: 401" test "$out" = 401
	local cc; cc=$(form /token -u "$OIDC_RP:$OIDC_RP_SECRET" -d grant_type=client_credentials | cut -d' ' -f2- | jq -r .access_token)
	check "a client_credentials token (no citizen): 401" test "$(curl -sS -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $cc" "$(url /userinfo)")" = 401
	form /revoke -u "$OIDC_RP:$OIDC_RP_SECRET" -d "token=$tok" >/dev/null
	check "a revoked token: 401" test "$(curl -sS -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $tok" "$(url /userinfo)")" = 401
	code=$(qparam code "$(location_of "$(browse "$J" "$(authz_url)")")")
	tok=$(redeem "$code" | cut -d' ' -f2- | jq -r .access_token)
	redis-cli -p "$REDIS_PORT" hset "eid:{001085012345}:acct" status revoked >/dev/null
	check "the token of a revoked account: 401 at userinfo" test "$(curl -sS -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $tok" "$(url /userinfo)")" = 401
	out=$(form /introspect -u "$OIDC_RP:$OIDC_RP_SECRET" -d "token=$tok")
	check "... and active false at introspection" bash -c '[ "${0#* }" = "{\"active\":false}" ]' "$out"
	out=$(browse "$J" "$(authz_url)")
	check "... and its SSO session no longer answers /authorize (the login form)" grep -q 'name="password"' <<<"$out"
}

# offline_login JAR: logs in with scope offline_access and redeems; prints the token response.
offline_login() {
	local jar=$1 p
	p=$(browse "$jar" "$(authz_url | sed 's/scope=openid%20profile/scope=openid%20profile%20offline_access/')")
	p=$(login_post "$jar" "$p" "$(APP --state "$E2E_DIR/app" otp)")
	redeem "$(qparam code "$(location_of "$(consent_post "$jar" "$p")")")" | cut -d' ' -f2-
}
refresh() { form /token -u "$OIDC_RP:$OIDC_RP_SECRET" -d grant_type=refresh_token --data-urlencode "refresh_token=$1" "${@:2}"; }
export -f refresh

suite_oidc_refresh_reuse() {
	oidc_env '.tokens.refresh_grace_s = 0' || { nok "authd starts"; return; }
	local out rt1 rt2 rt3 at2
	out=$(offline_login "$E2E_DIR/jar")
	check "offline_access: the code also gives a refresh token" jqe '.refresh_token | length > 100' <<<"$out"
	rt1=$(jq -r .refresh_token <<<"$out")
	out=$(refresh "$rt1")
	check "refresh: 200, a new access token, a new (rotated) refresh token, an ID token without nonce" bash -c \
		'[ "${0%% *}" = 200 ] && jqe --arg old "$1" ".refresh_token != \$old and (.access_token | length > 100) and .scope == \"openid profile offline_access\"" <<<"${0#* }" &&
		 node "$2/jwt_verify.mjs" "$3" "$(jq -r .id_token <<<"${0#* }")" | jqe ".claims.nonce == null and .claims.aud == \"demo-rp\""' "$out" "$rt1" "$HERE" "$(url /jwks)"
	rt2=$(jq -r .refresh_token <<<"${out#* }"); at2=$(jq -r .access_token <<<"${out#* }")
	out=$(refresh "$rt2" -d scope=openid)
	check "refresh with a narrower scope: granted as asked" bash -c '[ "${0%% *}" = 200 ] && jqe ".scope == \"openid\"" <<<"${0#* }"' "$out"
	rt3=$(jq -r .refresh_token <<<"${out#* }")
	out=$(refresh "$rt3" -d 'scope=openid phone')
	check "refresh with a wider scope: invalid_scope" bash -c '[ "${0%% *}" = 400 ] && jqe ".error == \"invalid_scope\"" <<<"${0#* }"' "$out"
	out=$(form /token -d grant_type=refresh_token --data-urlencode "refresh_token=$rt3" -d client_id=svc -d "client_secret=$SVC_SECRET")
	check "another client's refresh token: refused" test "${out%% *}" != 200
	out=$(refresh "$rt1")
	check "an old refresh token used again (no grace): invalid_grant, the family is revoked" bash -c \
		'[ "${0%% *}" = 400 ] && jqe ".error == \"invalid_grant\" and (.error_description | test(\"already used\"))" <<<"${0#* }"' "$out"
	out=$(refresh "$rt3")
	check "... so the latest refresh token fails too" test "${out%% *}" = 400
	out=$(form /introspect -u "$OIDC_RP:$OIDC_RP_SECRET" -d "token=$at2")
	check "... and the family's access tokens introspect inactive" bash -c '[ "${0#* }" = "{\"active\":false}" ]' "$out"
	out=$(offline_login "$E2E_DIR/jar2" 2>/dev/null || true)
	rt1=$(jq -r .refresh_token <<<"$out" 2>/dev/null)
	if [ -z "$rt1" ] || [ "$rt1" = null ]; then # the TOTP step was just used: SSO instead
		out=$(redeem "$(qparam code "$(location_of "$(browse "$E2E_DIR/jar" "$(authz_url | sed 's/scope=openid%20profile/scope=openid%20profile%20offline_access/')")")")" | cut -d' ' -f2-)
		rt1=$(jq -r .refresh_token <<<"$out")
	fi
	out=$(form /introspect -u "$OIDC_RP:$OIDC_RP_SECRET" -d "token=$rt1")
	check "a live refresh token introspects active (token_type refresh_token)" bash -c 'jqe ".active == true and .token_type == \"refresh_token\"" <<<"${0#* }"' "$out"
	out=$(form /revoke -d "token=$rt1" -d client_id=svc -d "client_secret=$SVC_SECRET")
	check "revoking another client's refresh token: 400 unauthorized_client" test "${out%% *}" = 400
	out=$(form /revoke -u "$OIDC_RP:$OIDC_RP_SECRET" -d "token=$rt1" -d token_type_hint=refresh_token)
	check "revocation of a refresh token: 200" test "${out%% *}" = 200
	out="$(refresh "$rt1" | cut -d' ' -f1) $(form /introspect -u "$OIDC_RP:$OIDC_RP_SECRET" -d "token=$rt1" | cut -d' ' -f2-)"
	check "... then it refreshes nothing and introspects inactive" test "$out" = '400 {"active":false}'
}

suite_oidc_refresh_grace() {
	oidc_env || { nok "authd starts"; return; }
	local out rt1 rt2 rt3 k
	rt1=$(offline_login "$E2E_DIR/jar" | jq -r .refresh_token)
	rt2=$(refresh "$rt1" | cut -d' ' -f2- | jq -r .refresh_token)
	out=$(refresh "$rt1")
	check "the previous refresh token within the grace period (a concurrent retry): 200" test "${out%% *}" = 200
	rt3=$(jq -r .refresh_token <<<"${out#* }")
	out=$(refresh "$rt3")
	check "the retry's refresh token works" test "${out%% *}" = 200
	out=$(refresh "$rt2")
	check "its sibling was dropped by that rotation (reuse: refused)" test "${out%% *}" = 400
	rt1=$(redeem "$(qparam code "$(location_of "$(browse "$E2E_DIR/jar" "$(authz_url | sed 's/scope=openid%20profile/scope=openid%20profile%20offline_access/')")")")" | cut -d' ' -f2- | jq -r .refresh_token)
	for k in $(redis-cli -p "$REDIS_PORT" --scan --pattern 'eid:{001085012345}:grant:*'); do
		redis-cli -p "$REDIS_PORT" hset "$k" family_exp "$(( $(date +%s) - 1 ))" >/dev/null
	done
	out=$(refresh "$rt1")
	check "past the family's absolute lifetime (tokens.refresh_max_ttl_s): invalid_grant" test "${out%% *}" = 400
	out=$(redeem "$(qparam code "$(location_of "$(browse "$E2E_DIR/jar" "$(authz_url)")")")" | cut -d' ' -f2-)
	check "without offline_access: no refresh token" jqe 'has("refresh_token") | not' <<<"$out"
}

suite_oidc_par() {
	oidc_env || { nok "authd starts"; return; }
	local J=$E2E_DIR/jar out uri p code
	par() { form /par "$@" -d response_type=code --data-urlencode "redirect_uri=$OIDC_CB" -d 'scope=openid profile' \
		-d state=st-par -d nonce=n-par -d "code_challenge=$OIDC_CHALLENGE" -d code_challenge_method=S256; }
	out=$(par -u "$OIDC_RP:$OIDC_RP_SECRET")
	check "PAR: 201 with a single-use request_uri and expires_in 60" bash -c \
		'[ "${0%% *}" = 201 ] && jqe ".expires_in == 60 and (.request_uri | startswith(\"urn:ietf:params:oauth:request_uri:\"))" <<<"${0#* }"' "$out"
	uri=$(jq -r .request_uri <<<"${out#* }")
	out=$(browse "$J" "$(url /authorize)?client_id=demo-bank&request_uri=$(jq -rn --arg u "$uri" '$u|@uri')")
	check "the request_uri with another client_id: 400 page" test "$(status_of "$out")" = 400
	out=$(par -u "$OIDC_RP:$OIDC_RP_SECRET"); uri=$(jq -r .request_uri <<<"${out#* }")
	p=$(browse "$J" "$(url /authorize)?client_id=$OIDC_RP&request_uri=$(jq -rn --arg u "$uri" '$u|@uri')&state=ignored")
	check "/authorize with the request_uri: the login form" grep -q 'name="password"' <<<"$p"
	p=$(login_post "$J" "$p" "$(APP --state "$E2E_DIR/app" otp)")
	out=$(consent_post "$J" "$p")
	check "the pushed parameters are the ones used (state from the push, not the query)" bash -c \
		'[[ "$(grep -i "^Location:" <<<"$0")" == *"state=st-par"* ]]' "$out"
	code=$(qparam code "$(location_of "$out")")
	out=$(redeem "$code")
	check "... and the code redeems with the pushed PKCE challenge; nonce from the push" bash -c \
		'[ "${0%% *}" = 200 ] && node "$1/jwt_verify.mjs" "$2" "$(jq -r .id_token <<<"${0#* }")" | jqe ".claims.nonce == \"n-par\""' "$out" "$HERE" "$(url /jwks)"
	out=$(browse "$J" "$(url /authorize)?client_id=$OIDC_RP&request_uri=$(jq -rn --arg u "$uri" '$u|@uri')")
	check "a request_uri used once is gone: 400 page" test "$(status_of "$out")" = 400
	out=$(par)
	check "PAR needs client authentication: 401" test "${out%% *}" = 401
	out=$(form /par -u "$OIDC_RP:$OIDC_RP_SECRET" -d response_type=code -d redirect_uri=https://evil.example/cb -d scope=openid -d "code_challenge=$OIDC_CHALLENGE" -d code_challenge_method=S256)
	check "PAR with an unregistered redirect_uri: 400 JSON invalid_request" bash -c '[ "${0%% *}" = 400 ] && jqe ".error == \"invalid_request\"" <<<"${0#* }"' "$out"
	out=$(par -u "$OIDC_RP:$OIDC_RP_SECRET" -d request_uri=urn:x)
	check "PAR carrying a request_uri: 400" test "${out%% *}" = 400
	out=$(browse "$J" "$(url /authorize)?client_id=demo-bank&redirect_uri=$(jq -rn '"https://ebank.demo-bank.example.vn/oidc/callback"|@uri')&response_type=code&scope=openid&code_challenge=$OIDC_CHALLENGE&code_challenge_method=S256&state=b")
	check "a client that requires PAR, sent straight to /authorize: redirected with invalid_request" bash -c \
		'[[ "$(grep -i "^Location:" <<<"$0")" == "Location: https://ebank.demo-bank.example.vn/oidc/callback?error=invalid_request"* ]]' "$out"
	out=$(form /par -d "client_assertion_type=$AT_TYPE" -d "client_assertion=$(assertion "$(bank_claims "$(url /par)")")" -d response_type=code \
		-d redirect_uri=https://ebank.demo-bank.example.vn/oidc/callback -d 'scope=openid citizen_id' -d "code_challenge=$OIDC_CHALLENGE" -d code_challenge_method=S256)
	check "the bank pushes with private_key_jwt (no client_id needed): 201" test "${out%% *}" = 201
	check "discovery lists the PAR endpoint" bash -c 'curl -fsS "$0" | jqe ".pushed_authorization_request_endpoint | endswith(\"/par\")"' "$(url /.well-known/openid-configuration)"
}

suite_oidc_logout() {
	oidc_env || { nok "authd starts"; return; }
	local J=$E2E_DIR/jar p out idt
	p=$(browse "$J" "$(authz_url)"); p=$(login_post "$J" "$p" "$(APP --state "$E2E_DIR/app" otp)")
	idt=$(redeem "$(qparam code "$(location_of "$(consent_post "$J" "$p")")")" | cut -d' ' -f2- | jq -r .id_token)
	check "before: one SSO session in Redis" test "$(redis-cli -p "$REDIS_PORT" scard "eid:{001085012345}:ssos")" = 1
	out=$(browse "$J" "$(url /logout)?id_token_hint=$idt&post_logout_redirect_uri=$(jq -rn '"https://evil.example/"|@uri')")
	check "an unregistered post_logout_redirect_uri: 400 page, no redirect" bash -c \
		'[ "$(head -1 <<<"$0" | cut -d" " -f2)" = 400 ] && ! grep -qi "^Location:" <<<"$0"' "$out"
	out=$(browse "$J" "$(url /logout)?id_token_hint=${idt%.*}.AAAA")
	check "a forged id_token_hint: 400 page" test "$(status_of "$out")" = 400
	out=$(browse "$J" "$(url /logout)?id_token_hint=$idt&post_logout_redirect_uri=$(jq -rn '"http://127.0.0.1:8081/"|@uri')&state=bye")
	check "logout with id_token_hint: 302 to the registered post_logout_redirect_uri with state" bash -c \
		'[ "$(head -1 <<<"$0" | cut -d" " -f2)" = 302 ] && grep -q "^Location: http://127.0.0.1:8081/?state=bye" <<<"$0"' "$out"
	check "... the SSO cookie is cleared and the session is gone from Redis" bash -c \
		'grep -qi "^Set-Cookie: eid_sso=;.*Max-Age=0" <<<"$0" && [ "$(redis-cli -p "$1" scard "eid:{001085012345}:ssos")" = 0 ]' "$out" "$REDIS_PORT"
	out=$(browse "$J" "$(authz_url '&prompt=none')")
	check "... and prompt=none now answers login_required" bash -c '[[ "$(grep -i "^Location:" <<<"$0")" == *"error=login_required"* ]]' "$out"
	out=$(browse "$J" "$(url /logout)")
	check "logout without id_token_hint asks the citizen (a form, no redirect)" bash -c \
		'[ "$(head -1 <<<"$0" | cut -d" " -f2)" = 200 ] && grep -q "action=\"/logout\"" <<<"$0"' "$out"
	local csrf; csrf=$(hidden csrf "$out")
	out=$(browse "$J" "$(url /logout)" -X POST -d confirm=yes -d csrf=forged)
	check "the confirmation with a forged CSRF token: 403" test "$(status_of "$out")" = 403
	out=$(browse "$J" "$(url /logout)" -X POST -d confirm=yes --data-urlencode "csrf=$csrf")
	check "the confirmation: logged out page" bash -c '[ "$(head -1 <<<"$0" | cut -d" " -f2)" = 200 ] && grep -q "Đã đăng xuất" <<<"$0"' "$out"
	check "discovery lists end_session_endpoint" bash -c 'curl -fsS "$0" | jqe ".end_session_endpoint | endswith(\"/logout\")"' "$(url /.well-known/openid-configuration)"
}

# An independent, widely used RP library, unmodified: openid-client (npm, pinned).
suite_oidc_openid_client() {
	oidc_env || { nok "authd starts"; return; }
	[ -d "$HERE/node_modules/openid-client" ] || { nok "openid-client is installed (tools/deps.sh runs npm ci in tests/e2e)"; return; }
	local out line
	out=$(node "$HERE/oidc_client.mjs" "$(url '')" "$OIDC_RP" "$OIDC_RP_SECRET" "$OIDC_CB" 001085012345 'Matkhau#2026' "$(APP --state "$E2E_DIR/app" otp)" 2>&1)
	while IFS= read -r line; do
		case $line in
		"ok    "*) ok "openid-client: ${line#ok    }" ;;
		"FAIL  "*) nok "openid-client: ${line#FAIL  }" ;;
		*) [ -n "$line" ] && nok "openid-client: unexpected output" "$line" ;;
		esac
	done <<<"$out"
	check "openid-client ran all 9 steps" test "$(grep -c '^ok ' <<<"$out")" = 9
}

suite_oidc_variants() {
	oidc_env || { nok "authd starts"; return; }
	local J=$E2E_DIR/jar p out code idt
	p=$(browse "$J" "$(url /authorize)" -X POST --data-urlencode "client_id=$OIDC_RP" --data-urlencode "redirect_uri=$OIDC_CB" \
		-d response_type=code -d 'scope=openid profile' -d state=post-1 -d nonce=n-post -d "code_challenge=$OIDC_CHALLENGE" -d code_challenge_method=S256)
	check "POST /authorize (form-encoded): the login form" grep -q 'name="password"' <<<"$p"
	p=$(login_post "$J" "$p" "$(APP --state "$E2E_DIR/app" otp)")
	out=$(consent_post "$J" "$p")
	check "... and the flow ends with the POSTed state" bash -c '[[ "$(grep -i "^Location:" <<<"$0")" == *"state=post-1"* ]]' "$out"
	# RS256 for a client that registered it (SSO: the login above; a new client asks consent)
	p=$(browse "$J" "$(authz_url | sed 's/client_id=demo-rp/client_id=rs-rp/')")
	check "another RP with the SSO session: no login, its own consent page" bash -c \
		'[ "$(head -1 <<<"$0" | cut -d" " -f2)" = 200 ] && grep -q "RS256 RP" <<<"$0" && grep -q "action=\"/consent\"" <<<"$0"' "$p"
	code=$(qparam code "$(location_of "$(consent_post "$J" "$p")")")
	out=$(form /token -u "rs-rp:$OIDC_RP_SECRET" -d grant_type=authorization_code --data-urlencode "code=$code" \
		--data-urlencode "redirect_uri=$OIDC_CB" -d "code_verifier=$OIDC_VERIFIER")
	idt=$(jq -r .id_token <<<"${out#* }")
	check "id_token_signed_response_alg RS256: the ID token is RS256 and verifies against /jwks" bash -c \
		'node "$0/jwt_verify.mjs" "$1" "$2" | jqe ".header.alg == \"RS256\" and .claims.aud == \"rs-rp\""' "$HERE" "$(url /jwks)" "$idt"
	local s1 s2
	s1=$(node "$HERE/jwt_verify.mjs" "$(url /jwks)" "$idt" | jq -r .claims.sub)
	s2=$(qparam code "$(location_of "$(browse "$J" "$(authz_url)")")")
	s2=$(redeem "$s2" | cut -d' ' -f2- | jq -r .id_token)
	s2=$(node "$HERE/jwt_verify.mjs" "$(url /jwks)" "$s2" | jq -r .claims.sub)
	check "another sector (sector_identifier), another sub for the same citizen (pairwise)" bash -c '[ -n "$0" ] && [ -n "$1" ] && [ "$0" != "$1" ]' "$s1" "$s2"
}

# The project's own relying party (tools/demo-rp.c) against authd: a browser (curl with a cookie
# jar) logs in at the RP, the RP verifies the ID token itself and shows the claims and userinfo.
suite_oidc_demo_rp() {
	local RP_PORT; RP_PORT=$(free_port)
	oidc_env || { nok "authd starts"; return; }
	jq --arg p "$RP_PORT" '.redirect_uris = ["http://127.0.0.1:\($p)/callback"] | .post_logout_redirect_uris = ["http://127.0.0.1:\($p)/"]' \
		"$REPO/clients/demo-rp.json" > "$E2E_DIR/clients/demo-rp.json"
	kill -HUP "$AUTHD_PID"; sleep 0.5
	local RP="http://127.0.0.1:$RP_PORT" J=$E2E_DIR/jar p out
	"$(dirname "$AUTHD")/demo-rp" --issuer "$(url '')" --listen "127.0.0.1:$RP_PORT" \
		--redirect-uri "$RP/callback" --scope 'openid profile citizen_id' 2>>"$E2E_DIR/demo-rp.log" &
	E2E_PIDS+=($!)
	wait_for curl -fsS -o /dev/null "$RP/" || { nok "demo-rp starts" "$(tail -3 "$E2E_DIR/demo-rp.log")"; return; }
	out=$(browse "$J" "$RP/login")
	check "demo-rp /login sends the browser to authd with PKCE S256, state and nonce" bash -c \
		'l=$(grep -i "^Location:" <<<"$0"); [[ "$l" == *"/authorize?"* && "$l" == *"code_challenge_method=S256"* && "$l" == *"state="* && "$l" == *"nonce="* ]]' "$out"
	p=$(browse "$J" "$(location_of "$out")")
	p=$(login_post "$J" "$p" "$(APP --state "$E2E_DIR/app" otp)")
	out=$(consent_post "$J" "$p")
	check "after login and consent authd sends the browser back to demo-rp's callback" bash -c \
		'[[ "$(grep -i "^Location:" <<<"$0")" == *"/callback?code="* ]]' "$out"
	out=$(browse "$J" "$(location_of "$out")")
	check "demo-rp redeems the code and verifies the ID token itself (then to /)" bash -c \
		'[ "$(head -1 <<<"$0" | cut -d" " -f2)" = 302 ] || { echo "$0" | tail -5; false; }' "$out"
	out=$(browse "$J" "$RP/")
	check "demo-rp shows the verified claims and userinfo (name, citizen_id, acr)" bash -c \
		'grep -q "Nguyễn Văn An" <<<"$0" && grep -q "001085012345" <<<"$0" && grep -q "urn:eid:level:1" <<<"$0"' "$out"
	out=$(browse "$J" "$RP/callback?code=forged&state=forged")
	check "demo-rp refuses a forged callback (unknown state)" bash -c '[ "$(head -1 <<<"$0" | cut -d" " -f2)" -ge 400 ]' "$out"
	out=$(browse "$J" "$RP/logout" -X POST)
	local l; l=$(location_of "$out")
	check "demo-rp logout goes to authd's end_session_endpoint with id_token_hint" bash -c \
		'[[ "$0" == *"/logout?"* && "$0" == *"id_token_hint="* ]]' "$l"
	out=$(browse "$J" "$l")
	check "authd ends the session and returns to demo-rp" bash -c \
		'[[ "$(grep -i "^Location:" <<<"$0")" == "Location: $1/"* ]]' "$out" "$RP"
}
