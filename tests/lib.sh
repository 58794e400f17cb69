# Shared helpers for vrplane's shell tests. Source it; every test runs as
# root, makes its own namespaces with a unique prefix and removes them on
# exit (lib_cleanup runs from an EXIT trap).
set -uo pipefail
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${VR_BUILD:-$TOP/build}
VRD=$BUILD/dataplane/vrd
VRCTL=$BUILD/ctl/vrctl
SHARED=${VR_SHARED:-$TOP/../shared}
PY=/usr/bin/python3
T=${T:-vt$$}            # prefix for this test's namespaces and slices
LIB_NS=()
LIB_PIDS=()
LIB_FAILS=0

log() { echo "[$(basename "$0")] $*"; }
fail() { echo "FAIL: $*"; LIB_FAILS=$((LIB_FAILS + 1)); }
ok() { echo "ok: $*"; }
skip() { echo "SKIP: $*"; exit 77; }

lib_cleanup() {
  local rc=$? p ns
  for p in "${LIB_PIDS[@]}"; do kill "$p" 2>/dev/null; done
  for p in "${LIB_PIDS[@]}"; do
    for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$p" 2>/dev/null
  done
  for ns in "${LIB_NS[@]}"; do ip netns del "$ns" 2>/dev/null; done
  rm -f /run/vrplane/"$T"*.sock
  rm -rf /var/run/dpdk/*"$T"*   # DPDK leaves its (empty) runtime directory
  # A test that passed leaves nothing in /tmp (vrd logs, captures, files
  # made with its prefix); one that failed keeps them for reading.
  if [ "$rc" -eq 0 ] && [ "$LIB_FAILS" -eq 0 ]; then rm -rf /tmp/"$T"[!0-9]*; fi
}
trap lib_cleanup EXIT

# Hugepages and their mount, when the kernel has them.
hugepages_prepare() {
  mountpoint -q /dev/hugepages || { mkdir -p /dev/hugepages; mount -t hugetlbfs nodev /dev/hugepages; } 2>/dev/null
  local free; free=$(awk '/HugePages_Free/ {print $2}' /proc/meminfo)
  if [ "${free:-0}" -lt 512 ]; then
    echo $(( $(cat /proc/sys/vm/nr_hugepages) + 1024 )) > /proc/sys/vm/nr_hugepages 2>/dev/null || true
  fi
}

ns_add() { ip netns add "$1" && LIB_NS+=("$1") && ip -n "$1" link set lo up; }

# veth_host NS_ROUTER RIF NS_HOST ADDR/LEN GW [ADDR6/LEN GW6]: a host in
# NS_HOST with eth0 whose peer RIF sits in NS_ROUTER, hidden from that
# namespace's kernel stack (see hide_from_kernel).
veth_host() {
  local rns=$1 rif=$2 hns=$3 addr=$4 gw=$5 addr6=${6:-} gw6=${7:-}
  ip link add "$rif" netns "$rns" type veth peer name eth0 netns "$hns"
  ip -n "$rns" link set "$rif" up
  ip -n "$hns" link set eth0 up
  # veth leaves checksums to "hardware" (CHECKSUM_PARTIAL); a frame that
  # leaves the kernel through an af_packet or af_xdp port would keep the
  # partial sum. Hosts compute theirs, as with a real NIC.
  ip netns exec "$hns" ethtool -K eth0 tx off >/dev/null 2>&1
  ip -n "$hns" addr add "$addr" dev eth0
  ip -n "$hns" route add default via "$gw"
  if [ -n "$addr6" ]; then
    ip -n "$hns" addr add "$addr6" dev eth0 nodad
    ip -n "$hns" -6 route add default via "$gw6"
  fi
}

# A veth end used by an af_packet port: AF_PACKET sockets see frames
# before tc ingress, so dropping there keeps the router namespace's kernel
# from answering or forwarding anything that arrives on it.
hide_from_kernel() {
  local ns=$1 ifc=$2
  ip netns exec "$ns" sysctl -qw net.ipv4.conf."$ifc".forwarding=0 \
    net.ipv6.conf."$ifc".disable_ipv6=1 net.ipv4.conf."$ifc".arp_ignore=8
  tc -n "$ns" qdisc add dev "$ifc" clsact
  ip netns exec "$ns" tc filter add dev "$ifc" ingress bpf direct-action \
    obj "$BUILD/vnet/tc_ingress_drop.bpf.o" sec tc
}

# vrd_start NS SLICE [vrd args...] -- starts vrd in NS, waits for its socket.
vrd_start() {
  local ns=$1 slice=$2; shift 2
  local logf=/tmp/$slice.vrd.log
  ip netns exec "$ns" "$VRD" --slice "$slice" "$@" >"$logf" 2>&1 &
  LIB_PIDS+=($!)
  VRD_PID=$!
  for _ in $(seq 100); do
    [ -S /run/vrplane/$slice.sock ] && "$VRCTL" -s /run/vrplane/$slice.sock stats >/dev/null 2>&1 && return 0
    kill -0 "$VRD_PID" 2>/dev/null || break
    sleep 0.1
  done
  echo "vrd $slice did not start:"; cat "$logf"
  return 1
}

vrctl() { local s=$1; shift; "$VRCTL" -s /run/vrplane/$s.sock "$@"; }

# stat_get SLICE JQ-PATH: one number from `vrctl stats --json`.
stat_get() { vrctl "$1" stats --json | jq -r "$2"; }

# wait_for SECONDS CMD...: until CMD succeeds.
wait_for() {
  local t=$1; shift
  local end=$((SECONDS + t))
  while [ $SECONDS -lt $end ]; do "$@" >/dev/null 2>&1 && return 0; sleep 0.5; done
  return 1
}

lib_exit() {
  if [ "$LIB_FAILS" -ne 0 ]; then echo "$LIB_FAILS check(s) failed"; exit 1; fi
  exit 0
}
