#!/bin/bash
# FIB benchmark: vr_fib against a raw rte_fib on the full IPv4 table
# (lookups per second, route adds per second, memory). Runs fib_bench on
# one core and prints its output, whose last line is one JSON object.
#   tests/bench/fib.sh
# Environment: VR_SHARED (default ../shared beside the project), VR_BUILD
# (default build/), VR_BENCH_CPU (default 1), VR_PERF_OUT: a file to write
# the result section (markdown) to, for docs/performance.md.
set -uo pipefail
TOP=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${VR_BUILD:-$TOP/build}
SHARED=${VR_SHARED:-$TOP/../shared}
TABLE=$SHARED/data/fullview-2024-v4.txt.gz
CPU=${VR_BENCH_CPU:-1}
# fib_bench holds two full tables and 64 MB of addresses at once.
NEED_PAGES=640

[ -f "$TABLE" ] || { echo "fib.sh: $TABLE not found (set VR_SHARED)"; exit 77; }
if [ ! -f "$BUILD/build.ninja" ]; then
  meson setup "$BUILD" "$TOP" >/dev/null || exit 1
fi
ninja -C "$BUILD" tests/bench/fib_bench >/dev/null || { echo "fib.sh: build failed"; exit 1; }

# 2 MB hugepages if there are (or can be made) enough free; the pool is
# put back as it was on exit. Without them the figures are pessimistic
# (TLB misses on the 64 MB tbl24), and the output says so.
hp_nr=/proc/sys/vm/nr_hugepages
hp_orig=$(cat $hp_nr 2>/dev/null || echo 0)
hp_free() { awk '/HugePages_Free/ {print $2}' /proc/meminfo; }
restore_pool() { [ "$(cat $hp_nr)" != "$hp_orig" ] && echo "$hp_orig" > $hp_nr 2>/dev/null; true; }
trap restore_pool EXIT
mountpoint -q /dev/hugepages 2>/dev/null ||
  { mkdir -p /dev/hugepages && mount -t hugetlbfs nodev /dev/hugepages; } 2>/dev/null
free=$(hp_free)
if [ "${free:-0}" -lt $NEED_PAGES ]; then
  echo $((hp_orig + NEED_PAGES - ${free:-0})) > $hp_nr 2>/dev/null
  free=$(hp_free)
fi
if [ "${free:-0}" -ge $NEED_PAGES ] && mountpoint -q /dev/hugepages; then
  # --in-memory: no hugepage files are left behind, whatever happens.
  mem_args=(--in-memory)
  mem_mode="2 MB hugepages"
else
  mem_args=(--no-huge -m 3072 --no-shconf)
  mem_mode="no hugepages (4 KB pages: pessimistic)"
fi

out=$(mktemp)
trap 'rm -f "$out"; restore_pool' EXIT
echo "fib.sh: $mem_mode, CPU $CPU, $(basename "$TABLE")"
taskset -c "$CPU" "$BUILD/tests/bench/fib_bench" -l "$CPU" "${mem_args[@]}" \
  --no-pci --no-telemetry --file-prefix="fibbench-$$" --log-level='*:error' \
  -- "$TABLE" >"$out" 2>&1
rc=$?
cat "$out"
[ $rc -eq 0 ] || { echo "fib.sh: fib_bench failed (exit $rc)"; exit 1; }

json=$(tail -n 1 "$out")
if [ -n "${VR_PERF_OUT:-}" ]; then
  cpu_model=$(awk -F': *' '/^model name/ {print $2; exit}' /proc/cpuinfo)
  JSON="$json" MODE="$mem_mode" CPU="$CPU" MODEL="$cpu_model" \
  TABLE="$(basename "$TABLE")" DATE="$(date -u +%Y-%m-%d)" \
  /usr/bin/python3 - >"$VR_PERF_OUT" <<'EOF'
import json, os
r = json.loads(os.environ["JSON"])
e = os.environ
print(f"""## FIB lookups: vr_fib against rte_fib

`tests/bench/fib.sh`, {e['DATE']}: {r['routes']:,} IPv4 prefixes ({e['TABLE']}),
{e['MODEL']}, one core (CPU {e['CPU']}), {e['MODE']}. Lookups are bulk,
{r['burst']} addresses a call, over {r['lookups_per_round']:,} random addresses
inside random prefixes of the table (every lookup hits); the median of
{r['rounds']} alternating rounds of at least 1 s each.

| | vr_fib | rte_fib (DIR-24-8, 4-byte next hops) |
|---|---|---|
| lookups | {r['fib_mlookups']:.1f} M/s | {r['rte_fib_mlookups']:.1f} M/s |
| route adds | {r['fib_adds_per_s']:,.0f}/s from default sizes ({r['fib_v4_rebuilds']} rebuilds), {r['fib_adds_per_s_reserved']:,.0f}/s after vr_fib_reserve | {r['rte_fib_adds_per_s']:,.0f}/s, sized for the table |
| memory (rte_malloc heap) | {r['fib_mem_mb']:.0f} MB (IPv4, empty IPv6, next hops); vr_fib_mem says {r['fib_mem_est_mb']:.0f} MB | {r['rte_fib_mem_mb']:.0f} MB |

vr_fib does {100 * r['fib_vs_rte_fib']:.1f}% of rte_fib's lookup rate (target: at least 90%).""")
EOF
  echo "fib.sh: result section written to $VR_PERF_OUT"
fi
ratio=$(echo "$json" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["fib_vs_rte_fib"])')
echo "fib.sh: vr_fib/rte_fib lookup ratio $ratio (target >= 0.90)"
echo "$json"
