# End-to-end: CIBA poll mode (OpenID Connect CIBA Core 1.0). The demo bank (private_key_jwt,
# registered for CIBA and level 2) asks for the citizen; eid-app lists and decides; the bank polls.

# bank_form PATH [curl args]: a form POST authenticated as the bank (a fresh client assertion).
bank_form() { local p=$1; shift; form "$p" -d "client_assertion_type=$AT_TYPE" -d "client_assertion=$(assertion "$(bank_claims)")" "$@"; }
bc_authorize() { bank_form /bc-authorize -d login_hint=001085012345 -d 'scope=openid profile' "$@"; }
ciba_poll() { bank_form /token -d grant_type=urn:openid:params:grant-type:ciba --data-urlencode "auth_req_id=$1"; }
# the request id the app sees for the newest pending request
newest_pending() { APP --state "$E2E_DIR/app" pending | tail -1 | cut -d' ' -f1; }

suite_ciba() {
	oidc_env || { nok "authd starts"; return; }
	APP --state "$E2E_DIR/app" login --passcode 468213 >/dev/null
	local out arid rid
	out=$(bc_authorize --data-urlencode 'binding_message=Chuyển 5.000.000 VND #A7')
	check "/bc-authorize: auth_req_id, expires_in 120, interval 5" bash -c \
		'[ "${0%% *}" = 200 ] && jqe ".expires_in == 120 and .interval == 5 and (.auth_req_id | length > 60)" <<<"${0#* }"' "$out"
	arid=$(jq -r .auth_req_id <<<"${out#* }")
	out=$(ciba_poll "$arid")
	check "polling before the citizen decides: authorization_pending" bash -c \
		'[ "${0%% *}" = 400 ] && jqe ".error == \"authorization_pending\"" <<<"${0#* }"' "$out"
	out=$(ciba_poll "$arid")
	check "polling again within the interval: slow_down" bash -c \
		'[ "${0%% *}" = 400 ] && jqe ".error == \"slow_down\"" <<<"${0#* }"' "$out"
	out=$(APP --state "$E2E_DIR/app" pending 2>&1)
	check "eid-app pending shows the bank, the binding message, the level asked" bash -c \
		'grep -q "Ngân hàng Demo" <<<"$0" && grep -q "Chuyển 5.000.000 VND #A7" <<<"$0" && grep -q "urn:eid:level:2" <<<"$0"' "$out"
	rid=$(newest_pending)
	out=$(APP --state "$E2E_DIR/app" approve "$rid" 2>&1)
	check "approving from a level-1 account for a level-2 bank: refused, told what to do" \
		grep -q "403 level_too_low.*level 2" <<<"$out"
	out=$(ciba_poll "$arid")
	check "... and the bank gets access_denied (never silently lowered)" bash -c \
		'[ "${0%% *}" = 400 ] && jqe ".error == \"access_denied\"" <<<"${0#* }"' "$out"
	# level 2 (by chip card or an officer, tested in their suites): set directly here
	redis-cli -p "$REDIS_PORT" hset "eid:{001085012345}:acct" level 2 >/dev/null
	arid=$(bc_authorize | cut -d' ' -f2- | jq -r .auth_req_id)
	rid=$(newest_pending)
	mkdir -p "$E2E_DIR/evil"; cp "$E2E_DIR/app/state.json" "$E2E_DIR/evil/"
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$E2E_DIR/evil/device.pem" 2>/dev/null
	out=$(APP --state "$E2E_DIR/evil" approve "$rid" 2>&1)
	check "an approval signed by another device's key: 401 invalid_device" grep -q "401 invalid_device" <<<"$out"
	out=$(APP --state "$E2E_DIR/app" approve "$rid")
	check "eid-app approve: approved" test "$out" = approved
	out=$(ciba_poll "$arid")
	check "the bank's poll: tokens (access, ID)" bash -c \
		'[ "${0%% *}" = 200 ] && jqe "(.access_token | length > 100) and (.id_token | length > 100)" <<<"${0#* }"' "$out"
	local idt tokres=$out; idt=$(jq -r .id_token <<<"${out#* }")
	check "the ID token: acr level 2, amr hwk+pin, aud demo-bank, pairwise sub, verified (node crypto)" bash -c \
		'node "$0/jwt_verify.mjs" "$1" "$2" | jqe ".claims.acr == \"urn:eid:level:2\" and .claims.amr == [\"hwk\",\"pin\"] and .claims.aud == \"demo-bank\" and (.claims.sub | length == 43)"' "$HERE" "$(url /jwks)" "$idt"
	local at; at=$(jq -r .access_token <<<"${tokres#* }")
	out=$(bank_form /introspect --data-urlencode "token=$at")
	check "the bank's access token introspects active at level 2" bash -c \
		'jqe ".active == true and .acr == \"urn:eid:level:2\" and .client_id == \"demo-bank\"" <<<"${0#* }"' "$out"
	out=$(ciba_poll "$arid")
	check "polling once more after the tokens: invalid_grant" bash -c \
		'[ "${0%% *}" = 400 ] && jqe ".error == \"invalid_grant\"" <<<"${0#* }"' "$out"
	arid=$(bc_authorize | cut -d' ' -f2- | jq -r .auth_req_id)
	APP --state "$E2E_DIR/app" deny "$(newest_pending)" >/dev/null
	out=$(ciba_poll "$arid")
	check "eid-app deny: the bank gets access_denied" bash -c \
		'[ "${0%% *}" = 400 ] && jqe ".error == \"access_denied\"" <<<"${0#* }"' "$out"
	out=$(APP --state "$E2E_DIR/app" deny -1NotAnId 2>&1; echo "rc=$?")
	check "eid-app deny takes an ID beginning with '-' as the ID, not an option" bash -c \
		'[[ "$0" != *usage:* && "$0" != *"rc=2" && "$0" == *rc=1 ]]' "$out"
	arid=$(bc_authorize -d requested_expiry=1 | cut -d' ' -f2- | jq -r .auth_req_id)
	sleep 2
	out=$(ciba_poll "$arid")
	check "a request past its expiry: expired_token" bash -c \
		'[ "${0%% *}" = 400 ] && jqe ".error == \"expired_token\"" <<<"${0#* }"' "$out"
	out=$(bank_form /bc-authorize -d login_hint=079191000001 -d scope=openid)
	check "a login_hint without an active account: unknown_user_id" bash -c \
		'[ "${0%% *}" = 400 ] && jqe ".error == \"unknown_user_id\"" <<<"${0#* }"' "$out"
	out=$(bc_authorize --data-urlencode "binding_message=$(printf 'x%.0s' $(seq 80))")
	check "a binding_message over 64 bytes: invalid_binding_message" bash -c \
		'[ "${0%% *}" = 400 ] && jqe ".error == \"invalid_binding_message\"" <<<"${0#* }"' "$out"
	out=$(form /bc-authorize -u "$OIDC_RP:$OIDC_RP_SECRET" -d login_hint=001085012345 -d scope=openid)
	check "a client not registered for CIBA: unauthorized_client" bash -c \
		'[ "${0%% *}" = 400 ] && jqe ".error == \"unauthorized_client\"" <<<"${0#* }"' "$out"
	out=$(form /token -u "$OIDC_RP:$OIDC_RP_SECRET" -d grant_type=urn:openid:params:grant-type:ciba --data-urlencode "auth_req_id=$arid")
	check "... nor may it poll with the CIBA grant" test "${out%% *}" = 400
	out=$(bank_form /bc-authorize -d scope=openid)
	check "no login_hint: invalid_request" bash -c '[ "${0%% *}" = 400 ] && jqe ".error == \"invalid_request\"" <<<"${0#* }"' "$out"
	check "discovery lists the CIBA endpoint, poll mode and the grant" bash -c \
		'curl -fsS "$0" | jqe "(.backchannel_authentication_endpoint | endswith(\"/bc-authorize\")) and .backchannel_token_delivery_modes_supported == [\"poll\"] and (.grant_types_supported | index(\"urn:openid:params:grant-type:ciba\"))"' "$(url /.well-known/openid-configuration)"
}
