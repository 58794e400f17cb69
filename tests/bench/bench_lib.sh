# Helpers the benchmarks share; source after ../lib.sh.

# routes_subset N FILE: N random IPv4 prefixes of $TABLE, the same ones
# on every run (a fixed random source), one per line.
routes_subset() {
  zcat -f "$TABLE" | tr -d '\r' | grep -v ':' | grep . | shuf -n "$1" --random-source=<(yes) > "$2"
}

# example_build DIR NAME [SED]: one of DPDK's examples from
# /usr/share/dpdk/examples, copied into DIR (with the shared headers it
# includes as ../common), SED applied to its sources, built once.
example_build() {
  local dir=$1 name=$2 sedexpr=${3:-}
  [ -x "$dir/$name/build/$name" ] && return 0
  mkdir -p "$dir"
  [ -d "$dir/common" ] || cp -r /usr/share/dpdk/examples/common "$dir/"
  cp -r "/usr/share/dpdk/examples/$name" "$dir/" || return 1
  [ -n "$sedexpr" ] && sed -i "$sedexpr" "$dir/$name"/*.c "$dir/$name"/*.h
  make -C "$dir/$name" -j2 >"$dir/$name-build.log" 2>&1 || { tail -5 "$dir/$name-build.log" >&2; return 1; }
}

# l3fwd as both benchmarks build it: its LPM table (1024 routes) raised to
# hold the same routes as vrd, and its RX checksum offload, which
# virtio-user and net_pcap lack, dropped.
L3FWD_SED='s/#define IPV4_L3FWD_LPM_MAX_RULES .*/#define IPV4_L3FWD_LPM_MAX_RULES (1 << 21)/;
  s/#define IPV4_L3FWD_LPM_NUMBER_TBL8S .*/#define IPV4_L3FWD_LPM_NUMBER_TBL8S (1 << 17)/;
  s/\.offloads = RTE_ETH_RX_OFFLOAD_CHECKSUM,/.offloads = 0,/'

# l3fwd_rules ROUTES DIR: l3fwd's rule files, every route out of port 1.
l3fwd_rules() {
  awk '{print "R" $1 " 1"}' "$1" > "$2/l3fwd-v4.cfg"
  echo "R2001:db8::/32 1" > "$2/l3fwd-v6.cfg"
}
