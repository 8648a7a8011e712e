#!/usr/bin/env bash
# Benchmark: tokens per second at /token — client_credentials (one ES256 access token each) and
# authorization-code redemption (code_take + grant_new in Redis, an ES256 access token and an
# ES256 ID token each; codes pre-minted through /authorize with an SSO cookie) — with one and
# two workers, beside the machine's raw ES256 signing rate (`openssl speed ecdsap256`, one core)
# measured in the same run. wrk drives the load (Lua scripts beside this file); one worker is
# pinned to CPU 0 with wrk on the last CPU; two workers use every CPU and share with wrk.
# Everything binds to 127.0.0.1; everything started is stopped by PID; runs are bounded.
# usage: tests/bench/tokens.sh build [SECONDS]
set -euo pipefail
B=$(realpath "${1:-build}")
DUR=${2:-5}
AUTHD=$B/authd
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../e2e/lib.sh"
for f in "$HERE"/../e2e/t_*.sh; do . "$f"; done
command -v wrk >/dev/null || { echo "bench: wrk is missing (make deps)"; exit 1; }
E2E_DIR=$(mktemp -d "${TMPDIR:-/tmp}/authd-bench.XXXXXX")
trap e2e_cleanup EXIT INT TERM
REDIS_PORT=$(free_port); AUTHD_PORT=$(free_port)
export REDIS_PORT AUTHD_PORT
WRK_CPU=$(($(nproc) - 1))
export BENCH_BASIC; BENCH_BASIC=$(printf '%s' "$OIDC_RP:$OIDC_RP_SECRET" | base64 -w0)
export BENCH_CB; BENCH_CB=$(jq -rn --arg u "$OIDC_CB" '$u|@uri')
export BENCH_VERIFIER=$OIDC_VERIFIER
export BENCH_CODES=$E2E_DIR/codes

start_authd() { # WORKERS CPUS
	write_conf ".workers = $1 | .log.access = false | .log.level = \"warn\""
	taskset -c "$2" "$AUTHD" -c "$E2E_DIR/authd.json" 2>>"$E2E_DIR/authd.log" &
	AUTHD_PID=$!; E2E_PIDS+=("$AUTHD_PID")
	wait_for curl -fsS "$(url /readyz)" || { echo "authd did not start"; tail -5 "$E2E_DIR/authd.log"; exit 1; }
}
stop_authd() { kill "$AUTHD_PID"; wait "$AUTHD_PID" 2>/dev/null || true; }

# wrk_row SCRIPT THREADS CONNS SECONDS [PATH]: "req/s p50 p99 non-2xx"
wrk_row() {
	local out
	out=$(taskset -c "$WRK_CPU" env BENCH_THREADS="$2" wrk -t"$2" -c"$3" -d"$4s" --latency -s "$HERE/$1" "$(url "${5:-/token}")" 2>&1)
	awk '/Requests\/sec/ {r=$2} $1 == "50%" {p50=$2} $1 == "99%" {p99=$2} /Non-2xx/ {bad=$NF} END {printf "%.0f %s %s %d", r, p50, p99, bad}' <<<"$out"
}

prepare_dirs; redis_start >/dev/null
start_authd 1 0
"$B/eidctl" -c "$E2E_DIR/authd.json" import-population "$REPO/config/population-demo.csv" >/dev/null
APP --state "$E2E_DIR/app" --dev-sms activate "${ACT_ARGS[@]}" --password 'Matkhau#2026' >/dev/null
J=$E2E_DIR/jar
p=$(browse "$J" "$(authz_url)"); p=$(login_post "$J" "$p" "$(APP --state "$E2E_DIR/app" otp)")
consent_post "$J" "$p" >/dev/null
export BENCH_COOKIE; BENCH_COOKIE="eid_sso=$(awk '$6 == "eid_sso" {print $7}' "$J")"
[ "$BENCH_COOKIE" != "eid_sso=" ] || { echo "bench: the demo login failed"; exit 1; }

sign=$(taskset -c 0 openssl speed -seconds 3 ecdsap256 2>/dev/null | awk '/nistp256/ {print $(NF-1)}')
echo "token benchmark: $(nproc) CPUs, ${DUR}s per run, $(date -u +%FT%TZ)"
echo "openssl speed ecdsap256 (one core): ${sign%.*} signatures/s"
printf '%-34s %10s %9s %9s %6s %10s\n' "" "tokens/s" "p50" "p99" "non2xx" "sig/s used"
for w in 1 2; do
	[ "$w" = 2 ] && { stop_authd; start_authd 2 "0-$WRK_CPU"; }
	taskset -c "$WRK_CPU" wrk -t1 -c32 -d1s -s "$HERE/wrk_cc.lua" "$(url /token)" >/dev/null 2>&1 # warm-up
	read -r rps p50 p99 bad <<<"$(wrk_row wrk_cc.lua 1 32 "$DUR")"
	printf '%-34s %10s %9s %9s %6s %9.0f%%\n' "client_credentials, $w worker(s)" "$rps" "$p50" "$p99" "$bad" \
		"$(awk -v r="$rps" -v s="$sign" 'BEGIN {print 100 * r / s}')"
	rm -f "$BENCH_CODES".*
	wrk_row wrk_mint.lua 2 32 3 /authorize"$(authz_url | sed 's|^[^?]*||')" >/dev/null
	minted=$(cat "$BENCH_CODES".* | wc -l)
	read -r rps p50 p99 bad <<<"$(wrk_row wrk_redeem.lua 2 32 "$DUR")"
	printf '%-34s %10s %9s %9s %6s %9.0f%%\n' "code redemption, $w worker(s)" "$rps" "$p50" "$p99" "$bad" \
		"$(awk -v r="$rps" -v s="$sign" 'BEGIN {print 100 * 2 * r / s}')"
	echo "  ($minted codes minted through /authorize for it; each redemption signs 2 tokens)"
done
echo "sig/s used: signatures per second as a share of the one-core openssl rate (2 per redemption)."
