#!/usr/bin/env bash
# Benchmark (DESIGN.md §9): one table of requests/s, p50 and p99 latency and errors for
# discovery, JWKS, client_credentials, introspection, code redemption and refresh, against authd
# with one worker, authd with two, and the peer node-oidc-provider (tests/bench/peer/: pinned in
# package.json, one process, set up like authd: ES256, JWT access tokens, refresh tokens that
# rotate), wrk sending each the same requests; the ratio authd (one worker) / peer; each server's
# peak RSS; the machine's one-core `openssl speed ecdsap256` sign rate and the share of it authd's
# token responses use; the targets, marked. What each row sends: tests/bench/README.md.
#
# Placement (2 CPUs): authd with one worker, the peer and the bare-evhttp ceiling on CPU 0; authd
# with two workers on every CPU; wrk (one thread) and redis-server on the last CPU. Each
# measurement is a one-second warm-up, then BENCH_SECONDS (default 5; code redemption at most 20:
# codes live 60 s and minting them takes about as long). Codes are minted just before they are
# redeemed, as many as the server's client_credentials rate would redeem (redemption signs twice
# as much, and goes to Redis).
# Exit status: 0 when everything ran and every answer was right; a missed target is not a failure
# (the figures depend on the machine). 1 when something did not start or run, or an answer was an
# HTTP error, a socket error or wrong (a 200 without its token).
# Everything binds to 127.0.0.1; everything started is stopped by PID; every loop is bounded.
# usage: BENCH_SECONDS=N tests/bench/bench.sh BUILD_DIR     (make bench)
set -euo pipefail
B=$(realpath "${1:-build}")
DUR=${BENCH_SECONDS:-5}
AUTHD=$B/authd
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../e2e/lib.sh
. "$HERE/../e2e/lib.sh"
# shellcheck disable=SC1090 # the suites, for their constants (OIDC_RP, ACT_ARGS, ...) and helpers
for f in "$HERE"/../e2e/t_*.sh; do . "$f"; done

die() { echo "bench: $*" >&2; exit 1; }
[[ "$DUR" =~ ^[1-9][0-9]{0,3}$ ]] || die "BENCH_SECONDS must be 1..9999, got '$DUR'"
RDUR=$((DUR < 20 ? DUR : 20))
for c in wrk node npm taskset openssl redis-server; do
	command -v "$c" >/dev/null || die "$c is missing (make deps)"
done
[ "$(nproc)" -ge 2 ] || die "needs 2 CPUs"
[ -x "$B/bench/evhttp_floor" ] || die "$B/bench/evhttp_floor is missing (make $B/bench/evhttp_floor)"
WRK_CPU=$(($(nproc) - 1))

# The peer, installed once under var/ (ignored by git), no lockfile.
PEER=$REPO/var/bench-peer
PEER_VERSION=$(jq -r '.dependencies["oidc-provider"]' "$HERE/peer/package.json")
if [ ! -d "$PEER/node_modules/oidc-provider" ] ||
	! cmp -s "$HERE/peer/package.json" "$PEER/package.json"; then
	mkdir -p "$PEER"
	cp "$HERE/peer/package.json" "$PEER/"
	(cd "$PEER" && npm install --no-package-lock --no-audit --no-fund --loglevel=error >/dev/null) ||
		die "npm install of the peer failed"
fi
cp "$HERE/peer/op.mjs" "$PEER/"

E2E_DIR=$(mktemp -d "${TMPDIR:-/tmp}/authd-bench.XXXXXX")
trap e2e_cleanup EXIT INT TERM
REDIS_PORT=$(free_port); AUTHD_PORT=$(free_port)
export REDIS_PORT AUTHD_PORT
export BENCH_LUA=$HERE BENCH_THREADS=1 BENCH_VERIFIER=$OIDC_VERIFIER BENCH_AT=$E2E_DIR/at
export BENCH_BASIC; BENCH_BASIC=$(printf '%s' "$OIDC_RP:$OIDC_RP_SECRET" | base64 -w0)
export BENCH_CB; BENCH_CB=$(jq -rn --arg u "$OIDC_CB" '$u|@uri')

declare -A R=()   # "SERVER ROW" → "req/s p50_ms p99_ms errors"
NOTES=()
FAIL=0
PORT=$AUTHD_PORT  # the server under test

# wrk_once SECONDS CONNS PATH [SCRIPT]: one wrk run on WRK_CPU against PORT. Prints
# "req/s p50_ms p99_ms non2xx socket_errors wrong ran_out", or "fail".
wrk_once() {
	local out
	if ! out=$(taskset -c "$WRK_CPU" wrk -t"$BENCH_THREADS" -c"$2" -d"$1s" --latency \
		${4:+-s "$HERE/$4"} "http://127.0.0.1:$PORT$3" 2>&1); then
		printf '%s\n' "$out" >>"$E2E_DIR/wrk.err"
		echo fail
		return
	fi
	awk 'function ms(v) {
		if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0
		if (v ~ /m$/) return v * 60000; return v * 1000 }
	/Requests\/sec/ {r = $2} $1 == "50%" {p50 = ms($2)} $1 == "99%" {p99 = ms($2)}
	/Non-2xx or 3xx/ {bad = $NF}
	/Socket errors/ {gsub(",", ""); sock = $4 + $6 + $8 + $10}
	$1 == "bench-wrong" {w = $2} $1 == "bench-ran-out" {o = $2}
	END {if (r == "") print "fail"
	     else printf "%.0f %.2f %.2f %d %d %d %d\n", r, p50, p99, bad, sock, w, o}' <<<"$out"
}

# result KEY "wrk_once output": records R[KEY], prints a progress line, notes errors.
result() {
	local key=$1 rps p50 p99 bad sock wrong out
	read -r rps p50 p99 bad sock wrong out <<<"$2"
	if [ "$rps" = fail ]; then
		R[$key]="- - - fail"; FAIL=1; NOTES+=("$key: wrk did not run (see below)")
		echo "  $key: wrk failed"
		return
	fi
	R[$key]="$rps $p50 $p99 $((bad + sock + wrong + out))"
	if [ $((bad + sock + wrong + out)) -ne 0 ]; then
		FAIL=1
		NOTES+=("$key: HTTP errors $bad, socket errors $sock, wrong answers $wrong, ran out $out")
	fi
	printf '  %-20s %8s req/s  p50 %7s ms  p99 %7s ms  errors %s\n' "$key" "$rps" "$p50" "$p99" \
		"$((bad + sock + wrong + out))"
}

# measure KEY CONNS PATH [SCRIPT]: a one-second warm-up, then DUR seconds.
measure() {
	wrk_once 1 "$2" "$3" "${4:-}" >/dev/null
	result "$1" "$(wrk_once "$DUR" "$2" "$3" "${4:-}")"
}

# rps KEY: the requests/s recorded for KEY (0 when none).
rps() { local v=${R[$1]:-0}; v=${v%% *}; [[ "$v" =~ ^[0-9]+$ ]] && echo "$v" || echo 0; }

hwm() { awk '/^VmHWM/ {print $2}' "/proc/$1/status"; } # kB

authd_up() { # WORKERS CPUS
	write_conf ".workers = $1 | .log.access = false | .log.level = \"warn\""
	taskset -c "$2" "$AUTHD" -c "$E2E_DIR/authd.json" 2>>"$E2E_DIR/authd.log" &
	AUTHD_PID=$!; E2E_PIDS+=("$AUTHD_PID")
	wait_for curl -fsS "$(url /readyz)" || die "authd did not start: $(tail -3 "$E2E_DIR/authd.log")"
	PORT=$AUTHD_PORT
}

# server_warm: three seconds of discovery requests on a server just started (the peer's JIT).
server_warm() { wrk_once 3 64 /.well-known/openid-configuration >/dev/null; }

# authd_down KEY: records authd's peak RSS (master + workers) as RSS[KEY], then stops it.
declare -A RSS=()
authd_down() {
	local p keep=() kids sum parts='' pl=
	kids=$(cat /proc/"$AUTHD_PID"/task/*/children)
	sum=$(hwm "$AUTHD_PID")
	for p in $kids; do sum=$((sum + $(hwm "$p"))); parts="$parts${parts:+, }$(mib "$(hwm "$p")")"; done
	[[ "$parts" != *,* ]] || pl=s
	RSS[$1]="$(mib "$sum") MiB (master $(mib "$(hwm "$AUTHD_PID")") + worker$pl $parts)"
	authd_stop || die "authd did not stop"
	for p in "${E2E_PIDS[@]}"; do [ "$p" = "$AUTHD_PID" ] || keep+=("$p"); done
	E2E_PIDS=("${keep[@]}")
}
mib() { awk -v k="$1" 'BEGIN {printf "%.1f", k / 1024}'; }

# The demo citizen, activated, logged in once on the demo RP with offline_access (consent given):
# the SSO cookie then mints codes through /authorize without a page (wrk_mint.lua).
prepare_dirs
redis_start >/dev/null
taskset -a -p -c "$WRK_CPU" "$REDIS_PID" >/dev/null
AZ=$(authz_url | sed 's/scope=openid%20profile/scope=openid%20profile%20offline_access/')
MINT_PATH=/authorize${AZ#*/authorize}
# An authd of its own for this, so that the password hashing (Argon2id, 19 MiB) does not count in
# the measured servers' peak RSS; the session lives in Redis and outlives it.
authd_up 1 0
"$B/eidctl" -c "$E2E_DIR/authd.json" import-population "$REPO/config/population-demo.csv" >/dev/null
APP --state "$E2E_DIR/app" --dev-sms activate "${ACT_ARGS[@]}" --password 'Matkhau#2026' >/dev/null
J=$E2E_DIR/jar
p=$(browse "$J" "$AZ"); p=$(login_post "$J" "$p" "$(APP --state "$E2E_DIR/app" otp)")
consent_post "$J" "$p" >/dev/null
export BENCH_COOKIE; BENCH_COOKIE="eid_sso=$(awk '$6 == "eid_sso" {print $7}' "$J")"
[ "$BENCH_COOKIE" != "eid_sso=" ] || die "the demo login failed"
authd_down setup

# mint_authd N: at least N codes through /authorize, in $E2E_DIR/codes (a first second gives the
# rate, then the rest in one go; at most 5 rounds of at most 60 s).
mint_authd() {
	local n=$1 have=0 secs=0 s=1 i
	rm -f "$E2E_DIR"/codes*
	for i in 1 2 3 4 5; do
		BENCH_CODES=$E2E_DIR/codes wrk_once "$s" 32 "$MINT_PATH" wrk_mint.lua >>"$E2E_DIR/mint.out"
		secs=$((secs + s))
		have=$(cat "$E2E_DIR"/codes.* 2>/dev/null | wc -l)
		[ "$have" -gt 0 ] || die "no code minted through /authorize (round $i)"
		[ "$have" -lt "$n" ] || break
		s=$(( (n - have) * secs / have + 1 )); s=$((s < 60 ? s : 60))
	done
	cat "$E2E_DIR"/codes.* >"$E2E_DIR/codes"
}

# redeem_run SERVER PER_SECOND: redeems PER_SECOND codes in the warm-up and PER_SECOND x RDUR in
# the measurement (from $E2E_DIR/codes); their refresh tokens go to rts.warm and rts.run.
redeem_run() {
	local per=$2
	head -n "$per" "$E2E_DIR/codes" >"$E2E_DIR/codes.warm"
	tail -n +"$((per + 1))" "$E2E_DIR/codes" >"$E2E_DIR/codes.run"
	rm -f "$E2E_DIR"/rts.* "$BENCH_AT"
	BENCH_CODES=$E2E_DIR/codes.warm BENCH_RTS=$E2E_DIR/rts.warm wrk_once 1 32 /token wrk_redeem.lua >/dev/null
	result "$1 redeem" "$(BENCH_CODES=$E2E_DIR/codes.run BENCH_RTS=$E2E_DIR/rts.run \
		wrk_once "$RDUR" 32 /token wrk_redeem.lua)"
	cat "$E2E_DIR"/rts.warm.* >"$E2E_DIR/rts.warm" 2>/dev/null || true
	cat "$E2E_DIR"/rts.run.* >"$E2E_DIR/rts.run" 2>/dev/null || true
}

# refresh_run SERVER: refresh tokens from redeem_run, each once (wrk_refresh.lua).
refresh_run() {
	BENCH_RTS=$E2E_DIR/rts.warm wrk_once 1 32 /token wrk_refresh.lua >/dev/null
	result "$1 refresh" "$(BENCH_RTS=$E2E_DIR/rts.run wrk_once "$DUR" 32 /token wrk_refresh.lua)"
}

# authd_rows SERVER: every row against the authd running.
authd_rows() {
	local per
	server_warm
	measure "$1 disc" 64 /.well-known/openid-configuration
	measure "$1 jwks" 64 /jwks
	measure "$1 cc" 32 /token wrk_cc.lua
	per=$(rps "$1 cc"); per=$((per > 100 ? per : 100))
	mint_authd $((per * (1 + RDUR)))
	redeem_run "$1" "$per"
	[ -s "$BENCH_AT" ] || die "no access token came out of the redemptions"
	BENCH_TOKEN=$(head -1 "$BENCH_AT") measure "$1 intro" 32 /introspect wrk_introspect.lua
	refresh_run "$1"
}

echo "authd benchmark: $(nproc) CPUs; wrk -t1 on CPU $WRK_CPU; ${DUR}s per run after a 1 s" \
	"warm-up; $(date -u +%FT%TZ)"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
SIGN=$(taskset -c 0 openssl speed -seconds "$DUR" ecdsap256 2>/dev/null |
	awk '/nistp256/ {printf "%.0f", $(NF-1)}')
[ -n "$SIGN" ] || die "openssl speed ecdsap256 printed no rate"
echo "openssl speed ecdsap256 (one core, CPU 0): $SIGN signs/s"

echo "authd, 1 worker (CPU 0):"
authd_up 1 0
authd_rows a1
authd_down a1
echo "authd, 2 workers (CPUs 0-$WRK_CPU):"
authd_up 2 "0-$WRK_CPU"
authd_rows a2
curl -fsS "$(url /jwks)" >"$E2E_DIR/jwks.body"
curl -fsS "$(url /.well-known/openid-configuration)" >"$E2E_DIR/disc.body"
authd_down a2

# The ceiling: bare evhttp serving the same bytes (no request context, no headers, one core).
echo "bare evhttp (CPU 0):"
for row in disc jwks; do
	taskset -c 0 "$B/bench/evhttp_floor" "$AUTHD_PORT" "$E2E_DIR/$row.body" & fpid=$!; E2E_PIDS+=("$fpid")
	wait_for curl -fsS "$(url /)" || die "evhttp_floor did not start"
	measure "floor $row" 64 /
	kill "$fpid"; wait "$fpid" 2>/dev/null || true
done

# The peer (its own port, its own issuer); its codes come from its bench-only mint route.
echo "oidc-provider $PEER_VERSION (CPU 0):"
PORT=$(free_port)
(cd "$PEER" && exec taskset -c 0 node op.mjs "$PORT" "$OIDC_RP" "$OIDC_RP_SECRET" "$OIDC_CB" \
	"$OIDC_CHALLENGE") >"$E2E_DIR/peer.log" 2>&1 &
PEER_PID=$!; E2E_PIDS+=("$PEER_PID")
wait_for curl -fsS "http://127.0.0.1:$PORT/jwks" ||
	die "the peer did not start: $(tail -3 "$E2E_DIR/peer.log")"
server_warm
measure "peer disc" 64 /.well-known/openid-configuration
measure "peer jwks" 64 /jwks
measure "peer cc" 32 /token wrk_cc.lua
tok=$(curl -fsS -X POST "http://127.0.0.1:$PORT/bench/mint?kind=at") || die "the peer minted no access token"
BENCH_TOKEN=$tok measure "peer intro" 32 /token/introspection wrk_introspect.lua
PEER_HWM0=$(hwm "$PEER_PID")
per=$(rps "peer cc"); per=$((per > 100 ? per : 100))
curl -fsS --max-time 120 -X POST "http://127.0.0.1:$PORT/bench/mint?kind=code&n=$((per * (1 + RDUR)))" \
	>"$E2E_DIR/codes" || die "the peer minted no codes"
redeem_run peer "$per"
refresh_run peer
PEER_HWM=$(hwm "$PEER_PID")
REDIS_HWM=$(hwm "$REDIS_PID")

# --- the table ---
ROWS=(disc jwks cc intro redeem refresh)
declare -A NAME=([disc]=discovery [jwks]=JWKS [cc]=client_credentials [intro]="introspection *"
	[redeem]="code redemption" [refresh]=refresh)
declare -A CONNS=([disc]=64 [jwks]=64 [cc]=32 [intro]=32 [redeem]=32 [refresh]=32)
cell() { # KEY: "req/s p50 p99 errors", padded
	local v=${R[$1]:-"- - - -"}
	# shellcheck disable=SC2086 # the four words, split on purpose
	printf '%8s %7s %7s %5s' $v
}
echo
printf '%-18s %5s   %-29s   %-29s   %-29s   %s\n' "" "" "authd, 1 worker (CPU 0)" \
	"authd, 2 workers (CPUs 0-$WRK_CPU)" "oidc-provider $PEER_VERSION (CPU 0)" "authd 1w"
printf '%-18s %5s' endpoint conns
for _ in 1 2 3; do printf '   %8s %7s %7s %5s' req/s "p50 ms" "p99 ms" err; done
printf '   %s\n' "/ peer"
for row in "${ROWS[@]}"; do
	a=$(rps "a1 $row"); b=$(rps "peer $row")
	ratio=$(awk -v a="$a" -v b="$b" 'BEGIN {if (a > 0 && b > 0) printf "%.1fx", a / b; else print "n/a"}')
	printf '%-18s %5s   %s   %s   %s   %6s\n' "${NAME[$row]}" "${CONNS[$row]}" "$(cell "a1 $row")" \
		"$(cell "a2 $row")" "$(cell "peer $row")" "$ratio"
done
echo "* introspection: authd introspects a citizen's JWT access token (from a redemption); the peer an"
echo "  opaque access token of the same kind of grant: oidc-provider does not introspect JWT access"
echo "  tokens (\"Structured JWT Tokens cannot be introspected via the introspection_endpoint\")."
echo "err: HTTP errors + socket errors + wrong answers (a 200 without its token); must be 0."
echo "2 workers share both CPUs with wrk and Redis. The peer's codes are minted through its models"
echo "(peer/op.mjs), authd's through /authorize. What each row sends: tests/bench/README.md."
[ "$RDUR" = "$DUR" ] || echo "code redemption ran ${RDUR} s, not $DUR: codes live 60 s."
printf 'bare evhttp ceiling (CPU 0, the same bytes): discovery %s req/s, JWKS %s req/s\n' \
	"$(rps "floor disc")" "$(rps "floor jwks")"
echo "peak RSS (VmHWM; the sum over master and workers counts pages they share once per process):"
echo "  authd, 1 worker:  ${RSS[a1]}"
echo "  authd, 2 workers: ${RSS[a2]}"
echo "  redis-server:     $(mib "$REDIS_HWM") MiB (authd's store, over both authd runs: their codes" \
	"and grants)"
echo "  oidc-provider:    $(mib "$PEER_HWM0") MiB before its codes were minted; $(mib "$PEER_HWM") MiB at the end (its store is its memory)"
echo "ES256 signatures/s in authd's token responses as a share of openssl's one-core $SIGN signs/s"
echo "(client_credentials signs 1 token; code redemption and refresh 2: access and ID token):"
for row in cc redeem refresh; do
	n=1; [ "$row" = cc ] || n=2
	awk -v r1="$(rps "a1 $row")" -v r2="$(rps "a2 $row")" -v n=$n -v s="$SIGN" -v name="${NAME[$row]}" \
		'BEGIN {printf "  %-18s 1 worker %3.0f%% of one core; 2 workers %3.0f%% of two\n", name, 100 * n * r1 / s, 100 * n * r2 / (2 * s)}'
done

# target NAME ROW MIN [PEER_FACTOR]: the 1-worker figure against DESIGN.md §9.
target() {
	local a b mark=PASS ratio=
	a=$(rps "a1 $2"); b=$(rps "peer $2")
	[ "$a" -ge "$3" ] || mark=short
	if [ -n "${4:-}" ]; then
		ratio=$(awk -v a="$a" -v b="$b" 'BEGIN {if (b > 0) printf "%.1f", a / b; else print 0}')
		awk -v r="$ratio" -v f="$4" 'BEGIN {exit !(r >= f)}' || mark=short
		ratio=", ${ratio}x the peer"
	fi
	printf '  %-18s >= %5d/s%-20s %6d/s%-22s %s\n' "$1" "$3" "${4:+ and >= ${4}x the peer}" "$a" "$ratio" "$mark"
}
echo "targets (DESIGN.md §9, per worker: the 1-worker column; informational, not a failure):"
target discovery disc 40000 4
target JWKS jwks 40000 4
target client_credentials cc 15000 5
target introspection intro 20000
target "code redemption" redeem 8000
target refresh refresh 8000
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
if [ "${#NOTES[@]}" -gt 0 ]; then
	echo "problems:"
	printf '  %s\n' "${NOTES[@]}"
	[ ! -s "$E2E_DIR/wrk.err" ] || tail -5 "$E2E_DIR/wrk.err"
fi
if grep -qE '"ev":"bug"|signal 11|signal 6' "$E2E_DIR/authd.log"; then
	echo "authd's log holds a crash:"; grep -m3 -E '"ev":"bug"|signal' "$E2E_DIR/authd.log"; FAIL=1
fi
exit "$FAIL"
