# End-to-end: the security regression checklist. Each check is one requirement of RFC 9700 (OAuth
# 2.0 Security BCP, January 2025) or a MUST of OpenID Connect Core 1.0 (errata set 2), named after
# its section, then what authd does. Many behaviours are tested elsewhere too; this file is the
# list in spec order (docs/security-tests.md maps every item to its check).
# Section numbers are those of the published RFC 9700 and of OIDC Core 1.0 as published.

# Registrations the checklist needs beside oidc_env's: written before oidc_env copies the
# repository's clients next to them.
#   nopkce-rp  require_pkce false (conformance only): a code without a challenge, for §4.8
#   l2-rp      require_acr level 2 (an RP registered for level 2)
#   twin-rp    another RP of demo-rp's sector (same redirect host): pairwise sub stability
bcp_env() {
	mkdir -p "$E2E_DIR/clients"
	jq '.client_id = "nopkce-rp" | .client_name = "No-PKCE RP (conformance)" | .require_pkce = false' \
		"$REPO/clients/demo-rp.json" > "$E2E_DIR/clients/nopkce-rp.json"
	jq '.client_id = "l2-rp" | .client_name = "Level-2 RP" | .require_acr = "urn:eid:level:2"' \
		"$REPO/clients/demo-rp.json" > "$E2E_DIR/clients/l2-rp.json"
	jq '.client_id = "twin-rp" | .client_name = "Twin RP"' \
		"$REPO/clients/demo-rp.json" > "$E2E_DIR/clients/twin-rp.json"
	oidc_env "$@"
}

# az CLIENT [extra query]: authz_url for another registered client (same redirect URI).
bcp_az() { authz_url "${2:-}" | sed "s/client_id=$OIDC_RP/client_id=$1/"; }
# bcp_az_ru URI [extra query]: authz_url with another redirect_uri (URI given raw, encoded here).
bcp_az_ru() { authz_url "${2:-}" | sed "s|redirect_uri=[^&]*|redirect_uri=$(jq -rn --arg u "$1" '$u|@uri')|"; }
# bcp_param NAME URL: a query parameter of URL, percent-decoded (WHATWG URL parsing, in node).
bcp_param() { node -e 'const u = new URL(process.argv[1]); const v = u.searchParams.get(process.argv[2]); if (v === null) process.exit(1); console.log(v)' "$2" "$1"; }
# claims JWT: the claims of a token authd signed, after node verified it against /jwks.
bcp_claims() { node "$HERE/jwt_verify.mjs" "$(url /jwks)" "$1" 2>/dev/null | jq -c .claims; }
bcp_jwt_header() { node "$HERE/jwt_verify.mjs" "$(url /jwks)" "$1" | jq -c .header; }
# bcp_no_redirect RESPONSE: a 400 HTML page and no Location header (never redirected).
bcp_no_redirect() { [ "$(status_of "$1")" = 400 ] && ! grep -qi '^Location:' <<<"$1" && grep -qi '^Content-Type: text/html' <<<"$1"; }
# bcp_redirected_to URI RESPONSE: a 302/303 whose Location starts with URI? or URI&.
bcp_redirected_to() { local l; l=$(location_of "$2"); [[ "$(status_of "$2")" =~ ^30[23]$ ]] && [[ "$l" == "$1?"* ]]; }
# bcp_sms_login JAR PAGE: logs in on PAGE's form with the password and an SMS code (any number of
# times: a TOTP code works once per step); prints the response to the form.
bcp_sms_login() {
	local jar=$1 pg=$2 code
	login_post "$jar" "$pg" '' '' sms >/dev/null
	code=$(redis-cli -p "$REDIS_PORT" --raw xrevrange eid:sms:outbox + - count 1 | grep -o 'la [0-9]\{6\}' | cut -d' ' -f2)
	login_post "$jar" "$pg" "$code"
}
# bcp_code_login JAR URL: a fresh login (SMS) and consent for the request URL; prints the final
# response (the redirect with the code).
bcp_code_login() {
	local jar=$1 p
	p=$(browse "$jar" "$2")
	p=$(bcp_sms_login "$jar" "$p")
	grep -q 'action="/consent"' <<<"$p" && p=$(consent_post "$jar" "$p")
	printf '%s' "$p"
}
export -f bcp_param

suite_bcp_redirect() {
	bcp_env || { nok "authd starts"; return; }
	local J=$E2E_DIR/jar out u
	out=$(browse "$J" "$(authz_url)")
	check "RFC 9700 §4.1.3: redirect_uri exactly equal to a registered one — the login page (200)" \
		test "$(status_of "$out")" = 200
	out=$(browse "$J" "$(authz_url '&display=popup&ui_locales=fr-CA%20de&claims_locales=fr')")
	check "OIDC Core §15.1: display, ui_locales and claims_locales are supported (unknown values are no error): the login page" \
		test "$(status_of "$out")" = 200
	check "OIDC Core §15.1: RS256 ID token signing is supported (discovery lists RS256 and ES256)" bash -c \
		'curl -fsS "$0" | jqe "(.id_token_signing_alg_values_supported | index(\"RS256\")) and (.id_token_signing_alg_values_supported | index(\"ES256\"))"' "$(url /.well-known/openid-configuration)"
	for u in "$OIDC_CB/extra" "${OIDC_CB%back}" "$OIDC_CB?x=1" "${OIDC_CB/callback/Callback}" \
		"${OIDC_CB/http:/HTTP:}" "$OIDC_CB/" "${OIDC_CB/8081/8082}" "${OIDC_CB/:8081/}" \
		"${OIDC_CB/callback/%63allback}" "$OIDC_CB#frag" "http://127.0.0.1:8081@evil.example/callback" \
		"https://evil.example/callback"; do
		out=$(browse "$J" "$(bcp_az_ru "$u")")
		check "RFC 9700 §4.1.3: simple string comparison, no pattern — $u: 400 page, no redirect" bcp_no_redirect "$out"
		# a loopback URI with another port too: authd has no native-app clients (docs/clients.md),
		# so RFC 8252 §7.3's variable port does not apply
	done
	out=$(browse "$J" "$(bcp_az_ru https://evil.example/cb | sed 's/client_id=demo-rp/client_id=nobody/; s/response_type=code/response_type=token/; s/scope=openid%20profile/scope=bogus/')")
	check "RFC 9700 §4.11.2 / RFC 6749 §4.1.2.1: unknown client_id with a foreign redirect_uri — error page, never redirected" bcp_no_redirect "$out"
	out=$(browse "$J" "$(authz_url | sed 's/client_id=demo-rp&//')")
	check "RFC 9700 §4.11.2: no client_id — error page, never redirected" bcp_no_redirect "$out"
	out=$(browse "$J" "$(authz_url | sed 's/redirect_uri=[^&]*&//')")
	check "RFC 9700 §4.11.2: no redirect_uri — error page, never redirected" bcp_no_redirect "$out"
	out=$(browse "$J" "$(authz_url "&redirect_uri=$(jq -rn '"https://evil.example/cb"|@uri')")")
	check "RFC 9700 §4.11.2 / RFC 6749 §3.1: redirect_uri sent twice (registered + foreign) — error page, never redirected" bcp_no_redirect "$out"
	out=$(browse "$J" "$(bcp_az_ru https://evil.example/cb | sed 's/response_type=code/response_type=token/; s/scope=openid%20profile/scope=bogus/')")
	check "RFC 9700 §4.11.2: a bad request for a registered client with a foreign redirect_uri — error page, never redirected" bcp_no_redirect "$out"
	out=$(browse "$J" "$(authz_url | sed 's/scope=openid%20profile/scope=openid%20bogus/')")
	check "RFC 9700 §4.11.2: once client and redirect_uri are valid, errors go only to the registered redirect_uri" \
		bcp_redirected_to "$OIDC_CB" "$out"
	out=$(curl -sS -D - -o /dev/null -H 'Origin: https://evil.example' "$(authz_url)" | tr -d '\r')
	check "RFC 9700 §2.6: no CORS at the authorization endpoint — no Access-Control-Allow-Origin" bash -c \
		'! grep -qi "^Access-Control-Allow" <<<"$0"' "$out"
	out=$(curl -sS -D - -o /dev/null -X OPTIONS -H 'Origin: https://evil.example' -H 'Access-Control-Request-Method: GET' "$(url /authorize)" | tr -d '\r')
	check "RFC 9700 §2.6: a CORS preflight to /authorize is not granted" bash -c \
		'! grep -qi "^Access-Control-Allow" <<<"$0"' "$out"
	# registrations that would break exact matching or TLS are refused when authd loads them
	local bad=$E2E_DIR/bad-clients
	mkdir -p "$bad"
	jq '.client_id = "x" | .redirect_uris = ["http://rp.example.vn/cb"]' "$REPO/clients/demo-rp.json" > "$bad/x.json"
	jq --arg d "$bad" '.clients.dir = $d' "$E2E_DIR/authd.json" > "$E2E_DIR/bad.json"
	check "RFC 9700 §2.6: an http redirect URI off loopback is refused at registration (authd -t fails, names it)" bash -c \
		'out=$("$0" -t -c "$1" 2>&1); [ $? -ne 0 ] && grep -q "redirect_uris\[0\]" <<<"$out"' "$AUTHD" "$E2E_DIR/bad.json"
	jq '.client_id = "x" | .redirect_uris = ["https://*.rp.example.vn/cb"]' "$REPO/clients/demo-rp.json" > "$bad/x.json"
	check "RFC 9700 §4.1.1: a wildcard redirect URI pattern is refused at registration" bash -c \
		'out=$("$0" -t -c "$1" 2>&1); [ $? -ne 0 ] && grep -q "redirect_uris\[0\]" <<<"$out"' "$AUTHD" "$E2E_DIR/bad.json"
	local rt
	for rt in token id_token 'id_token token' 'code id_token' 'code token' 'code id_token token'; do
		out=$(browse "$J" "$(authz_url | sed "s/response_type=code/response_type=$(jq -rn --arg r "$rt" '$r|@uri')/")")
		check "RFC 9700 §2.1.2: implicit and hybrid response types not supported — response_type=$rt: unsupported_response_type, in the query, no token" bash -c \
			'l=$(grep -i "^Location:" <<<"$0"); [[ "$l" == *"?error=unsupported_response_type"* && "$l" != *"#"* && "$l" != *"access_token"* && "$l" != *"id_token="* ]]' "$out"
	done
	for rt in fragment form_post; do
		out=$(browse "$J" "$(authz_url "&response_mode=$rt")")
		check "RFC 9700 §2.1.2 / §4.3: response_mode=$rt refused (invalid_request): responses only in the query" bash -c \
			'l=$(grep -i "^Location:" <<<"$0"); [[ "$l" == *"?error=invalid_request"* && "$l" != *"#"* ]]' "$out"
	done
	out=$(browse "$J" "$(authz_url | sed 's/scope=openid%20profile/scope=profile/')")
	check "OIDC Core §3.1.2.1: scope without openid — invalid_scope back to the RP (authd is OpenID Connect only)" bash -c \
		'[[ "$(bcp_param error "$(grep -i "^Location:" <<<"$0" | cut -d" " -f2-)")" == invalid_scope ]]' "$out"
	out=$(browse "$J" "$(authz_url | sed 's/response_type=code&//')")
	check "OIDC Core §3.1.2.2: a REQUIRED parameter missing (response_type) — invalid_request back to the RP" bash -c \
		'[[ "$(bcp_param error "$(grep -i "^Location:" <<<"$0" | cut -d" " -f2-)")" == invalid_request ]]' "$out"
	out=$(browse "$J" "$(authz_url '&request=eyJhbGciOiJub25lIn0.e30.')")
	check "OIDC Core §3.1.2.6: request objects are not supported — request_not_supported" bash -c \
		'[[ "$(bcp_param error "$(grep -i "^Location:" <<<"$0" | cut -d" " -f2-)")" == request_not_supported ]]' "$out"
	local st='s t&a=b/é?%'
	out=$(browse "$J" "$(authz_url | sed "s/state=st-1/state=$(jq -rn --arg s "$st" '$s|@uri')/; s/scope=openid%20profile/scope=profile/")")
	check "OIDC Core §3.1.2.6 / RFC 6749 §4.1.2.1: an error response carries state exactly as sent" bash -c \
		'[ "$(bcp_param state "$(grep -i "^Location:" <<<"$0" | cut -d" " -f2-)")" = "$1" ]' "$out" "$st"
	check "RFC 9700 §4.4.2.1 / RFC 9207 §2: an error response carries iss = the issuer" bash -c \
		'[ "$(bcp_param iss "$(grep -i "^Location:" <<<"$0" | cut -d" " -f2-)")" = "$1" ]' "$out" "$(url '')"
	out=$(browse "$J" "$(authz_url | sed 's/&state=st-1//; s/scope=openid%20profile/scope=profile/')")
	check "RFC 6749 §4.1.2.1: no state sent, none returned (not even empty)" bash -c \
		'l=$(grep -i "^Location:" <<<"$0"); [[ "$l" == *"error=invalid_scope"* && "$l" != *"state="* ]]' "$out"
	st=$(head -c 600 /dev/zero | tr '\0' s)
	out=$(browse "$J" "$(authz_url | sed "s/state=st-1/state=$st/")")
	check "OIDC Core §3.1.2.6: a state over authd's limit (512 bytes) is refused (invalid_request) — and still echoed as sent" bash -c \
		'l=$(grep -i "^Location:" <<<"$0" | cut -d" " -f2-); [ "$(bcp_param error "$l")" = invalid_request ] && [ "$(bcp_param state "$l")" = "$1" ]' "$out" "$st"
}

# The headers every authd page carries against clickjacking (RFC 9700 §4.16)
# and referrer leakage (§4.2.4).
bcp_frame_denied() { grep -qi '^X-Frame-Options: DENY' <<<"$1" && grep -qi "^Content-Security-Policy: .*frame-ancestors 'none'" <<<"$1"; }
bcp_no_referrer() { grep -qi '^Referrer-Policy: no-referrer$' <<<"$1"; }
# bcp_own_resources_only PAGE: every src/href/action on the page is a path on authd (no third party).
bcp_own_resources_only() {
	local refs
	refs=$(grep -oiE '(src|href|action)="[^"]*"' <<<"$1" | sed 's/^[^"]*"//; s/"$//')
	[ -n "$refs" ] && ! grep -qvE '^/[^/]' <<<"$refs"
}

suite_bcp_code() {
	bcp_env || { nok "authd starts"; return; }
	local J=$E2E_DIR/jar p out loc code tok idt rt c
	local st='st/+ &=é' nonce='n 1/+&é'
	local u; u=$(authz_url | sed "s/state=st-1/state=$(jq -rn --arg s "$st" '$s|@uri')/; s/nonce=n-1/nonce=$(jq -rn --arg s "$nonce" '$s|@uri')/")
	check "RFC 9700 §2.1.1: authd supports PKCE and says so — code_challenge_methods_supported is [\"S256\"]" bash -c \
		'curl -fsS "$0" | jqe ".code_challenge_methods_supported == [\"S256\"]"' "$(url /.well-known/openid-configuration)"
	out=$(browse "$J" "$(authz_url | sed 's/&code_challenge=[^&]*//; s/&code_challenge_method=S256//')")
	check "RFC 9700 §2.1.1: PKCE required of confidential clients too — no code_challenge: invalid_request" bash -c \
		'[ "$(bcp_param error "$(grep -i "^Location:" <<<"$0" | cut -d" " -f2-)")" = invalid_request ]' "$out"
	out=$(browse "$J" "$(authz_url | sed 's/code_challenge_method=S256/code_challenge_method=plain/')")
	check "RFC 9700 §2.1.1: code_challenge_method=plain refused (it exposes the verifier) — invalid_request" bash -c \
		'[ "$(bcp_param error "$(grep -i "^Location:" <<<"$0" | cut -d" " -f2-)")" = invalid_request ]' "$out"
	out=$(browse "$J" "$(authz_url | sed 's/&code_challenge_method=S256//')")
	check "RFC 9700 §2.1.1: a challenge without a method (RFC 7636: plain) refused — invalid_request" bash -c \
		'[ "$(bcp_param error "$(grep -i "^Location:" <<<"$0" | cut -d" " -f2-)")" = invalid_request ]' "$out"
	local bad=$E2E_DIR/bad-clients
	mkdir -p "$bad"
	jq '.client_id = "pub" | .token_endpoint_auth_method = "none" | del(.client_secret_hash)' "$REPO/clients/demo-rp.json" > "$bad/pub.json"
	jq --arg d "$bad" '.clients.dir = $d' "$E2E_DIR/authd.json" > "$E2E_DIR/bad.json"
	check "RFC 9700 §2.1.1 / §2.5: no public clients — token_endpoint_auth_method none is refused at registration" bash -c \
		'out=$("$0" -t -c "$1" 2>&1); [ $? -ne 0 ] && grep -q "token_endpoint_auth_method" <<<"$out"' "$AUTHD" "$E2E_DIR/bad.json"

	# one login: the pages, the redirect and the token response
	p=$(browse "$J" "$u")
	check "RFC 9700 §4.16: the login page cannot be framed — X-Frame-Options DENY, CSP frame-ancestors 'none'" bcp_frame_denied "$p"
	check "RFC 9700 §4.2.4: the login page sends no Referer — Referrer-Policy: no-referrer" bcp_no_referrer "$p"
	check "RFC 9700 §4.2.4: the login page loads nothing and links nowhere off authd (no third-party resources)" bcp_own_resources_only "$p"
	p=$(bcp_sms_login "$J" "$p")
	check "RFC 9700 §4.16: the consent page cannot be framed" bcp_frame_denied "$p"
	check "RFC 9700 §4.2.4: the consent page sends no Referer" bcp_no_referrer "$p"
	out=$(browse "$J" "$(url /login)" -X POST --data-urlencode "tid=$(hidden tid "$p")" -d csrf=forged -d decision=allow)
	check "RFC 6749 §10.12: authd's own forms are CSRF-protected — a forged token: 403, no redirect" bash -c \
		'[ "$(head -1 <<<"$0" | cut -d" " -f2)" = 403 ] && ! grep -qi "^Location:" <<<"$0"' "$out"
	out=$(consent_post "$J" "$p")
	loc=$(location_of "$out")
	check "RFC 9700 §4.12: after the consent POST, 303 See Other (never 307: the form is not re-posted to the RP)" \
		test "$(status_of "$out")" = 303
	check "RFC 9700 §4.2.4: the redirect to the RP sends no Referer" bcp_no_referrer "$out"
	check "OIDC Core §3.1.2.5: the code comes back to the registered redirect_uri with state exactly as sent" bash -c \
		'[[ "$1" == "$2?code="* ]] && [ "$(bcp_param state "$1")" = "$0" ]' "$st" "$loc" "$OIDC_CB"
	check "RFC 9700 §4.4.2.1 / RFC 9207 §2: the authorization response carries iss = the issuer" bash -c \
		'[ "$(bcp_param iss "$0")" = "$1" ]' "$loc" "$(url '')"
	check "RFC 9207 §3: discovery says authorization_response_iss_parameter_supported" bash -c \
		'curl -fsS "$0" | jqe ".authorization_response_iss_parameter_supported == true"' "$(url /.well-known/openid-configuration)"
	check "RFC 9700 §4.3 / OIDC Core §16.5: the redirect carries code, state and iss only — no token, no fragment" bash -c \
		'q=${0#*\?}; [[ "$0" != *"#"* ]] && [ "$(tr "&" "\n" <<<"$q" | cut -d= -f1 | sort | tr "\n" " ")" = "code iss state " ]' "$loc"
	code=$(qparam code "$loc")
	check "RFC 6749 §4.1.2: the code is short-lived (≤ 60 s in Redis)" bash -c \
		'for k in $(redis-cli -p "$0" --scan --pattern "eid:{001085012345}:code:*"); do t=$(redis-cli -p "$0" ttl "$k"); [ "$t" -gt 0 ] && [ "$t" -le 60 ] || exit 1; done' "$REDIS_PORT"
	out=$(curl -sS -D - -u "$OIDC_RP:$OIDC_RP_SECRET" -d grant_type=authorization_code --data-urlencode "code=$code" \
		--data-urlencode "redirect_uri=$OIDC_CB" -d "code_verifier=$OIDC_VERIFIER" "$(url /token)" | tr -d '\r')
	check "OIDC Core §3.1.3.3: the token response is JSON with Cache-Control: no-store and Pragma: no-cache" bash -c \
		'grep -q "^HTTP/1.1 200" <<<"$0" && grep -qi "^Content-Type: application/json" <<<"$0" && grep -qi "^Cache-Control: no-store" <<<"$0" && grep -qi "^Pragma: no-cache" <<<"$0"' "$out"
	out=$(sed -n '/^$/,$p' <<<"$out" | tail -1)
	tok=$(jq -r .access_token <<<"$out"); idt=$(jq -r .id_token <<<"$out")
	c=$(bcp_claims "$idt")
	check "OIDC Core §3.1.3.7 (2) / §16.15: ID token iss is exactly the issuer discovery publishes" bash -c \
		'[ "$(jq -r .iss <<<"$0")" = "$(curl -fsS "$1" | jq -r .issuer)" ]' "$c" "$(url /.well-known/openid-configuration)"
	check "OIDC Core §3.1.3.7 (3): aud contains the client_id (and nothing else)" bash -c \
		'jqe "(.aud == \"demo-rp\") or (.aud == [\"demo-rp\"])" <<<"$0"' "$c"
	check "OIDC Core §3.1.3.7 (5): azp, when present, is the client_id" bash -c \
		'jqe "(has(\"azp\") | not) or .azp == \"demo-rp\"" <<<"$0"' "$c"
	check "OIDC Core §3.1.3.7 (6-7) / §10.1: signed with the registered alg (default ES256); kid names a key of /jwks; verified by node" bash -c \
		'h=$(node "$1/jwt_verify.mjs" "$2" "$0" | jq -c .header) && jqe ".alg == \"ES256\"" <<<"$h" && curl -fsS "$2" | jqe --arg k "$(jq -r .kid <<<"$h")" "[.keys[].kid] | index(\$k)"' "$idt" "$HERE" "$(url /jwks)"
	check "OIDC Core §3.1.3.7 (9-10): exp in the future, iat now (within 5 s), exp after iat" bash -c \
		'n=$(date +%s); jqe --argjson n "$n" ".exp > \$n and (.iat - \$n | fabs) <= 5 and .exp > .iat" <<<"$0"' "$c"
	check "OIDC Core §2 / §3.1.3.7 (11): nonce echoed exactly as sent" bash -c '[ "$(jq -r .nonce <<<"$0")" = "$1" ]' "$c" "$nonce"
	check "OIDC Core §2: sub is at most 255 ASCII characters and never the ID number (pairwise)" bash -c \
		'jqe ".sub | (length <= 255) and test(\"^[\\\\x21-\\\\x7e]+$\") and (contains(\"001085012345\") | not)" <<<"$0"' "$c"
	check "OIDC Core §2: acr says what was done (a web login: urn:eid:level:1), auth_time present" bash -c \
		'jqe ".acr == \"urn:eid:level:1\" and (.auth_time | type == \"number\")" <<<"$0"' "$c"
	check "OIDC Core §3.1.3.6 / RFC 9700 §4.6.1: at_hash is the left half of SHA-256 of the access token issued with it" bash -c \
		'[ "$(jq -r .at_hash <<<"$0")" = "$(printf %s "$1" | openssl dgst -sha256 -binary | head -c 16 | basenc --base64url | tr -d =)" ]' "$c" "$tok"
	check "OIDC Back-Channel Logout §2.4 / Session Management: sid names the browser session" bash -c \
		'jqe ".sid | type == \"string\" and length > 0" <<<"$0"' "$c"

	# PKCE and binding at the token endpoint: each attempt burns its code, so each gets a new one
	bcp_sso_code() { qparam code "$(location_of "$(browse "$J" "${1:-$(authz_url)}")")"; }
	out=$(redeem "$(bcp_sso_code)" "${OIDC_VERIFIER%?}x")
	check "RFC 9700 §2.1.1 / RFC 7636 §4.6: a code_verifier that does not match — invalid_grant" bash -c \
		'[ "${0%% *}" = 400 ] && jqe ".error == \"invalid_grant\" and (.error_description | test(\"PKCE\"))" <<<"${0#* }"' "$out"
	out=$(form /token -u "$OIDC_RP:$OIDC_RP_SECRET" -d grant_type=authorization_code --data-urlencode "code=$(bcp_sso_code)" --data-urlencode "redirect_uri=$OIDC_CB")
	check "RFC 9700 §2.1.1: a code issued with a challenge and redeemed without a verifier — invalid_grant" bash -c \
		'[ "${0%% *}" = 400 ] && jqe ".error == \"invalid_grant\" and (.error_description | test(\"PKCE\"))" <<<"${0#* }"' "$out"
	out=$(redeem "$(bcp_sso_code)" "$(head -c 32 /dev/urandom | basenc --base64url | tr -d =)")
	check "RFC 9700 §4.5.3.1: code injection — a stolen code redeemed with the attacker session's verifier: invalid_grant" bash -c \
		'[ "${0%% *}" = 400 ] && jqe ".error == \"invalid_grant\" and (.error_description | test(\"PKCE\"))" <<<"${0#* }"' "$out"
	out=$(form /token -u "rs-rp:$OIDC_RP_SECRET" -d grant_type=authorization_code --data-urlencode "code=$(bcp_sso_code)" \
		--data-urlencode "redirect_uri=$OIDC_CB" -d "code_verifier=$OIDC_VERIFIER")
	check "RFC 9700 §4.5 / RFC 6749 §4.1.3: a code is bound to its client — another authenticated client: invalid_grant" bash -c \
		'[ "${0%% *}" = 400 ] && jqe ".error == \"invalid_grant\" and (.error_description | test(\"another client\"))" <<<"${0#* }"' "$out"
	out=$(redeem "$(bcp_sso_code)" "$OIDC_VERIFIER" "$OIDC_CB?x=1")
	check "RFC 9700 §4.5.2 / RFC 6749 §4.1.3: a code is bound to its redirect_uri — another one: invalid_grant" bash -c \
		'[ "${0%% *}" = 400 ] && jqe ".error == \"invalid_grant\" and (.error_description | test(\"redirect_uri\"))" <<<"${0#* }"' "$out"
	out=$(form /token -u "$OIDC_RP:$OIDC_RP_SECRET" -d grant_type=authorization_code --data-urlencode "code=$(bcp_sso_code)" -d "code_verifier=$OIDC_VERIFIER")
	check "RFC 6749 §4.1.3: redirect_uri was in the request, so it is required at the token endpoint — invalid_request" bash -c \
		'[ "${0%% *}" = 400 ] && jqe ".error == \"invalid_request\"" <<<"${0#* }"' "$out"
	# §4.8 PKCE downgrade: a client allowed to skip PKCE (conformance only)
	local npu; npu=$(bcp_az nopkce-rp | sed 's/&code_challenge=[^&]*//; s/&code_challenge_method=S256//')
	p=$(browse "$J" "$npu"); [ "$(status_of "$p")" = 200 ] && p=$(consent_post "$J" "$p")
	out=$(form /token -u "nopkce-rp:$OIDC_RP_SECRET" -d grant_type=authorization_code --data-urlencode "code=$(qparam code "$(location_of "$p")")" \
		--data-urlencode "redirect_uri=$OIDC_CB" -d "code_verifier=$OIDC_VERIFIER")
	check "RFC 9700 §4.8.2: PKCE downgrade — a code_verifier for a code issued without a challenge: invalid_grant" bash -c \
		'[ "${0%% *}" = 400 ] && jqe ".error == \"invalid_grant\" and (.error_description | test(\"no code_challenge\"))" <<<"${0#* }"' "$out"
	out=$(form /token -u "nopkce-rp:$OIDC_RP_SECRET" -d grant_type=authorization_code --data-urlencode "code=$(bcp_sso_code "$npu")" \
		--data-urlencode "redirect_uri=$OIDC_CB")
	check "RFC 9700 §4.8.2: ... while that client's code without a verifier redeems (require_pkce false: conformance only)" \
		test "${out%% *}" = 200

	# single use: the second redemption fails and revokes what the first produced
	p=$(browse "$J" "$(authz_url | sed 's/scope=openid%20profile/scope=openid%20profile%20offline_access/')")
	[ "$(status_of "$p")" = 200 ] && p=$(consent_post "$J" "$p")
	code=$(qparam code "$(location_of "$p")")
	out=$(redeem "$code")
	local first=${out%% *}
	tok=$(jq -r .access_token <<<"${out#* }"); rt=$(jq -r .refresh_token <<<"${out#* }")
	out=$(redeem "$code")
	check "RFC 6749 §4.1.2 / RFC 9700 §4.2.4: a code is single use — the first redemption 200, the second: invalid_grant" bash -c \
		'[ "$1" = 200 ] && [ "${0%% *}" = 400 ] && jqe ".error == \"invalid_grant\"" <<<"${0#* }"' "$out" "$first"
	out="$(form /introspect -u "$OIDC_RP:$OIDC_RP_SECRET" -d "token=$tok" | cut -d' ' -f2-) $(curl -sS -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $tok" "$(url /userinfo)") $(refresh "$rt" | cut -d' ' -f1)"
	check "RFC 6749 §4.1.2: ... and revokes the tokens the first produced (access: inactive, userinfo 401; refresh: 400)" \
		test "$out" = '{"active":false} 401 400'

	# RFC 9700 §4.12 for the other POSTs that end in a redirect
	p=$(browse "$J" "$(authz_url '&prompt=login')")
	out=$(bcp_sms_login "$J" "$p")
	check "RFC 9700 §4.12: after the login POST (credentials), 303 See Other to the RP, never 307" bash -c \
		'[ "$(head -1 <<<"$0" | cut -d" " -f2)" = 303 ] && [[ "$(grep -i "^Location:" <<<"$0")" == *"code="* ]]' "$out"
	out=$(browse "$J" "$(url /authorize)" -X POST --data-urlencode "client_id=$OIDC_RP" --data-urlencode "redirect_uri=$OIDC_CB" \
		-d response_type=code -d 'scope=openid profile' -d state=p -d "code_challenge=$OIDC_CHALLENGE" -d code_challenge_method=S256)
	check "RFC 9700 §4.12: POST /authorize answered by a redirect: 303, never 307" test "$(status_of "$out")" = 303
	out=$(browse "$J" "$(url /logout)?id_token_hint=$idt&post_logout_redirect_uri=$(jq -rn '"https://evil.example/"|@uri')&state=x")
	check "RFC 9700 §2.1 / §4.11.2: /logout is no open redirector — an unregistered post_logout_redirect_uri: 400 page, no redirect" bcp_no_redirect "$out"
	out=$(browse "$E2E_DIR/jar-other" "$(url /logout)?client_id=demo-rp&post_logout_redirect_uri=$(jq -rn '"http://127.0.0.1:8081/"|@uri')")
	check "RFC 9700 §4.11.2: ... and without id_token_hint even a registered one is not followed at once (the citizen confirms first)" bash -c \
		'[ "$(head -1 <<<"$0" | cut -d" " -f2)" = 200 ] && ! grep -qi "^Location:" <<<"$0" && grep -q "action=\"/logout\"" <<<"$0"' "$out"
	out=$(browse "$J" "$(bcp_az_ru https://evil.example/cb)")
	check "RFC 9700 §4.16: error pages cannot be framed either" bcp_frame_denied "$out"
	check "RFC 9700 §4.2.4: error pages send no Referer" bcp_no_referrer "$out"
}

# bcp_auth_time SECONDS: sets auth_time of the citizen's SSO sessions in Redis.
bcp_auth_time() {
	local k
	for k in $(redis-cli -p "$REDIS_PORT" --scan --pattern 'eid:{001085012345}:sso:*'); do
		redis-cli -p "$REDIS_PORT" hset "$k" auth_time "$1" >/dev/null
	done
}
bcp_login_page() { [ "$(status_of "$1")" = 200 ] && grep -q 'action="/login"' <<<"$1"; }

suite_bcp_session() {
	bcp_env '.qr.show_payload = true' || { nok "authd starts"; return; }
	APP --state "$E2E_DIR/app" login --passcode 468213 >/dev/null
	local J=$E2E_DIR/jar p out loc c t
	out=$(browse "$J" "$(authz_url '&prompt=none')")
	loc=$(location_of "$out")
	check "OIDC Core §3.1.2.1: prompt=none without a session — login_required back to the RP (state, iss), never a page" bash -c \
		'[ "$(head -1 <<<"$0" | cut -d" " -f2)" = 302 ] && [ "$(bcp_param error "$1")" = login_required ] && [ "$(bcp_param state "$1")" = st-1 ] && bcp_param iss "$1" >/dev/null && ! grep -q "<form" <<<"$0"' "$out" "$loc"
	out=$(browse "$J" "$(authz_url '&prompt=none%20login')")
	check "OIDC Core §3.1.2.1: prompt=none with another value — invalid_request" bash -c \
		'[ "$(bcp_param error "$(grep -i "^Location:" <<<"$0" | cut -d" " -f2-)")" = invalid_request ]' "$out"
	out=$(bcp_code_login "$J" "$(authz_url)")
	check "OIDC Core §3.1.2.3: (setup) a web login, password + SMS code, ends in a code" bash -c '[[ "$(grep -i "^Location:" <<<"$0")" == *"code="* ]]' "$out"
	out=$(browse "$J" "$(authz_url '&prompt=none' | sed 's/scope=openid%20profile/scope=openid%20profile%20phone/')")
	check "OIDC Core §3.1.2.1: prompt=none with a session but consent missing — consent_required, never a page" bash -c \
		'[ "$(head -1 <<<"$0" | cut -d" " -f2)" = 302 ] && [ "$(bcp_param error "$(grep -i "^Location:" <<<"$0" | cut -d" " -f2-)")" = consent_required ]' "$out"
	out=$(browse "$J" "$(authz_url '&prompt=login')")
	check "OIDC Core §3.1.2.3: prompt=login with a session — the End-User is re-authenticated (the login form)" bcp_login_page "$out"
	t=$(date +%s)
	p=$(bcp_sms_login "$J" "$(browse "$J" "$(authz_url '&prompt=login' | sed 's/scope=openid%20profile/scope=openid%20profile%20phone/')")")
	out=$(consent_post "$J" "$p")
	check "OIDC Core §3.1.2.3-5: prompt=login, re-authenticated, then a consent page — the consent completes: a code" bash -c \
		'[ "$(head -1 <<<"$1" | cut -d" " -f2)" = 200 ] && grep -q "action=\"/consent\"" <<<"$1" && [[ "$(grep -i "^Location:" <<<"$0")" == *"code="* ]]' "$out" "$p"
	c=$(bcp_claims "$(redeem "$(qparam code "$(location_of "$out")")" | cut -d' ' -f2- | jq -r .id_token)")
	check "OIDC Core §2 auth_time: after prompt=login it is the new login's, not the old session's" bash -c 'jqe --argjson t "$1" ".auth_time >= \$t" <<<"$0"' "$c" "$t"
	bcp_auth_time "$(date +%s)"
	out=$(browse "$J" "$(authz_url '&max_age=0')")
	check "OIDC Core §3.1.2.1: max_age=0 is prompt=login — even a session authenticated this second: the login form" bcp_login_page "$out"
	p=$(bcp_sms_login "$J" "$(browse "$J" "$(authz_url '&max_age=0' | sed 's/scope=openid%20profile/scope=openid%20profile%20address/')")")
	sleep 1.1 # the citizen reads the consent page: the login is more than max_age=0 seconds old by now
	out=$(consent_post "$J" "$p")
	check "OIDC Core §3.1.2.1: max_age=0, re-authenticated, consent given a second later — the consent completes: a code" bash -c \
		'[[ "$(grep -i "^Location:" <<<"$0")" == *"code="* ]]' "$out"
	p=$(browse "$J" "$(authz_url '&prompt=login' | sed 's/scope=openid%20profile/scope=openid%20profile%20citizen_id/')")
	out=$(consent_post "$J" "$p")
	check "OIDC Core §3.1.2.3: prompt=login cannot be skipped by posting the consent form with the login page's tokens (400, no code)" bash -c \
		'[ "$(head -1 <<<"$0" | cut -d" " -f2)" = 400 ] && ! grep -qi "^Location:" <<<"$0"' "$out"
	t=$(( $(date +%s) - 20 ))
	bcp_auth_time "$t"
	out=$(browse "$J" "$(authz_url '&max_age=10')")
	check "OIDC Core §3.1.2.1: a session older than max_age — re-authentication (the login form)" bcp_login_page "$out"
	out=$(browse "$J" "$(authz_url '&max_age=10&prompt=none')")
	check "OIDC Core §3.1.2.1: a session older than max_age, prompt=none: login_required" bash -c \
		'[ "$(bcp_param error "$(grep -i "^Location:" <<<"$0" | cut -d" " -f2-)")" = login_required ]' "$out"
	out=$(browse "$J" "$(authz_url '&max_age=3600')")
	check "OIDC Core §3.1.2.1: a session younger than max_age answers without a login (a code)" bash -c \
		'[[ "$(grep -i "^Location:" <<<"$0")" == *"code="* ]]' "$out"
	c=$(bcp_claims "$(redeem "$(qparam code "$(location_of "$out")")" | cut -d' ' -f2- | jq -r .id_token)")
	check "OIDC Core §2 / §3.1.2.1: max_age was requested, so the ID token has auth_time — the session's login time" bash -c \
		'jqe --argjson t "$1" ".auth_time == \$t" <<<"$0"' "$c" "$t"

	# acr: what an RP asked for or registered is a floor, never silently lowered
	bcp_auth_time "$(date +%s)"
	out=$(browse "$J" "$(authz_url '&acr_values=urn:eid:level:1')")
	check "OIDC Core §3.1.2.1 acr_values: level 1 requested, a level-1 session answers (a code)" bash -c \
		'[[ "$(grep -i "^Location:" <<<"$0")" == *"code="* ]]' "$out"
	c=$(bcp_claims "$(redeem "$(qparam code "$(location_of "$out")")" | cut -d' ' -f2- | jq -r .id_token)")
	check "OIDC Core §2 acr: ... and the ID token says urn:eid:level:1" bash -c 'jqe ".acr == \"urn:eid:level:1\"" <<<"$0"' "$c"
	p=$(browse "$J" "$(authz_url '&acr_values=urn:eid:level:2')")
	check "OIDC Core §3.1.2.1 acr_values level 2 with a level-1 session: not answered from it — the app's QR login only, no password form" bash -c \
		'[ "$(head -1 <<<"$0" | cut -d" " -f2)" = 200 ] && grep -q "/qr/image" <<<"$0" && ! grep -q "name=\"password\"" <<<"$0"' "$p"
	out=$(login_post "$J" "$p" 123456)
	check "OIDC Core §3.1.2.1 acr_values level 2: the page has no form to post (no tid, no CSRF token) — a password login posted anyway: 403, no redirect" bash -c \
		'! grep -q "name=\"tid\"" <<<"$1" && [ "$(head -1 <<<"$0" | cut -d" " -f2)" = 403 ] && ! grep -qi "^Location:" <<<"$0"' "$out" "$p"
	out=$(browse "$J" "$(authz_url '&acr_values=urn:eid:level:2&prompt=none')")
	check "OIDC Core §3.1.2.1 acr_values level 2, prompt=none, a level-1 session: login_required" bash -c \
		'[ "$(bcp_param error "$(grep -i "^Location:" <<<"$0" | cut -d" " -f2-)")" = login_required ]' "$out"
	p=$(browse "$J" "$(bcp_az l2-rp)")
	check "OIDC Core §3.1.2.1 acr (require_acr floor): an RP registered for level 2, no acr_values — never answered from a level-1 session: QR only" bash -c \
		'[ "$(head -1 <<<"$0" | cut -d" " -f2)" = 200 ] && grep -q "/qr/image" <<<"$0" && ! grep -q "name=\"password\"" <<<"$0"' "$p"
	out=$(browse "$J" "$(bcp_az l2-rp '&acr_values=urn:eid:level:1')")
	check "OIDC Core §3.1.2.1 acr (require_acr floor): acr_values level 1 cannot lower it — QR only" bash -c \
		'grep -q "/qr/image" <<<"$0" && ! grep -q "name=\"password\"" <<<"$0"' "$out"
	out=$(browse "$J" "$(bcp_az l2-rp '&prompt=none')")
	check "OIDC Core §3.1.2.1 acr (require_acr floor): prompt=none with a level-1 session — login_required" bash -c \
		'[ "$(bcp_param error "$(grep -i "^Location:" <<<"$0" | cut -d" " -f2-)")" = login_required ]' "$out"
	local qid; qid=$(qid_of "$p")
	APP --state "$E2E_DIR/app" scan "$(qr_get "$J" payload "$qid")" >/dev/null
	out=$(APP --state "$E2E_DIR/app" approve 2>&1)
	check "OIDC Core §3.1.2.1 acr (require_acr floor): a level-1 account's app approval is refused (403 level_too_low)" grep -q "403 level_too_low" <<<"$out"
	redis-cli -p "$REDIS_PORT" hset "eid:{001085012345}:acct" level 2 >/dev/null # chip or officer: tested elsewhere
	p=$(browse "$J" "$(bcp_az l2-rp)"); qid=$(qid_of "$p")
	APP --state "$E2E_DIR/app" scan "$(qr_get "$J" payload "$qid")" >/dev/null
	APP --state "$E2E_DIR/app" approve >/dev/null
	p=$(browse "$J" "$(url "/qr/complete?qid=$qid")")
	[ "$(status_of "$p")" = 200 ] && p=$(consent_post "$J" "$p")
	out=$(form /token -u "l2-rp:$OIDC_RP_SECRET" -d grant_type=authorization_code --data-urlencode "code=$(qparam code "$(location_of "$p")")" \
		--data-urlencode "redirect_uri=$OIDC_CB" -d "code_verifier=$OIDC_VERIFIER")
	check "OIDC Core §2 acr (require_acr floor): a level-2 account's app login — the ID token says acr urn:eid:level:2" bash -c \
		'[ "${0%% *}" = 200 ] && node "$1/jwt_verify.mjs" "$2" "$(jq -r .id_token <<<"${0#* }")" | jqe ".claims.acr == \"urn:eid:level:2\" and .claims.aud == \"l2-rp\""' "$out" "$HERE" "$(url /jwks)"
}

# bcp_redeem CODE: the token response's JSON (redeem prints "<status> <body>").
bcp_redeem() { redeem "$1" | cut -d' ' -f2-; }
# bcp_b64dec B64URL: decoded (padding restored first).
bcp_b64dec() { local s=$1; while [ $(( ${#s} % 4 )) -ne 0 ]; do s="$s="; done; basenc -d --base64url <<<"$s"; }
export -f bcp_b64dec
bcp_offline_url() { authz_url | sed 's/scope=openid%20profile/scope=openid%20profile%20offline_access/'; }

suite_bcp_tokens() {
	bcp_env '.tokens.refresh_grace_s = 0' || { nok "authd starts"; return; }
	local J=$E2E_DIR/jar out t1 t2 at1 rt1 rt2 rt3 c1 c2 sub1 tok cc
	t1=$(bcp_redeem "$(qparam code "$(location_of "$(bcp_code_login "$J" "$(bcp_offline_url)")")")")
	at1=$(jq -r .access_token <<<"$t1"); rt1=$(jq -r .refresh_token <<<"$t1")
	c1=$(bcp_claims "$(jq -r .id_token <<<"$t1")"); sub1=$(jq -r .sub <<<"$c1")
	check "RFC 9700 §4.14.2: refresh tokens are issued by decision — with offline_access (granted by the citizen) there is one" \
		test "${#rt1}" -gt 100
	out=$(bcp_redeem "$(qparam code "$(location_of "$(browse "$J" "$(authz_url)")")")")
	check "RFC 9700 §4.14.2: ... and without offline_access none" jqe '(.access_token | length > 100) and (has("refresh_token") | not)' <<<"$out"
	out=$(form /token -d grant_type=refresh_token --data-urlencode "refresh_token=$rt1")
	check "RFC 6749 §6 / RFC 9700 §4.14.1: a refresh needs client authentication (none: 401 invalid_client)" bash -c \
		'[ "${0%% *}" = 401 ] && jqe ".error == \"invalid_client\"" <<<"${0#* }"' "$out"
	out=$(form /token -u "rs-rp:$OIDC_RP_SECRET" -d grant_type=refresh_token --data-urlencode "refresh_token=$rt1")
	check "RFC 9700 §2.2.2 / §4.14.2: a refresh token is bound to its client — another authenticated client: invalid_grant" bash -c \
		'[ "${0%% *}" = 400 ] && jqe ".error == \"invalid_grant\"" <<<"${0#* }"' "$out"
	out=$(refresh "${rt1:0:20}$( [ "${rt1:20:1}" = A ] && echo B || echo A)${rt1:21}")
	check "RFC 9700 §4.14.2: the grant named inside a refresh token is integrity-protected — one character changed: invalid_grant" bash -c \
		'[ "${0%% *}" = 400 ] && jqe ".error == \"invalid_grant\"" <<<"${0#* }"' "$out"
	out=$(refresh "$rt1" -d 'scope=openid profile phone')
	check "RFC 9700 §4.14.2 / RFC 6749 §6: a refresh token is bound to the consented scope — a wider scope: invalid_scope" bash -c \
		'[ "${0%% *}" = 400 ] && jqe ".error == \"invalid_scope\"" <<<"${0#* }"' "$out"
	sleep 1.1 # past any grace: a refused refresh must not have used the token up
	t2=$(refresh "$rt1")
	check "RFC 9700 §4.14.2: ... and that refusal consumed nothing — the refresh token still refreshes" test "${t2%% *}" = 200
	t2=${t2#* }
	rt2=$(jq -r .refresh_token <<<"$t2")
	check "RFC 9700 §4.14.2: rotation — each refresh returns a new refresh token" bash -c '[ "$0" != "$1" ] && [ ${#0} -gt 100 ]' "$rt2" "$rt1"
	check "RFC 9700 §4.14.2: an unused refresh token expires (tokens.refresh_ttl_s, 14 days), its family at refresh_max_ttl_s (30 days)" bash -c \
		'k=$(redis-cli -p "$0" --scan --pattern "eid:{001085012345}:grant:*" | while read -r g; do [ -n "$(redis-cli -p "$0" hget "$g" rt)" ] && echo "$g"; done | head -1);
		 t=$(redis-cli -p "$0" ttl "$k"); f=$(redis-cli -p "$0" hget "$k" family_exp);
		 [ "$t" -gt 0 ] && [ "$t" -le 1209600 ] && [ "$f" -le $(( $(date +%s) + 2592000 )) ]' "$REDIS_PORT"
	c2=$(bcp_claims "$(jq -r .id_token <<<"$t2")")
	check "OIDC Core §12.2: the refreshed ID token keeps iss, sub, aud, azp and the original auth_time; new iat; no nonce" bash -c \
		'jqe --argjson a "$1" ".iss == \$a.iss and .sub == \$a.sub and .aud == \$a.aud and .azp == \$a.azp and .auth_time == \$a.auth_time and .iat >= \$a.iat and (has(\"nonce\") | not)" <<<"$0"' "$c2" "$c1"
	rt3=$(refresh "$rt2" | cut -d' ' -f2- | jq -r .refresh_token)
	local at3; at3=$(refresh "$rt3" | cut -d' ' -f2- | jq -r .access_token)
	out=$(refresh "$rt1")
	check "RFC 9700 §4.14.2: reuse detection — an invalidated refresh token presented again: invalid_grant" bash -c \
		'[ "${0%% *}" = 400 ] && jqe ".error == \"invalid_grant\" and (.error_description | test(\"already used\"))" <<<"${0#* }"' "$out"
	out="$(refresh "$rt3" | cut -d' ' -f1) $(form /introspect -u "$OIDC_RP:$OIDC_RP_SECRET" -d "token=$at3" | cut -d' ' -f2-)"
	check "RFC 9700 §4.14.2: ... which revokes the active refresh token and the family's access tokens" \
		test "$out" = '400 {"active":false}'

	# access tokens: audience and privilege restriction
	tok=$(bcp_redeem "$(qparam code "$(location_of "$(browse "$J" "$(authz_url)")")")" | jq -r .access_token)
	check "RFC 9700 §2.3 / §4.10.2: the access token is audience-restricted — aud = client_id = demo-rp, scope = what was granted" bash -c \
		'jqe ".aud == \"demo-rp\" and .client_id == \"demo-rp\" and .scope == \"openid profile\"" <<<"$0"' "$(bcp_claims "$tok")"
	out=$(form /introspect -u "rs-rp:$OIDC_RP_SECRET" -d "token=$tok")
	check "RFC 9700 §2.3: another client introspecting that token learns nothing (active false)" test "${out#* }" = '{"active":false}'
	out=$(form /introspect -u "$OIDC_RP:$OIDC_RP_SECRET" -d "token=$tok")
	check "RFC 9700 §2.3: ... while its own client sees it active, for itself" bash -c 'jqe ".active == true and .aud == \"demo-rp\" and .client_id == \"demo-rp\"" <<<"${0#* }"' "$out"
	out=$(form /revoke -u "rs-rp:$OIDC_RP_SECRET" -d "token=$tok")
	check "RFC 7009 §2.1: another client cannot revoke it (400 unauthorized_client)" bash -c \
		'[ "${0%% *}" = 400 ] && jqe ".error == \"unauthorized_client\"" <<<"${0#* }"' "$out"
	check "RFC 9700 §2.2.1 (not applicable): no sender-constrained tokens, and discovery claims none (no DPoP, no mTLS binding)" bash -c \
		'curl -fsS "$0" | jqe "(has(\"dpop_signing_alg_values_supported\") | not) and (has(\"tls_client_certificate_bound_access_tokens\") | not)"' "$(url /.well-known/openid-configuration)"
	check "OIDC Core §16.18: access tokens are short-lived (expires_in 300 s, exp - iat = 300)" bash -c \
		'jqe ".exp - .iat == 300" <<<"$0"' "$(bcp_claims "$tok")"
	local t3; t3=$(bcp_redeem "$(qparam code "$(location_of "$(browse "$J" "$(authz_url)")")")")
	check "RFC 9700 §4.6.1: at_hash binds each ID token to its own access token — another login's access token does not match" bash -c \
		'[ "$(jq -r .at_hash <<<"$0")" != "$(printf %s "$1" | openssl dgst -sha256 -binary | head -c 16 | basenc --base64url | tr -d =)" ]' "$(bcp_claims "$(jq -r .id_token <<<"$t3")")" "$tok"

	# userinfo
	out=$(curl -sS -D - -H "Authorization: Bearer $tok" "$(url /userinfo)" | tr -d '\r')
	check "OIDC Core §5.3.1-2: userinfo with the Bearer token — 200 JSON, sub exactly the ID token's" bash -c \
		'grep -q "^HTTP/1.1 200" <<<"$0" && grep -qi "^Content-Type: application/json" <<<"$0" && [ "$(tail -1 <<<"$0" | jq -r .sub)" = "$1" ]' "$out" "$sub1"
	check "OIDC Core §5.3 / RFC 9700 §4.3.2: userinfo (personal data) is not cached — Cache-Control: no-store" bash -c \
		'grep -qi "^Cache-Control: no-store" <<<"$0"' "$out"
	out=$(curl -sS -D - -o /dev/null "$(url /userinfo)" | tr -d '\r')
	check "OIDC Core §5.3.3 / RFC 6750 §3: userinfo without a token — 401 with WWW-Authenticate: Bearer" bash -c \
		'grep -q "^HTTP/1.1 401" <<<"$0" && grep -qi "^WWW-Authenticate: Bearer" <<<"$0"' "$out"
	check "RFC 9700 §4.3.2 / RFC 6750 §2.3: an access token in the URL query is not accepted (401)" \
		test "$(curl -sS -o /dev/null -w '%{http_code}' "$(url "/userinfo?access_token=$tok")")" = 401
	local at3b; at3b=$(jq -r .access_token <<<"$t3")
	local forged; forged=$(bcp_b64dec "$(cut -d. -f2 <<<"$at3b")" | jq -c '.scope = "openid profile phone address citizen_id"' | basenc --base64url -w0 | tr -d =)
	check "OIDC Core §16.3: a token whose claims were changed (scope widened, signature kept) is refused at userinfo (401)" bash -c \
		'bcp_b64dec "$1" | grep -q citizen_id && [ "$(curl -sS -o /dev/null -w "%{http_code}" -H "Authorization: Bearer $0" "$2")" = 401 ]' \
		"${at3b%%.*}.$forged.${at3b##*.}" "$forged" "$(url /userinfo)"
	forged="$(printf '{"alg":"none","typ":"at+jwt"}' | basenc --base64url -w0 | tr -d =).$(cut -d. -f2 <<<"$at3b")."
	check "RFC 8725 §3.1: the same token re-labelled alg none, unsigned, is refused (401)" \
		test "$(curl -sS -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $forged" "$(url /userinfo)")" = 401
	local idt3; idt3=$(jq -r .id_token <<<"$t3")
	check "RFC 9068 §4 / RFC 8725 §3.11: an ID token presented as a Bearer access token is refused at userinfo (401: typ is not at+jwt)" \
		test "$(curl -sS -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $idt3" "$(url /userinfo)")" = 401
	out=$(form /introspect -u "$OIDC_RP:$OIDC_RP_SECRET" -d "token=$idt3")
	check "RFC 8725 §3.11: ... and introspected, an ID token is no active access token" test "${out#* }" = '{"active":false}'
	out=$(browse "$E2E_DIR/jar-x" "$(url /logout)?id_token_hint=$(jq -r .access_token <<<"$t3")")
	check "RFC 8725 §3.11: an access token is no id_token_hint at /logout (400 page)" test "$(status_of "$out")" = 400
	form /revoke -u "$OIDC_RP:$OIDC_RP_SECRET" -d "token=$tok" >/dev/null
	check "OIDC Core §5.3 / RFC 7009: a revoked access token is refused at userinfo (401)" \
		test "$(curl -sS -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $tok" "$(url /userinfo)")" = 401
	cc=$(form /token -u "$OIDC_RP:$OIDC_RP_SECRET" -d grant_type=client_credentials | cut -d' ' -f2- | jq -r .access_token)
	check "RFC 9700 §4.15.1: a client's own token is told apart from a citizen's — sub = client_id, no acr, auth_time or sid" bash -c \
		'jqe ".sub == \"demo-rp\" and .client_id == \"demo-rp\" and (has(\"acr\") or has(\"auth_time\") or has(\"sid\") | not)" <<<"$0"' "$(bcp_claims "$cc")"
	check "RFC 9700 §4.15.1: ... and userinfo refuses it (no citizen behind it: 401)" \
		test "$(curl -sS -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $cc" "$(url /userinfo)")" = 401

	# pairwise subjects
	local s2 s3 s4
	s2=$(bcp_claims "$(bcp_redeem "$(qparam code "$(location_of "$(browse "$J" "$(authz_url)")")")" | jq -r .id_token)" | jq -r .sub)
	check "OIDC Core §8.1: pairwise sub is stable — the same citizen at the same RP, another login: the same sub" test "$s2" = "$sub1"
	out=$(browse "$J" "$(bcp_az twin-rp)"); [ "$(status_of "$out")" = 200 ] && out=$(consent_post "$J" "$out")
	s3=$(form /token -u "twin-rp:$OIDC_RP_SECRET" -d grant_type=authorization_code --data-urlencode "code=$(qparam code "$(location_of "$out")")" \
		--data-urlencode "redirect_uri=$OIDC_CB" -d "code_verifier=$OIDC_VERIFIER" | cut -d' ' -f2- | jq -r .id_token)
	s3=$(bcp_claims "$s3" | jq -r .sub)
	check "OIDC Core §8.1: ... and the same at another RP of the same sector (same redirect host)" test "$s3" = "$sub1"
	out=$(browse "$J" "$(bcp_az rs-rp)"); [ "$(status_of "$out")" = 200 ] && out=$(consent_post "$J" "$out")
	s4=$(form /token -u "rs-rp:$OIDC_RP_SECRET" -d grant_type=authorization_code --data-urlencode "code=$(qparam code "$(location_of "$out")")" \
		--data-urlencode "redirect_uri=$OIDC_CB" -d "code_verifier=$OIDC_VERIFIER" | cut -d' ' -f2- | jq -r .id_token)
	check "OIDC Core §3.1.3.7 (7): a client registered for RS256 (id_token_signed_response_alg) gets RS256 ID tokens" bash -c \
		'jqe ".alg == \"RS256\"" <<<"$0"' "$(bcp_jwt_header "$s4")"
	s4=$(bcp_claims "$s4" | jq -r .sub)
	check "OIDC Core §8.1: distinct sectors get distinct subs for the same citizen (rs-rp's sector_identifier)" bash -c \
		'[ -n "$0" ] && [ "$0" != "$1" ] && [ ${#0} = 43 ]' "$s4" "$sub1"

	# grants that must not exist
	out=$(form /token -u "$OIDC_RP:$OIDC_RP_SECRET" -d grant_type=password -d username=001085012345 --data-urlencode 'password=Matkhau#2026')
	check "RFC 9700 §2.4: the resource owner password credentials grant is not supported (unsupported_grant_type)" bash -c \
		'[ "${0%% *}" = 400 ] && jqe ".error == \"unsupported_grant_type\"" <<<"${0#* }"' "$out"
	check "RFC 9700 §2.4 / §2.1.2: discovery offers neither password nor implicit" bash -c \
		'curl -fsS "$0" | jqe "(.grant_types_supported | index(\"password\") | not) and (.grant_types_supported | index(\"implicit\") | not) and .response_types_supported == [\"code\"]"' "$(url /.well-known/openid-configuration)"
	check "RFC 9700 §2.6: authorization server metadata is published (OIDC Discovery): issuer, endpoints, jwks_uri" bash -c \
		'curl -fsS "$0" | jqe --arg i "$1" ".issuer == \$i and .authorization_endpoint == (\$i + \"/authorize\") and .token_endpoint == (\$i + \"/token\") and .jwks_uri == (\$i + \"/jwks\")"' \
		"$(url /.well-known/openid-configuration)" "$(url '')"

	# client authentication (RFC 9700 §2.5: asymmetric, private_key_jwt)
	local a
	a=$(assertion "$(bank_claims)")
	out="$(form /introspect -d token=x -d "client_assertion_type=$AT_TYPE" -d "client_assertion=$a" | cut -d' ' -f1) $(form /introspect -d token=x -d "client_assertion_type=$AT_TYPE" -d "client_assertion=$a" | cut -d' ' -f1)"
	check "RFC 9700 §2.5 / RFC 7523 §3: private_key_jwt — an assertion is accepted once, its replay (same jti) refused: 401" test "$out" = "200 401"
	out=$(form /introspect -d token=x -d "client_assertion_type=$AT_TYPE" -d "client_assertion=$(assertion "$(bank_claims https://other.example/token)")")
	check "RFC 7523 §3 (3): an assertion for another audience: 401" test "${out%% *}" = 401
	out=$(form /introspect -d token=x -d "client_assertion_type=$AT_TYPE" -d "client_assertion=$(assertion "$(bank_claims)" none)")
	check "RFC 8725 §3.1: an assertion with alg none: 401" test "${out%% *}" = 401
	out=$(form /introspect -d token=x -d "client_assertion_type=$AT_TYPE" -d "client_assertion=$(assertion "$(bank_claims)" HS256)")
	check "RFC 8725 §2.1: HS256 keyed with the client's public key: 401 (the algorithm comes from the registered key)" test "${out%% *}" = 401
	out=$(form /introspect -d token=x -d "client_assertion_type=$AT_TYPE" -d "client_assertion=$(assertion "$(bank_claims | jq -c '.exp = "$now-120"')")")
	check "RFC 7523 §3 (4): an expired assertion: 401" test "${out%% *}" = 401
	out="$(form /token -u "nobody:$OIDC_RP_SECRET" -d grant_type=client_credentials) / $(form /token -u "$OIDC_RP:wrong" -d grant_type=client_credentials)"
	check "RFC 6749 §5.2: an unknown client and a wrong secret get the same answer (401 invalid_client)" bash -c \
		'a=${0% / *}; b=${0#* / }; [ "${a%% *}" = 401 ] && [ "$(jq -c .error <<<"${a#* }")" = "$(jq -c .error <<<"${b#* }")" ] && [ "${b%% *}" = 401 ]' "$out"
	local bad=$E2E_DIR/bad-clients
	mkdir -p "$bad"
	jq '.client_id = "x" | .client_secret = "in-clear"' "$REPO/clients/demo-rp.json" > "$bad/x.json"
	jq --arg d "$bad" '.clients.dir = $d' "$E2E_DIR/authd.json" > "$E2E_DIR/bad.json"
	check "RFC 9700 §2.5: client secrets are never stored in clear — a registration holding client_secret is refused" bash -c \
		'! "$0" -t -c "$1" >/dev/null 2>&1' "$AUTHD" "$E2E_DIR/bad.json"
}

# TLS as deployed (RFC 9700 §2.6, §4.13; OIDC Core §16.17): authd terminating TLS itself.
suite_bcp_tls() {
	prepare_dirs; redis_start
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=127.0.0.1 \
		-addext "subjectAltName=IP:127.0.0.1" -keyout "$E2E_DIR/tls.key" -out "$E2E_DIR/tls.crt" 2>/dev/null
	write_conf ".issuer = \"https://127.0.0.1:$AUTHD_PORT\" | .tls = {cert: \"$E2E_DIR/tls.crt\", key: \"$E2E_DIR/tls.key\"} | .trusted_proxies = []"
	AUTHD_LOG=$E2E_DIR/authd.log
	"$AUTHD" -c "$E2E_DIR/authd.json" 2>>"$AUTHD_LOG" & AUTHD_PID=$!; E2E_PIDS+=("$AUTHD_PID")
	local u="https://127.0.0.1:$AUTHD_PORT" ca=(--cacert "$E2E_DIR/tls.crt") out az
	wait_for curl -fsS "${ca[@]}" "$u/healthz" || { nok "authd starts with TLS"; return; }
	az="$u/authorize?client_id=demo-rp&redirect_uri=$(jq -rn '"http://127.0.0.1:8081/callback"|@uri')&response_type=code&scope=openid&state=s&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256"
	check "OIDC Core §16.17 / RFC 9700 §2.6: authd serves TLS; discovery's issuer and endpoints are https" bash -c \
		'curl -fsS "$1" "$2" "$0/.well-known/openid-configuration" | jqe --arg u "$0" ".issuer == \$u and (.authorization_endpoint | startswith(\"https://\")) and (.token_endpoint | startswith(\"https://\"))"' "$u" "${ca[@]}"
	check "RFC 9700 §2.6: nothing is answered in clear on the TLS port (no HTTP reply to plain HTTP)" bash -c \
		'! curl -fsS -m 2 "http://127.0.0.1:$0/jwks"' "$AUTHD_PORT"
	check "RFC 9700 §2.6 / BCP 195 (RFC 8996): TLS 1.2 and later only — a TLS 1.1 handshake fails, TLS 1.2 succeeds" bash -c \
		'! openssl s_client -connect "127.0.0.1:$0" -tls1_1 -cipher "DEFAULT:@SECLEVEL=0" </dev/null >/dev/null 2>&1 &&
		 openssl s_client -connect "127.0.0.1:$0" -tls1_2 </dev/null 2>/dev/null | grep -q "Protocol *: TLSv1.2"' "$AUTHD_PORT"
	out=$(curl -sS -D - -o /dev/null "${ca[@]}" "$az" | tr -d '\r')
	check "RFC 6797: the login page carries Strict-Transport-Security (browsers never fall back to http)" bash -c \
		'grep -q "^HTTP/1.1 200" <<<"$0" && grep -qi "^Strict-Transport-Security: max-age=[1-9]" <<<"$0"' "$out"
	check "RFC 6265bis §4.1.3.2: over TLS the login's browser cookie is __Host-, Secure, HttpOnly" bash -c \
		'grep -qi "^Set-Cookie: __Host-eid_tx=[^;]*; Path=/; HttpOnly; SameSite=Lax; Secure" <<<"$0"' "$out"
	out=$(curl -sS -D - -o /dev/null "${ca[@]}" -u "demo-rp:$OIDC_RP_SECRET" -d grant_type=client_credentials "$u/token" | tr -d '\r')
	check "RFC 6797: token responses carry Strict-Transport-Security too" bash -c \
		'grep -q "^HTTP/1.1 200" <<<"$0" && grep -qi "^Strict-Transport-Security: max-age=[1-9]" <<<"$0"' "$out"
	out=$(curl -sS -D - -o /dev/null "${ca[@]}" "${az/redirect_uri=/redirect_uri=x}" | tr -d '\r')
	check "RFC 6797: error pages carry Strict-Transport-Security too" bash -c \
		'grep -q "^HTTP/1.1 400" <<<"$0" && grep -qi "^Strict-Transport-Security: max-age=[1-9]" <<<"$0"' "$out"
	check "RFC 9700 §4.13: Host, X-Forwarded-Host and X-Forwarded-Proto change nothing — the issuer and endpoints are configured" bash -c \
		'curl -fsS "$1" "$2" -H "Host: evil.example" -H "X-Forwarded-Host: evil.example" -H "X-Forwarded-Proto: http" "$0/.well-known/openid-configuration" |
		 jqe --arg u "$0" ".issuer == \$u and .token_endpoint == (\$u + \"/token\")"' "$u" "${ca[@]}"
	curl -fsS -o /dev/null "${ca[@]}" -H 'X-Request-Id: bcp-xff-1' -H 'X-Forwarded-For: 10.1.2.3' "$u/jwks"
	check "RFC 9700 §4.13: X-Forwarded-For from a peer that is not a configured proxy is not believed (the peer's address is logged)" bash -c \
		'sleep 0.2; grep "\"req\":\"bcp-xff-1\"" "$0" | grep "\"route\":\"/jwks\"" | grep -q "\"ip\":\"127.0.0.1\""' "$AUTHD_LOG"
}
