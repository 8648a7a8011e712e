#!/usr/bin/env bash
# Benchmark: a passcode-login storm must not slow other endpoints (DESIGN §9: the p99 of other
# endpoints stays within 2x of idle while logins hash Argon2id on the pool).
#   1. /jwks latency at a fixed rate (open loop, 2000 req/s), idle;
#   2. the same while 20 passcode logins/s run (each one Argon2id verification, t=2, m=19 MiB);
#   3. for information, /jwks saturated by wrk (closed loop), idle and during the storm: on a
#      saturated core every millisecond of hashing is taken from the loop;
#   4. the most logins/s one worker sustains;
# beside the machine's Argon2id cost with the same parameters (the `argon2` CLI, one process per
# hash: wall time including process start).
# authd: one worker pinned to CPU 0 (its hashing threads too); load generators on the last CPU.
# Everything binds to 127.0.0.1; everything started is stopped by PID; runs are bounded.
# usage: tests/bench/login_storm.sh build [SECONDS]
set -euo pipefail
B=$(realpath "${1:-build}")
DUR=${2:-10}
AUTHD=$B/authd
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../e2e/lib.sh"
E2E_DIR=$(mktemp -d "${TMPDIR:-/tmp}/authd-bench.XXXXXX")
trap e2e_cleanup EXIT INT TERM
REDIS_PORT=$(free_port); AUTHD_PORT=$(free_port)
export REDIS_PORT AUTHD_PORT
prepare_dirs
redis_start >/dev/null
LOAD_CPU=$(($(nproc) - 1))
write_conf '.workers = 1 | .log.access = false | .log.level = "warn"'
"$B/eidctl" -c "$E2E_DIR/authd.json" import-population "$REPO/config/population-demo.csv" >/dev/null
taskset -c 0 "$AUTHD" -c "$E2E_DIR/authd.json" 2>>"$E2E_DIR/authd.log" &
AUTHD_PID=$!; E2E_PIDS+=("$AUTHD_PID")
wait_for curl -fsS "$(url /healthz)" || { echo "authd did not start"; exit 1; }
"$B/eid-app" --url "$(url '')" --state "$E2E_DIR/app" -c "$E2E_DIR/authd.json" --dev-sms activate \
	--id 001085012345 --phone 0912345678 --name "Nguyễn Văn An" --dob 1985-03-14 \
	--password 'Matkhau#2026' --passcode 468213 >/dev/null

jwks() { # prints "req/s p50 p99"
	taskset -c $LOAD_CPU wrk -t1 -c8 -d"${DUR}s" --latency "$(url /jwks)" |
		awk '/Requests\/sec/ {r=$2} $1 == "50%" {p50=$2} $1 == "99%" {p99=$2} END {printf "%.0f %s %s", r, p50, p99}'
}
ms() { awk -v v="$1" 'BEGIN { if (v ~ /us$/) print v/1000; else if (v ~ /ms$/) print v+0; else print v*1000 }'; }

echo "login-storm benchmark: $(nproc) CPUs; authd 1 worker on CPU 0 (Argon2id t=2 m=19456 KiB p=1, 2 pool threads); load on CPU $LOAD_CPU; ${DUR}s per run; $(date -u +%FT%TZ)"
taskset -c $LOAD_CPU wrk -t1 -c8 -d2s "$(url /jwks)" >/dev/null # warm-up
probe() { taskset -c $LOAD_CPU node "$HERE/rate_probe.mjs" "$(url /jwks)" 2000 "$DUR"; }
storm() { taskset -c $LOAD_CPU node "$HERE/login_load.mjs" "$(url '')" "$E2E_DIR/app" "$DUR" 20 > "$E2E_DIR/storm.$1"; }
p0=$(probe)
storm 1 & s=$!; p1=$(probe); wait "$s"
read -r r0 p50_0 p99_0 <<<"$(jwks)"
storm 2 & s=$!; read -r r1 p50_1 p99_1 <<<"$(jwks)"; wait "$s"
max=$(taskset -c $LOAD_CPU node "$HERE/login_load.mjs" "$(url '')" "$E2E_DIR/app" "$DUR" max 8)

echo "/jwks at 2000 req/s (open loop), idle:        $p0"
echo "/jwks at 2000 req/s, during 20 logins/s:      $p1"
echo "  the storm:                                  $(cat "$E2E_DIR/storm.1")"
pa=$(awk '{print $(NF-1)}' <<<"$p0"); pb=$(awk '{print $(NF-1)}' <<<"$p1")
echo "  /jwks p99 storm/idle: $(awk -v a="$pb" -v b="$pa" 'BEGIN {printf "%.2f", a / b}')x (target: <= 2x)"
echo "/jwks saturated by wrk -c8, idle:             $r0 req/s p50 $p50_0 p99 $p99_0"
echo "/jwks saturated by wrk -c8, during the storm: $r1 req/s p50 $p50_1 p99 $p99_1"
echo "  the storm:                                  $(cat "$E2E_DIR/storm.2")"
echo "most logins/s (8 at a time):                  $max"
if command -v argon2 >/dev/null; then
	t0=$(date +%s%N)
	for i in $(seq 20); do echo -n "pw$i" | taskset -c 0 argon2 saltsaltsalt16b -id -t 2 -k 19456 -p 1 >/dev/null; done
	per=$(( ($(date +%s%N) - t0) / 20000000 ))
	echo "peer: argon2 CLI (same parameters, one process per hash): ${per} ms wall per hash"
fi
