#!/bin/bash
# VM router slices (deploy/vm, issue 6): the guest image is built (or
# taken from the cache), vrmux runs in namespace M with an af_packet uplink
# (a veth to the kernel host H, 10.9.0.2/24), and three VM slices sit on
# it, each with one data port whose address H pings:
#   vm1  --nic virtio, vhost-user (vrmux is the client)       10.9.0.1
#   vm2  --nic e1000, a TAP in M (vrmux: af_packet:TAP)        10.9.0.11
#   vm3  --nic vmxnet3, a TAP in M                             10.9.0.21
# vm1 also runs FRR (staticd): its static route reaches the guest's vrd
# over FPM, its answers come back through deploy/vm/vtysh.sh, and the
# guest vrd's counters through the host-side API socket relay. After
# `vm.sh stop` nothing is left: no qemu, relay, socket, TAP or pid file.
# Under TCG (this machine's /dev/kvm cannot boot guests) each boot takes
# about 30 s; the first run also builds the image (about 2-3 minutes).
# timeout: 1200
source "$(dirname "$0")/../lib.sh"
VMSH=$TOP/deploy/vm/vm.sh
VTYSH=$TOP/deploy/vm/vtysh.sh
VRMUX=$BUILD/vnet/vrmux/vrmux
MUXSOCK=/run/vrplane/$T-mux.sock
M=${T}m H=${T}h V1=${T}v1
W=$(mktemp -d /tmp/$T.vm.XXXX)
DIRS=()
cleanup_vm() {
  local d
  # In parallel and quickly: tests/run.sh kills a test 10 s after its TERM.
  local d stops=()
  for d in "${DIRS[@]}"; do VR_VM_STOP_TIMEOUT=5 "$VMSH" stop --dir "$d" >/dev/null 2>&1 & stops+=($!); done
  [ ${#stops[@]} -gt 0 ] && wait "${stops[@]}"
  rm -f /run/vrplane/$T-*.vhost
  lib_cleanup
  rm -rf "$W"
}
trap cleanup_vm EXIT

[ -x "$VRMUX" ] && [ -x "$VRD" ] || skip "vrmux or vrd not built"
if ! command -v qemu-system-x86_64 >/dev/null; then
  log "installing qemu-system-x86 (apt-get)"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends qemu-system-x86 >/dev/null 2>&1 \
    || skip "qemu-system-x86_64 is missing and could not be installed"
fi
hugepages_prepare
mux() { "$VRCTL" -s "$MUXSOCK" "$@"; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN {printf "%.1f", b - a}'; }

# ---- the image ----
if img=$("$TOP/deploy/vm/build-image.sh" --print-path); then
  ok "VM image cached: $img"
else
  log "building the VM image (debootstrap from deb.debian.org: a few minutes the first time)"
  t0=$(now)
  "$TOP/deploy/vm/build-image.sh" && img=$("$TOP/deploy/vm/build-image.sh" --print-path) \
    && ok "VM image built in $(since $t0) s: $img" || { fail "build-image.sh"; lib_exit; }
fi

# ---- clear errors before anything runs ----
mkdir -p "$W/bad"
out=$(VR_VM_IMAGE=$W/none "$VMSH" start --name $T-x --netns $M --dir "$W/bad" --nic virtio 2>&1)
[ $? -ne 0 ] && echo "$out" | grep -q "build-image.sh" && ok "no image: '$out'" || fail "no image: $out"
out=$("$VMSH" start --name $T-x --netns $M --dir "$W/bad" --nic rtl8139 2>&1)
[ $? -ne 0 ] && echo "$out" | grep -q "virtio, e1000 or vmxnet3" && ok "bad --nic: '$out'" || fail "bad --nic: $out"
out=$("$VMSH" start --name $T-x --netns $T-nosuch --dir "$W/bad" --nic virtio 2>&1)
[ $? -ne 0 ] && echo "$out" | grep -q "does not exist" && ok "missing netns: '$out'" || fail "missing netns: $out"

# ---- substrate: vrmux in M, uplink veth to host H ----
for ns in $M $H $V1; do ns_add "$ns"; done
ip netns exec $M sysctl -qw net.ipv4.ip_forward=0 net.ipv6.conf.all.forwarding=0
ip link add up0 netns $M type veth peer name eth0 netns $H
ip -n $M link set up0 up
ip -n $H link set eth0 up
ip netns exec $M sysctl -qw net.ipv6.conf.up0.disable_ipv6=1
hide_from_kernel $M up0
ip netns exec $H ethtool -K eth0 tx off >/dev/null 2>&1
ip -n $H addr add 10.9.0.2/24 dev eth0
ip netns exec $M "$VRMUX" --uplink net_af_packet_u,iface=up0 --socket "$MUXSOCK" \
  -- --file-prefix=$T-mux -m 512 --no-pci > "$W/mux.log" 2>&1 &
MUX_PID=$!
LIB_PIDS+=($MUX_PID)
wait_for 10 mux uplink show || { cat "$W/mux.log"; fail "vrmux did not start"; lib_exit; }
ok "vrmux up: $(mux uplink show | head -1)"

# slice_dir NAME ADDR [FRR]: the slice's share SD with slice, vrd.conf (and frr.conf, daemons)
slice_dir() {
  local d=$W/$1
  mkdir -p "$d"
  echo "$T-$1" > "$d/slice"
  printf 'port add p0 devargs 0000:00:10.0\naddr add %s dev p0\n' "$2" > "$d/vrd.conf"
  if [ -n "${3:-}" ]; then
    printf 'fpm address 127.0.0.1\nip route 192.0.2.0/24 10.9.0.2\n' > "$d/frr.conf"
    echo staticd > "$d/daemons"
  fi
  DIRS+=("$d")
  SD=$d
}
pingok() { ip netns exec $H ping -c 1 -W 2 "$1" >/dev/null 2>&1; }
MAC1=02:00:00:09:00:01 MAC2=02:00:00:09:00:02 MAC3=02:00:00:09:00:03

# ---- vm1: virtio over vhost-user, with FRR ----
slice_dir vm1 10.9.0.1/24 frr; D1=$SD
VH1=/run/vrplane/$T-vm1.vhost
mux slice add vm1 mac $MAC1 attach vhost-user:$VH1 >/dev/null && ok "vrmux slice vm1 -> vhost-user:$VH1" || fail "slice add vm1"
"$VMSH" accel | sed 's/^/  accelerator: /'   # the KVM probe (once per host boot), not counted in the boot time
t0=$(now)
out=$("$VMSH" start --name $T-vm1 --netns $V1 --dir "$D1" --nic virtio --port p0,$MAC1,vhost-user:$VH1 2>&1) \
  && ok "vm1 started: $(echo "$out" | grep accelerator)" || { echo "$out"; fail "vm1 start"; lib_exit; }
"$VMSH" wait --dir "$D1" --timeout 600 && ok "vm1 (virtio) boot to ready: $(since $t0) s" || { fail "vm1 not ready"; lib_exit; }
S1=/run/vrplane/$T-vm1.sock
wait_for 30 pingok 10.9.0.1 && ok "H pings 10.9.0.1 (vm1's guest kernel, through vrd's exception path, virtio, vhost-user, vrmux)" \
  || fail "H cannot ping 10.9.0.1: $(mux slice show vm1)"
ip netns exec $H ping -c 5 -i 0.2 -W 2 10.9.0.1 >/dev/null || fail "5 pings to 10.9.0.1"
p0=$("$VRCTL" -s $S1 stats --json | jq -c '.ports[] | select(.name == "p0") | {rx_packets, tx_packets}')
echo "$p0" | jq -e '.rx_packets > 0 and .tx_packets > 0' >/dev/null \
  && ok "vrctl -s $S1 stats --json from the host: guest vrd's p0 $p0" || fail "guest vrd's stats: '$p0'"
out=$("$VTYSH" $T-vm1 show version) && echo "$out" | grep -q FRRouting \
  && ok "vtysh.sh $T-vm1 show version: $(echo "$out" | head -1)" || fail "vtysh.sh show version: $out"
has_static() { "$VRCTL" -s $S1 route show 192.0.2.0/24 --json | jq -e '.[] | select(.origin == "static")'; }
wait_for 30 has_static && ok "the guest's FRR static route reached the guest's vrd over FPM" \
  || fail "no static 192.0.2.0/24 in vm1's vrd: $("$VRCTL" -s $S1 fpm show 2>&1)"
"$VTYSH" $T-vm1 show ip route json | jq -e '."192.0.2.0/24"[0].selected' >/dev/null \
  && ok "vtysh.sh ... show ip route json: FRR's RIB through the relay" || fail "show ip route json"
st=$("$VMSH" status --dir "$D1" --json)
echo "$st" | jq -e '.qemu_running and .ready and .vrd_answers' >/dev/null \
  && ok "vm.sh status: $(echo "$st" | jq -c '{qemu_running, accel, ready, vrd_answers}')" || fail "status: $st"
out=$("$VMSH" start --name $T-vm1 --netns $V1 --dir "$W/bad" --nic virtio 2>&1)
[ $? -ne 0 ] && echo "$out" | grep -q busy && ok "a second $T-vm1: '$out'" || fail "second vm1: $out"

# ---- vm2 (e1000) and vm3 (vmxnet3) on TAPs, booted together ----
slice_dir vm2 10.9.0.11/24; D2=$SD
slice_dir vm3 10.9.0.21/24; D3=$SD
t0=$(now)
"$VMSH" start --name $T-vm2 --netns $M --dir "$D2" --nic e1000 --cpus 1 --port p0,$MAC2,tap:${T}t2 >/dev/null \
  && ok "vm2 started (e1000, TAP ${T}t2)" || fail "vm2 start"
"$VMSH" start --name $T-vm3 --netns $M --dir "$D3" --nic vmxnet3 --cpus 1 --port p0,$MAC3,tap:${T}t3 >/dev/null \
  && ok "vm3 started (vmxnet3, TAP ${T}t3)" || fail "vm3 start"
mux slice add vm2 mac $MAC2 attach af_packet:${T}t2 >/dev/null && ok "vrmux slice vm2 -> af_packet:${T}t2" || fail "slice add vm2"
mux slice add vm3 mac $MAC3 attach af_packet:${T}t3 >/dev/null && ok "vrmux slice vm3 -> af_packet:${T}t3" || fail "slice add vm3"
"$VMSH" wait --dir "$D2" --timeout 600 && ok "vm2 (e1000) boot to ready: $(since $t0) s (two VMs booting at once)" || fail "vm2 not ready"
"$VMSH" wait --dir "$D3" --timeout 600 && ok "vm3 (vmxnet3) boot to ready: $(since $t0) s" || fail "vm3 not ready"
wait_for 30 pingok 10.9.0.11 && ok "H pings 10.9.0.11 (vm2: e1000, net_e1000_em in the guest)" || fail "ping vm2: $(mux slice show vm2)"
wait_for 30 pingok 10.9.0.21 && ok "H pings 10.9.0.21 (vm3: vmxnet3, net_vmxnet3 in the guest)" || fail "ping vm3: $(mux slice show vm3)"
for v in 2 3; do
  drv=$("$VRCTL" -s /run/vrplane/$T-vm$v.sock port show p0 --json 2>/dev/null | jq -r '.[0].driver // .driver // empty' 2>/dev/null)
  [ -n "$drv" ] && ok "vm$v's p0 driver: $drv"
done
pingok 10.9.0.1 && ok "vm1 still answers with three VMs up" || fail "vm1 stopped answering"

# ---- stop: nothing left behind ----
for v in 1 2 3; do
  d=$W/vm$v
  t0=$(now)
  out=$("$VMSH" stop --dir "$d" 2>&1) && ok "vm$v stop: ${out#vm.sh: } ($(since $t0) s)" || fail "vm$v stop: $out"
done
# (zombies do not count: this machine's PID 1 reaps daemons' leftovers late)
left=$(ps -eo pid=,stat=,args= | awk '$2 !~ /^Z/' | grep -E "vrplane-$T-|/run/vrplane/$T-vm" | grep -v grep || true)
[ -z "$left" ] && ok "no qemu or relay process left" || fail "processes left: $left"
left=$(ls /run/vrplane/$T-vm* "$W"/vm*/*.pid "$W"/vm*/monitor.sock "$W"/vm*/vm.env "$W"/vm*/ready 2>/dev/null || true)
[ -z "$left" ] && ok "no socket, vhost-user socket, pid file or state file left" || fail "files left: $left"
ip -n $M link show ${T}t2 >/dev/null 2>&1 || ip -n $M link show ${T}t3 >/dev/null 2>&1 \
  && fail "TAPs left: $(ip -n $M -br link | grep $T)" || ok "TAPs ${T}t2 and ${T}t3 removed"
grep -q "shutting down" "$D1/init.log" && grep -q "vrd stopped" "$D1/init.log" \
  && ok "vm1's guest shut down cleanly: $(grep -E 'zebra stopped|vrd stopped' "$D1/init.log" | sed 's/^\[[^]]*\] //' | tr '\n' ' ')" \
  || fail "vm1's guest shutdown: $(tail -3 "$D1/init.log")"
out=$("$VMSH" stop --dir "$D1" 2>&1) && ok "stopping a stopped VM: '$out'" || fail "second stop: $out"
pingok 10.9.0.1 && fail "10.9.0.1 still answers" || ok "10.9.0.1 is gone"
kill -0 $MUX_PID && ok "vrmux alive after its slices' VMs went away" || fail "vrmux died"
lib_exit
