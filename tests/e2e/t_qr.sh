# End-to-end: QR login. The browser side over HTTP (a cookie jar), eid-app as the phone: it scans
# the payload (read from the QR image itself with zbarimg, or the dev-mode text) and approves.

qr_env() { oidc_env ".qr.show_payload = true | .qr.tolerance_s = ${1:-3}" || return 1; APP --state "$E2E_DIR/app" login --passcode 468213 >/dev/null; }
qid_of() { grep -o 'src="/qr/image?qid=[^"]*"' <<<"$1" | head -1 | sed 's/.*qid=//; s/"$//'; }
qr_get() { curl -sS -b "$1" -c "$1" "$(url "/qr/$2?qid=$3")"; }
# the payload as the phone's camera sees it: the SVG rasterized and decoded by zbarimg
qr_decode() { qr_get "$1" image "$2" > "$E2E_DIR/qr.svg" && rsvg-convert -w 400 "$E2E_DIR/qr.svg" -o "$E2E_DIR/qr.png" && zbarimg --quiet --raw "$E2E_DIR/qr.png" 2>/dev/null; }

suite_qr_login() {
	qr_env || { nok "authd starts"; return; }
	local J=$E2E_DIR/jar p qid payload out code idt
	p=$(browse "$J" "$(authz_url)")
	qid=$(qid_of "$p")
	check "the login page shows a QR code beside the form, with a CSP-nonced script" bash -c \
		'[ -n "$1" ] && grep -q "<script nonce=" <<<"$0" && grep -q "name=\"password\"" <<<"$0" && grep -qi "^Content-Security-Policy: .*script-src .nonce-" <<<"$0"' "$p" "$qid"
	out=$(curl -sS -D - -o /dev/null -b "$J" "$(url "/qr/image?qid=$qid")" | tr -d '\r')
	check "/qr/image is an SVG, not cached" bash -c 'grep -qi "^Content-Type: image/svg+xml" <<<"$0" && grep -qi "^Cache-Control: no-store" <<<"$0"' "$out"
	payload=$(qr_decode "$J" "$qid")
	check "the QR image decodes (zbarimg) to EID1.<qid>.<second>.<code>" bash -c '[[ "$0" =~ ^EID1\.$1\.[0-9]+\.[A-Za-z0-9_-]{11}$ ]]' "$payload" "$qid"
	check "dev mode: /qr/payload gives the same kind of payload as text" bash -c '[[ "$(curl -sS -b "$0" "$1")" =~ ^EID1\. ]]' "$J" "$(url "/qr/payload?qid=$qid")"
	check "status: pending" test "$(qr_get "$J" status "$qid")" = '{"status":"pending"}'
	check "another browser learns nothing of the transaction" bash -c '! grep -q "pending" <<<"$0"' "$(qr_get "$E2E_DIR/other" status "$qid")"
	out=$(APP --state "$E2E_DIR/app" scan "$payload")
	check "eid-app scan: who asks, the claims, the level, when and from where the browser started" bash -c \
		'grep -q "Demo RP (dev only) asks to log you in" <<<"$0" && grep -q "openid profile" <<<"$0" && grep -q "urn:eid:level:1" <<<"$0" && grep -q "from 127.0.0.1" <<<"$0"' "$out"
	check "status: scanned" test "$(qr_get "$J" status "$qid")" = '{"status":"scanned"}'
	mkdir -p "$E2E_DIR/evil"; cp "$E2E_DIR/app/state.json" "$E2E_DIR/evil/"
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$E2E_DIR/evil/device.pem" 2>/dev/null
	out=$(APP --state "$E2E_DIR/evil" approve 2>&1)
	check "an approval signed by another device's key: 401 invalid_device" grep -q "401 invalid_device" <<<"$out"
	check "eid-app approve: approved" test "$(APP --state "$E2E_DIR/app" approve)" = approved
	check "status: approved" test "$(qr_get "$J" status "$qid")" = '{"status":"approved"}'
	cp "$E2E_DIR/app/state.json" "$E2E_DIR/app/state.again"
	out=$(curl -sS -b "$E2E_DIR/other" "$(url "/qr/complete?qid=$qid")" -o /dev/null -w '%{http_code}')
	check "a second browser cannot collect the approval" test "$out" -ge 400
	p=$(browse "$J" "$(url "/qr/complete?qid=$qid")")
	check "the browser collects it: logged in (the consent page), SSO cookie set" bash -c \
		'grep -q "action=\"/consent\"" <<<"$0" && grep -qi "^Set-Cookie: eid_sso=" <<<"$0"' "$p"
	out=$(browse "$J" "$(url "/qr/complete?qid=$qid")")
	check "the approval is collected once" test "$(status_of "$out")" = 400
	code=$(qparam code "$(location_of "$(consent_post "$J" "$p")")")
	idt=$(redeem "$code" | cut -d' ' -f2- | jq -r .id_token)
	check "the ID token of an app-confirmed login: acr level 1 (the account's), amr hwk+pin" bash -c \
		'node "$0/jwt_verify.mjs" "$1" "$2" | jqe ".claims.acr == \"urn:eid:level:1\" and .claims.amr == [\"hwk\",\"pin\"]"' "$HERE" "$(url /jwks)" "$idt"
	# deny
	local J2=$E2E_DIR/jar2
	p=$(browse "$J2" "$(authz_url)"); qid=$(qid_of "$p")
	APP --state "$E2E_DIR/app" scan "$(qr_get "$J2" payload "$qid")" >/dev/null
	out=$(APP --state "$E2E_DIR/app" approve 2>&1 >/dev/null; APP --state "$E2E_DIR/app" scan "$(qr_get "$J2" payload "$qid")" 2>&1)
	check "a decided transaction cannot be scanned or approved again" grep -q "404 not_found" <<<"$out"
	local J3=$E2E_DIR/jar3
	p=$(browse "$J3" "$(authz_url)"); qid=$(qid_of "$p")
	APP --state "$E2E_DIR/app" scan "$(qr_get "$J3" payload "$qid")" >/dev/null
	check "eid-app deny: denied" test "$(APP --state "$E2E_DIR/app" deny)" = denied
	out=$(browse "$J3" "$(url "/qr/complete?qid=$qid")")
	check "... and the browser goes back to the RP with access_denied" bash -c \
		'[[ "$(grep -i "^Location:" <<<"$0")" == *"error=access_denied"* && "$(grep -i "^Location:" <<<"$0")" == *"state=st-1"* ]]' "$out"
}

suite_qr_refusals() {
	qr_env 1 || { nok "authd starts"; return; }
	local J=$E2E_DIR/jar p qid payload out
	p=$(browse "$J" "$(authz_url)"); qid=$(qid_of "$p")
	payload=$(qr_get "$J" payload "$qid")
	sleep 2.5
	out=$(APP --state "$E2E_DIR/app" scan "$payload" 2>&1)
	check "a code older than qr.tolerance_s (a photo relayed): refused" grep -q "400 invalid_code" <<<"$out"
	out=$(APP --state "$E2E_DIR/app" scan "${payload%?}x" 2>&1)
	check "a tampered code: refused" grep -q "400 invalid_code" <<<"$out"
	out=$(APP --state "$E2E_DIR/app" scan "EID1.AAAAAAAAAAAAAAAAAAAAAA.1.AAAAAAAAAAA" 2>&1)
	check "an unknown transaction: 404" grep -q "404 not_found" <<<"$out"
	# another citizen cannot take over a transaction someone scanned
	APP --state "$E2E_DIR/app" scan "$(qr_get "$J" payload "$qid")" >/dev/null
	local B=$E2E_DIR/app-b
	APP --state "$B" -c "$E2E_DIR/authd.json" --dev-sms activate --id 002203852315 --phone 0372387804 --name "Hồ Minh Sơn" --dob 2003-03-06 --password 'Matkhau#2026' --passcode 468213 >/dev/null
	APP --state "$B" login --passcode 468213 >/dev/null
	out=$(APP --state "$B" scan "$(qr_get "$J" payload "$qid")" 2>&1)
	check "a transaction scanned by one account cannot be scanned by another (409)" grep -q "409 taken" <<<"$out"
	# level 2 via QR (step-up)
	local L=$E2E_DIR/jar-l2
	p=$(browse "$L" "$(authz_url '&acr_values=urn:eid:level:2')"); qid=$(qid_of "$p")
	check "acr_values level 2: the page offers the QR code only (no password form)" bash -c \
		'[ -n "$1" ] && ! grep -q "name=\"password\"" <<<"$0" && grep -q "level-2\|mức 2" <<<"$0"' "$p" "$qid"
	APP --state "$E2E_DIR/app" scan "$(qr_get "$L" payload "$qid")" >/dev/null
	out=$(APP --state "$E2E_DIR/app" approve 2>&1)
	check "approved from a level-1 account: 403 level_too_low, the login is denied" bash -c \
		'grep -q "403 level_too_low" <<<"$0" && [ "$(curl -sS -b "$1" "$2")" = "{\"status\":\"denied\"}" ]' "$out" "$L" "$(url "/qr/status?qid=$qid")"
	redis-cli -p "$REDIS_PORT" hset "eid:{001085012345}:acct" level 2 >/dev/null # chip or officer: tested elsewhere
	p=$(browse "$L" "$(authz_url '&acr_values=urn:eid:level:2')"); qid=$(qid_of "$p")
	APP --state "$E2E_DIR/app" scan "$(qr_get "$L" payload "$qid")" >/dev/null
	APP --state "$E2E_DIR/app" approve >/dev/null
	p=$(browse "$L" "$(url "/qr/complete?qid=$qid")")
	[ "$(status_of "$p")" = 200 ] && p=$(consent_post "$L" "$p")
	out=$(redeem "$(qparam code "$(location_of "$p")")" | cut -d' ' -f2- | jq -r .id_token)
	check "step-up: a level-2 account's approval gives acr urn:eid:level:2" bash -c \
		'node "$0/jwt_verify.mjs" "$1" "$2" | jqe ".claims.acr == \"urn:eid:level:2\""' "$HERE" "$(url /jwks)" "$out"
	out=$(browse "$L" "$(authz_url '&acr_values=urn:eid:level:2&prompt=none')")
	check "the level-2 session then answers level-2 requests (prompt=none: a code)" bash -c '[[ "$(grep -i "^Location:" <<<"$0")" == *"code="* ]]' "$out"
}

# The browser's long-poll: /qr/status?since=S answers when the status is no longer S (woken by
# Redis pub/sub, not by polling), or after qr.wait_s with the same status.
lp_start() { curl -sS -b "$1" -o "$E2E_DIR/lp.$3" -w '%{time_total}' "$(url "/qr/status?qid=$2&since=$4")" > "$E2E_DIR/lp.$3.t" & LP_PID=$!; }
lp_waiting() { curl -fsS "$(url /metrics)" | grep -q "^authd_longpoll_waiting $1\$"; }
suite_qr_longpoll() {
	qr_env || { nok "authd starts"; return; }
	jq '.qr.wait_s = 6' "$E2E_DIR/authd.json" > "$E2E_DIR/a.json" && mv "$E2E_DIR/a.json" "$E2E_DIR/authd.json"
	kill -HUP "$AUTHD_PID"; sleep 0.5
	local J=$E2E_DIR/jar p qid pid
	p=$(browse "$J" "$(authz_url)"); qid=$(qid_of "$p")
	check "the page waits by long-poll (since=) instead of asking every second" grep -q "since=" <<<"$p"
	lp_start "$J" "$qid" 1 pending; pid=$LP_PID
	check "a browser waiting on its QR login is parked (authd_longpoll_waiting 1)" wait_for lp_waiting 1
	APP --state "$E2E_DIR/app" scan "$(qr_get "$J" payload "$qid")" >/dev/null
	wait "$pid"
	check "the scan wakes it: {\"status\":\"scanned\"}, well before qr.wait_s" bash -c \
		'[ "$(cat "$0")" = "{\"status\":\"scanned\"}" ] && awk "BEGIN{exit !($(cat "$1") < 4)}"' "$E2E_DIR/lp.1" "$E2E_DIR/lp.1.t"
	lp_start "$J" "$qid" 2 scanned; pid=$LP_PID
	wait_for lp_waiting 1
	APP --state "$E2E_DIR/app" approve >/dev/null
	wait "$pid"
	check "the approval wakes it: {\"status\":\"approved\"}" bash -c \
		'[ "$(cat "$0")" = "{\"status\":\"approved\"}" ] && awk "BEGIN{exit !($(cat "$1") < 4)}"' "$E2E_DIR/lp.2" "$E2E_DIR/lp.2.t"
	check "a status other than since= is answered at once" test "$(curl -sS -b "$J" "$(url "/qr/status?qid=$qid&since=pending")")" = '{"status":"approved"}'
	check "a browser with its own login asking for this one: expired, at once (not parked)" test \
		"$(curl -sS -m 2 -b "$E2E_DIR/jar-x" -c "$E2E_DIR/jar-x" "$(url "/qr/status?qid=$qid&since=pending")" -o /dev/null; browse "$E2E_DIR/jar-x" "$(authz_url)" >/dev/null; curl -sS -m 2 -b "$E2E_DIR/jar-x" "$(url "/qr/status?qid=$qid&since=pending")")" = '{"status":"expired"}'
	check "another browser is not parked: it learns nothing (404), at once" test \
		"$(curl -sS -m 2 -o /dev/null -w '%{http_code}' -b "$E2E_DIR/other" "$(url "/qr/status?qid=$qid&since=pending")")" = 404
	# nothing happens: the same status after qr.wait_s
	local K=$E2E_DIR/jar2
	p=$(browse "$K" "$(authz_url)"); qid=$(qid_of "$p")
	lp_start "$K" "$qid" 3 pending; pid=$LP_PID
	wait "$pid"
	check "nothing happens: {\"status\":\"pending\"} after qr.wait_s (6 s)" bash -c \
		'[ "$(cat "$0")" = "{\"status\":\"pending\"}" ] && awk "BEGIN{exit !($(cat "$1") >= 5)}"' "$E2E_DIR/lp.3" "$E2E_DIR/lp.3.t"
	# a browser that goes away is let go at once
	curl -sS -m 1 -b "$K" "$(url "/qr/status?qid=$qid&since=pending")" >/dev/null 2>&1
	wait_for lp_waiting 0
	check "a browser that closes its connection is let go at once (499 in the access log, none parked)" bash -c \
		'lp=$(curl -fsS "$1" | grep "^authd_longpoll_waiting ") && [ "$lp" = "authd_longpoll_waiting 0" ] && grep -qE "\"route\":\"/qr/status\",\"status\":499,\"ms\":([5-9][0-9][0-9]|[12][0-9]{3})\." "$0"' "$AUTHD_LOG" "$(url /metrics)"
	lp_start "$K" "$qid" 4 pending; pid=$LP_PID
	wait_for lp_waiting 1
	# a change nobody announces (as if its message was lost): the browser stays parked ...
	redis-cli -p "$REDIS_PORT" hset "eid:qr:$qid" status scanned >/dev/null
	sleep 1
	check "a change without a message is not seen by polling (still parked)" lp_waiting 1
	# ... until the subscription is re-established, when every parked request re-reads
	redis-cli -p "$REDIS_PORT" client kill type pubsub >/dev/null
	wait "$pid"
	check "the subscription drops and returns: parked requests re-read (scanned), nothing lost" \
		test "$(cat "$E2E_DIR/lp.4")" = '{"status":"scanned"}'
	# a draining worker answers its parked requests at once
	lp_start "$K" "$qid" 5 scanned; pid=$LP_PID
	wait_for lp_waiting 1
	authd_stop
	wait "$pid"
	check "SIGTERM: parked requests are answered (scanned), authd stops" bash -c \
		'[ "$(cat "$0")" = "{\"status\":\"scanned\"}" ] && awk "BEGIN{exit !($(cat "$1") < 4)}"' "$E2E_DIR/lp.5" "$E2E_DIR/lp.5.t"
}
