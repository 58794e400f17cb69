#!/bin/bash
# Installs the dependencies, builds, prepares hugepages, runs every test
# and ends with "N passed, M failed" (and skipped). Exit status non-zero
# if anything failed. Tests: the cmocka unit tests (meson test), then
# every tests/*/t_*.sh, each with a time limit.
#   tests/run.sh [PATTERN]   run only scripts whose path matches PATTERN
set -uo pipefail
TOP=$(cd "$(dirname "$0")/.." && pwd)
cd "$TOP"
PATTERN=${1:-}
if [ "$(id -u)" -ne 0 ]; then echo "tests/run.sh: run as root (sudo)"; exit 2; fi

pass=0; failn=0; skipn=0; failed=()
record() { # name status
  case $2 in
    0) pass=$((pass + 1)); echo "PASS $1";;
    77) skipn=$((skipn + 1)); echo "SKIP $1";;
    *) failn=$((failn + 1)); failed+=("$1"); echo "FAIL $1 (exit $2)";;
  esac
}

deploy/install-deps.sh || { echo "0 passed, 1 failed"; exit 1; }
if [ ! -f build/build.ninja ]; then
  meson setup build >/tmp/vrplane-meson.log 2>&1 || { cat /tmp/vrplane-meson.log; echo "0 passed, 1 failed"; exit 1; }
fi
if ! ninja -C build >/tmp/vrplane-build.log 2>&1; then
  tail -40 /tmp/vrplane-build.log; echo "0 passed, 1 failed"; exit 1
fi
record build 0

source tests/lib.sh
trap - EXIT
hugepages_prepare
grep -E 'HugePages_(Total|Free)' /proc/meminfo

if [ -z "$PATTERN" ]; then
  # Unit tests: one result per test program.
  while read -r name; do
    [ -n "$name" ] || continue
    out=$(meson test -C build --print-errorlogs "$name" 2>&1); rc=$?
    echo "$out" | tail -3
    record "unit/$name" $rc
  done < <(meson test -C build --no-rebuild --list 2>/dev/null | grep -v "^ninja" | sed "s/^.* \/ //")
fi

for t in $(ls tests/*/t_*.sh 2>/dev/null | sort); do
  [ -n "$PATTERN" ] && [[ "$t" != *$PATTERN* ]] && continue
  limit=$(sed -n 's/^# timeout: *\([0-9]*\).*/\1/p' "$t" | head -1)
  echo "=== $t"
  timeout -k 10 "${limit:-300}" bash "$t"; rc=$?
  [ $rc -eq 124 ] && echo "(timed out after ${limit:-300} s)"
  record "$t" $rc
done

[ ${#failed[@]} -gt 0 ] && echo "failed: ${failed[*]}"
echo "$pass passed, $failn failed, $skipn skipped"
[ $failn -eq 0 ]
