#!/usr/bin/env bash
# Benchmark: requests/s for /jwks and /.well-known/openid-configuration with wrk at 64
# connections against authd with one worker and with two, side by side with the peer
# node-oidc-provider (pinned in tests/bench/peer/package.json, one process) measured in the same
# run on the same machine. Server pinned to CPU 0 (one worker, the peer) or all CPUs (two
# workers); wrk on the last CPU. Everything binds to 127.0.0.1; everything started is stopped by
# PID; each measurement lasts DUR seconds.
# usage: tests/bench/discovery.sh build/authd [DUR]
set -euo pipefail
AUTHD=$(realpath "${1:-build/authd}")
DUR=${2:-5}
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../e2e/lib.sh"
command -v wrk >/dev/null || { echo "bench: wrk is missing (make deps)"; exit 1; }

# The peer, installed once under var/ (ignored by git), no lockfile.
PEER=$REPO/var/bench-peer
if [ ! -d "$PEER/node_modules/oidc-provider" ] || ! cmp -s "$HERE/peer/package.json" "$PEER/package.json"; then
	mkdir -p "$PEER"
	cp "$HERE/peer/package.json" "$PEER/"
	(cd "$PEER" && npm install --no-package-lock --no-audit --no-fund --loglevel=error >/dev/null)
fi
cp "$HERE/peer/op.mjs" "$PEER/"

E2E_DIR=$(mktemp -d "${TMPDIR:-/tmp}/authd-bench.XXXXXX")
trap e2e_cleanup EXIT INT TERM
REDIS_PORT=$(free_port); AUTHD_PORT=$(free_port)
prepare_dirs
redis_start >/dev/null
ncpu=$(nproc)
WRK_CPU=$((ncpu - 1))

# measure NAME PATH: one wrk run against whatever listens on AUTHD_PORT; prints a table row.
declare -A RPS
measure() {
	local name=$1 path=$2 out rps p50 p99 errs
	taskset -c $WRK_CPU wrk -t1 -c64 -d1s "$(url "$path")" >/dev/null 2>&1 # warm-up
	out=$(taskset -c $WRK_CPU wrk -t1 -c64 -d"${DUR}s" --latency "$(url "$path")")
	rps=$(awk '/Requests\/sec/ {printf "%.0f", $2}' <<<"$out")
	p50=$(awk '$1 == "50%" {print $2}' <<<"$out")
	p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
	errs=$(grep -E 'Non-2xx|Socket errors' <<<"$out" | tr -s ' ' | paste -sd';' || true)
	RPS["$name $path"]=$rps
	printf '%-22s %-36s %10s %9s %9s  %s\n' "$name" "$path" "$rps" "$p50" "$p99" "${errs:-}"
}

start_authd() { # workers cpus
	write_conf ".workers = $1 | .log.access = false | .log.level = \"warn\""
	taskset -c "$2" "$AUTHD" -c "$E2E_DIR/authd.json" 2>>"$E2E_DIR/authd.log" &
	AUTHD_PID=$!; E2E_PIDS+=("$AUTHD_PID")
	wait_for curl -fsS "$(url /healthz)" || { echo "authd did not start"; exit 1; }
}

echo "discovery/JWKS benchmark: wrk -t1 -c64 -d${DUR}s on CPU $WRK_CPU; $ncpu CPUs; $(date -u +%FT%TZ)"
printf '%-22s %-36s %10s %9s %9s\n' "server" "path" "req/s" "p50" "p99"
PATHS=(/jwks /.well-known/openid-configuration)

start_authd 1 0
for p in "${PATHS[@]}"; do measure "authd 1 worker" "$p"; done
authd_stop || true

start_authd 2 "0-$WRK_CPU"
for p in "${PATHS[@]}"; do measure "authd 2 workers" "$p"; done
authd_stop || true

# The ceiling: bare evhttp serving the same bytes authd serves (no request context, no headers).
mkdir -p "$REPO/build/bench"
cc -O2 -o "$REPO/build/bench/evhttp_floor" "$HERE/evhttp_floor.c" $(pkg-config --cflags --libs libevent)
start_authd 1 0
curl -fsS "$(url /jwks)" > "$E2E_DIR/jwks.body"
curl -fsS "$(url /.well-known/openid-configuration)" > "$E2E_DIR/disc.body"
authd_stop || true
for p in "${PATHS[@]}"; do
	body=$E2E_DIR/jwks.body; [ "$p" = /jwks ] || body=$E2E_DIR/disc.body
	taskset -c 0 "$REPO/build/bench/evhttp_floor" "$AUTHD_PORT" "$body" & fpid=$!; E2E_PIDS+=("$fpid")
	wait_for curl -fsS "$(url /)"
	measure "bare evhttp (ceiling)" "$p"
	kill "$fpid"; wait "$fpid" 2>/dev/null || true
done

(cd "$PEER" && exec taskset -c 0 node op.mjs "$AUTHD_PORT") >"$E2E_DIR/peer.log" 2>&1 &
E2E_PIDS+=($!)
wait_for curl -fsS "$(url /jwks)" || { echo "peer did not start"; cat "$E2E_DIR/peer.log"; exit 1; }
for p in "${PATHS[@]}"; do measure "oidc-provider 9.13.3" "$p"; done

echo
for p in "${PATHS[@]}"; do
	a=${RPS["authd 1 worker $p"]}; b=${RPS["oidc-provider 9.13.3 $p"]}
	printf 'authd (1 worker) / peer on %-36s %s\n' "$p" "$(awk -v a="$a" -v b="$b" 'BEGIN {printf "%.1fx", a / b}')"
done
echo "targets (DESIGN.md §9): >= 40k req/s per worker and >= 4x the peer."
echo "note: with 2 workers on this 2-CPU machine, wrk shares a CPU with one worker."
