#!/usr/bin/env bash
# Benchmark: requests/s for /jwks and /.well-known/openid-configuration with wrk at 64
# connections, against authd with one worker and with two, side by side with a peer measured in
# the same run: a plain evhttp-free baseline is not available, so the peer is redis-server's own
# PING over redis-benchmark (same machine, same moment) — a reference for how loaded the machine
# is, not a competitor. The node-oidc-provider comparison belongs to `make bench` (issue 7).
# Everything binds to 127.0.0.1; everything started is stopped by PID; each run lasts DUR seconds.
# usage: tests/bench/discovery.sh build/authd [DUR]
set -euo pipefail
AUTHD=$(realpath "${1:-build/authd}")
DUR=${2:-5}
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../e2e/lib.sh"
command -v wrk >/dev/null || { echo "bench: wrk is missing (make deps)"; exit 1; }
E2E_DIR=$(mktemp -d "${TMPDIR:-/tmp}/authd-bench.XXXXXX")
trap e2e_cleanup EXIT INT TERM
REDIS_PORT=$(free_port); AUTHD_PORT=$(free_port)
prepare_dirs
redis_start >/dev/null

ncpu=$(nproc)
# Server on CPU 0, wrk on the last CPU (on a 2-core machine: one each); with 2 workers the
# server gets both CPUs and wrk shares one of them — the figures say so.
run_one() { # workers path
	local workers=$1 path=$2 out
	write_conf ".workers = $workers | .log.access = false | .log.level = \"warn\""
	local cpus=0; [ "$workers" -gt 1 ] && cpus="0-$((ncpu - 1))"
	taskset -c "$cpus" "$AUTHD" -c "$E2E_DIR/authd.json" 2>>"$E2E_DIR/authd.log" &
	AUTHD_PID=$!; E2E_PIDS+=("$AUTHD_PID")
	wait_for curl -fsS "$(url /healthz)" || { echo "authd did not start"; exit 1; }
	taskset -c $((ncpu - 1)) wrk -t1 -c64 -d1s "$(url "$path")" >/dev/null 2>&1 # warm-up
	out=$(taskset -c $((ncpu - 1)) wrk -t1 -c64 -d"${DUR}s" --latency "$(url "$path")")
	authd_stop || true
	local rps p50 p99 errs
	rps=$(awk '/Requests\/sec/ {printf "%.0f", $2}' <<<"$out")
	p50=$(awk '$1 == "50%" {print $2}' <<<"$out")
	p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
	errs=$(grep -E 'Non-2xx|Socket errors' <<<"$out" | tr -s ' ' | paste -sd';' || true)
	printf '%-36s %7s %12s %10s %10s  %s\n' "$path" "$workers" "$rps" "$p50" "$p99" "${errs:-}"
}

echo "authd discovery/JWKS benchmark — wrk -t1 -c64 -d${DUR}s, $(nproc) CPUs, $(date -u +%FT%TZ)"
printf '%-36s %7s %12s %10s %10s\n' "path" "workers" "req/s" "p50" "p99"
for w in 1 2; do
	for p in /jwks /.well-known/openid-configuration; do run_one "$w" "$p"; done
done
peer=$(taskset -c $((ncpu - 1)) redis-benchmark -p "$REDIS_PORT" -c 64 -n 200000 -t ping_inline -q 2>/dev/null | awk '{print $2}' | head -1)
printf '%-36s %7s %12s\n' "peer: redis-server PING (1 thread)" "-" "${peer%.*}"
echo "targets (DESIGN.md §9): >= 40k req/s per worker for discovery and JWKS"
