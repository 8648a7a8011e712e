# tests/e2e/lib.sh — harness for the end-to-end suites: a real redis-server and the real authd
# in a mktemp -d directory on free loopback ports; every wait is bounded; everything started is
# stopped by PID on exit. Sourced by run.sh and the suites.

E2E_PASS=${E2E_PASS:-0}
E2E_FAIL=${E2E_FAIL:-0}
E2E_PIDS=()
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

e2e_cleanup() {
	local p
	for p in "${E2E_PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${E2E_PIDS[@]}"; do
		for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$p" 2>/dev/null || true
	done
	E2E_PIDS=()
	[ -n "${E2E_DIR:-}" ] && [ -d "$E2E_DIR" ] && [ -z "${E2E_KEEP:-}" ] && rm -rf "$E2E_DIR"
}

# Stops the suite's processes, then fails it if any authd log holds a sanitizer report or a
# crash (a worker the master quietly restarted would otherwise go unnoticed).
e2e_cleanup_check() {
	local dir=${E2E_DIR:-} f
	E2E_KEEP_SAVED=${E2E_KEEP:-}; E2E_KEEP=1
	e2e_cleanup
	E2E_KEEP=$E2E_KEEP_SAVED
	for f in "$dir"/*.log; do
		[ -f "$f" ] || continue
		if grep -qE 'AddressSanitizer|LeakSanitizer|runtime error:|"ev":"bug"|signal 11|signal 6' "$f"; then
			nok "no sanitizer report or crash in $(basename "$f")" "$(grep -m3 -E 'Sanitizer|runtime error:|"bug"|signal' "$f")"
		fi
	done
	[ -n "$dir" ] && [ -z "${E2E_KEEP:-}" ] && rm -rf "$dir"
	return 0
}

ok() { E2E_PASS=$((E2E_PASS + 1)); echo "  ok    $1"; }
nok() { E2E_FAIL=$((E2E_FAIL + 1)); echo "  FAIL  $1"; [ -n "${2:-}" ] && echo "        $2"; return 0; }

# check NAME CMD...: passes when CMD exits 0.
check() {
	local name=$1; shift
	local out
	if out=$("$@" 2>&1); then ok "$name"; else nok "$name" "$(printf '%s' "$out" | tail -3)"; fi
}

# A TCP port on 127.0.0.1 nobody listens on (bounded tries), below the kernel's ephemeral range
# (where every client connection takes its local port, so a port free now may not be later).
free_port() {
	local p lo
	lo=$(awk '{print $1}' /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)
	[ "$lo" -gt 12000 ] || lo=32768
	for _ in $(seq 100); do
		p=$((10000 + RANDOM % (lo - 10000)))
		(exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return 0; }
	done
	return 1
}

# wait_for CMD...: up to 50 x 100 ms.
wait_for() {
	for _ in $(seq 50); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done
	return 1
}

# Starts redis-server on REDIS_PORT (chosen if unset) with its files in $E2E_DIR/redis.
redis_start() {
	REDIS_PORT=${REDIS_PORT:-$(free_port)}
	mkdir -p "$E2E_DIR/redis"
	for try in 1 2 3; do
		redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --unixsocket "$E2E_DIR/redis/redis.sock" \
			--dir "$E2E_DIR/redis" --pidfile "$E2E_DIR/redis/redis.pid" --appendonly yes \
			--save '' --daemonize no --logfile "$E2E_DIR/redis/redis.log" &
		REDIS_PID=$!
		E2E_PIDS+=("$REDIS_PID")
		wait_for redis-cli -p "$REDIS_PORT" ping && return 0
		# the port was taken meanwhile (or Redis failed): say why, and try another port once
		echo "  (redis-server on port $REDIS_PORT did not start: $(tail -1 "$E2E_DIR/redis/redis.log" 2>/dev/null))"
		kill "$REDIS_PID" 2>/dev/null
		[ "$try" -lt 3 ] || break
		# keep the port when a test restarts Redis on purpose (it must return on the same port)
		[ -n "${REDIS_KEEP_PORT:-}" ] || { REDIS_PORT=$(free_port); export REDIS_PORT; }
	done
	nok "redis-server starts"
	return 1
}

redis_stop() {
	kill "$REDIS_PID" 2>/dev/null
	for _ in $(seq 50); do kill -0 "$REDIS_PID" 2>/dev/null || return 0; sleep 0.1; done
	return 1
}

# Writes $E2E_DIR/authd.json: jq filter in $1 applied to a base config (port AUTHD_PORT).
write_conf() {
	local filter=${1:-.}
	jq -n --arg port "$AUTHD_PORT" --arg rport "$REDIS_PORT" --arg keys "$E2E_DIR/keys" \
		--arg clients "$E2E_DIR/clients" '{
		issuer: ("http://127.0.0.1:" + $port),
		listen: { address: "127.0.0.1", port: ($port | tonumber) },
		workers: 2,
		redis: { host: "127.0.0.1", port: ($rport | tonumber), timeout_ms: 500,
		         connect_timeout_ms: 300 },
		keys: { dir: $keys }, clients: { dir: $clients },
		log: { level: "info" } }' | jq "$filter" > "$E2E_DIR/authd.json"
}

# Prepares keys and clients in $E2E_DIR (fresh dev keys; the repository's example clients).
prepare_dirs() {
	mkdir -p "$E2E_DIR/clients"
	"$AUTHD" keygen -d "$E2E_DIR/keys" >/dev/null
	cp "$REPO"/clients/*.json "$E2E_DIR/clients/"
	# The bank's registration names ../keys/demo-bank.jwks.json: keep that layout.
}

authd_start() {
	AUTHD_LOG=$E2E_DIR/authd.log
	"$AUTHD" -c "$E2E_DIR/authd.json" 2>>"$AUTHD_LOG" &
	AUTHD_PID=$!
	E2E_PIDS+=("$AUTHD_PID")
	wait_for curl -fsS "http://127.0.0.1:$AUTHD_PORT/healthz"
}

authd_stop() {
	kill -TERM "$AUTHD_PID" 2>/dev/null
	for _ in $(seq 100); do kill -0 "$AUTHD_PID" 2>/dev/null || { wait "$AUTHD_PID" 2>/dev/null; return $?; }; sleep 0.1; done
	return 1
}

url() { echo "http://127.0.0.1:$AUTHD_PORT$1"; }

# jqe FILTER: `jq -e` that fails on empty input (jq -e exits 0 when given nothing, which would
# let a check pass on a request that never answered).
jqe() {
	local in
	in=$(cat)
	[ -n "$in" ] || { echo "jqe: empty input" >&2; return 1; }
	jq -e "$@" <<<"$in" >/dev/null
}

# Checks often run in `bash -c`: let them see the helpers and the ports.
export -f url jqe wait_for
export REDIS_PORT AUTHD_PORT
