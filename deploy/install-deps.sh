#!/bin/bash
# Installs everything vrplane builds, tests and benchmarks with, from
# Debian 12's archive. Idempotent: installs only what is missing.
set -euo pipefail
PKGS=(
  build-essential meson ninja-build pkg-config clang llvm
  libdpdk-dev dpdk dpdk-doc libbpf-dev libxdp-dev xdp-tools bpftool libcmocka-dev
  libjansson-dev libmnl-dev zlib1g-dev libpcap-dev libyaml-dev
  python3-scapy python3-yaml iproute2 iputils-ping tcpdump jq socat netcat-openbsd
  frr gnuplot-nox bc ethtool qemu-system-x86 debootstrap e2fsprogs
)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#PKGS[@]} packages present"
  exit 0
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
