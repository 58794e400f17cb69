#!/bin/bash
# The measurement matrix (issue 5): RFC 2544 NDR/PDR per virtualization
# mode and frame size, with baselines in the same run.
#
#   tests/bench/modes.sh [--quick] [--modes LIST] [--sizes LIST] [--out DIR]
#                        [--routes N] [--trial S] [--repeat N] [--instr]
#                        [--queue-size N]
#
# Rows (--modes, default all that run here):
#   native     vrd on its own virtio-user ports (no multiplexer)
#   vhost      container slice: vrd on virtio-user behind vrmux (DPDK
#              backend, vhost-user); vrmux's and vrd's pollers share CPU 1
#              (adaptive polling: the one-core scheme of the Horizon study)
#   xdp        container slice: vrd on af_xdp behind vrmux's XDP backend
#   afpacket   container slice: vrd on af_packet veths, no multiplexer
#   io         baseline: a forwarder that does no work, on the same ports:
#              DPDK's l2fwd with --no-mac-updating, built from
#              /usr/share/dpdk/examples (Debian 12 ships no dpdk-testpmd)
#   l3fwd      baseline: DPDK's l3fwd (LPM) built from
#              /usr/share/dpdk/examples, same routes (its rule table raised
#              from 1024 to hold them)
#   ovs        baseline: Open vSwitch with DPDK (Debian's
#              openvswitch-switch-dpdk) as the router: its dpdk ports are
#              virtio-user devices on the generator's sockets, as vrd's are
#              in the native row; one OpenFlow flow per route, priority by
#              prefix length so that the longest prefix wins, with
#              dec_ttl, both MACs rewritten, output to port 2; its PMD
#              thread on CPU 1, EMC and megaflow cache as shipped
#   linux      baseline: the kernel forwarding in a namespace router
#              (veths; the generator sends on af_packet, receives on AF_XDP)
#   vm-virtio, vm-e1000, vm-vmxnet3
#              VM slice: vrd in a qemu guest (deploy/vm) on DPDK's virtio,
#              e1000 or vmxnet3 driver, behind vrmux (vhost-user, or a TAP
#              for the emulated NICs); TCG where KVM does not work, said in
#              the report. A suffix picks the guest's vCPU placement (the
#              Horizon study's schemes): @one (both vCPUs on CPU 1, the
#              default), @each (a CPU each), @default (the host's choice).
#              Not in the default list: a boot per mode and
#              emulated guests make them slow; ask for them with --modes.
# --queue-size: descriptors per virtio-user ring of the DUTs on the
# generator's vhost-user ports (native, io, l3fwd, ovs); default 1024, not
# DPDK's 256 as in forward.sh: a zero-loss search needs rings deep enough
# to ride out the generator's short stalls (with 256, every DUT's NDR
# spread over 2:1 between passes, docs/performance.md "Ring size").
# Listed as skipped, with the reason, in the report: SR-IOV (no VF here). The veth rows (xdp, afpacket, linux) are limited by the veth
# generator (af_packet/AF_XDP copy mode on one CPU), not by the DUT.
#
# Every row: vrgen (CPU 0) runs vrgen --ndr: a trial at full speed, then
# binary searches for the zero-loss rate (NDR) and 0.5% loss (PDR); trial
# length --trial (10 s; 1 s with --quick). The DUT's pollers run on CPU 1.
# Order: every non-VM mode at one size, then the next size (so the DUTs
# compared at a size run minutes apart at most); VM modes after, a guest
# boot each. --repeat N runs all of it N times and reports the medians.
# Output in --out (default /tmp/vrplane-modes): trials.jsonl (every
# trial), ndr.jsonl (each search's result, with the latency CDF at the
# NDR), results.csv (mode,dut,frame_size,ip_size,ndr_mpps,pdr_mpps,
# ndr_gbps,p50_us,p99_us,cycles_per_pkt), mpps.png, gbps.png and
# latency_cdf.png (gnuplot),
# report.md (machine, pinning, versions, the table; with --instr, also
# instructions per packet of vrd and l3fwd under callgrind, from
# tests/bench/instr.sh: the figure regressions are judged on, since it
# does not move with machine noise). The last line of the
# output is the CSV's path and row count as JSON.
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/bench_lib.sh"
QUEUE_SIZE=1024
INSTR=0 QUICK=0 MODES="native vhost xdp afpacket io l3fwd ovs linux" SIZES= OUT=/tmp/vrplane-modes NROUTES=100000 TRIAL= REPEAT=1
CMDLINE="tests/bench/modes.sh${*:+ $*}"
while [ $# -gt 0 ]; do
  case $1 in
    --quick) QUICK=1;;
    --instr) INSTR=1;;
    --modes) MODES=${2-}; shift;;
    --sizes) SIZES=${2-}; shift;;
    --out) OUT=${2-}; shift;;
    --routes) NROUTES=${2-}; shift;;
    --trial) TRIAL=${2-}; shift;;
    --repeat) REPEAT=${2-}; shift;;
    --queue-size) QUEUE_SIZE=${2-}; shift;;
    -h|--help) sed -n '2,/^source/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0;;
    *) echo "modes.sh: unknown option $1 (see --help)"; exit 2;;
  esac
  shift
done
[ -n "$SIZES" ] || { [ $QUICK = 1 ] && SIZES="64 512 1518" || SIZES="64 128 256 512 1024 1280 1518"; }
[ -n "$TRIAL" ] || { [ $QUICK = 1 ] && TRIAL=1 || TRIAL=10; }
# mode_check MODE: exits (2) unless MODE is a row this script runs.
mode_check() {
  case $1 in
    native|vhost|xdp|afpacket|io|l3fwd|ovs|linux|vm-virtio|vm-e1000|vm-vmxnet3) return 0;;
    vm-virtio@*|vm-e1000@*|vm-vmxnet3@*)
      case ${1#*@} in one|each|default) return 0;; esac
      echo "modes.sh: --modes: $1: the core scheme after @ is one, each or default"; exit 2;;
  esac
  echo "modes.sh: --modes: unknown mode '$1' (native vhost xdp afpacket io l3fwd ovs linux vm-virtio vm-e1000 vm-vmxnet3)"
  exit 2
}
# Every option is checked before anything starts: a bad mode found only
# when its turn comes would end a run of an hour.
[ -n "${MODES// /}" ] || { echo "modes.sh: --modes: empty list"; exit 2; }
for MODE in $MODES; do mode_check "$MODE"; done
for SIZE in $SIZES; do opt_int modes.sh "--sizes (each)" "$SIZE" 64 1518; done
opt_secs modes.sh --trial "$TRIAL" 1 3600
opt_int modes.sh --repeat "$REPEAT" 1 100
opt_int modes.sh --routes "$NROUTES" 1 10000000
[ -n "$OUT" ] || { echo "modes.sh: --out: a folder is needed"; exit 2; }
[ "$(id -u)" -eq 0 ] || { echo "modes.sh: run as root"; exit 2; }
queue_size_check modes.sh
TABLE=$SHARED/data/fullview-2024-v4.txt.gz
[ -f "$TABLE" ] || skip "no route table $TABLE (set VR_SHARED)"
VRGEN=$BUILD/dataplane/gen/vrgen VRMUX=$BUILD/vnet/vrmux/vrmux
ninja -C "$BUILD" dataplane/vrd dataplane/gen/vrgen vnet/vrmux/vrmux ctl/vrctl >/dev/null ||
  { echo "modes.sh: build failed"; exit 1; }
hugepages_prepare
taskset -p -c 0 $$ >/dev/null
mkdir -p "$OUT"; rm -f "$OUT"/trials.jsonl "$OUT"/ndr.jsonl "$OUT"/dut.jsonl "$OUT"/*.png
W=/tmp/$T.modes; mkdir -p $W
trap 'vm_stop 2>/dev/null; [ -d $W/ovs ] && ovs_stop $W/ovs; lib_cleanup; ip netns del ${T}lr 2>/dev/null; rm -rf $W' EXIT
CSV=$OUT/results.csv
echo "mode,dut,frame_size,ip_size,ndr_mpps,pdr_mpps,ndr_gbps,p50_us,p99_us,cycles_per_pkt,rep" > "$CSV"
SKIPPED=()

# The routes: NROUTES random IPv4 prefixes of the full table, the same
# for every DUT.
ROUTES=$W/routes
routes_subset "$NROUTES" $ROUTES
echo "modes.sh: $(wc -l < $ROUTES) routes, sizes $SIZES, trials of $TRIAL s, modes $MODES"

GO=$W/go
# vrgen waits for the go file longer than the slowest DUT may take to
# get ready once vrgen runs: l3fwd loading the full table (a guest boots
# before its row's vrgen starts). With 120 s an l3fwd that took longer
# failed its row.
gen_start() { # TX RX [more vrgen options]: vrgen --ndr in the background
  local tx=$1 rx=$2; shift 2
  rm -f $GO
  "$VRGEN" --tx "$tx" --rx "$rx" --routes $ROUTES --go-file $GO --ndr --trial "$TRIAL" \
    --frame-size "$SIZE" --quiet --wait $GEN_GO_WAIT_S "$@" \
    -- -l 0 --file-prefix=$T-gen -m 512 --in-memory --single-file-segments --no-pci >$W/gen.log 2>&1 &
  GEN=$!
  for _ in $(seq 300); do grep -q "^vrgen: port rx" $W/gen.log && break; kill -0 $GEN 2>/dev/null || break; sleep 0.1; done
  GEN_RX_MAC=$(awk '/^vrgen: port rx/ {print $NF; exit}' $W/gen.log)
  [ -n "$GEN_RX_MAC" ]
}
gen_finish() { # DST-MAC: go, wait, collect; sets RES (the vrgen summary)
  echo "$1" > $GO.tmp && mv $GO.tmp $GO
  wait $GEN
  grep '"trial": true' $W/gen.log | jq -c --arg m "$MODE" --argjson s "$SIZE" '. + {mode: $m, frame_size: $s}' >> "$OUT/trials.jsonl"
  RES=$(grep '^{"ndr_mpps"' $W/gen.log | tail -n 1)
  [ -n "$RES" ] || { tail -5 $W/gen.log; return 1; }
  echo "$RES" | jq -c --arg m "$MODE" '. + {mode: $m}' >> "$OUT/ndr.jsonl"
}
row() { # DUT CYCLES: appends the CSV row from RES
  echo "$RES" | jq -r --arg m "$MODE" --arg d "$1" --arg c "${2:-}" \
    --arg r "$REP" '[$m, $d, .frame_size, .ip_size, .ndr_mpps, .pdr_mpps, .ndr_gbps, .p50_us, .p99_us, $c, $r] | map(tostring) | join(",")' >> "$CSV"
  echo "  $MODE $1 ${SIZE}B: NDR $(echo "$RES" | jq .ndr_mpps) Mpps, PDR $(echo "$RES" | jq .pdr_mpps) Mpps, p50 $(echo "$RES" | jq .p50_us) us${2:+, $2 cycles/pkt}"
}

# vrd's drops by reason over the whole search (all trials), kept in
# dut.jsonl and the report: where the loss that bounds the NDR happened;
# for vrd also the packets its driver took only when asked again
# (tx_retried), which would otherwise have been tx_full.
dut_drops() { # DUT JSON [TX_RETRIED]: its drops by reason, {} when none
  echo "{\"mode\": \"$MODE\", \"frame_size\": $SIZE, \"dut_drops\": $2${3:+, \"tx_retried\": $3}}" >> "$OUT/dut.jsonl"
  [ "$2" = "{}" ] || echo "  $1 drops during the search: $2"
  [ "${3:-0}" = 0 ] || echo "  $1 packets taken by the driver when asked again: $3"
}
vrd_drops() {
  local j
  j=$(vrctl "$1" stats --json) || return
  dut_drops vrd "$(echo "$j" | jq -c '.totals.drops | with_entries(select(.value > 0))')" \
    "$(echo "$j" | jq '.totals.tx_retried')"
}
vrd_down() { kill "$VRD_PID" 2>/dev/null; wait "$VRD_PID" 2>/dev/null; VRD_PID=; ip netns del "$1"; }

run_native() {
  local s=$T-n ns=${T}n
  gen_start "net_vhost0,iface=$W/a.sock,queues=1" "net_vhost1,iface=$W/b.sock,queues=1" || return 1
  vrd_up $ns $s "$(virtio_dev 0 $W/a.sock)" "$(virtio_dev 1 $W/b.sock)" \
    --busy-poll -- --lcores=0@0,1@1 -m 1024 --no-pci || return 1
  gen_finish "$(vrctl $s port show --json | jq -r '.[] | select(.name=="p1") | .mac')" || return 1
  row vrd "$(vrd_cycles $s)"; vrd_drops $s
  vrd_down $ns
}

run_vhost() {
  local s=$T-v ns=${T}v ms=$W/mux.sock mp
  # vrmux's uplink faces the generator; vrd's two ports are two slices.
  gen_start "net_vhost0,iface=$W/up.sock,queues=1" "net_vhost0,iface=$W/up.sock,queues=1" || return 1
  "$VRMUX" --uplink "net_virtio_user9,path=$W/up.sock,queues=1" --socket $ms \
    -- --file-prefix=$T-mux --lcores=0@0,1@1 -m 512 --no-pci >$W/mux.log 2>&1 &
  mp=$!; LIB_PIDS+=($mp)
  wait_for 20 "$VRCTL" -s $ms uplink show || { tail $W/mux.log; return 1; }
  "$VRCTL" -s $ms slice add p1 mac 02:00:00:00:0a:01 attach vhost-user:$W/p1.sock >/dev/null &&
  "$VRCTL" -s $ms slice add p2 mac 02:00:00:00:0a:02 attach vhost-user:$W/p2.sock >/dev/null ||
    { echo "modes.sh: vrmux slices"; return 1; }
  vrd_up $ns $s "net_virtio_user0,path=$W/p1.sock,server=1,queues=1,mac=02:00:00:00:0a:01" \
    "net_virtio_user1,path=$W/p2.sock,server=1,queues=1,mac=02:00:00:00:0a:02" \
    -- --lcores=0@0,1@1 -m 1024 --no-pci || { echo "modes.sh: vrd behind vrmux"; tail -5 /tmp/$s.vrd.log; return 1; }
  gen_finish 02:00:00:00:0a:01 || return 1
  row vrd "$(vrd_cycles $s)"; vrd_drops $s
  vrd_down $ns
  kill $mp; wait $mp 2>/dev/null
}

# example_run DUT DST-MAC WAIT-S CMD...: a DPDK example as the DUT, from
# its main loop until vrgen's search is done; one CSV row.
example_run() {
  local dut=$1 mac=$2 wait=$3 p
  shift 3
  "$@" >$W/$dut.log 2>&1 &
  p=$!; LIB_PIDS+=($p)
  wait_for "$wait" grep -q "entering main loop" $W/$dut.log ||
    { echo "modes.sh: $dut did not reach its main loop in $wait s"; tail -3 $W/$dut.log; return 1; }
  gen_finish "$mac" || return 1
  kill $p; wait $p 2>/dev/null
  # l3fwd prints its busy cycles over the search as it leaves
  # (l3fwd_busy.h, counted as vrd's), and its packet-type callback's
  # (bench_lib.sh's L3FWD_PTYPE_SED): the row has both together, the work
  # vrd's figure holds. l2fwd counts none.
  local cyc=
  [ "$dut" = l3fwd ] && cyc=$(l3fwd_all $W/$dut.log)
  row "$dut" "${cyc/null/}"
  return 0
}

run_io() {
  example_build $W/ex l2fwd || { echo "modes.sh: l2fwd did not build"; return 1; }
  gen_start "net_vhost0,iface=$W/a.sock,queues=1" "net_vhost1,iface=$W/b.sock,queues=1" || return 1
  # One lcore (CPU 1) serves both ports; frames go out unchanged.
  example_run l2fwd 02:00:00:00:0c:01 30 \
    $W/ex/l2fwd/build/l2fwd -l 1 --file-prefix=$T-l2 -m 512 --no-pci --in-memory --single-file-segments \
    --vdev "$(virtio_dev 0 $W/a.sock mac=02:00:00:00:0c:01)" --vdev "$(virtio_dev 1 $W/b.sock)" \
    -- -p 0x3 -q 2 -T 0 --no-mac-updating
}

run_l3fwd() {
  l3fwd_timed_build $W/ex modes.sh || return 1
  l3fwd_rules $ROUTES $W
  gen_start "net_vhost0,iface=$W/a.sock,queues=1" "net_vhost1,iface=$W/b.sock,queues=1" || return 1
  l3fwd_cmd $W $T-l3 "$(virtio_dev 0 $W/a.sock mac=$L3FWD_MAC)" "$(virtio_dev 1 $W/b.sock)" $GEN_RX_MAC
  example_run l3fwd $L3FWD_MAC $L3FWD_LOAD_S "${L3FWD_CMD[@]}"
}

OVS_MAC1=02:00:00:00:0d:01 OVS_MAC2=02:00:00:00:0d:02
# A failed set-up stops OVS and the generator waiting for it.
ovs_abort() { ovs_stop "$1"; kill "$GEN" 2>/dev/null; wait "$GEN" 2>/dev/null; }
run_ovs() {
  local d=$W/ovs ps nd
  if [ ! -x "$OVS_VSWITCHD" ]; then
    [ "$SIZE" = "${SIZES%% *}" ] && [ "$REP" = 1 ] &&
      SKIPPED+=("ovs: openvswitch-switch-dpdk is not installed ($OVS_VSWITCHD)")
    return 0
  fi
  gen_start "net_vhost0,iface=$W/a.sock,queues=1" "net_vhost1,iface=$W/b.sock,queues=1" || return 1
  ovs_start "$d" modes.sh --single-file-segments || { ovs_abort "$d"; return 1; }
  # ovs-vsctl reads a double-quoted value whole, commas included.
  $OVSV add-port br0 p1 -- set Interface p1 type=dpdk ofport_request=1 \
    "options:dpdk-devargs=\"$(virtio_dev 0 $W/a.sock mac=$OVS_MAC1)\"" &&
  $OVSV add-port br0 p2 -- set Interface p2 type=dpdk ofport_request=2 \
    "options:dpdk-devargs=\"$(virtio_dev 1 $W/b.sock mac=$OVS_MAC2)\"" ||
    { echo "modes.sh: ovs ports"; tail -5 "$d/vswitchd.log"; ovs_abort "$d"; return 1; }
  # The routes as flows: a /N prefix at priority N + 1, so that OVS's
  # classifier (highest priority first) gives the longest match.
  awk -v m1=$OVS_MAC1 -v m2=$OVS_MAC2 -v g="$GEN_RX_MAC" '{
      split($1, p, "/")
      printf "priority=%d,ip,in_port=1,dl_dst=%s,nw_dst=%s,actions=dec_ttl,mod_dl_src:%s,mod_dl_dst:%s,output:2\n", p[2] + 1, m1, $1, m2, g
    }' $ROUTES > $W/ovs.flows
  echo "priority=0,actions=drop" >> $W/ovs.flows
  ovs-ofctl del-flows unix:$d/br0.mgmt &&
  ovs-ofctl add-flows unix:$d/br0.mgmt $W/ovs.flows ||
    { echo "modes.sh: ovs flows"; ovs_abort "$d"; return 1; }
  ovs-appctl -t "$OVS_CTL" dpif-netdev/pmd-stats-clear >/dev/null
  gen_finish $OVS_MAC1 || { ovs_stop "$d"; return 1; }
  # OVS's own figure: its PMD's cycles per packet over the whole search,
  # its receive calls included (vrd's busy cycles leave them out).
  ps=$(ovs-appctl -t "$OVS_CTL" dpif-netdev/pmd-stats-show)
  row ovs "$(echo "$ps" | awk '/avg processing cycles per packet/ {print $6; exit}')"
  # What matched no route: the drop flow's packets, kept with vrd's drops.
  nd=$(ovs-ofctl dump-flows unix:$d/br0.mgmt | awk '/priority=0 actions=drop/ {sub(/.*n_packets=/, ""); sub(/,.*/, ""); print; exit}')
  dut_drops ovs "$([ "${nd:-0}" -gt 0 ] && echo "{\"ovs_no_route\": $nd}" || echo "{}")"
  ovs_stop "$d"
}

# Container rows on veths (copies in the kernel: the veth generator
# limits them, as in the linux row). vrd in namespace ${T}k.
veth_pair() { # A (here) NS B
  ip link add "$1" type veth peer name "$3" netns "$2"
  ip link set "$1" up; ip -n "$2" link set "$3" up
  sysctl -qw net.ipv6.conf."$1".disable_ipv6=1
}
run_afpacket() { # vrd on af_packet ports, straight to the generator's veths
  local s=$T-k ns=${T}k
  ns_add $ns
  veth_pair g1 $ns k1; veth_pair g2 $ns k2
  hide_from_kernel $ns k1; hide_from_kernel $ns k2
  gen_start "net_af_packet0,iface=g1,qdisc_bypass=1" "net_af_xdp1,iface=g2" || return 1
  vrd_up $ns $s "net_af_packet_k1,iface=k1" "net_af_packet_k2,iface=k2" \
    --busy-poll -- --lcores=0@0,1@1 -m 1024 --no-pci || return 1
  gen_finish "$(ip -n $ns link show k1 | awk '/ether/ {print $2}')" || return 1
  row vrd "$(vrd_cycles $s)"; vrd_drops $s
  vrd_down $ns
  return 0
}
run_xdp() { # vrd on af_xdp ports behind vrmux's XDP backend
  local s=$T-x ns=${T}k mx=${T}x ms=$W/xmux.sock mp
  ns_add $ns; ns_add $mx
  ip link add g0 type veth peer name up0 netns $mx
  ip link set g0 up; ip -n $mx link set up0 up
  ip link add x1 netns $mx type veth peer name k1 netns $ns
  ip link add x2 netns $mx type veth peer name k2 netns $ns
  for d in x1 x2; do ip -n $mx link set $d up; done
  for d in k1 k2; do ip -n $ns link set $d up; ip netns exec $ns sysctl -qw net.ipv6.conf.$d.disable_ipv6=1; done
  ip netns exec $mx "$VRMUX" --xdp --uplink up0 --socket $ms >$W/xmux.log 2>&1 &
  mp=$!; LIB_PIDS+=($mp)
  wait_for 20 "$VRCTL" -s $ms uplink show || { tail $W/xmux.log; return 1; }
  "$VRCTL" -s $ms slice add p1 mac "$(ip -n $ns link show k1 | awk '/ether/ {print $2}')" attach veth:x1 >/dev/null &&
  "$VRCTL" -s $ms slice add p2 mac "$(ip -n $ns link show k2 | awk '/ether/ {print $2}')" attach veth:x2 >/dev/null ||
    { echo "modes.sh: XDP slices"; return 1; }
  # One port for both directions: frames from the slices come back up0.
  gen_start "net_af_xdp0,iface=g0" "net_af_xdp0,iface=g0" || return 1
  vrd_up $ns $s "net_af_xdp_k1,iface=k1" "net_af_xdp_k2,iface=k2" \
    --busy-poll -- --lcores=0@0,1@1 -m 1024 --no-pci || return 1
  gen_finish "$(ip -n $ns link show k1 | awk '/ether/ {print $2}')" || return 1
  row vrd "$(vrd_cycles $s)"; vrd_drops $s
  vrd_down $ns
  kill $mp; wait $mp 2>/dev/null
  ip netns del $mx; ip link del g0 2>/dev/null
  return 0
}
# VM rows: vrd in a qemu guest (deploy/vm; TCG here, KVM where a test boot
# under it succeeds) on DPDK's virtio, e1000 or vmxnet3 driver, behind
# vrmux (DPDK backend) as in a deployment. The guest boots once per mode
# and serves every frame size; vrmux (a vhost-user client of vrgen's
# uplink socket and of qemu's) starts anew for each size and qemu takes
# its reconnection, as after a driver-domain restart.
VMD=$W/vm VM_SOCK=/run/vrplane/$T-vm.sock VM_MAC1=02:00:00:00:0d:01 VM_MAC2=02:00:00:00:0d:02
vm_port() { # NIC K qemu|mux: port K of the guest, as qemu or vrmux names it
  if [ "$1" = virtio ]; then echo "vhost-user:$VMD/p$2.vhost"
  elif [ "$3" = qemu ]; then echo "tap:${T}t$2"
  else echo "af_packet:${T}t$2"; fi
}
vm_mux() { # NIC: vrmux with the uplink towards vrgen and the guest's two ports
  local nic=$1 ms=$VMD/mux.sock
  ip netns exec ${T}vm "$VRMUX" --uplink "net_virtio_user9,path=$VMD/up.sock,queues=1" --socket $ms \
    -- --file-prefix=$T-vmux --lcores=0@0,1@1 -m 512 --no-pci >$W/vmux.log 2>&1 &
  VM_MUX=$!; LIB_PIDS+=($VM_MUX)
  wait_for 30 "$VRCTL" -s $ms uplink show || { tail -3 $W/vmux.log; return 1; }
  "$VRCTL" -s $ms slice add p1 mac $VM_MAC1 attach "$(vm_port $nic 1 mux)" >/dev/null &&
    "$VRCTL" -s $ms slice add p2 mac $VM_MAC2 attach "$(vm_port $nic 2 mux)" >/dev/null
}
vm_mux_stop() { [ -n "${VM_MUX:-}" ] && { kill $VM_MUX; wait $VM_MUX 2>/dev/null; }; VM_MUX=; }
vm_boot() { # NIC; vrgen runs (vrmux's uplink needs it)
  local nic=$1
  ns_add ${T}vm
  "$TOP/deploy/vm/build-image.sh" >$W/image.log 2>&1 || { tail -3 $W/image.log; return 1; }
  echo "$T-vm" > $VMD/slice
  printf 'port add p1 devargs 0000:00:10.0\nport add p2 devargs 0000:00:11.0\naddr add 10.0.1.1/24 dev p1\naddr add 10.0.2.1/24 dev p2\n' > $VMD/vrd.conf
  echo "--busy-poll --fpm off" > $VMD/vrd-args
  cp $ROUTES $VMD/routes
  # vhost-user: vrmux attaches first, qemu waits at start for it; a TAP
  # exists once qemu runs, vrmux attaches after.
  if [ "$nic" = virtio ]; then vm_mux "$nic" || return 1; fi
  "$TOP/deploy/vm/vm.sh" start --name $T-vm --netns ${T}vm --dir $VMD --nic "$nic" --cpus 2 \
    --port "p1,$VM_MAC1,$(vm_port $nic 1 qemu)" --port "p2,$VM_MAC2,$(vm_port $nic 2 qemu)" >$W/vm.log 2>&1 || { tail -5 $W/vm.log; return 1; }
  if [ "$nic" != virtio ]; then vm_mux "$nic" || return 1; fi
  vm_pin "$(cat $VMD/qemu.pid)"
  "$TOP/deploy/vm/vm.sh" wait --dir $VMD --timeout 600 >>$W/vm.log 2>&1 || { tail -5 $W/vm.log; return 1; }
  "$VRCTL" -s $VM_SOCK route load /vrplane/routes via 10.0.2.2 >/dev/null || return 1
  VM_ACCEL=$(awk 'NR == 1' /run/vrplane/kvm-probe 2>/dev/null)
  VM_UP=1
}
# The Horizon study's core-allocation schemes for the guest's two vCPUs
# (mode suffix @one, @each, @default): both on CPU 1 (with vrmux's
# poller), one CPU each (vCPU 0, the guest's control lcore, on CPU 0 with
# vrgen; vCPU 1, vrd's worker, on CPU 1), or wherever the host scheduler
# puts them. qemu names its vCPU threads "CPU N/TCG" (or /KVM).
vm_pin() { # QEMU-PID
  local t
  case $PIN in
    one) taskset -a -p -c 1 "$1" >/dev/null;;
    default) taskset -a -p -c 0,1 "$1" >/dev/null;;
    each)
      taskset -a -p -c 1 "$1" >/dev/null
      for t in /proc/"$1"/task/*; do
        case "$(cat $t/comm)" in "CPU 0/"*) taskset -p -c 0 "$(basename $t)" >/dev/null;; esac
      done;;
  esac
}
run_vm() { # NIC: one frame size; boots the guest for the first
  local nic=$1
  mkdir -p $VMD
  gen_start "net_vhost0,iface=$VMD/up.sock,queues=1" "net_vhost0,iface=$VMD/up.sock,queues=1" || return 1
  if [ -z "${VM_UP:-}" ]; then
    vm_boot "$nic" || { echo "modes.sh: VM ($nic) did not come up"; vm_stop; return 1; }
  else
    vm_mux "$nic" || return 1
  fi
  "$VRCTL" -s $VM_SOCK neigh add 10.0.2.2 lladdr "$GEN_RX_MAC" dev p2 >/dev/null 2>&1
  "$VRCTL" -s $VM_SOCK stats clear >/dev/null
  gen_finish $VM_MAC1 || { vm_mux_stop; return 1; }
  row vrd "$(vrd_cycles $T-vm)"; vrd_drops $T-vm
  vm_mux_stop
}
vm_stop() {
  "$TOP/deploy/vm/vm.sh" stop --dir $VMD >/dev/null 2>&1
  vm_mux_stop
  VM_UP=
  ip netns del ${T}vm 2>/dev/null
}
run_vm-virtio() { run_vm virtio; }
run_vm-e1000() { run_vm e1000; }
run_vm-vmxnet3() { run_vm vmxnet3; }

run_linux() {
  local r=${T}lr
  ip netns del $r 2>/dev/null; ip netns add $r
  ip link add g1 type veth peer name r1 netns $r
  ip link add g2 type veth peer name r2 netns $r
  ip link set g1 up; ip link set g2 up
  ip -n $r link set lo up; ip -n $r link set r1 up; ip -n $r link set r2 up
  ip netns exec $r sysctl -qw net.ipv4.ip_forward=1
  ip -n $r addr add 10.0.1.1/24 dev r1; ip -n $r addr add 10.0.2.1/24 dev r2
  gen_start "net_af_packet0,iface=g1,qdisc_bypass=1" "net_af_xdp1,iface=g2" || return 1
  ip -n $r neigh add 10.0.2.2 lladdr "$GEN_RX_MAC" dev r2 nud permanent
  awk '{print "route add " $1 " via 10.0.2.2"}' $ROUTES | ip -n $r -batch - || return 1
  gen_finish "$(ip -n $r link show r1 | awk '/ether/ {print $2}')" || return 1
  row linux ""
  ip netns del $r; ip link del g1 2>/dev/null; ip link del g2 2>/dev/null
  return 0
}

# run_one MODE SIZE: one row (MODE passed mode_check).
# A failed row stops what it started, or the rows after it would share
# CPU 1 with a DUT still polling (and vrgen's sockets with its ports).
run_one() {
  local MODE=$1 SIZE=$2 PIN=one n=${#LIB_PIDS[@]}
  [[ $MODE == vm-*@* ]] && PIN=${MODE#*@}
  run_${MODE%@*} || { echo "modes.sh: $MODE ${SIZE}B failed"; FAILED+=("$MODE ${SIZE}B, pass $REP"); row_abort "$n"; }
  rm -f $W/*.sock
}
row_abort() { # N: the length of LIB_PIDS before the row
  local p ns
  kill "$GEN" 2>/dev/null; wait "$GEN" 2>/dev/null
  for p in "${LIB_PIDS[@]:$1}"; do
    [ "$p" = "${VM_MUX:-}" ] && continue # run_vm's own (vm_mux_stop, vm_stop)
    kill "$p" 2>/dev/null; wait "$p" 2>/dev/null
  done
  [ -n "${VRD_PID:-}" ] && { kill "$VRD_PID" 2>/dev/null; wait "$VRD_PID" 2>/dev/null; VRD_PID=; }
  for ns in ${T}n ${T}v ${T}k ${T}x ${T}lr; do ip netns del "$ns" 2>/dev/null; done
  for p in g0 g1 g2; do ip link del $p 2>/dev/null; done
  return 0
}

# With --repeat N the whole matrix runs N times, one pass after the
# other, so that a disturbance of the machine hits one pass of every DUT
# rather than all passes of one; the report gives the median per row.
# Within a pass, every mode but the VM ones runs a size in turn before
# the next size: a machine whose speed drifts (a VM whose host moves its
# vCPUs) then weighs on the DUTs compared at a size alike, instead of on
# all sizes of one DUT. A guest boots once per mode, for all its sizes.
HOST_MODES= VM_MODES= FAILED=()
for MODE in $MODES; do
  case $MODE in vm-*) VM_MODES+=" $MODE";; *) HOST_MODES+=" $MODE";; esac
done
for REP in $(seq "$REPEAT"); do
  for SIZE in $SIZES; do
    for MODE in $HOST_MODES; do run_one "$MODE" "$SIZE" || break; done
  done
  for MODE in $VM_MODES; do
    for SIZE in $SIZES; do run_one "$MODE" "$SIZE" || break; done
    vm_stop
  done
done
case " $MODES " in *" vm-"*)
  SKIPPED+=("note: the vm rows ran under ${VM_ACCEL:-tcg} (/run/vrplane/kvm-probe: $(sed -n 2p /run/vrplane/kvm-probe 2>/dev/null)); under TCG every guest instruction is emulated, so they show the cost of emulation, not of virtualization with KVM");;
esac
SKIPPED+=("sr-iov: no VF on this machine")
case " $MODES " in *" l3fwd "*)
  SKIPPED+=("note: l3fwd's cycles/pkt are counted as vrd's (tests/bench/l3fwd_busy.h: the TSC around each non-empty burst's handling, receive calls out), with its packet-type callback's (inside its receive calls: its first touch of each header, work vrd's figure holds); l2fwd counts none");;
esac
case " $MODES " in *" ovs "*)
  SKIPPED+=("note: the ovs row's cycles/pkt is OVS's own figure (pmd-stats-show: processing cycles per packet, its receive calls included); vrd's busy cycles leave the driver's receive calls out");;
esac
SKIPPED+=("note: the xdp, afpacket and linux rows go through veths; their generator (af_packet / AF_XDP copy mode, one CPU) limits them, not the DUT")
SKIPPED+=("core schemes: the vm rows take @one, @each or @default (the guest's vCPUs); for the container rows, with 2 CPUs only one scheme is possible (generator on CPU 0, the DUT's pollers on CPU 1; vrmux and vrd share CPU 1 in the vhost row)")

# The report's rows: per (mode, DUT, frame size), the median over passes
# of each column; with several passes the NDR's range too.
median_rows() {
  tail -n +2 "$CSV" | /usr/bin/python3 -c '
import sys, statistics, collections
rows = collections.OrderedDict()
for line in sys.stdin:
    f = line.rstrip("\n").split(",")
    rows.setdefault((f[0], f[1], f[2], f[3]), []).append(f[4:10])
def med(vals):
    v = [float(x) for x in vals if x not in ("", "null")]
    return "" if not v else f"{statistics.median(v):g}"
for (m, d, fs, ip), runs in rows.items():
    cols = [med([r[i] for r in runs]) for i in range(6)]
    ndr = [float(r[0]) for r in runs if r[0] not in ("", "null")]
    if len(runs) > 1 and ndr:
        cols[0] += f" ({min(ndr):g} to {max(ndr):g})"
    print("| " + " | ".join([m, d, fs, ip] + cols) + " |")
'
}

# Plots: Mpps and Gbit/s against frame size, one line per mode/DUT.
plot() { # COLUMN YLABEL FILE
  local s="" k
  for k in $(tail -n +2 "$CSV" | cut -d, -f1,2 | sort -u); do
    # The median over passes at each size.
    grep "^$k," "$CSV" | cut -d, -f3,$1 | /usr/bin/python3 -c '
import sys, statistics, collections
d = collections.defaultdict(list)
for line in sys.stdin:
    x, y = line.strip().split(",")
    if y not in ("", "null"):
        d[int(x)].append(float(y))
for x in sorted(d):
    print(x, statistics.median(d[x]))' > "$W/p-$k.dat"
    s="$s${s:+, }'$W/p-$k.dat' using 1:2 with linespoints title '${k/,/ }'"
  done
  [ -n "$s" ] && gnuplot -e "set terminal png size 900,600; set output '$3'; set logscale x 2; set xlabel 'frame size (bytes, with FCS)'; set ylabel '$2'; set key outside; set grid; plot $s" 2>/dev/null
}
# Latency CDF per mode at the NDR of the smallest frame size measured.
plot_cdf() {
  local s="" m small
  small=$(jq -s 'map(.frame_size) | min' "$OUT/ndr.jsonl" 2>/dev/null)
  for m in $(jq -r --argjson f "${small:-0}" 'select(.frame_size == $f) | .mode' "$OUT/ndr.jsonl" 2>/dev/null | sort -u); do
    jq -r --arg m "$m" --argjson f "$small" 'select(.mode == $m and .frame_size == $f) | .ndr_latency_cdf[] | "\(.[1]) \(.[0])"' \
      "$OUT/ndr.jsonl" > "$W/cdf-$m.dat"
    s="$s${s:+, }'$W/cdf-$m.dat' using 1:2 with linespoints title '$m'"
  done
  [ -n "$s" ] && gnuplot -e "set terminal png size 900,600; set output '$OUT/latency_cdf.png'; set logscale x 10; set xlabel 'latency (us) at NDR, ${small}-byte frames'; set ylabel 'fraction of packets'; set key outside; set grid; plot $s" 2>/dev/null
}
if command -v gnuplot >/dev/null; then
  plot 5 "NDR (Mpps)" "$OUT/mpps.png"; plot 7 "NDR (Gbit/s)" "$OUT/gbps.png"
  plot_cdf
fi
{
  echo "# vrplane modes: $(date -u +%F)"
  echo
  echo "Command: \`$CMDLINE\`"
  echo
  echo "Machine: $(lscpu | awk -F: '/Model name/ {gsub(/^ +/, "", $2); print $2}'), $(nproc --all) CPUs, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo); kernel $(uname -r); DPDK $(pkg-config --modversion libdpdk); FRR $(dpkg-query -W -f='${Version}' frr 2>/dev/null); Open vSwitch $(dpkg-query -W -f='${Version}' openvswitch-switch-dpdk 2>/dev/null || echo "not installed")"
  echo
  echo "Pinning: vrgen on CPU 0; the DUT's polling thread(s) on CPU 1. Routes: $(wc -l < $ROUTES) random IPv4 prefixes of $(basename $TABLE). virtio-user rings of $QUEUE_SIZE descriptors. Trials of $TRIAL s; NDR = zero loss, PDR = 0.5% loss (RFC 2544 binary search, 1% resolution)."
  echo
  [ "$REPEAT" -gt 1 ] && echo "Each row: the median of $REPEAT passes (every pass in results.csv; the NDR's range in brackets)." && echo
  echo "| mode | DUT | frame | IP | NDR Mpps | PDR Mpps | NDR Gbit/s | p50 us | p99 us | cycles/pkt |"
  echo "|---|---|---|---|---|---|---|---|---|---|"
  median_rows
  echo
  if [ $INSTR = 1 ]; then
    echo "Instructions per packet (tests/bench/instr.sh --routes $NROUTES, callgrind):"
    echo
    echo '```'
    "$TOP/tests/bench/instr.sh" --routes "$NROUTES" 2>&1 | tail -n 1
    echo '```'
    echo
  fi
  if [ -s "$OUT/dut.jsonl" ] && jq -s -e 'any(.[]; .dut_drops != {})' "$OUT/dut.jsonl" >/dev/null; then
    echo "The DUT's own drops over each search (all trials), by reason (vrd's counters; OVS's drop flow):"
    echo
    jq -r 'select(.dut_drops != {}) | "- \(.mode) \(.frame_size)B: \(.dut_drops | to_entries | map("\(.key) \(.value)") | join(", "))"' "$OUT/dut.jsonl"
    echo
  fi
  if [ ${#FAILED[@]} -gt 0 ]; then
    echo "Failed rows (the reason is in the run's output; their medians have fewer passes, or the row is missing):"
    echo
    for s in "${FAILED[@]}"; do echo "- $s"; done
    echo
  fi
  echo "Skipped:"
  for s in "${SKIPPED[@]}"; do echo "- $s"; done
} > "$OUT/report.md"
cat "$OUT/report.md"
jq -cn --arg csv "$CSV" --argjson rows "$(($(wc -l < "$CSV") - 1))" --argjson failed ${#FAILED[@]} \
  --arg report "$OUT/report.md" '{csv: $csv, rows: $rows, failed: $failed, report: $report}'
