#!/bin/bash
# One FRR command in a VM slice's guest, through the relay vm.sh set up:
#   deploy/vm/vtysh.sh SLICE COMMAND...      e.g. vtysh.sh r1 show ip route json
# /run/vrplane/SLICE.vtysh.sock (host, in the slice's netns: socat) ->
# qemu's forwarded port -> the guest's TCP 7071, where vrplane-init reads the
# line and runs `vtysh -c LINE`; FRR's answer comes back on stdout.
# Exit 1 when there is no relay or no answer. VR_VTYSH_TIMEOUT: seconds
# to wait for the answer (default 60).
set -uo pipefail
[ $# -ge 2 ] || { echo "usage: vtysh.sh SLICE COMMAND..." >&2; exit 2; }
slice=$1; shift
sock=/run/vrplane/$slice.vtysh.sock
[ -S "$sock" ] || { echo "vtysh.sh: no $sock: is the VM slice $slice running? (deploy/vm/vm.sh status --dir DIR)" >&2; exit 1; }
command -v socat >/dev/null || { echo "vtysh.sh: socat not found (apt-get install socat)" >&2; exit 1; }
to=${VR_VTYSH_TIMEOUT:-60}
out=$(printf '%s\n' "$*" | timeout $((to + 5)) socat -t "$to" -T "$to" - UNIX-CONNECT:"$sock" 2>&1)
rc=$?
if [ -z "$out" ]; then
  echo "vtysh.sh: no answer from $slice's guest through $sock (socat exit $rc; is the guest ready? FRR running? see its frr.log)" >&2
  exit 1
fi
printf '%s\n' "$out"
