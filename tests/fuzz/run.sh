#!/usr/bin/env bash
# Runs the libFuzzer harnesses built in BUILD/fuzz, one at a time, each under nice -n 19.
# usage: tests/fuzz/run.sh fuzz BUILD SECONDS [NAME...]   fuzz each NAME for SECONDS
#        tests/fuzz/run.sh regress BUILD [NAME...]        run each NAME once over its inputs
# NAME is a harness without its prefix (form, jwt, ...); none = every harness built.
#
# fuzz: the harness works on BUILD/run/NAME/corpus, a scratch copy of tests/fuzz/corpus/NAME kept
# between runs (new inputs accumulate there, never in the repository: fold them in deliberately,
# see tests/fuzz/README.md), and also reads tests/fuzz/regress/NAME. Crashes, leaks, UBSan
# reports and timeouts are written to BUILD/run/NAME/crashes/, the full output to
# BUILD/run/NAME/log. Uses tests/fuzz/NAME.dict and the options in tests/fuzz/NAME.options when
# present. Each run is appended to BUILD/fuzz.log (date, name, seconds, runs, coverage, result).
# regress: every file of tests/fuzz/corpus/NAME and tests/fuzz/regress/NAME, once, no fuzzing.
# Both end with "N passed, N failed" (failed = a harness crashed) and exit 1 if any failed.
# Afterwards /tmp/authd-fuzz-NAME.* (a harness's fixtures, left behind by a crash) is removed.
set -uo pipefail
mode=${1:?mode}; build=${2:?build dir}; shift 2
secs=60
if [ "$mode" = fuzz ]; then secs=${1:?seconds}; shift; fi
here=$(cd "$(dirname "$0")" && pwd)
names=("$@")
if [ ${#names[@]} -eq 0 ]; then
	for f in "$build"/fuzz/fuzz_*; do
		case $f in *.d) continue ;; esac
		[ -x "$f" ] && names+=("${f##*/fuzz_}")
	done
fi
pass=0; fail=0
for n in "${names[@]}"; do
	bin=$build/fuzz/fuzz_$n
	if [ ! -x "$bin" ]; then
		echo "fuzz_$n: not built ($bin)"; fail=$((fail + 1)); continue
	fi
	dirs=()
	for d in "$here/corpus/$n" "$here/regress/$n"; do [ -d "$d" ] && dirs+=("$d"); done
	opts=(-timeout=10 -rss_limit_mb=2048)
	[ -f "$here/$n.options" ] && read -r -a more < "$here/$n.options" && opts+=("${more[@]}")
	t0=$(date +%s.%N)
	if [ "$mode" = regress ]; then
		mapfile -t files < <(find "${dirs[@]}" -type f 2>/dev/null | sort)
		log=$build/run/$n/regress.log
		mkdir -p "${log%/*}"
		if [ ${#files[@]} -eq 0 ]; then
			echo "fuzz_$n: no inputs"; pass=$((pass + 1)); continue
		fi
		nice -n 19 "$bin" "${opts[@]}" "${files[@]}" < /dev/null > "$log" 2>&1
		rc=$?
		dt=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { print b - a }')
		if [ $rc -eq 0 ]; then
			printf 'fuzz_%s: %d inputs ok (%.1f s)\n' "$n" ${#files[@]} "$dt"
			pass=$((pass + 1))
		else
			printf 'fuzz_%s: FAILED on %s (%s)\n' "$n" \
				"$(grep -o 'Running: .*' "$log" | tail -1 | cut -d' ' -f2)" "$log"
			fail=$((fail + 1))
		fi
		continue
	fi
	run=$build/run/$n
	mkdir -p "$run/corpus" "$run/crashes"
	[ -d "$here/corpus/$n" ] && cp -n "$here/corpus/$n"/* "$run/corpus/" 2>/dev/null
	[ -f "$here/$n.dict" ] && opts+=("-dict=$here/$n.dict")
	extra=()
	[ -d "$here/regress/$n" ] && extra+=("$here/regress/$n")
	ls "$run/crashes" > "$run/crashes.before"
	nice -n 19 "$bin" "${opts[@]}" -max_total_time="$secs" -print_final_stats=1 \
		-artifact_prefix="$run/crashes/" "$run/corpus" "${extra[@]}" \
		< /dev/null > "$run/log" 2>&1
	rc=$?
	dt=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { print b - a }')
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$run/log" | tail -1)
	[ -z "$runs" ] && runs=$(grep -o '^#[0-9]*' "$run/log" | tail -1 | tr -d '#')
	cov=$(grep -o 'cov: [0-9]* ft: [0-9]*' "$run/log" | tail -1)
	new=$(ls "$run/crashes" | grep -vxFf "$run/crashes.before" | head -1)
	if [ $rc -eq 0 ]; then
		res=ok; pass=$((pass + 1))
	else
		res="FAILED (exit $rc${new:+, $run/crashes/$new}; see $run/log)"; fail=$((fail + 1))
	fi
	printf 'fuzz_%s: %.0f s, %s runs, %s, corpus %d: %s\n' "$n" "$dt" "${runs:-0}" \
		"${cov:-cov: ?}" "$(ls "$run/corpus" | wc -l)" "$res"
	printf '%s\t%s\t%.0f\t%s\t%s\t%s\n' "$(date -u +%FT%TZ)" "$n" "$dt" "${runs:-0}" \
		"${cov:-?}" "${res%% *}" >> "$build/fuzz.log"
	# a harness that crashed could not remove its temporary directory (fuzz.h)
	rm -rf /tmp/authd-fuzz-"$n".*
done
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
