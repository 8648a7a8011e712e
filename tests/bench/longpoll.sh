#!/usr/bin/env bash
# Benchmark: 10,000 browsers waiting on their QR logins on one worker: what they cost in memory
# and CPU, and the time from the app's approval to the browser's answer. Issue: "10,000
# concurrent waiting status requests on one worker — memory and the latency from approval to
# the browser's answer (p50/p99)". Figures side by side, no timed assertions.
#
# Two runs against a fresh authd each (one worker, qr.wait_s 60, otherwise authd's defaults, e.g.
# redis.timeout_ms 1000), the same N browsers arriving evenly over OPEN_S seconds (LP_OPEN_S,
# default 5: 2,000/s for 10,000), the same decisions (tests/bench/lpgen.c does the browsers and
# the app; see its header):
#   long-poll  each browser asks GET /qr/status?qid=Q&since=scanned once and is parked until
#              its transaction changes (woken by Redis pub/sub, notify.c);
#   poll       the peer, the design before the long-poll: each browser asks GET /qr/status?qid=Q
#              every second on its keep-alive connection (spread evenly over the second).
# Per run:
#   - the worker's VmRSS before the browsers arrive and with all N waiting, and the difference
#     per browser (its connection, evhttp's request, the parked request's arena);
#   - HOLD seconds (LP_HOLD, default 10) with nothing decided: the /qr/status requests authd
#     served per second (its own counter) and the worker's CPU seconds (utime + stime): what
#     waiting costs;
#   - M of them (LP_M, default 2,000) approved open loop at RATE/s (LP_RATE, default 500), in a
#     fixed pseudo-random order, by EVALSHA of the real authd/lua/qr_decide.lua; latency from
#     sending the EVALSHA to that browser's {"status":"approved"} (poll: its first poll answer
#     saying so); then the other N - M approved at once (pipelined), latency the same way;
#   - answers that were wrong, requests that failed, decided browsers left without an answer:
#     all must be 0; and authd's log checked for crashes, the parked count after the run.
# Placement (2 CPUs): all of authd on CPU 0; lpgen and Redis on the last CPU. lpgen is one
# thread: in the poll run it does N requests/s itself, and how late its timers woke is printed
# (when high, the generator's CPU was the limit, not authd). Noise: the CPU time the machine
# spent on other processes during each run is printed (/proc/stat's busy time minus authd's,
# Redis's and lpgen's): at normal priority, which competes with the run (where more than a few
# percent, the run measured the machine), and niced (nice > 0, e.g. a fuzzer, which yields).
# Descriptors: the worker and lpgen each hold one per browser; the soft limit is raised to
# N + 1024, and N is lowered (and said so) when the hard limit is below that.
# Everything binds to 127.0.0.1; everything started is stopped by PID; every wait is bounded.
# usage: tests/bench/longpoll.sh build      (env: LP_N LP_M LP_RATE LP_OPEN_S LP_HOLD)
set -euo pipefail
B=$(realpath "${1:-build}")
N=${LP_N:-10000}
M=${LP_M:-2000}
RATE=${LP_RATE:-500}
HOLD=${LP_HOLD:-10}
OPEN_S=${LP_OPEN_S:-5}
AUTHD=$B/authd
LPGEN=$B/bench/lpgen
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../e2e/lib.sh"
cd "$REPO" # authd's relative defaults (chip.csca_dir)
[ -x "$LPGEN" ] || { echo "bench: $LPGEN is missing (make $LPGEN)"; exit 1; }
[ "$(nproc)" -ge 2 ] || { echo "bench: needs 2 CPUs"; exit 1; }

hard=$(ulimit -Hn)
if [ "$hard" != unlimited ] && [ "$hard" -lt $((N + 1024)) ]; then
	echo "bench: the hard descriptor limit is $hard, below $((N + 1024)) for $N browsers:" \
		"$((hard - 1024)) browsers instead"
	N=$((hard - 1024))
fi
[ "$N" -ge 100 ] || { echo "bench: too few descriptors for this benchmark"; exit 1; }
[ "$M" -le "$N" ] || M=$((N / 5))
ulimit -n $((N + 1024))
read -r plo phi </proc/sys/net/ipv4/ip_local_port_range
# the first run's N client ports stay in TIME_WAIT (60 s) while the second run takes N more
[ $((phi - plo + 1)) -gt $((2 * N + 1000)) ] ||
	echo "bench: note: $((phi - plo + 1)) ephemeral ports for 2 x $N connections: the second run may fail to connect"

E2E_DIR=$(mktemp -d "${TMPDIR:-/tmp}/authd-bench.XXXXXX")
trap e2e_cleanup EXIT INT TERM
REDIS_PORT=$(free_port); AUTHD_PORT=$(free_port)
export REDIS_PORT AUTHD_PORT
LOAD_CPU=$(($(nproc) - 1))
prepare_dirs
redis_start >/dev/null || { echo "bench: redis-server did not start"; exit 1; }
taskset -a -p -c $LOAD_CPU "$REDIS_PID" >/dev/null
write_conf 'del(.redis.timeout_ms, .redis.connect_timeout_ms) | .workers = 1 | .log.access = false |
	.log.level = "warn" | .qr.wait_s = 60 | .listen.backlog = 4096'

authd_up() {
	taskset -c 0 "$AUTHD" -c "$E2E_DIR/authd.json" 2>>"$E2E_DIR/authd.log" &
	AUTHD_PID=$!; E2E_PIDS+=("$AUTHD_PID")
	wait_for curl -fsS "$(url /healthz)" || { echo "authd did not start"; exit 1; }
	WORKER_PID=$(pgrep -P "$AUTHD_PID" | head -1)
	[ -n "$WORKER_PID" ] || { echo "authd has no worker"; exit 1; }
}

authd_down() {
	local p keep=()
	authd_stop || { echo "authd did not stop"; exit 1; }
	for p in "${E2E_PIDS[@]}"; do [ "$p" = "$AUTHD_PID" ] || keep+=("$p"); done
	E2E_PIDS=("${keep[@]}")
}

HZ=$(getconf CLK_TCK)
# busy: the machine's CPU seconds in processes at normal priority (user system steal; a niced
# process's system time counts here too), in niced processes' user time, and in interrupts
# (irq softirq: mostly our own loopback traffic, charged to no process); ours: authd's (master
# and worker) and Redis's.
busy() { awk -v hz="$HZ" '$1 == "cpu" {printf "%.2f %.2f %.2f", ($2 + $4 + $9) / hz, $3 / hz, ($7 + $8) / hz}' /proc/stat; }
ours() { cat "/proc/$AUTHD_PID/stat" "/proc/$WORKER_PID/stat" "/proc/$REDIS_PID/stat" |
	sed 's/.*) //' | awk -v hz="$HZ" '{t += $12 + $13} END {printf "%.2f", t / hz}'; }

# run MODE: one lpgen run against a fresh authd; its output in $E2E_DIR/MODE.out, .err; the
# parked count and the worker's RSS after lpgen has gone in MODE.after; the CPU seconds of
# other processes during the run, and the machine's busy seconds, in MODE.noise.
run() {
	local mode=$1 rc=0 w after b0 b1 o0 t0
	authd_up
	echo "  $mode: authd $AUTHD_PID, worker $WORKER_PID; load average $(cut -d' ' -f1-3 /proc/loadavg)"
	b0=$(busy); o0=$(ours); t0=$(date +%s.%N)
	taskset -c $LOAD_CPU "$LPGEN" "$mode" "$(url '')" "$REDIS_PORT" "$REPO/authd/lua/qr_decide.lua" \
		"$WORKER_PID" "$N" "$M" "$RATE" "$OPEN_S" "$HOLD" >"$E2E_DIR/$mode.out" 2>"$E2E_DIR/$mode.err" || rc=$?
	b1=$(busy)
	# "other normal niced interrupts wall": CPU s of other processes at normal priority, ...
	echo "$b0 $b1 $o0 $(ours) $t0 $(date +%s.%N) $(awk '$2 == "timers" {print $(NF - 1)}' "$E2E_DIR/$mode.err")" |
		awk '{o = ($4 - $1) - ($8 - $7) - $11; printf "%.1f %.1f %.1f %.1f\n", o < 0 ? 0 : o, $5 - $2, $6 - $3, $10 - $9}' >"$E2E_DIR/$mode.noise"
	sed 's/^/    /' "$E2E_DIR/$mode.out" "$E2E_DIR/$mode.err"
	awk '{print "    other processes: " $1 " CPU s at normal priority, " $2 " niced; interrupts " $3 " s; in " $4 " s"}' "$E2E_DIR/$mode.noise"
	[ "$rc" = 0 ] || { echo "bench: lpgen $mode exited $rc"; exit 1; }
	# the browsers' connections are closed: nothing may stay parked (bounded wait)
	for _ in $(seq 50); do
		w=$(curl -fsS "$(url /metrics)" | awk '$1 == "authd_longpoll_waiting" {print $2}')
		[ "$w" != 0 ] || break
		sleep 0.1
	done
	after=$(awk '/^VmRSS/ {print $2}' "/proc/$WORKER_PID/status" 2>/dev/null || echo gone)
	echo "$w $after" >"$E2E_DIR/$mode.after"
	kill -0 "$WORKER_PID" 2>/dev/null || echo "bench: the worker $WORKER_PID is gone (see authd.log)"
	authd_down
}

echo "long-poll benchmark: $(nproc) CPUs; authd 1 worker on CPU 0, qr.wait_s 60; lpgen and Redis on CPU $LOAD_CPU;" \
	"N $N browsers arriving over ${OPEN_S}s, M $M approved at $RATE/s then $((N - M)) at once; hold ${HOLD}s; fd limit $(ulimit -n) (hard $hard); $(date -u +%FT%TZ)"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
run longpoll
run poll
echo "load average after:  $(cut -d' ' -f1-3 /proc/loadavg)"

# v MODE LINE KEY: the word after KEY on lpgen's line starting with LINE.
v() { awk -v l="$2:" -v k="$3" '$1 == l {for (i = 2; i < NF; i++) if ($i == k) {print $(i + 1); exit}}' "$E2E_DIR/$1.out"; }
mib() { awk -v k="$1" 'BEGIN {printf "%.1f MiB", k / 1024}'; }
row() { printf '%-52s %-30s %s\n' "$1" "$2" "$3"; }
lat() { echo "$(v "$1" "$2" p50) / $(v "$1" "$2" p99) / $(v "$1" "$2" max)"; }
persec() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }
echo
row "" "long-poll (?since=)" "poll every 1 s (peer)"
row "browsers waiting (ready / N)" "$(v longpoll memory ready) / $N" "$(v poll memory ready) / $N"
row "worker RSS idle" "$(mib "$(v longpoll memory rss_idle)")" "$(mib "$(v poll memory rss_idle)")"
row "worker RSS with N waiting" "$(mib "$(v longpoll memory rss_waiting)")" "$(mib "$(v poll memory rss_waiting)")"
row "KiB per waiting browser" "$(v longpoll memory per_waiter)" "$(v poll memory per_waiter)"
row "approval -> answer, $M at $RATE/s: p50/p99/max ms" "$(lat longpoll paced)" "$(lat poll paced)"
row "approval -> answer, $((N - M)) at once: p50/p99/max ms" "$(lat longpoll burst)" "$(lat poll burst)"
rate() { echo "$(v "$1" hold rate | tr -d /s) / $(awk -v a="$(v "$1" hold answers_seen)" -v t="$(v "$1" hold time)" 'BEGIN {printf "%.1f", a / t}')"; }
row "/qr/status req/s while waiting: authd / browsers" "$(rate longpoll)" "$(rate poll)"
row "worker CPU s while waiting (${HOLD} s)" "$(v longpoll hold worker_cpu)" "$(v poll hold worker_cpu)"
row "worker CPU s per s while waiting" "$(persec "$(v longpoll hold worker_cpu)" "$HOLD")" "$(persec "$(v poll hold worker_cpu)" "$HOLD")"
row "worker CPU s, whole run" "$(v longpoll run worker_cpu) in $(v longpoll run time) s, $(v longpoll run served) req" \
	"$(v poll run worker_cpu) in $(v poll run time) s, $(v poll run served) req"
row "approved / wrong / errors / missing" \
	"$(v longpoll answers approved) / $(v longpoll answers wrong) / $(v longpoll answers errors) / $(v longpoll answers missing)" \
	"$(v poll answers approved) / $(v poll answers wrong) / $(v poll answers errors) / $(v poll answers missing)"
row "long-poll re-asks (qr.wait_s over)" "$(v longpoll answers reasks)" "-"
row "parked after the run / worker RSS after" "$(cut -d' ' -f1 "$E2E_DIR/longpoll.after") / $(mib "$(cut -d' ' -f2 "$E2E_DIR/longpoll.after")")" \
	"$(cut -d' ' -f1 "$E2E_DIR/poll.after") / $(mib "$(cut -d' ' -f2 "$E2E_DIR/poll.after")")"
noise() { awk '$2 == "timers" {print $6 "/" $9 " ms, lpgen CPU " $(NF - 1) " s"}' "$E2E_DIR/$1.err"; }
echo "noise: lpgen's timers late by p99/max: long-poll $(noise longpoll); poll $(noise poll)"
echo "noise: other processes' CPU s at normal priority / niced, during the run (wall s): long-poll" \
	"$(awk '{print $1 " / " $2 " (" $4 ")"}' "$E2E_DIR/longpoll.noise"), poll $(awk '{print $1 " / " $2 " (" $4 ")"}' "$E2E_DIR/poll.noise");" \
	"where the first is more than a few percent of $(nproc) x the wall time, the run measured the machine"
if grep -qE '"ev":"bug"|signal 11|signal 6|"lvl":"error"' "$E2E_DIR/authd.log"; then
	echo "authd.log:"; grep -m5 -E '"ev":"bug"|signal|"lvl":"error"' "$E2E_DIR/authd.log"
fi
