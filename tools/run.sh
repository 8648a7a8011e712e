#!/usr/bin/env bash
# `make run`: a private redis-server (unix socket, AOF on, data under var/), dev keys, authd
# on 127.0.0.1:8080 with config/authd.json, and the demo relying party (demo-rp, the "tax
# portal") on 127.0.0.1:8081. Ctrl-C stops everything it started.
set -euo pipefail
B=${1:-build}
cd "$(dirname "$0")/.."
AUTHD=$B/authd
EIDCTL=$B/eidctl
RUN=var/run
mkdir -p "$RUN" var/redis

pids=()
cleanup() {
	trap - EXIT INT TERM
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
	echo "stopped."
}
trap cleanup EXIT
trap 'cleanup; exit 0' INT TERM

# Redis: private, no TCP port, AOF persistence under var/redis.
if [ -S "$RUN/redis.sock" ] && redis-cli -s "$RUN/redis.sock" ping >/dev/null 2>&1; then
	echo "redis: already running on $RUN/redis.sock (left as it is)"
else
	rm -f "$RUN/redis.sock"
	redis-server --port 0 --unixsocket "$PWD/$RUN/redis.sock" --unixsocketperm 700 \
		--dir "$PWD/var/redis" --appendonly yes --save '' \
		--pidfile "$PWD/$RUN/redis.pid" --logfile "$PWD/var/redis/redis.log" &
	pids+=($!)
	for _ in $(seq 50); do
		redis-cli -s "$RUN/redis.sock" ping >/dev/null 2>&1 && break
		sleep 0.1
	done
	redis-cli -s "$RUN/redis.sock" ping >/dev/null || { echo "redis did not start: see var/redis/redis.log"; exit 1; }
fi

# Dev keys (generated once, never committed).
"$AUTHD" keygen -d keys >/dev/null

# The synthetic population registry (re-loading is idempotent: each record is replaced).
"$EIDCTL" -c config/authd.json import-population config/population-demo.csv

"$AUTHD" -t -c config/authd.json
"$AUTHD" -c config/authd.json 2>>var/authd.log &
pids+=($!)
for _ in $(seq 50); do
	curl -fsS http://127.0.0.1:8080/readyz >/dev/null 2>&1 && break
	sleep 0.1
done
curl -fsS http://127.0.0.1:8080/readyz >/dev/null || { echo "authd did not become ready: see var/authd.log"; tail -5 var/authd.log; exit 1; }

# The demo citizen activates through the real app flow (once: the account survives in Redis's
# AOF and the app's state in var/eid-app).
EIDAPP=$B/eid-app
if [ ! -f var/eid-app/state.json ]; then
	"$EIDAPP" --state var/eid-app -c config/authd.json --dev-sms activate \
		--id 001085012345 --phone 0912345678 --name "Nguyễn Văn An" --dob 1985-03-14 \
		--password 'Matkhau#2026' --passcode 468213 --device-name "demo phone" ||
		echo "(demo activation did not run: see above)"
fi

# The demo relying party, against this authd (clients/demo-rp.json; the public dev secret).
DEMORP=$B/demo-rp
"$DEMORP" --issuer http://127.0.0.1:8080 --listen 127.0.0.1:8081 2>>var/demo-rp.log &
rp=$!
pids+=("$rp")
for _ in $(seq 50); do
	curl -fsS -o /dev/null http://127.0.0.1:8081/ 2>/dev/null && break
	kill -0 "$rp" 2>/dev/null || break
	sleep 0.1
done
curl -fsS -o /dev/null http://127.0.0.1:8081/ 2>/dev/null ||
	{ echo "demo-rp did not become ready: see var/demo-rp.log"; tail -5 var/demo-rp.log; exit 1; }

cat <<TXT

authd is running.
  redis-server  unix socket $RUN/redis.sock (AOF in var/redis/)
  authd         http://127.0.0.1:8080   (log: var/authd.log)
  demo-rp       http://127.0.0.1:8081   the "tax portal" relying party (log: var/demo-rp.log)
  registry      300 synthetic citizens from config/population-demo.csv
  demo citizen  001085012345, Nguyễn Văn An, born 1985-03-14, phone 0912345678,
                activated by eid-app (state in var/eid-app): password Matkhau#2026, passcode 468213

  $EIDAPP --state var/eid-app otp       the citizen's current one-time code
  $EIDAPP --state var/eid-app status    what the app is bound to
  Activate another citizen from config/population-demo.csv:
  $EIDAPP --state var/app2 --dev-sms activate --id ID --phone P --name N --dob D \\
      --password PW --passcode PIN

  $EIDCTL account show 001085012345   the administrator's view (admin API, config/eidctl.json)

  curl http://127.0.0.1:8080/.well-known/openid-configuration
  curl http://127.0.0.1:8080/jwks
  curl http://127.0.0.1:8080/readyz
  curl http://127.0.0.1:8080/metrics

open http://127.0.0.1:8081/ and log in as 001085012345 / Matkhau#2026 with the code from \`$EIDAPP --state var/eid-app otp\`
or log in with the app: copy the payload shown under the QR code (development only) and run
  $EIDAPP --state var/eid-app login --passcode 468213
  $EIDAPP --state var/eid-app scan 'EID1....'   then   $EIDAPP --state var/eid-app approve

Reload keys and clients: kill -HUP $(pgrep -o -f "authd -c config/authd.json" || echo PID)
Press Ctrl-C to stop everything.
TXT
wait "${pids[@]}"
