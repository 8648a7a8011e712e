# End-to-end: /token (client_credentials), client authentication (RFC 6749 §2.3, OIDC Core §9),
# /introspect (RFC 7662), /revoke (RFC 7009).

RP_SECRET=demo-rp-dev-secret-change-me-0123456789abcdef
SVC_SECRET=svc-test-secret-0123456789abcdefghijklmnopqrstu

# form PATH [curl args...]: POSTs a form; prints "<status> <body>".
form() { local p=$1; shift; curl -sS -X POST -w ' %{http_code}' "$@" "$(url "$p")" | awk '{code=$NF; $NF=""; sub(/ $/, ""); print code " " $0}'; }
export -f form

# A back-end client with a non-citizen scope, registered for client_credentials only.
svc_client() {
	jq -n --arg h "sha256:$(printf %s "$SVC_SECRET" | openssl dgst -sha256 -binary | basenc --base64url | tr -d '=')" '{
		client_id: "svc", client_name: "Back end", token_endpoint_auth_method: "client_secret_post",
		client_secret_hash: $h, grant_types: ["client_credentials"], redirect_uris: [] }' \
		> "$E2E_DIR/clients/svc.json"
}

token_env() { prepare_dirs; svc_client; redis_start; write_conf; authd_start; }

# assertion CLAIMS_JSON [ALG] [HEADER_JSON]: a client assertion signed with the demo bank's key.
assertion() { node "$HERE/jwt_sign.mjs" "$E2E_DIR/keys/demo-bank.pem" "${2:-ES256}" "${3:-{\}}" "$1"; }
bank_claims() { jq -nc --arg aud "${1:-$(url '')}" --arg jti "${2:-$RANDOM$RANDOM$RANDOM}" '{iss: "demo-bank", sub: "demo-bank", aud: $aud, jti: $jti, exp: "$now+60", iat: "$now"}'; }
AT_TYPE=urn:ietf:params:oauth:client-assertion-type:jwt-bearer

suite_token_client_credentials() {
	token_env || { nok "authd starts"; return; }
	local out tok hdrs
	out=$(form /token -u "demo-rp:$RP_SECRET" -d grant_type=client_credentials)
	check "client_credentials with client_secret_basic: 200 Bearer, expires_in = tokens.access_ttl_s" bash -c \
		'[ "${0%% *}" = 200 ] && jqe ".token_type == \"Bearer\" and .expires_in == 300 and (.access_token | length > 100) and (has(\"refresh_token\") | not) and (has(\"id_token\") | not)" <<<"${0#* }"' "$out"
	tok=$(jq -r .access_token <<<"${out#* }")
	out=$(node "$HERE/jwt_verify.mjs" "$(url /jwks)" "$tok")
	check "the access token is an RFC 9068 JWT: typ at+jwt, ES256, verifies against /jwks (node crypto)" bash -c \
		'jqe ".header.typ == \"at+jwt\" and .header.alg == \"ES256\" and (.header.kid | length == 43)" <<<"$0"' "$out"
	check "its claims: iss, sub = aud = client_id = demo-rp, jti, exp - iat = 300, no scope" bash -c \
		'jqe --arg iss "$1" ".claims | .iss == \$iss and .sub == \"demo-rp\" and .aud == \"demo-rp\" and .client_id == \"demo-rp\" and (.jti | length >= 22) and .exp - .iat == 300 and (has(\"scope\") | not)" <<<"$0"' "$out" "$(url '')"
	hdrs=$(curl -sS -D - -o /dev/null -u "demo-rp:$RP_SECRET" -d grant_type=client_credentials "$(url /token)" | tr -d '\r')
	check "token responses carry Cache-Control: no-store and Pragma: no-cache" bash -c \
		'grep -qi "^Cache-Control: no-store" <<<"$0" && grep -qi "^Pragma: no-cache" <<<"$0"' "$hdrs"
	out=$(form /token -d grant_type=client_credentials -d scope=admin -d "client_assertion_type=$AT_TYPE" \
		-d "client_assertion=$(node "$HERE/jwt_sign.mjs" "$E2E_DIR/keys/eidctl.pem" ES256 '{}' "$(jq -nc --arg aud "$(url '')" '{iss: "eidctl", sub: "eidctl", aud: $aud, jti: "cc-admin-1", exp: "$now+60"}')")")
	check "private_key_jwt, a registered non-citizen scope (admin): granted and echoed" bash -c \
		'[ "${0%% *}" = 200 ] && jqe ".scope == \"admin\"" <<<"${0#* }"' "$out"
	out=$(form /token -d grant_type=client_credentials -d client_id=svc -d "client_secret=$SVC_SECRET" -d scope=admin)
	check "a scope the client is not registered for (admin): 400 invalid_scope" bash -c \
		'[ "${0%% *}" = 400 ] && jqe ".error == \"invalid_scope\"" <<<"${0#* }"' "$out"
	out=$(form /token -d grant_type=client_credentials -d client_id=svc -d "client_secret=$SVC_SECRET" -d 'scope=openid profile')
	check "citizen scopes in client_credentials: 400 invalid_scope" bash -c \
		'[ "${0%% *}" = 400 ] && jqe ".error == \"invalid_scope\"" <<<"${0#* }"' "$out"
	out=$(form /token -d grant_type=client_credentials -d client_id=svc -d "client_secret=$SVC_SECRET" -d scope=bogus)
	check "an unknown scope: 400 invalid_scope" bash -c '[ "${0%% *}" = 400 ] && jqe ".error == \"invalid_scope\"" <<<"${0#* }"' "$out"
	out=$(form /token -u "tax-portal:whatever" -d grant_type=client_credentials)
	check "a wrong secret: 401 invalid_client" bash -c '[ "${0%% *}" = 401 ] && jqe ".error == \"invalid_client\"" <<<"${0#* }"' "$out"
	hdrs=$(curl -sS -D - -o /dev/null -u "demo-rp:wrong" -d grant_type=client_credentials "$(url /token)" | tr -d '\r')
	check "401 after Basic carries WWW-Authenticate: Basic" grep -q '^WWW-Authenticate: Basic realm="authd"' <<<"$hdrs"
	out=$(form /token -u "nobody:$RP_SECRET" -d grant_type=client_credentials)
	local wrong; wrong=$(form /token -u "demo-rp:wrong" -d grant_type=client_credentials)
	check "an unknown client answers exactly like a wrong secret" test "${out%% *} $(jq -c .error <<<"${out#* }")" = "${wrong%% *} $(jq -c .error <<<"${wrong#* }")"
	out=$(form /token -d grant_type=client_credentials -d client_id=demo-rp -d "client_secret=$RP_SECRET")
	check "the right secret by a method the client did not register (post vs basic): 401" test "${out%% *}" = 401
	out=$(form /token -u "demo-rp:$RP_SECRET" -d grant_type=client_credentials -d client_id=demo-rp -d "client_secret=$RP_SECRET")
	check "two authentication methods in one request: 400 invalid_request" bash -c \
		'[ "${0%% *}" = 400 ] && jqe ".error == \"invalid_request\"" <<<"${0#* }"' "$out"
	out=$(form /token -d grant_type=client_credentials)
	check "no client authentication: 401 invalid_client" test "${out%% *}" = 401
	out=$(form /token -u "demo-rp:$RP_SECRET" -d grant_type=client_credentials -d client_id=tax-portal)
	check "a client_id that contradicts the credentials: 400" test "${out%% *}" = 400
	out=$(form /token -u "tax-portal:tax-portal-dev-secret-change-me-0123456789ab" -d grant_type=client_credentials)
	check "a grant the client is not registered for: 400 unauthorized_client" bash -c \
		'[ "${0%% *}" = 400 ] && jqe ".error == \"unauthorized_client\"" <<<"${0#* }"' "$out"
	out=$(form /token -u "demo-rp:$RP_SECRET" -d grant_type=password -d username=x -d password=y)
	check "grant_type=password: 400 unsupported_grant_type" bash -c \
		'[ "${0%% *}" = 400 ] && jqe ".error == \"unsupported_grant_type\"" <<<"${0#* }"' "$out"
	out=$(form /token -u "demo-rp:$RP_SECRET")
	check "no grant_type: 400 invalid_request" bash -c '[ "${0%% *}" = 400 ] && jqe ".error == \"invalid_request\"" <<<"${0#* }"' "$out"
	out=$(form /token -u "demo-rp:$RP_SECRET" -d grant_type=client_credentials -d scope=a -d scope=b)
	check "a repeated parameter: 400 invalid_request" bash -c '[ "${0%% *}" = 400 ] && jqe ".error == \"invalid_request\"" <<<"${0#* }"' "$out"
	out=$(form /token -u "demo-rp:$RP_SECRET" -H 'Content-Type: application/json' -d '{"grant_type":"client_credentials"}')
	check "a JSON body: 415" test "${out%% *}" = 415
	check "GET /token: 405 with Allow: POST" bash -c \
		'curl -sS -D - -o /dev/null "$0" | tr -d "\r" | grep -q "^Allow: POST"' "$(url /token)"
	check "no secret was logged" bash -c '! grep -q -e "$0" -e "$1" "$2"' "$RP_SECRET" "$SVC_SECRET" "$AUTHD_LOG"
}

suite_token_private_key_jwt() {
	token_env || { nok "authd starts"; return; }
	local out a
	a=$(assertion "$(bank_claims)")
	out=$(form /introspect -d token=x -d "client_assertion_type=$AT_TYPE" -d "client_assertion=$a")
	check "private_key_jwt (ES256, aud = issuer): authenticated (introspect answers 200)" test "${out%% *}" = 200
	out=$(form /introspect -d token=x -d "client_assertion_type=$AT_TYPE" -d "client_assertion=$a")
	check "the same assertion again (jti replay): 401 invalid_client" bash -c \
		'[ "${0%% *}" = 401 ] && jqe ".error == \"invalid_client\" and (.error_description | test(\"replay\"))" <<<"${0#* }"' "$out"
	out=$(form /introspect -d token=x -d client_id=demo-bank -d "client_assertion_type=$AT_TYPE" -d "client_assertion=$(assertion "$(bank_claims "$(url /token)")")")
	check "aud = the token endpoint, with client_id: accepted" test "${out%% *}" = 200
	out=$(form /introspect -d token=x -d "client_assertion_type=$AT_TYPE" -d "client_assertion=$(assertion "$(bank_claims "$(url /introspect)")")")
	check "aud = the endpoint called: accepted" test "${out%% *}" = 200
	out=$(form /introspect -d token=x -d "client_assertion_type=$AT_TYPE" -d "client_assertion=$(assertion "$(bank_claims https://other.example)")")
	check "another audience: 401" test "${out%% *}" = 401
	out=$(form /introspect -d token=x -d "client_assertion_type=$AT_TYPE" -d "client_assertion=$(assertion "$(bank_claims)" none)")
	check "alg none: 401" test "${out%% *}" = 401
	out=$(form /introspect -d token=x -d "client_assertion_type=$AT_TYPE" -d "client_assertion=$(assertion "$(bank_claims)" HS256)")
	check "HS256 keyed with the client's public key: 401" test "${out%% *}" = 401
	out=$(form /introspect -d token=x -d "client_assertion_type=$AT_TYPE" -d "client_assertion=$(assertion "$(bank_claims | jq -c '.exp = "$now-120"')")")
	check "an expired assertion: 401" test "${out%% *}" = 401
	out=$(form /introspect -d token=x -d "client_assertion_type=$AT_TYPE" -d "client_assertion=$(assertion "$(bank_claims | jq -c '.exp = "$now+3600"')")")
	check "an assertion living an hour (exp > 5 min away): 401" test "${out%% *}" = 401
	out=$(form /introspect -d token=x -d "client_assertion_type=$AT_TYPE" -d "client_assertion=$(assertion "$(bank_claims | jq -c 'del(.jti)')")")
	check "no jti: 401" test "${out%% *}" = 401
	out=$(form /introspect -d token=x -d "client_assertion_type=$AT_TYPE" -d "client_assertion=$(assertion "$(bank_claims | jq -c '.iss = "demo-rp"')")")
	check "iss differs from sub: 401" test "${out%% *}" = 401
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$E2E_DIR/evil.pem" 2>/dev/null
	out=$(form /introspect -d token=x -d "client_assertion_type=$AT_TYPE" -d "client_assertion=$(node "$HERE/jwt_sign.mjs" "$E2E_DIR/evil.pem" ES256 '{}' "$(bank_claims)")")
	check "signed by a key the client did not register: 401" test "${out%% *}" = 401
	out=$(form /introspect -d token=x -d "client_assertion_type=urn:other" -d "client_assertion=$(assertion "$(bank_claims)")")
	check "a wrong client_assertion_type: 401" test "${out%% *}" = 401
	out=$(form /introspect -d token=x -d client_id=demo-bank -d "client_secret=x")
	check "a secret for a private_key_jwt client: 401" test "${out%% *}" = 401
	a=$(node "$HERE/jwt_sign.mjs" "$E2E_DIR/keys/demo-bank.pem" ES256 '{}' "$(jq -nc --arg aud "$(url '')" '{iss: "demo-rp", sub: "demo-rp", aud: $aud, jti: "j1", exp: "$now+60"}')")
	out=$(form /introspect -d token=x -d "client_assertion_type=$AT_TYPE" -d "client_assertion=$a")
	check "an assertion for a secret-based client: 401" test "${out%% *}" = 401
}

suite_token_introspect_revoke() {
	token_env || { nok "authd starts"; return; }
	local out tok
	tok=$(form /token -u "demo-rp:$RP_SECRET" -d grant_type=client_credentials | cut -d' ' -f2- | jq -r .access_token)
	out=$(form /introspect -u "demo-rp:$RP_SECRET" -d "token=$tok")
	check "introspection of a live token by its client: active, with its claims" bash -c \
		'[ "${0%% *}" = 200 ] && jqe ".active == true and .client_id == \"demo-rp\" and .sub == \"demo-rp\" and .token_type == \"Bearer\" and (.exp | type == \"number\")" <<<"${0#* }"' "$out"
	out=$(form /introspect -d "token=$tok" -d client_id=svc -d "client_secret=$SVC_SECRET")
	check "introspection by another client: active false (no cross-client disclosure)" bash -c \
		'[ "${0%% *}" = 200 ] && [ "${0#* }" = "{\"active\":false}" ]' "$out"
	local sig=${tok##*.} c; c=${sig:20:1}; [ "$c" = A ] && c=B || c=A
	out=$(form /introspect -u "demo-rp:$RP_SECRET" -d "token=${tok%.*}.${sig:0:20}$c${sig:21}")
	check "a token with a broken signature: active false" bash -c '[ "${0#* }" = "{\"active\":false}" ]' "$out"
	out=$(form /introspect -u "demo-rp:$RP_SECRET" -d "token=garbage")
	check "garbage: active false" bash -c '[ "${0#* }" = "{\"active\":false}" ]' "$out"
	out=$(form /introspect -u "demo-rp:wrong" -d "token=$tok")
	check "introspection needs client authentication (401)" test "${out%% *}" = 401
	out=$(form /introspect -u "demo-rp:$RP_SECRET")
	check "introspection without token: 400 invalid_request" test "${out%% *}" = 400
	out=$(form /revoke -d "token=$tok" -d client_id=svc -d "client_secret=$SVC_SECRET")
	check "revocation by another client: 400 unauthorized_client (RFC 7009 §2.1)" bash -c \
		'[ "${0%% *}" = 400 ] && jqe ".error == \"unauthorized_client\"" <<<"${0#* }"' "$out"
	out=$(form /introspect -u "demo-rp:$RP_SECRET" -d "token=$tok")
	check "... and the token stays active" bash -c 'jqe ".active == true" <<<"${0#* }"' "$out"
	out=$(form /revoke -u "demo-rp:$RP_SECRET" -d "token=$tok" -d token_type_hint=access_token)
	check "revocation by its client: 200" test "${out%% *}" = 200
	out=$(form /introspect -u "demo-rp:$RP_SECRET" -d "token=$tok")
	check "a revoked access token introspects active false" bash -c '[ "${0#* }" = "{\"active\":false}" ]' "$out"
	check "the revocation is remembered only until the token would have expired" bash -c \
		't=$(redis-cli -p "$0" ttl "eid:atrev:$1"); [ "$t" -gt 250 ] && [ "$t" -le 330 ]' "$REDIS_PORT" "$(node "$HERE/jwt_verify.mjs" "$(url /jwks)" "$tok" | jq -r .claims.jti)"
	out=$(form /revoke -u "demo-rp:$RP_SECRET" -d "token=garbage")
	check "revoking an unknown token: 200 (RFC 7009 §2.2)" test "${out%% *}" = 200
	out=$(form /revoke -u "demo-rp:wrong" -d "token=$tok")
	check "revocation needs client authentication (401)" test "${out%% *}" = 401
	check "discovery lists token, introspection and revocation endpoints and auth methods" bash -c \
		'curl -fsS "$0" | jqe --arg i "$1" ".token_endpoint == (\$i + \"/token\") and .introspection_endpoint == (\$i + \"/introspect\") and .revocation_endpoint == (\$i + \"/revoke\") and (.token_endpoint_auth_methods_supported | index(\"private_key_jwt\")) and (.grant_types_supported | index(\"client_credentials\"))"' \
		"$(url /.well-known/openid-configuration)" "$(url '')"
}
