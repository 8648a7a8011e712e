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
az() { authz_url "${2:-}" | sed "s/client_id=$OIDC_RP/client_id=$1/"; }
# az_ru URI [extra query]: authz_url with another redirect_uri (URI given raw, encoded here).
az_ru() { authz_url "${2:-}" | sed "s|redirect_uri=[^&]*|redirect_uri=$(jq -rn --arg u "$1" '$u|@uri')|"; }
# uparam NAME URL: a query parameter of URL, percent-decoded (WHATWG URL parsing, in node).
uparam() { node -e 'const u = new URL(process.argv[1]); const v = u.searchParams.get(process.argv[2]); if (v === null) process.exit(1); console.log(v)' "$2" "$1"; }
# claims JWT: the claims of a token authd signed, after node verified it against /jwks.
claims() { node "$HERE/jwt_verify.mjs" "$(url /jwks)" "$1" | jq -c .claims; }
jwt_header() { node "$HERE/jwt_verify.mjs" "$(url /jwks)" "$1" | jq -c .header; }
# no_redirect RESPONSE: a 400 HTML page and no Location header (never redirected).
no_redirect() { [ "$(status_of "$1")" = 400 ] && ! grep -qi '^Location:' <<<"$1" && grep -qi '^Content-Type: text/html' <<<"$1"; }
# redirected_to URI RESPONSE: a 302/303 whose Location starts with URI? or URI&.
redirected_to() { local l; l=$(location_of "$2"); [[ "$(status_of "$2")" =~ ^30[23]$ ]] && [[ "$l" == "$1?"* ]]; }
# sms_login JAR PAGE: logs in on PAGE's form with the password and an SMS code (any number of
# times: a TOTP code works once per step); prints the response to the form.
sms_login() {
	local jar=$1 pg=$2 code
	login_post "$jar" "$pg" '' '' sms >/dev/null
	code=$(redis-cli -p "$REDIS_PORT" --raw xrevrange eid:sms:outbox + - count 1 | grep -o 'la [0-9]\{6\}' | cut -d' ' -f2)
	login_post "$jar" "$pg" "$code"
}
# code_login JAR URL: a fresh login (SMS) and consent for the request URL; prints the final
# response (the redirect with the code).
code_login() {
	local jar=$1 p
	p=$(browse "$jar" "$2")
	p=$(sms_login "$jar" "$p")
	grep -q 'action="/consent"' <<<"$p" && p=$(consent_post "$jar" "$p")
	printf '%s' "$p"
}
export -f uparam

suite_bcp_redirect() {
	bcp_env || { nok "authd starts"; return; }
	local J=$E2E_DIR/jar out u
	out=$(browse "$J" "$(authz_url)")
	check "RFC 9700 §4.1.3: redirect_uri exactly equal to a registered one — the login page (200)" \
		test "$(status_of "$out")" = 200
	for u in "$OIDC_CB/extra" "${OIDC_CB%back}" "$OIDC_CB?x=1" "${OIDC_CB/callback/Callback}" \
		"${OIDC_CB/http:/HTTP:}" "$OIDC_CB/" "${OIDC_CB/8081/8082}" "${OIDC_CB/:8081/}" \
		"${OIDC_CB/callback/%63allback}" "$OIDC_CB#frag" "http://127.0.0.1:8081@evil.example/callback" \
		"https://evil.example/callback"; do
		out=$(browse "$J" "$(az_ru "$u")")
		check "RFC 9700 §4.1.3: simple string comparison, no pattern — $u: 400 page, no redirect" no_redirect "$out"
	done
	out=$(browse "$J" "$(az_ru https://evil.example/cb | sed 's/client_id=demo-rp/client_id=nobody/; s/response_type=code/response_type=token/; s/scope=openid%20profile/scope=bogus/')")
	check "RFC 9700 §4.11.2 / RFC 6749 §4.1.2.1: unknown client_id with a foreign redirect_uri — error page, never redirected" no_redirect "$out"
	out=$(browse "$J" "$(authz_url | sed 's/client_id=demo-rp&//')")
	check "RFC 9700 §4.11.2: no client_id — error page, never redirected" no_redirect "$out"
	out=$(browse "$J" "$(authz_url | sed 's/redirect_uri=[^&]*&//')")
	check "RFC 9700 §4.11.2: no redirect_uri — error page, never redirected" no_redirect "$out"
	out=$(browse "$J" "$(authz_url "&redirect_uri=$(jq -rn '"https://evil.example/cb"|@uri')")")
	check "RFC 9700 §4.11.2 / RFC 6749 §3.1: redirect_uri sent twice (registered + foreign) — error page, never redirected" no_redirect "$out"
	out=$(browse "$J" "$(az_ru https://evil.example/cb | sed 's/response_type=code/response_type=token/; s/scope=openid%20profile/scope=bogus/')")
	check "RFC 9700 §4.11.2: a bad request for a registered client with a foreign redirect_uri — error page, never redirected" no_redirect "$out"
	out=$(browse "$J" "$(authz_url | sed 's/scope=openid%20profile/scope=openid%20bogus/')")
	check "RFC 9700 §4.11.2: once client and redirect_uri are valid, errors go only to the registered redirect_uri" \
		redirected_to "$OIDC_CB" "$out"
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
		'[[ "$(uparam error "$(grep -i "^Location:" <<<"$0" | cut -d" " -f2-)")" == invalid_scope ]]' "$out"
	out=$(browse "$J" "$(authz_url | sed 's/response_type=code&//')")
	check "OIDC Core §3.1.2.2: a REQUIRED parameter missing (response_type) — invalid_request back to the RP" bash -c \
		'[[ "$(uparam error "$(grep -i "^Location:" <<<"$0" | cut -d" " -f2-)")" == invalid_request ]]' "$out"
	out=$(browse "$J" "$(authz_url '&request=eyJhbGciOiJub25lIn0.e30.')")
	check "OIDC Core §3.1.2.6: request objects are not supported — request_not_supported" bash -c \
		'[[ "$(uparam error "$(grep -i "^Location:" <<<"$0" | cut -d" " -f2-)")" == request_not_supported ]]' "$out"
	local st='s t&a=b/é?%'
	out=$(browse "$J" "$(authz_url | sed "s/state=st-1/state=$(jq -rn --arg s "$st" '$s|@uri')/; s/scope=openid%20profile/scope=profile/")")
	check "OIDC Core §3.1.2.6 / RFC 6749 §4.1.2.1: an error response carries state exactly as sent" bash -c \
		'[ "$(uparam state "$(grep -i "^Location:" <<<"$0" | cut -d" " -f2-)")" = "$1" ]' "$out" "$st"
	check "RFC 9700 §4.4.2.1 / RFC 9207 §2: an error response carries iss = the issuer" bash -c \
		'[ "$(uparam iss "$(grep -i "^Location:" <<<"$0" | cut -d" " -f2-)")" = "$1" ]' "$out" "$(url '')"
}
