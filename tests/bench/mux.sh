#!/bin/bash
# The multiplexer's throughput (issue 3): one substrate port
# demultiplexed by destination MAC to 1, 2 and 8 slices.
#
#   tests/bench/mux.sh [--duration S] [--frame-size B] [--slices "1 2 8"]
#                      [--skip-ovs] [--skip-kernel]
#
# DPDK rows, each a run of vrgen (CPU 0) and the switch's polling core
# (CPU 1), on vhost-user ports:
#   vrgen tx (virtio-user) --> uplink --> switch --> slice i --> vrgen rx i
#                                                   (virtio-user servers)
#   vrmux: DPDK backend, --busy-poll; slices are vhost-user clients.
#   ovs:   Open vSwitch with DPDK (openvswitch-switch-dpdk), a netdev
#          bridge, dpdkvhostuser uplink, dpdkvhostuserclient slices, one
#          OpenFlow rule per slice: in_port=uplink,dl_dst=MAC -> slice.
# Kernel rows, 8 slices, on veths (vrgen sends on af_packet with
# qdisc_bypass and receives on AF_XDP ports, copy mode):
#   xdp:    vrmux --xdp: BPF redirect from the uplink into the slices' veths
#   bridge: a Linux bridge with a static fdb entry per slice MAC
# Here the whole kernel path (vrgen's sends, the switch, the receivers'
# XDP) runs in softirq on vrgen's CPU: these rates are the path's, not the
# switch's alone. (xdp-trafficgen, which could drive the switch harder,
# does not load on this kernel.)
#
# Per row: Mpps delivered to the slices, and the switch's cycles per
# packet: vrmux's busy cycles (classify, lookup, transmit into the slices)
# plus its receive calls; OVS's PMD "processing cycles" (receive included).
# Per-core rate = TSC Hz / cycles per packet, the issue's "rate per core".
# The last line is one JSON object:
#   {"vrmux_mpps", "ovs_mpps", "xdp_mpps", "bridge_mpps",
#    "vrmux_cycles_per_pkt", ... } (8 slices, 64-byte frames)
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/bench_lib.sh"
DURATION=5 FRAME=64 SLICES="1 2 8" SKIP_OVS=0 SKIP_KERNEL=0
CMDLINE="tests/bench/mux.sh${*:+ $*}"
while [ $# -gt 0 ]; do
  case $1 in
    --duration) DURATION=${2-}; shift;;
    --frame-size) FRAME=${2-}; shift;;
    --slices) SLICES=${2-}; shift;;
    --skip-ovs) SKIP_OVS=1;;
    --skip-kernel) SKIP_KERNEL=1;;
    -h|--help) sed -n '2,/^source/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0;;
    *) echo "mux.sh: unknown option $1 (see --help)"; exit 2;;
  esac
  shift
done
opt_secs mux.sh --duration "$DURATION" 1 3600
opt_int mux.sh --frame-size "$FRAME" 64 1518
[ -n "${SLICES// /}" ] || { echo "mux.sh: --slices: empty list"; exit 2; }
# vrgen receives on at most 16 ports, one per slice.
for n in $SLICES; do opt_int mux.sh "--slices (each)" "$n" 1 16; done
[ "$(id -u)" -eq 0 ] || { echo "mux.sh: run as root"; exit 2; }
TABLE=$SHARED/data/fullview-2024-v4.txt.gz
[ -f "$TABLE" ] || skip "no route table $TABLE (set VR_SHARED)"
VRGEN=$BUILD/dataplane/gen/vrgen VRMUX=$BUILD/vnet/vrmux/vrmux
ninja -C "$BUILD" vnet/vrmux/vrmux dataplane/gen/vrgen ctl/vrctl >/dev/null || { echo "mux.sh: build failed"; exit 1; }
hugepages_prepare
taskset -p -c 0 $$ >/dev/null
HZ=
W=/tmp/$T.mux; mkdir -p $W
MS=$W/mux.sock OVSD=$W/ovs
mac_of() { printf '02:00:00:00:01:%02x' "$1"; }
macs() { local i l=; for i in $(seq 1 "$1"); do l="$l${l:+,}$(mac_of $i)"; done; echo "$l"; }
mux() { "$VRCTL" -s "$MS" "$@"; }
cleanup() { lib_cleanup; ovs_stop $OVSD; ip netns del ${T}k 2>/dev/null; rm -rf $W; }
trap cleanup EXIT
declare -A MPPS CYC

# vrgen --tx TX --rx ... for N slices; prints its JSON line. The receivers
# are virtio-user servers: their start waits for the switch to connect.
gen_run() { # N TX-DEVARGS SOCKET-PREFIX
  local n=$1 tx=$2 sp=$3 rx=() i
  for i in $(seq 1 "$n"); do rx+=(--rx "net_virtio_user$i,path=$sp$i.sock,server=1,queues=1"); done
  "$VRGEN" --tx "$tx" "${rx[@]}" --routes "$TABLE" --dst-mac "$(macs "$n")" \
    --go-file $W/go --duration "$DURATION" --warmup 1 --frame-size "$FRAME" --quiet --wait 60 \
    -- -l 0 --file-prefix=$T-gen -m 512 --in-memory --single-file-segments --no-pci >$W/gen.log 2>&1 &
  GEN=$!
}
gen_go() { # waits for vrgen's links, clears the switch's counters (CMD),
  # lets vrgen go and waits for it; its JSON line goes into GJ. (Not in a
  # $(...) subshell: vrgen must be this shell's child to be waited for.)
  GJ=
  for _ in $(seq 600); do grep -qs "links up" $W/gen.log && break; kill -0 $GEN 2>/dev/null || break; sleep 0.1; done
  grep -qs "links up" $W/gen.log || { tail -5 $W/gen.log; return 1; }
  "$@" >/dev/null
  echo go > $W/go
  wait $GEN
  rm -f $W/go
  GJ=$(grep '^{' $W/gen.log | tail -n 1 | jq -c . 2>/dev/null)
  [ -n "$GJ" ] || { tail -5 $W/gen.log; return 1; }
}

vrmux_row() { # N
  local n=$1 i gj uj
  "$VRMUX" --uplink net_vhost0,iface=$W/up.sock,queues=1 --socket "$MS" --busy-poll \
    -- --file-prefix=$T-mux --lcores=0@0,1@1 -m 512 --no-pci >$W/mux.log 2>&1 &
  local mp=$!; LIB_PIDS+=($mp)
  wait_for 20 mux uplink show || { tail $W/mux.log; return 1; }
  for i in $(seq 1 "$n"); do mux slice add s$i mac "$(mac_of $i)" attach vhost-user:$W/v$i.sock >/dev/null || return 1; done
  gen_run "$n" "net_virtio_user0,path=$W/up.sock,queues=1" "$W/v"
  gen_go mux stats clear || { kill $mp; return 1; }
  gj=$GJ
  uj=$(mux uplink show --json)
  HZ=$(echo "$uj" | jq .stats.tsc_hz)
  MPPS[vrmux_$n]=$(echo "$gj" | jq .rx_mpps)
  CYC[vrmux_$n]=$(echo "$uj" | jq '(.stats.cycles_per_packet + .stats.rx_cycles_per_packet) * 100 | round / 100')
  echo "vrmux  $n slice(s): ${MPPS[vrmux_$n]} Mpps, ${CYC[vrmux_$n]} cycles/packet ($(echo "$uj" | jq '.stats.cycles_per_packet|round') busy + $(echo "$uj" | jq '.stats.rx_cycles_per_packet|round') receive); per slice $(echo "$gj" | jq -c .rx_per_port); drops $(mux slice show --json | jq -c '[.[].stats.drops | to_entries[] | select(.value > 0)] | group_by(.key) | map({(.[0].key): (map(.value) | add)}) | add')"
  kill $mp; wait $mp 2>/dev/null
  rm -f $W/*.sock
}

ovs_row() { # N
  [ -n "${MUX_DEBUG:-}" ] && set -x
  local n=$1 i gj ps
  ovs_start $OVSD mux.sh || { echo "mux.sh: OVS did not start"; return 1; }
  $OVSV add-port br0 up -- set Interface up type=dpdkvhostuser ofport_request=100
  ovs-ofctl del-flows unix:$OVSD/br0.mgmt
  for i in $(seq 1 "$n"); do
    $OVSV add-port br0 s$i -- set Interface s$i type=dpdkvhostuserclient options:vhost-server-path=$W/o$i.sock ofport_request=$i
    ovs-ofctl add-flow unix:$OVSD/br0.mgmt "in_port=100,dl_dst=$(mac_of $i),actions=output:$i"
  done
  wait_for 20 test -S $OVSD/up || { echo "mux.sh: no OVS vhost-user socket"; return 1; }
  gen_run "$n" "net_virtio_user0,path=$OVSD/up,queues=1" "$W/o"
  gen_go ovs-appctl -t "$OVS_CTL" dpif-netdev/pmd-stats-clear || return 1
  gj=$GJ
  ps=$(ovs-appctl -t "$OVS_CTL" dpif-netdev/pmd-stats-show)
  MPPS[ovs_$n]=$(echo "$gj" | jq .rx_mpps)
  CYC[ovs_$n]=$(echo "$ps" | awk '/avg processing cycles per packet/ {print $6; exit}')
  echo "ovs    $n slice(s): ${MPPS[ovs_$n]} Mpps, ${CYC[ovs_$n]} processing cycles/packet; per slice $(echo "$gj" | jq -c .rx_per_port)"
  ovs_stop $OVSD
  rm -f $W/*.sock
}

# Kernel rows: namespace K, uplink veth up0 (switch side) / up1 (vrgen),
# slice veths k$i (switch side) / r$i (vrgen's receivers, MAC i).
kernel_setup() { # N
  local n=$1 i
  ip netns del ${T}k 2>/dev/null; ip netns add ${T}k
  ip -n ${T}k link add up0 type veth peer name up1
  for i in $(seq 1 "$n"); do
    ip -n ${T}k link add k$i type veth peer name r$i
    ip -n ${T}k link set r$i address "$(mac_of $i)"
  done
  for d in $(ip -n ${T}k -o link | awk -F': ' '{print $2}' | cut -d@ -f1); do
    ip netns exec ${T}k sysctl -qw net.ipv6.conf.$d.disable_ipv6=1 2>/dev/null
    ip -n ${T}k link set "$d" up
  done
}
kernel_gen() { # N: vrgen in K on AF_XDP ports
  local n=$1 i rx=()
  for i in $(seq 1 "$n"); do rx+=(--rx "net_af_xdp$i,iface=r$i"); done
  ip netns exec ${T}k "$VRGEN" --tx "${KTX:-net_af_packet0,iface=up1,qdisc_bypass=1}" "${rx[@]}" --routes "$TABLE" \
    --dst-mac "$(macs "$n")" --go-file $W/go --duration "$DURATION" --warmup 1 --frame-size "$FRAME" --quiet --wait 60 \
    -- -l 0 --file-prefix=$T-kgen -m 512 --in-memory --no-pci >$W/gen.log 2>&1 &
  GEN=$!
}
xdp_row() { # N
  local n=$1 i gj
  kernel_setup "$n"
  ip netns exec ${T}k "$VRMUX" --xdp --uplink up0 --socket "$MS" >$W/mux.log 2>&1 &
  local mp=$!; LIB_PIDS+=($mp)
  wait_for 20 mux uplink show || { tail $W/mux.log; return 1; }
  for i in $(seq 1 "$n"); do mux slice add s$i mac "$(mac_of $i)" attach veth:k$i >/dev/null || return 1; done
  kernel_gen "$n"
  gen_go true || return 1
  gj=$GJ
  MPPS[xdp_$n]=$(echo "$gj" | jq .rx_mpps)
  echo "xdp    $n slice(s): ${MPPS[xdp_$n]} Mpps (whole kernel path on one CPU); per slice $(echo "$gj" | jq -c .rx_per_port); uplink drops $(mux uplink show --json | jq -c '.stats.drops | with_entries(select(.value > 0))')"
  kill $mp; wait $mp 2>/dev/null
  ip netns del ${T}k
}
bridge_row() { # N
  local n=$1 i gj
  kernel_setup "$n"
  ip -n ${T}k link add br0 type bridge
  ip -n ${T}k link set up0 master br0
  for i in $(seq 1 "$n"); do
    ip -n ${T}k link set k$i master br0
    bridge -n ${T}k fdb add "$(mac_of $i)" dev k$i master static
  done
  ip -n ${T}k link set br0 up
  kernel_gen "$n"
  gen_go true || return 1
  gj=$GJ
  MPPS[bridge_$n]=$(echo "$gj" | jq .rx_mpps)
  echo "bridge $n slice(s): ${MPPS[bridge_$n]} Mpps (whole kernel path on one CPU); per slice $(echo "$gj" | jq -c .rx_per_port)"
  ip netns del ${T}k
}

echo "mux.sh: ${FRAME}-byte frames, ${DURATION} s per row, vrgen on CPU 0, the switch's poller on CPU 1"
for n in $SLICES; do vrmux_row "$n" || echo "mux.sh: vrmux row $n failed"; done
if [ "$SKIP_OVS" = 0 ] && [ -x "$OVS_VSWITCHD" ]; then
  # The first OVS start after the vrmux rows has failed now and then;
  # a row that fails is run once more, and said.
  for n in $SLICES; do
    ovs_row "$n" || { echo "mux.sh: ovs row $n failed once; again"; ovs_row "$n"; } || echo "mux.sh: ovs row $n failed"
  done
else
  echo "mux.sh: OVS rows skipped (${SKIP_OVS/1/--skip-ovs}; openvswitch-switch-dpdk installed: $([ -x "$OVS_VSWITCHD" ] && echo yes || echo no))"
fi
if [ "$SKIP_KERNEL" = 0 ]; then
  xdp_row 8 || echo "mux.sh: xdp row failed"
  bridge_row 8 || echo "mux.sh: bridge row failed"
fi
num() { [ -n "${1:-}" ] && echo "$1" || echo null; }
per_core() { [ -n "${1:-}" ] && [ -n "$HZ" ] && awk -v h="$HZ" -v c="$1" 'BEGIN { printf "%.2f", h / c / 1e6 }' || echo null; }
echo "command: $CMDLINE"
jq -cn --argjson vm "$(num "${MPPS[vrmux_8]:-}")" --argjson om "$(num "${MPPS[ovs_8]:-}")" \
  --argjson xm "$(num "${MPPS[xdp_8]:-}")" --argjson bm "$(num "${MPPS[bridge_8]:-}")" \
  --argjson vc "$(num "${CYC[vrmux_8]:-}")" --argjson oc "$(num "${CYC[ovs_8]:-}")" \
  --argjson vpc "$(per_core "${CYC[vrmux_8]:-}")" --argjson opc "$(per_core "${CYC[ovs_8]:-}")" \
  --argjson v1 "$(num "${MPPS[vrmux_1]:-}")" --argjson v2 "$(num "${MPPS[vrmux_2]:-}")" \
  --argjson o1 "$(num "${MPPS[ovs_1]:-}")" --argjson o2 "$(num "${MPPS[ovs_2]:-}")" \
  '{vrmux_mpps: $vm, ovs_mpps: $om, xdp_mpps: $xm, bridge_mpps: $bm, vrmux_cycles_per_pkt: $vc,
    ovs_cycles_per_pkt: $oc, vrmux_mpps_per_core: $vpc, ovs_mpps_per_core: $opc,
    vrmux_mpps_1: $v1, vrmux_mpps_2: $v2, ovs_mpps_1: $o1, ovs_mpps_2: $o2}'
