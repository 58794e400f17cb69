# Helpers the benchmarks share; source after ../lib.sh.
# This folder (l3fwd_busy.h is included from here into the copy of l3fwd).
BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# Descriptors per virtio-user ring in the benchmarks: DPDK's own default
# (256), which deploy/ runs too; --queue-size N picks another (modes.sh
# sets 1024 before reading its options: see its header). The ring
# size sets how many buffers are in flight (a transmitted buffer goes back
# to the pool only when the ring is nearly full), and so how much of the
# cache they need: docs/performance.md, "Ring size".
QUEUE_SIZE=256
# opt_int SCRIPT OPTION VALUE MIN MAX: exits (2) with a message naming the
# option unless VALUE is a whole number from MIN to MAX. A benchmark
# checks its options before it builds or starts anything.
opt_int() {
  [[ $3 =~ ^(0|[1-9][0-9]{0,8})$ ]] && (( 10#$3 >= $4 && 10#$3 <= $5 )) ||
    { echo "$1: $2 '$3': a whole number from $4 to $5"; exit 2; }
}
# opt_secs SCRIPT OPTION VALUE MIN MAX: the same for seconds, where
# decimals are allowed.
opt_secs() {
  [[ $3 =~ ^[0-9]{1,6}(\.[0-9]{1,6})?$ ]] &&
    awk -v v="$3" -v lo="$4" -v hi="$5" 'BEGIN { exit !(v >= lo && v <= hi) }' ||
    { echo "$1: $2 '$3': seconds, from $4 to $5"; exit 2; }
}
# queue_size_check SCRIPT: exits when --queue-size is not a power of two
# that virtio-user takes.
queue_size_check() {
  opt_int "$1" --queue-size "$QUEUE_SIZE" 64 32768
  (( (QUEUE_SIZE & (QUEUE_SIZE - 1)) == 0 )) ||
    { echo "$1: --queue-size '$QUEUE_SIZE': a power of 2 from 64 to 32768"; exit 2; }
}
# json_list VALUES...: the values as a JSON array (each already JSON:
# numbers or null), for jq's --argjson.
json_list() { local IFS=,; echo "[$*]"; }

# sched_ns TID: nanoseconds thread TID has spent on a CPU (schedstat), 0
# when it is gone: how much of its CPU a busy poller actually got.
sched_ns() { awk '{print $1}' /proc/"$1"/schedstat 2>/dev/null || echo 0; }
# virtio_dev N SOCK [MORE]: devargs of the benchmarks' virtio-user port N
# on vhost-user socket SOCK, $QUEUE_SIZE descriptors, MORE appended.
virtio_dev() { echo "net_virtio_user$1,path=$2,queue_size=$QUEUE_SIZE${3:+,$3}"; }

# routes_subset N FILE [4|6]: N random IPv4 (or IPv6) prefixes of $TABLE,
# the same ones on every run (a fixed random source), one per line.
routes_subset() {
  local fam=(-v ':'); [ "${3:-4}" = 6 ] && fam=(':')
  zcat -f "$TABLE" | tr -d '\r' | grep "${fam[@]}" | grep . | shuf -n "$1" --random-source=<(yes) > "$2"
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
  # For the instruction set vrplane is built for (meson's 'cpu' option):
  # after DPDK's pkg-config flags, whose -march=corei7 it overrides.
  local march
  march=$(meson introspect "$BUILD" --buildoptions 2>/dev/null | jq -r '.[] | select(.name == "cpu") | .value')
  [ -n "$march" ] || { echo "example_build: no 'cpu' option in $BUILD (meson introspect)" >&2; return 1; }
  sed -i "s|^CFLAGS += -O3 \$(shell \$(PKGCONF) --cflags libdpdk)\$|& -march=$march|" "$dir/$name/Makefile"
  grep -q -- "-march=$march" "$dir/$name/Makefile" || { echo "example_build: $name's Makefile has no CFLAGS line to add -march=$march to" >&2; return 1; }
  make -C "$dir/$name" -j2 >"$dir/$name-build.log" 2>&1 || { tail -5 "$dir/$name-build.log" >&2; return 1; }
}

# l3fwd as the benchmarks build it: its LPM table (1024 routes) raised to
# hold the same routes as vrd, its RX checksum offload, which virtio-user
# and net_pcap lack, dropped, and its busy cycles counted as vrd's are
# (l3fwd_busy.h; l3fwd_busy reads them).
L3FWD_SED='s/#define IPV4_L3FWD_LPM_MAX_RULES .*/#define IPV4_L3FWD_LPM_MAX_RULES (1 << 21)/;
  s/#define IPV4_L3FWD_LPM_NUMBER_TBL8S .*/#define IPV4_L3FWD_LPM_NUMBER_TBL8S (1 << 17)/;
  s/\.offloads = RTE_ETH_RX_OFFLOAD_CHECKSUM,/.offloads = 0,/;
  s|^#include "l3fwd_lpm_sse.h"$|&\n#include "'"$BENCH_DIR"'/l3fwd_busy.h"|;
  s/^\t\t\tl3fwd_lpm_send_packets(nb_rx, pkts_burst,$/\t\t\tvr_timed_send(nb_rx, pkts_burst,/'

# l3fwd's packet-type callback, timed. With --parse-ptype l3fwd reads
# each frame's EtherType in a receive callback (lpm_cb_parse_ptype),
# inside the receive call and so outside its busy cycles, work vrd does
# inside its own. On virtio-user that callback is also the first touch of
# headers the generator wrote on the other core: 10 to 13 cycles a packet
# at 64 bytes (versus.sh), against about 2 in replay.sh, where the data is
# in the core's cache. L3FWD_PTYPE_SED, after $L3FWD_SED, renames the
# callback and puts a wrapper of its name in its place that wraps its
# non-empty calls in a TSC pair (l3fwd_busy.h's vr_ptype_account; the
# pair's own cost, about 1.5 cycles a packet in 32-packet bursts, is
# counted with it, as vrd's one pair a burst is in vrd's figure).
L3FWD_PTYPE_WRAPPER='uint16_t\
lpm_cb_parse_ptype(uint16_t port, uint16_t queue, struct rte_mbuf *pkts[],\
		   uint16_t nb_pkts, uint16_t max_pkts, void *user_param)\
{\
	uint64_t t0;\
	uint16_t r;\
\
	if (nb_pkts == 0)\
		return 0;\
	t0 = rte_rdtsc();\
	r = lpm_parse_ptype_untimed(port, queue, pkts, nb_pkts, max_pkts, user_param);\
	vr_ptype_account(rte_rdtsc() - t0);\
	return r;\
}\
'
L3FWD_PTYPE_SED='/^uint16_t$/{N;s/^uint16_t\nlpm_cb_parse_ptype(uint16_t port __rte_unused/static uint16_t\nlpm_parse_ptype_untimed(uint16_t port __rte_unused/};
  /^\/\* Return ipv4\/ipv6 lpm fwd lookup struct. \*\/$/i '"$L3FWD_PTYPE_WRAPPER"

# l3fwd_timed_build DIR SCRIPT: l3fwd built into DIR with its busy
# cycles and its packet-type callback timed; says what failed, as SCRIPT,
# and returns 1 when the build failed or did not wrap the callback (a
# DPDK whose l3fwd_lpm.c differs would leave it untimed).
l3fwd_timed_build() {
  example_build "$1" l3fwd "$L3FWD_SED;$L3FWD_PTYPE_SED" || { echo "$2: l3fwd did not build"; return 1; }
  grep -q '^lpm_parse_ptype_untimed' "$1/l3fwd/l3fwd_lpm.c" && grep -q 'vr_ptype_account(rte_rdtsc' "$1/l3fwd/l3fwd_lpm.c" ||
    { echo "$2: l3fwd's packet-type callback was not wrapped"; return 1; }
}

# How long l3fwd may take to reach its main loop: the full table takes
# it minutes (rte_lpm's rule_add scans the rules of the new one's depth).
# A generator waiting for its go file, which comes once the DUT is
# ready, waits longer than that.
L3FWD_LOAD_S=600
# shellcheck disable=SC2034 # for the scripts that source this file
GEN_GO_WAIT_S=$((L3FWD_LOAD_S + 60))

# l3fwd_all LOG: l3fwd's busy cycles and its callback's together, per
# packet (the figure to set beside vrd's), or null.
l3fwd_all() {
  awk '/^l3fwd busy:/ { c = $3; p = $5 } /^l3fwd ptype:/ { t = $3; f = 1 }
    END { if (f && p > 0) printf "%.1f\n", (c + t) / p; else print "null" }' "$1"
}

# l3fwd_busy LOG: l3fwd's busy cycles per packet from its exit line, or
# null.
l3fwd_busy() {
  awk '/^l3fwd busy:/ { if ($5 > 0) printf "%.1f\n", $3 / $5; else print "null"; f = 1 }
    END { if (!f) print "null" }' "$1"
}

# l3fwd_rules ROUTES DIR: l3fwd's rule files, every route out of port 1.
l3fwd_rules() {
  awk '{print "R" $1 " 1"}' "$1" > "$2/l3fwd-v4.cfg"
  echo "R2001:db8::/32 1" > "$2/l3fwd-v6.cfg"
}

# pcap_to_vrd ROUTES N FILE: N 60-byte UDP frames from 10.0.1.2 to
# random addresses inside the prefixes of ROUTES (a fixed seed), to
# 02:70:63:61:70:00. That is the MAC of vrd's p1 when p1 is the process's
# only net_pcap device: net_pcap numbers its own devices, whatever else
# the process has (instr.sh and replay.sh give p2 a net_null). l3fwd does
# not check the MAC.
pcap_to_vrd() {
  $PY - "$1" "$2" "$3" <<'PY'
import ipaddress, random, sys
from scapy.all import Ether, IP, UDP, Raw, wrpcap
routes = [ipaddress.ip_network(l.strip(), strict=False) for l in open(sys.argv[1]) if l.strip()]
rnd = random.Random(1)
pkts = []
for i in range(int(sys.argv[2])):
    net = routes[rnd.randrange(len(routes))]
    dst = str(net.network_address + rnd.randrange(net.num_addresses))
    pkts.append(Ether(dst="02:70:63:61:70:00", src="02:00:00:00:00:01") /
                IP(src="10.0.1.2", dst=dst, ttl=64) / UDP(sport=1024 + i % 1000, dport=9) / Raw(b"\0" * 18))
wrpcap(sys.argv[3], pkts)
PY
}

# pcap_vrd_conf FILE ROUTES P1_DEVARGS: the vrd config of the pcap
# replays: p2 a net_null (made first, so that p1 is the only net_pcap
# device: see pcap_to_vrd), every route of ROUTES out of it, p1 the
# net_pcap port P1_DEVARGS.
pcap_vrd_conf() {
  cat > "$1" <<CONF
port add p2 devargs net_null_p2,no-rx=1
addr add 10.0.2.1/24 dev p2
neigh add 10.0.2.2 lladdr 02:00:00:00:00:02 dev p2
route load $2 via 10.0.2.2
port add p1 devargs $3
CONF
}

# l3fwd_cmd DIR PREFIX DEV_A DEV_B DEST_MAC: sets L3FWD_CMD, l3fwd as the
# benchmarks run it: lcore 1, ports 0 and 1 the vdevs DEV_A and DEV_B
# (virtio_dev's, with mac=$L3FWD_MAC on port 0, or vhost-user servers),
# LPM, the rules of l3fwd_rules in DIR, every route out of port 1 to
# DEST_MAC. Built by example_build into DIR/ex.
L3FWD_MAC=02:00:00:00:0b:01
l3fwd_cmd() {
  local dir=$1 prefix=$2 a=$3 b=$4 dmac=$5
  L3FWD_CMD=("$dir/ex/l3fwd/build/l3fwd" -l 1 --file-prefix="$prefix" -m 1024 --no-pci
    --in-memory --single-file-segments
    --vdev "$a" --vdev "$b"
    -- -p 0x3 --lookup=lpm --parse-ptype --config="(0,0,1),(1,0,1)" --eth-dest=1,"$dmac"
    --rule_ipv4="$dir/l3fwd-v4.cfg" --rule_ipv6="$dir/l3fwd-v6.cfg")
}

# vrd_up NS SLICE DEV1 DEV2 [vrd args]: vrd forwarding p1 -> p2 with the
# routes in $ROUTES, all via 10.0.2.2 at $GEN_RX_MAC (the generator).
vrd_up() {
  local ns=$1 s=$2 d1=$3 d2=$4; shift 4
  ns_add "$ns"
  vrd_start "$ns" "$s" --fpm off "$@" || return 1
  vrctl "$s" port add p1 devargs "$d1" >/dev/null || return 1
  vrctl "$s" port add p2 devargs "$d2" >/dev/null || return 1
  vrctl "$s" addr add 10.0.1.1/24 dev p1 && vrctl "$s" addr add 10.0.2.1/24 dev p2 &&
  vrctl "$s" neigh add 10.0.2.2 lladdr "$GEN_RX_MAC" dev p2 &&
  vrctl "$s" route load "$ROUTES" via 10.0.2.2 >/dev/null
}

# vrd_cycles SLICE: its workers' busy cycles per packet, null if none.
vrd_cycles() { vrctl "$1" stats --json | jq '[.workers[].busy_cycles] as $c | [.workers[].busy_packets] as $p | if ($p|add) > 0 then ($c|add) / ($p|add) * 10 | round / 10 else null end'; }

# Open vSwitch with DPDK (Debian's openvswitch-switch-dpdk) as a DUT, an
# instance of its own in a folder: ovs_start DIR SCRIPT [EAL ARGS] starts
# ovsdb-server
# and ovs-vswitchd there, DPDK's main lcore on CPU 0 and the poll-mode
# thread on CPU 1 (as the other DUTs' pollers), and adds the netdev bridge
# br0; OVSV is ovs-vsctl on its database, OVS_CTL its control socket.
# EAL ARGS go to its DPDK: virtio-user ports need --single-file-segments
# (one memory region per file, and vhost-user takes 8 at most).
# ovs_stop DIR stops both and removes DIR.
OVS_VSWITCHD=/usr/lib/openvswitch-switch-dpdk/ovs-vswitchd-dpdk
ovs_stop() {
  local d=$1
  [ -f "$d/vswitchd.pid" ] && kill "$(cat "$d/vswitchd.pid")" 2>/dev/null
  [ -f "$d/ovsdb.pid" ] && kill "$(cat "$d/ovsdb.pid")" 2>/dev/null
  sleep 1; rm -rf "$d"
}
ovs_start() {
  local d=$1 script=$2 eal=${3:-}
  ovs_stop "$d"; mkdir -p "$d"
  export OVS_RUNDIR=$d OVS_DBDIR=$d OVS_LOGDIR=$d
  ovsdb-tool create "$d/conf.db" /usr/share/openvswitch/vswitch.ovsschema
  ovsdb-server -vconsole:off "$d/conf.db" --remote=punix:"$d/db.sock" --pidfile="$d/ovsdb.pid" --detach --log-file="$d/ovsdb.log"
  OVSV="ovs-vsctl --db=unix:$d/db.sock"
  $OVSV --no-wait init
  $OVSV --no-wait set Open_vSwitch . other_config:dpdk-init=true other_config:dpdk-lcore-mask=0x1 \
    other_config:pmd-cpu-mask=0x2 other_config:dpdk-socket-mem=512 "other_config:dpdk-extra=--file-prefix=$T-ovs --no-pci${eal:+ $eal}"
  "$OVS_VSWITCHD" -vconsole:off unix:"$d/db.sock" --pidfile="$d/vswitchd.pid" --detach --log-file="$d/vswitchd.log"
  wait_for 30 sh -c "ls $d/ovs-vswitchd-dpdk.*.ctl" || { echo "$script: ovs-vswitchd did not start"; tail -5 "$d/vswitchd.log"; return 1; }
  OVS_CTL=$(ls "$d"/ovs-vswitchd-dpdk.*.ctl)
  $OVSV --timeout=60 add-br br0 -- set bridge br0 datapath_type=netdev ||
    { echo "$script: ovs add-br failed"; tail -5 "$d/vswitchd.log"; return 1; }
}
