#!/bin/bash
# VM router slices: a slice's vrd and FRR in a qemu guest (the image of
# deploy/vm/build-image.sh), its data ports on vrmux (vhost-user or TAPs),
# its API reachable from the host as for a container slice.
#
#   vm.sh start --name SLICE --netns NS --dir DIR --nic virtio|e1000|vmxnet3
#               [--mem MB] [--cpus N] [--hugepages N]
#               [--port IFNAME,MAC,vhost-user:PATH]... [--port IFNAME,MAC,tap:TAPNAME]...
#   vm.sh wait   --dir DIR [--timeout S]      until DIR/ready (default 900 s)
#   vm.sh stop   --dir DIR                    power off, remove everything
#   vm.sh status --dir DIR [--json]
#   vm.sh accel  [--reprobe]                  which accelerator, and why
#
# DIR is the slice's 9p share, mounted on /vrplane in the guest. The caller
# writes into it `slice` (the name; vm.sh writes it if absent), `vrd.conf`,
# and for FRR `frr.conf` (with `fpm address 127.0.0.1`) and `daemons` (one
# FRR daemon per line besides zebra: staticd, ospfd, bgpd...). vm.sh
# writes `pci-ports`, `vm.env`, `qemu.pid`, the relays' pid files and
# `console.log`; the guest writes `init.log`, `vrd.log`, `frr.log`,
# `ready` (or `failed`).
#
# Data port k (0-based, in --port order) is the guest PCI device
# 0000:00:(0x10+k).0, i.e. 0000:00:10.0, 0000:00:11.0, ... (at most 15):
# vrd.conf says `port add IFNAME devargs 0000:00:10.0` for the first port.
# The guest's MAC of a port is the MAC given here (give vrmux the same one).
# --nic picks the device model of every data port:
#   virtio   virtio-net-pci on a vhost-user socket (PATH; qemu is the server,
#            vrmux the client: `slice add NAME mac MAC attach vhost-user:PATH`)
#   e1000, vmxnet3   a TAP in NS created here (vrmux: `attach af_packet:TAPNAME`)
# In the guest DPDK drives them through uio_pci_generic (net_virtio,
# net_e1000_em, net_vmxnet3). The management NIC (0000:00:03.0, virtio-net
# on qemu's user network, restricted) carries two forwarded ports: the
# guest's TCP 7070 (vrd's API socket) and 7071 (one vtysh command), on
# 127.0.0.1:P and P+1 in NS (P from the name's hash, checked free). In NS,
# socat relays them to /run/vrplane/SLICE.sock and SLICE.vtysh.sock, so
#   build/ctl/vrctl -s /run/vrplane/SLICE.sock stats --json
#   deploy/vm/vtysh.sh SLICE show ip route json
# work as for a container slice.
#
# Accelerator: KVM when a test boot under KVM reaches the guest init
# within VR_KVM_PROBE_TIMEOUT s (20), else TCG; probed once per host boot,
# cached in /run/vrplane/kvm-probe (first line kvm or tcg, then why).
# VR_VM_ACCEL=kvm|tcg overrides. Other environment: VR_BUILD (the build tree
# shared with the guest, default TOP/build), VR_VM_IMAGE (an image
# directory instead of build-image.sh's), VR_VM_STOP_TIMEOUT (s the guest
# gets to power off, default 60).
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
BUILD=${VR_BUILD:-$TOP/build}
RUN=/run/vrplane
PROBE=$RUN/kvm-probe
QEMU=${VR_QEMU:-qemu-system-x86_64}
ME="vm.sh"

die() { echo "$ME: $*" >&2; exit 1; }
say() { echo "$ME: $*"; }
usage() { sed -n '2,/^set -uo/p' "$0" | sed '$d; s/^# \{0,1\}//'; }

# ---- helpers ----
pid_is() { # PID WORD: the process runs and its command line contains WORD
  [ -n "${1:-}" ] && [ -r /proc/$1/cmdline ] && tr '\0' ' ' < /proc/$1/cmdline | grep -qF -- "$2"
}
# alive PID: running and not a zombie (an exited daemon stays a zombie
# until its reaper gets to it, and kill -0 succeeds on zombies)
alive() {
  local st
  [ -n "${1:-}" ] && read -r st < /proc/$1/stat 2>/dev/null || return 1
  st=${st##*) }
  [ "${st%% *}" != Z ]
}
pidfile_pid() { [ -s "$1" ] && tr -cd '0-9' < "$1"; }
sock_answers() { [ -S "$1" ] && timeout 3 socat -u /dev/null UNIX-CONNECT:"$1" 2>/dev/null; }
mac_ok() { [[ $1 =~ ^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$ ]] && (( (0x${1:0:2} & 1) == 0 )); }
image_dir() {
  if [ -n "${VR_VM_IMAGE:-}" ]; then echo "$VR_VM_IMAGE"; return; fi
  "$HERE/build-image.sh" --print-path
}
image_ok() { [ -s "$1/rootfs.img" ] && [ -s "$1/vmlinuz" ] && [ -s "$1/initrd.img" ]; }
load_env() { # DIR
  [ -f "$1/vm.env" ] || return 1
  # shellcheck disable=SC1091
  source "$1/vm.env"
}

# ---- accelerator ----
# probe_kvm IMAGE: boot the image's kernel under KVM with vrplane.probe on
# the command line (vrplane-init prints VRPLANE-PROBE-OK and powers off).
probe_kvm() {
  local img=$1 t=${VR_KVM_PROBE_TIMEOUT:-20} d pid i last cpu rc errs=
  if [ ! -e /dev/kvm ]; then echo "tcg"; echo "no /dev/kvm"; return; fi
  if ! { : < /dev/kvm; } 2>/dev/null || ! [ -w /dev/kvm ]; then echo "tcg"; echo "/dev/kvm is not usable by $(id -un)"; return; fi
  d=$(mktemp -d /tmp/vrplane-kvm-probe.XXXX)
  # -cpu host first; a host whose KVM refuses an MSR of it (qemu aborts
  # at once) gets a second try without arch-capabilities.
  for cpu in host host,-arch-capabilities; do
    rm -f "$d/pid" "$d/console"
    $QEMU -accel kvm -machine q35 -cpu "$cpu" -smp 1 -m 512 -nodefaults -no-user-config \
      -display none -serial file:"$d/console" -pidfile "$d/pid" -daemonize -no-reboot \
      -kernel "$img/vmlinuz" -initrd "$img/initrd.img" \
      -drive file="$img/rootfs.img",format=raw,if=virtio,snapshot=on \
      -append "console=ttyS0 root=/dev/vda rw init=/usr/local/sbin/vrplane-init vrplane.probe panic=-1" \
      > "$d/out" 2>&1
    rc=$?
    pid=$(pidfile_pid "$d/pid")
    sleep 0.5
    if [ $rc -ne 0 ] || [ -z "$pid" ] || ! alive "$pid" && ! grep -q VRPLANE-PROBE-OK "$d/console" 2>/dev/null; then
      errs+="-cpu $cpu: $(grep -v '^\s*$' "$d/out" | head -1 | sed 's/^qemu-system-x86_64: //' | cut -c1-120); "
      pid=; continue
    fi
    break
  done
  if [ -z "$pid" ]; then
    echo "tcg"; echo "qemu -accel kvm fails: ${errs%; }"
    rm -rf "$d"; return
  fi
  i=0
  while [ $i -lt $((t * 4)) ]; do
    grep -q VRPLANE-PROBE-OK "$d/console" 2>/dev/null && break
    alive "$pid" || break
    sleep 0.25; i=$((i + 1))
  done
  if grep -q VRPLANE-PROBE-OK "$d/console" 2>/dev/null; then
    echo "kvm"; echo "a test boot under KVM (-cpu $cpu) reached the guest init in $((i / 4)) s"; echo "cpu $cpu"
  else
    last=$(tr -d '\r' < "$d/console" 2>/dev/null | grep -v '^\s*$' | tail -1 | cut -c1-100)
    echo "tcg"
    if alive "$pid"; then
      echo "a test boot under KVM (-cpu $cpu) did not reach the guest init in $t s: it hangs (console: ${last:-nothing at all})${errs:+; before that: ${errs%; }}"
    else
      echo "a test boot under KVM (-cpu $cpu) ended without reaching the guest init (console: ${last:-nothing})"
    fi
  fi
  pid_is "$pid" vrplane-kvm-probe && kill -KILL "$pid" 2>/dev/null
  for _ in $(seq 20); do alive "$pid" || break; sleep 0.1; done
  rm -rf "$d"
}

# choose_accel IMAGE [reprobe]: sets ACCEL and ACCEL_WHY
choose_accel() {
  local img=$1 re=${2:-0}
  case ${VR_VM_ACCEL:-} in
    kvm|tcg) ACCEL=$VR_VM_ACCEL; ACCEL_WHY="VR_VM_ACCEL=$VR_VM_ACCEL"; KVM_CPU=${VR_VM_KVM_CPU:-host}; return;;
    "") ;;
    *) die "VR_VM_ACCEL must be kvm or tcg, not '$VR_VM_ACCEL'";;
  esac
  mkdir -p $RUN
  exec 8>"$RUN/kvm-probe.lock"
  flock 8
  if [ "$re" = 1 ] || [ ! -s $PROBE ]; then
    say "probing KVM (a test boot, at most ${VR_KVM_PROBE_TIMEOUT:-20} s; once per host boot)..."
    probe_kvm "$img" > $PROBE.tmp
    echo "probed $(date -u +%FT%TZ)" >> $PROBE.tmp
    mv $PROBE.tmp $PROBE
  fi
  exec 8>&-
  ACCEL=$(sed -n 1p $PROBE)
  ACCEL_WHY="$(sed -n 2p $PROBE) (cached in $PROBE)"
  KVM_CPU=$(sed -n 's/^cpu //p' $PROBE)
}

# ---- start ----
cmd_start() {
  local name= ns= dir= nic= mem=1024 cpus=2 hp= ports=()
  while [ $# -gt 0 ]; do
    case $1 in
      --name) name=${2:-}; shift 2;;
      --netns) ns=${2:-}; shift 2;;
      --dir) dir=${2:-}; shift 2;;
      --nic) nic=${2:-}; shift 2;;
      --mem) mem=${2:-}; shift 2;;
      --cpus) cpus=${2:-}; shift 2;;
      --hugepages) hp=${2:-}; shift 2;;
      --port) ports+=("${2:-}"); shift 2;;
      *) die "start: unknown argument '$1' (see vm.sh --help)";;
    esac
  done
  [ "$(id -u)" -eq 0 ] || die "run as root"
  [[ $name =~ ^[A-Za-z0-9_-]+$ ]] || die "start: --name SLICE is required (letters, digits, - and _)"
  [ -n "$ns" ] || die "start: --netns NS is required"
  [ -n "$dir" ] || die "start: --dir DIR is required"
  case $nic in virtio|e1000|vmxnet3) ;; *) die "start: --nic must be virtio, e1000 or vmxnet3";; esac
  [[ $mem =~ ^[0-9]+$ ]] && [ "$mem" -ge 512 ] || die "start: --mem MB must be a number >= 512"
  [[ $cpus =~ ^[0-9]+$ ]] && [ "$cpus" -ge 1 ] || die "start: --cpus must be a number >= 1"
  hp=${hp:-$((mem / 4))}
  [[ $hp =~ ^[0-9]+$ ]] && [ $((hp * 2)) -le $((mem - 256)) ] || die "start: --hugepages $hp (2 MB each) leaves less than 256 MB of --mem $mem to the guest"
  [ ${#ports[@]} -le 15 ] || die "start: at most 15 data ports (0000:00:10.0 to 0000:00:1e.0)"
  command -v "$QEMU" >/dev/null || die "$QEMU not found: apt-get install qemu-system-x86"
  command -v socat >/dev/null || die "socat not found: apt-get install socat"
  local img; img=$(image_dir)
  image_ok "$img" || die "start: no VM image in $img: build it with deploy/vm/build-image.sh (a few minutes the first time)"
  [ -x "$BUILD/dataplane/vrd" ] && [ -x "$BUILD/ctl/vrctl" ] || die "start: no vrd/vrctl in $BUILD (build first: meson setup build && ninja -C build)"
  [ -d "$dir" ] || die "start: $dir is not a directory (the slice's share: slice, vrd.conf, frr.conf, daemons)"
  dir=$(cd "$dir" && pwd)
  ip netns exec "$ns" true 2>/dev/null || die "start: network namespace '$ns' does not exist (ip netns add $ns)"

  # Already running? Socket paths busy?
  local old; old=$(pidfile_pid "$dir/qemu.pid")
  if pid_is "$old" qemu; then die "start: a VM already runs for $dir (qemu pid $old): vm.sh stop --dir $dir first"; fi
  if [ -s "$dir/slice" ] && [ "$(head -1 "$dir/slice")" != "$name" ]; then
    die "start: $dir/slice says '$(head -1 "$dir/slice")', not '$name'"
  fi
  local api=$RUN/$name.sock vty=$RUN/$name.vtysh.sock
  sock_answers "$api" && die "start: socket path $api is busy (another slice named $name answers there)"
  sock_answers "$vty" && die "start: socket path $vty is busy (another VM slice named $name?)"
  [ -e "$api" ] && [ ! -S "$api" ] && die "start: $api exists and is not a socket"

  # Data ports.
  local args=() pci_lines=() taps=() vhosts=() k=0 p ifn mac be pci
  for p in "${ports[@]}"; do
    IFS=, read -r ifn mac be <<< "$p"
    [[ $ifn =~ ^[A-Za-z0-9_-]{1,15}$ ]] || die "start: --port '$p': IFNAME must be 1-15 letters, digits, - or _"
    mac_ok "$mac" || die "start: --port '$p': '$mac' is not a unicast MAC address"
    pci=$(printf '0000:00:%02x.0' $((0x10 + k)))
    local addr; addr=$(printf '0x%02x' $((0x10 + k)))
    case $be in
      vhost-user:*)
        local path=${be#vhost-user:}
        [ "$nic" = virtio ] || die "start: --port '$p': vhost-user needs --nic virtio (e1000/vmxnet3 use tap:TAPNAME)"
        [ -n "$path" ] && [ -d "$(dirname "$path")" ] || die "start: --port '$p': the directory of $path does not exist"
        sock_answers "$path" && die "start: --port '$p': vhost-user socket $path is busy (something listens there)"
        [ -e "$path" ] && [ ! -S "$path" ] && die "start: --port '$p': $path exists and is not a socket"
        args+=(-chardev "socket,id=c$k,path=$path,server=on,wait=off"
               -netdev "vhost-user,id=n$k,chardev=c$k"
               -device "virtio-net-pci,netdev=n$k,mac=$mac,addr=$addr,vectors=0,romfile=")
        vhosts+=("$path");;
      tap:*)
        local tap=${be#tap:}
        [[ $tap =~ ^[A-Za-z0-9_.-]{1,15}$ ]] || die "start: --port '$p': bad TAP name '$tap'"
        ip -n "$ns" link show "$tap" >/dev/null 2>&1 && die "start: --port '$p': interface $tap already exists in $ns"
        local model
        case $nic in virtio) model="virtio-net-pci,vectors=0";; e1000) model=e1000;; vmxnet3) model=vmxnet3;; esac
        args+=(-netdev "tap,id=n$k,ifname=$tap,script=no,downscript=no"
               -device "$model,netdev=n$k,mac=$mac,addr=$addr,romfile=")
        taps+=("$tap");;
      *) die "start: --port '$p': the backend must be vhost-user:PATH or tap:TAPNAME";;
    esac
    pci_lines+=("$pci # $ifn $mac $be")
    k=$((k + 1))
  done

  choose_accel "$img"
  say "accelerator: $ACCEL: $ACCEL_WHY"
  local accel_args
  if [ "$ACCEL" = kvm ]; then accel_args=(-accel kvm -cpu "${KVM_CPU:-host}"); else accel_args=(-accel tcg -cpu max); fi

  # Management ports: P and P+1 free on NS's loopback, from the name's hash.
  ip -n "$ns" link set lo up
  local h P= try
  h=$(printf '%s' "$name" | cksum | cut -d' ' -f1)
  for try in $(seq 0 199); do
    local c=$(( 20000 + ((h + try * 7919) % 20000) * 2 ))
    if [ -z "$(ip netns exec "$ns" ss -Hltn "( sport = :$c or sport = :$((c + 1)) )" 2>/dev/null)" ]; then P=$c; break; fi
  done
  [ -n "$P" ] || die "start: no free pair of TCP ports on 127.0.0.1 in $ns"

  # TAPs for e1000/vmxnet3 (vrmux attaches with af_packet).
  local t
  for t in "${taps[@]}"; do
    ip -n "$ns" tuntap add dev "$t" mode tap || die "start: cannot create TAP $t in $ns"
    ip netns exec "$ns" sysctl -qw net.ipv6.conf."$t".disable_ipv6=1 2>/dev/null
    ip -n "$ns" link set "$t" up
  done

  [ -s "$dir/slice" ] || echo "$name" > "$dir/slice"
  { echo "# guest PCI address of each data port (written by vm.sh)"; printf '%s\n' "${pci_lines[@]}"; } > "$dir/pci-ports"
  rm -f "$dir/ready" "$dir/failed" "$dir/monitor.sock" "$dir/init.log"
  : > "$dir/console.log"
  cat > "$dir/vm.env" <<EOF
NAME=$name
NS=$ns
NIC=$nic
MEM=$mem
CPUS=$cpus
HUGEPAGES=$hp
ACCEL=$ACCEL
ACCEL_WHY='${ACCEL_WHY//\'/}'
MGMT_PORT=$P
IMAGE=$img
BUILD_TREE=$BUILD
TAPS='${taps[*]}'
VHOSTS='${vhosts[*]}'
STARTED=$(date +%s.%N)
EOF

  local append="console=ttyS0 root=/dev/vda rw rootfstype=ext4 init=/usr/local/sbin/vrplane-init"
  append+=" hugepages=$hp panic=-1 mitigations=off random.trust_cpu=on net.ifnames=0 vrplane.mgmt=0000:00:03.0"
  local q=(
    ip netns exec "$ns" "$QEMU" -name "vrplane-$name,process=vrplane-$name,debug-threads=on"
    -machine q35 "${accel_args[@]}" -smp "$cpus" -m "$mem"
    -object "memory-backend-memfd,id=mem,size=${mem}M,share=on" -numa node,memdev=mem
    -nodefaults -no-user-config -nographic
    -serial file:"$dir/console.log"
    -monitor unix:"$dir/monitor.sock",server=on,wait=off
    -pidfile "$dir/qemu.pid" -daemonize
    -kernel "$img/vmlinuz" -initrd "$img/initrd.img" -append "$append"
    -drive file="$img/rootfs.img",format=raw,if=virtio,snapshot=on
    -fsdev local,id=fs0,path="$dir",security_model=none
    -device virtio-9p-pci,fsdev=fs0,mount_tag=vrplane,addr=0x5
    -fsdev local,id=fs1,path="$BUILD",security_model=none,readonly=on
    -device virtio-9p-pci,fsdev=fs1,mount_tag=build,addr=0x6
    -netdev user,id=mgmt,restrict=on,hostfwd=tcp:127.0.0.1:$P-:7070,hostfwd=tcp:127.0.0.1:$((P + 1))-:7071
    -device virtio-net-pci,netdev=mgmt,addr=0x3,romfile=
    "${args[@]}"
  )
  printf '%q ' "${q[@]}" > "$dir/qemu.cmdline"; echo >> "$dir/qemu.cmdline"
  if ! "${q[@]}" > "$dir/qemu.err" 2>&1; then
    local err; err=$(cat "$dir/qemu.err")
    for t in "${taps[@]}"; do ip -n "$ns" link del "$t" 2>/dev/null; done
    rm -f "$dir/vm.env" "$dir/qemu.pid" "$dir/monitor.sock"
    die "start: qemu failed: $err (command line in $dir/qemu.cmdline)"
  fi
  local qpid; qpid=$(pidfile_pid "$dir/qemu.pid")
  say "qemu pid $qpid in netns $ns ($ACCEL, ${cpus} CPU(s), $mem MB, $hp hugepages, ${#ports[@]} $nic data port(s)); console: $dir/console.log"

  # Host-side relays in NS: the API socket and the vtysh socket.
  mkdir -p $RUN
  relay() { # UNIX-PATH TCP-PORT PIDFILE
    ip netns exec "$ns" setsid socat -t 60 UNIX-LISTEN:"$1",fork,unlink-early,mode=0660 TCP:127.0.0.1:"$2" \
      < /dev/null >> "$dir/relay.log" 2>&1 &
    echo $! > "$3"
  }
  relay "$api" "$P" "$dir/relay-api.pid"
  relay "$vty" "$((P + 1))" "$dir/relay-vtysh.pid"
  for _ in $(seq 50); do [ -S "$api" ] && [ -S "$vty" ] && break; sleep 0.1; done
  [ -S "$api" ] && [ -S "$vty" ] || say "warning: the relays' sockets did not appear (see $dir/relay.log)"
  say "$name: API $api -> 127.0.0.1:$P -> guest :7070; vtysh $vty -> 127.0.0.1:$((P + 1)) -> guest :7071"
  for pci in "${pci_lines[@]}"; do say "  data port ${pci#* # } at guest PCI ${pci%% *}"; done
  say "started; 'vm.sh wait --dir $dir' waits until it is ready"
}

# ---- wait ----
cmd_wait() {
  local dir= to=900
  while [ $# -gt 0 ]; do
    case $1 in
      --dir) dir=${2:-}; shift 2;;
      --timeout) to=${2:-}; shift 2;;
      *) die "wait: unknown argument '$1'";;
    esac
  done
  [ -n "$dir" ] || die "wait: --dir DIR is required"
  load_env "$dir" || die "wait: no VM was started for $dir (no $dir/vm.env)"
  local end=$((SECONDS + to)) qpid
  qpid=$(pidfile_pid "$dir/qemu.pid")
  while [ $SECONDS -lt $end ]; do
    if [ -f "$dir/ready" ]; then
      local t; t=$(awk -v s="$STARTED" -v n="$(date +%s.%N)" 'BEGIN {printf "%.1f", n - s}')
      say "$NAME ready $t s after start ($ACCEL; guest uptime at ready: $(awk '{print $2}' "$dir/ready") s)"
      return 0
    fi
    if [ -f "$dir/failed" ]; then
      echo "$ME: $NAME failed in the guest: $(cat "$dir/failed")" >&2
      echo "--- $dir/init.log:" >&2; tail -20 "$dir/init.log" >&2
      [ -s "$dir/vrd.log" ] && { echo "--- $dir/vrd.log:" >&2; tail -20 "$dir/vrd.log" >&2; }
      return 1
    fi
    if ! pid_is "$qpid" qemu; then
      echo "$ME: $NAME: qemu is not running; the console's last lines:" >&2
      tail -25 "$dir/console.log" | tr -d '\r' >&2
      return 1
    fi
    sleep 1
  done
  echo "$ME: $NAME not ready after $to s; the console's last lines ($dir/console.log):" >&2
  tail -25 "$dir/console.log" | tr -d '\r' >&2
  [ -s "$dir/init.log" ] && { echo "--- $dir/init.log:" >&2; tail -10 "$dir/init.log" >&2; }
  return 1
}

# ---- stop ----
kill_pidfile() { # PIDFILE WORD
  local pid; pid=$(pidfile_pid "$1")
  if pid_is "$pid" "$2"; then
    kill -TERM "$pid" 2>/dev/null
    for _ in $(seq 30); do alive "$pid" || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null
  fi
  rm -f "$1"
}
cmd_stop() {
  local dir=
  while [ $# -gt 0 ]; do
    case $1 in
      --dir) dir=${2:-}; shift 2;;
      *) die "stop: unknown argument '$1'";;
    esac
  done
  [ -n "$dir" ] || die "stop: --dir DIR is required"
  [ -d "$dir" ] || die "stop: $dir is not a directory"
  if ! load_env "$dir"; then
    if [ -f "$dir/qemu.pid" ] && pid_is "$(pidfile_pid "$dir/qemu.pid")" qemu; then
      die "stop: qemu runs for $dir but $dir/vm.env is missing: kill $(pidfile_pid "$dir/qemu.pid") by hand"
    fi
    rm -f "$dir/qemu.pid" "$dir/relay-api.pid" "$dir/relay-vtysh.pid" "$dir/monitor.sock" "$dir/ready"
    say "no VM runs for $dir (nothing to stop)"
    return 0
  fi
  local qpid how=
  qpid=$(pidfile_pid "$dir/qemu.pid")
  if pid_is "$qpid" qemu; then
    local t0=$SECONDS to=${VR_VM_STOP_TIMEOUT:-60}
    mon() { echo "$1" | timeout 5 socat - UNIX-CONNECT:"$dir/monitor.sock" >/dev/null 2>&1; }
    if ! grep -qs "power button armed" "$dir/init.log"; then
      # Still booting (or no init): nothing listens to the power button and
      # nothing needs a clean shutdown (the root disk is a snapshot).
      mon quit
      for _ in $(seq 40); do alive "$qpid" || break; sleep 0.25; done
      how="was still booting: qemu quit"
    elif mon system_powerdown; then
      for i in $(seq $((to * 4))); do
        alive "$qpid" || break
        sleep 0.25
        [ $((i % 20)) -eq 0 ] && mon system_powerdown
      done
      how="powered off in $((SECONDS - t0)) s"
    fi
    if alive "$qpid"; then
      how="did not power off within $to s: killed"
      kill -TERM "$qpid" 2>/dev/null
      for _ in $(seq 50); do alive "$qpid" || break; sleep 0.1; done
      kill -KILL "$qpid" 2>/dev/null
      for _ in $(seq 20); do alive "$qpid" || break; sleep 0.1; done
    fi
  else
    how="was not running"
  fi
  kill_pidfile "$dir/relay-api.pid" socat
  kill_pidfile "$dir/relay-vtysh.pid" socat
  rm -f "$RUN/$NAME.sock" "$RUN/$NAME.vtysh.sock" "$dir/monitor.sock" "$dir/qemu.pid" "$dir/ready" "$dir/pci-ports"
  local v t
  for v in $VHOSTS; do [ -S "$v" ] && ! sock_answers "$v" && rm -f "$v"; done
  for t in $TAPS; do ip -n "$NS" link del "$t" 2>/dev/null; done
  rm -f "$dir/vm.env"
  say "$NAME: $how; relays, sockets, TAPs and pid files removed"
}

# ---- status ----
cmd_status() {
  local dir= json=0
  while [ $# -gt 0 ]; do
    case $1 in
      --dir) dir=${2:-}; shift 2;;
      --json) json=1; shift;;
      *) die "status: unknown argument '$1'";;
    esac
  done
  [ -n "$dir" ] || die "status: --dir DIR is required"
  local running=false ready=false answers=false name= accel= qpid= port=null ns=
  if load_env "$dir"; then
    name=$NAME accel=$ACCEL port=$MGMT_PORT ns=$NS
    qpid=$(pidfile_pid "$dir/qemu.pid")
    pid_is "$qpid" qemu && running=true
    [ -f "$dir/ready" ] && ready=true
    timeout 30 "$BUILD/ctl/vrctl" -s "$RUN/$NAME.sock" stats >/dev/null 2>&1 && answers=true
  fi
  if [ $json -eq 1 ]; then
    jq -n --arg name "$name" --arg ns "$ns" --arg accel "$accel" --arg dir "$dir" --argjson running $running \
      --argjson ready $ready --argjson answers $answers --arg pid "$qpid" --argjson port "${port:-null}" \
      '{name: $name, netns: $ns, dir: $dir, qemu_running: $running, qemu_pid: ($pid | tonumber? // null),
        accel: $accel, ready: $ready, vrd_answers: $answers, mgmt_port: $port}'
  else
    if [ -z "$name" ]; then echo "no VM started for $dir"; else
      echo "slice $name (netns $ns): qemu $([ $running = true ] && echo "running, pid $qpid" || echo "not running")," \
        "accel $accel, $([ $ready = true ] && echo ready || echo "not ready")," \
        "vrd $([ $answers = true ] && echo "answers on $RUN/$name.sock" || echo "does not answer")"
    fi
  fi
  [ $running = true ]
}

cmd_accel() {
  local re=0
  [ "${1:-}" = --reprobe ] && re=1
  local img; img=$(image_dir)
  image_ok "$img" || die "no VM image in $img: build it with deploy/vm/build-image.sh"
  choose_accel "$img" $re
  echo "$ACCEL: $ACCEL_WHY"
}

case ${1:-} in
  start) shift; cmd_start "$@";;
  wait) shift; cmd_wait "$@";;
  stop) shift; cmd_stop "$@";;
  status) shift; cmd_status "$@";;
  accel) shift; cmd_accel "$@";;
  -h|--help|help) usage;;
  *) usage >&2; exit 2;;
esac
