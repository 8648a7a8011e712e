#!/usr/bin/env bash
# End-to-end tests: the real authd binary against a real redis-server. Each suite file
# tests/e2e/t_*.sh defines suite_<name>; every suite gets a fresh temp dir and ports.
# usage: tests/e2e/run.sh build/authd [suite ...]
set -uo pipefail
AUTHD=$(realpath "${1:?usage: run.sh path/to/authd [suite...]}")
shift
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
for f in "$HERE"/t_*.sh; do . "$f"; done

trap 'e2e_cleanup' EXIT
trap 'e2e_cleanup; exit 130' INT TERM

suites=("$@")
if [ ${#suites[@]} -eq 0 ]; then
	mapfile -t suites < <(declare -F | awk '{print $3}' | grep '^suite_' | sed 's/^suite_//')
fi
for s in "${suites[@]}"; do
	echo "e2e: $s"
	E2E_DIR=$(mktemp -d "${TMPDIR:-/tmp}/authd-e2e.XXXXXX")
	REDIS_PORT=$(free_port) && AUTHD_PORT=$(free_port) || { echo "e2e: no free port"; exit 1; }
	for _ in 1 2 3 4 5; do [ "$AUTHD_PORT" != "$REDIS_PORT" ] && break; AUTHD_PORT=$(free_port); done
	[ "$AUTHD_PORT" != "$REDIS_PORT" ] || { echo "e2e: no second free port"; exit 1; }
	export REDIS_PORT AUTHD_PORT
	"suite_$s"
	e2e_cleanup_check
done
echo "e2e: $E2E_PASS passed, $E2E_FAIL failed"
echo "$E2E_PASS passed, $E2E_FAIL failed"
[ "$E2E_FAIL" -eq 0 ]
