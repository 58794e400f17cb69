#!/bin/bash
# Builds and caches the guest image of VM router slices: Debian 12
# (bookworm) made with debootstrap from Debian's archive, with the kernel,
# DPDK's runtime (libraries, PMDs, dpdk-devbind.py), FRR, socat and the
# guest init deploy/vm/guest/vrplane-init.
#
#   deploy/vm/build-image.sh                 build unless cached; prints the directory
#   deploy/vm/build-image.sh --print-path    print the directory; exit 1 if not built yet
#   deploy/vm/build-image.sh --rebuild       build again even if cached
#
# Output: /var/cache/vrplane/vm/KEY/{rootfs.img,vmlinuz,initrd.img,manifest}
# (VR_VM_CACHE overrides /var/cache/vrplane/vm). KEY is a hash of the
# package list and of the files in deploy/vm/guest/: changing either makes
# a new image. rootfs.img is a raw ext4 file system made by `mkfs.ext4 -d`
# from the debootstrap tree (no loop mount). The image holds neither vrd
# nor vrctl: vm.sh shares the host's build tree with the guest (9p).
#
# The debootstrap tree is cached too, keyed by the package list only
# (KEY-less directory base-PKGKEY/): a change of the guest init rebuilds
# the image in seconds. A build happens in a temporary directory renamed
# into place at the end, under a lock, so an interrupted build is never
# used (its leftovers are removed by the next run).
# VR_VM_MIRROR overrides the archive (default http://deb.debian.org/debian).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
CACHE=${VR_VM_CACHE:-/var/cache/vrplane/vm}
MIRROR=${VR_VM_MIRROR:-http://deb.debian.org/debian}
SUITE=bookworm
FORMAT=1      # bump when the way the image is assembled changes

# The guest's packages. vrd's own libraries (`ldd build/dataplane/vrd`)
# are the librte-* runtime, libbpf1, libxdp1, libjansson4, libmnl0,
# zlib1g, libnuma1, libfdt1, libbsd0, libelf1; DPDK loads its PMDs from a
# plugin directory, so the drivers the guest uses are listed by name:
# virtio, e1000 (em), vmxnet3, tap (vrd's exception path) and the ring
# mempool, with the PCI and vdev buses.
PKGS=(
  linux-image-amd64 initramfs-tools kmod procps iproute2 iputils-ping ethtool
  socat acpid pciutils python3 zstd
  dpdk librte-eal23 librte-ethdev23 librte-fib23 librte-rib23 librte-hash23
  librte-net23 librte-mbuf23 librte-mempool23 librte-rcu23 librte-telemetry23
  librte-kvargs23 librte-ring23 librte-meter23
  librte-bus-pci23 librte-bus-vdev23 librte-mempool-ring23
  librte-net-virtio23 librte-net-e1000-23 librte-net-vmxnet3-23 librte-net-tap23
  libbpf1 libxdp1 libjansson4 libmnl0 zlib1g libnuma1 libfdt1 libbsd0 libelf1
  frr
)

usage() { sed -n '2,/^set -e/p' "$0" | sed '$d; s/^# \{0,1\}//'; }
PRINT=0 REBUILD=0
for a in "$@"; do
  case $a in
    --print-path) PRINT=1;;
    --rebuild) REBUILD=1;;
    -h|--help) usage; exit 0;;
    *) echo "build-image.sh: unknown argument '$a' (see --help)" >&2; exit 2;;
  esac
done

hash16() { sha256sum | cut -c1-16; }
PKGKEY=$( { echo "format $FORMAT $SUITE $MIRROR"; printf '%s\n' "${PKGS[@]}" | sort; } | hash16)
KEY=$( { echo "$PKGKEY"; for f in "$HERE"/guest/*; do echo "== $(basename "$f")"; cat "$f"; done; } | hash16)
OUT=$CACHE/$KEY
BASE=$CACHE/base-$PKGKEY

complete() { [ -s "$1/rootfs.img" ] && [ -s "$1/vmlinuz" ] && [ -s "$1/initrd.img" ] && [ -s "$1/manifest" ]; }
if [ $PRINT -eq 1 ]; then
  echo "$OUT"
  complete "$OUT"
  exit
fi
if [ $REBUILD -eq 0 ] && complete "$OUT"; then
  echo "$OUT"
  exit 0
fi

[ "$(id -u)" -eq 0 ] || { echo "build-image.sh: run as root (debootstrap, chroot)" >&2; exit 1; }
need=()
command -v debootstrap >/dev/null || need+=(debootstrap)
command -v mkfs.ext4 >/dev/null || need+=(e2fsprogs)
[ -f /usr/share/keyrings/debian-archive-keyring.gpg ] || need+=(debian-archive-keyring)
if [ ${#need[@]} -gt 0 ]; then
  echo "build-image: installing ${need[*]} (apt-get)"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${need[@]}" >/dev/null \
    || { echo "build-image.sh: cannot install ${need[*]} with apt-get" >&2; exit 1; }
fi

T0=$SECONDS
say() { printf '[build-image %4ds] %s\n' $((SECONDS - T0)) "$*"; }
mkdir -p "$CACHE"
exec 9>"$CACHE/.lock"
if ! flock -n 9; then
  say "another build holds $CACHE/.lock; waiting"
  flock 9
fi
if [ $REBUILD -eq 0 ] && complete "$OUT"; then echo "$OUT"; exit 0; fi
# Leftovers of interrupted builds (we hold the lock: nobody else builds).
rm -rf --one-file-system "$CACHE"/.tmp-* 2>/dev/null || true

TMP=$CACHE/.tmp-$KEY.$$
DB=
cleanup() {
  local rc=$?
  set +e
  [ -n "$DB" ] && kill "$DB" 2>/dev/null && wait "$DB" 2>/dev/null
  rm -rf --one-file-system "$TMP" "$CACHE/.tmp-base-$PKGKEY.$$"
  [ $rc -ne 0 ] && echo "build-image: $([ $rc -ge 129 ] && echo interrupted || echo FAILED) (exit $rc); the partial build was removed" >&2
  return $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP
mkdir -p "$TMP"

# ---- 1. the debootstrap tree, cached by package list ----
if [ $REBUILD -eq 1 ] || [ ! -f "$BASE/.complete" ]; then
  rm -rf "$BASE"
  BT=$CACHE/.tmp-base-$PKGKEY.$$
  mkdir -p "$BT"
  say "debootstrap $SUITE from $MIRROR into $BT (${#PKGS[@]} packages and their dependencies; a few minutes)"
  # In a private mount namespace: the /proc and /sys debootstrap mounts in
  # the tree vanish with it, even when it is interrupted.
  unshare -m --propagation private debootstrap --variant=minbase \
    --include="$(IFS=,; echo "${PKGS[*]}")" "$SUITE" "$BT/root" "$MIRROR" \
    > "$BT/debootstrap.log" 2>&1 < /dev/null &
  DB=$!
  last=
  while kill -0 $DB 2>/dev/null; do
    sleep 5
    cur=$(grep -E '^I: ' "$BT/debootstrap.log" 2>/dev/null | tail -1 | awk '{print $2}')
    if [ -n "$cur" ] && [ "$cur" != "$last" ]; then
      say "debootstrap: $(grep -E '^I: ' "$BT/debootstrap.log" | tail -1 | cut -c4- | cut -c1-80) ..."
      last=$cur
    fi
  done
  rc=0; wait $DB || rc=$?
  DB=
  if [ $rc -ne 0 ]; then
    say "debootstrap failed; the end of its log ($BT/debootstrap.log):"
    tail -25 "$BT/debootstrap.log" >&2
    tail -30 "$BT/root/debootstrap/debootstrap.log" 2>/dev/null >&2 || true
    exit 1
  fi
  R=$BT/root
  # A small initrd: only what finds and mounts the root disk (virtio-blk,
  # ext4); the rest is loaded by vrplane-init from the root file system.
  cat > "$R/etc/initramfs-tools/conf.d/vrplane" <<'EOF'
MODULES=list
RESUME=none
COMPRESS=zstd
EOF
  printf '%s\n' virtio_pci virtio_blk ext4 crc32c_generic > "$R/etc/initramfs-tools/modules"
  say "initramfs (virtio_blk, ext4 only)"
  # /proc in a private mount namespace: it goes away with the command.
  unshare -m --propagation private chroot "$R" /bin/sh -c \
    'mount -t proc proc /proc && update-initramfs -u -k all' > "$BT/initramfs.log" 2>&1 \
    || { tail -20 "$BT/initramfs.log" >&2; say "update-initramfs failed"; exit 1; }
  chroot "$R" dpkg-query -W -f='${Package} ${Version}\n' > "$BT/packages"
  # Not needed in the guest: apt's caches and lists, documentation.
  rm -rf "$R"/var/cache/apt/archives/*.deb "$R"/var/lib/apt/lists/* "$R"/usr/share/doc/* \
         "$R"/usr/share/man/* "$R"/usr/share/locale/*
  echo "$(date -u +%FT%TZ) $SUITE $MIRROR" > "$BT/.complete"
  mv -T "$BT" "$BASE"
  say "debootstrap tree cached in $BASE ($(du -sm "$BASE/root" | cut -f1) MB, $(wc -l < "$BASE/packages") packages)"
else
  say "debootstrap tree from the cache: $BASE"
fi

# The image does not depend on the build tree, but a vrd built with
# libraries the guest lacks would not start there: say so now.
VRD_HOST=${VR_BUILD:-$HERE/../../build}/dataplane/vrd
if [ -x "$VRD_HOST" ]; then
  miss=()
  for lib in $(ldd "$VRD_HOST" 2>/dev/null | awk '$2 == "=>" && $3 ~ /^\// {print $1}'); do
    [ -e "$BASE/root/usr/lib/x86_64-linux-gnu/$lib" ] || [ -e "$BASE/root/lib/x86_64-linux-gnu/$lib" ] || miss+=("$lib")
  done
  if [ ${#miss[@]} -gt 0 ]; then
    say "WARNING: $VRD_HOST needs ${miss[*]}, not in the image: add their packages to PKGS"
  else
    say "every library of $VRD_HOST is in the image"
  fi
fi

# ---- 2. the image: the tree plus the guest files, as ext4 ----
R=$TMP/root
say "copying the tree"
cp -a --reflink=auto "$BASE/root" "$R"
install -m 0755 "$HERE/guest/vrplane-init" "$R/usr/local/sbin/vrplane-init"
echo vrplane > "$R/etc/hostname"
printf '127.0.0.1 localhost\n::1 localhost ip6-localhost ip6-loopback\n' > "$R/etc/hosts"
: > "$R/etc/fstab"
kver=$(ls "$R/lib/modules" | sort -V | tail -1)
cp "$R/boot/vmlinuz-$kver" "$TMP/vmlinuz"
cp "$R/boot/initrd.img-$kver" "$TMP/initrd.img"
mb=$(du -sm "$R" | cut -f1)
size=$(( mb + mb / 4 + 256 ))
say "mkfs.ext4 -d: ${mb} MB of files into a ${size} MB image"
mkfs.ext4 -q -F -L vrplane-root -E root_owner=0:0 -d "$R" "$TMP/rootfs.img" "${size}M" > "$TMP/mkfs.log" 2>&1 \
  || { cat "$TMP/mkfs.log" >&2; say "mkfs.ext4 failed"; exit 1; }
rm -f "$TMP/mkfs.log"
rm -rf "$R"
{
  echo "key $KEY"
  echo "packages-key $PKGKEY"
  echo "built $(date -u +%FT%TZ) in $((SECONDS - T0)) s"
  echo "kernel $kver"
  echo "suite $SUITE $MIRROR"
  echo "init $(sha256sum "$HERE/guest/vrplane-init" | cut -c1-16)"
  echo "--- packages"
  cat "$BASE/packages"
} > "$TMP/manifest"
rm -rf "$OUT"
mv -T "$TMP" "$OUT"
say "image ready in $((SECONDS - T0)) s: $OUT (kernel $kver, rootfs $(du -m --apparent-size "$OUT/rootfs.img" | cut -f1) MB)"
# Images of other keys are removed unless a process (qemu) still uses
# them; debootstrap trees of other package lists too.
for d in "$CACHE"/*/; do
  d=${d%/}
  case $(basename "$d") in
    "$KEY"|"base-$PKGKEY") continue;;
    base-*) rm -rf --one-file-system "$d" && say "removed the older debootstrap tree $d"; continue;;
  esac
  if grep -qsF "$d/" /proc/[0-9]*/cmdline; then
    say "keeping the older image $d: in use"
  else
    rm -rf --one-file-system "$d" && say "removed the older image $d"
  fi
done
echo "$OUT"
