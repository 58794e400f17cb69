# FRR helpers for the tests: daemons of an instance NAME run in network
# namespace NS with their own run and config directories, as
# /etc/frr/NAME and /var/run/frr/NAME (FRR's -N).
FRR_INSTANCES=()

# frr_start NS NAME CONF DAEMON...: zebra (with dplane_fpm_nl) and the
# given daemons (staticd, ospfd, ospf6d, bgpd), all reading CONF.
frr_start() {
  local ns=$1 name=$2 conf=$3; shift 3
  mkdir -p /var/run/frr/$name /etc/frr/$name
  chown frr:frr /var/run/frr/$name
  touch /etc/frr/$name/vtysh.conf
  cp "$conf" /etc/frr/$name/frr.conf
  chown -R frr:frr /etc/frr/$name
  FRR_INSTANCES+=("$name")
  ip netns exec "$ns" /usr/lib/frr/zebra -d -N "$name" -f /etc/frr/$name/frr.conf \
    -i /var/run/frr/$name/zebra.pid -M dplane_fpm_nl || return 1
  local d
  for d in "$@"; do
    ip netns exec "$ns" /usr/lib/frr/$d -d -N "$name" -f /etc/frr/$name/frr.conf \
      -i /var/run/frr/$name/$d.pid || return 1
  done
}

frr_kill() { # NAME [DAEMON...]: all daemons by default
  local name=$1; shift
  local pids=() d f
  if [ $# -eq 0 ]; then
    for f in /var/run/frr/$name/*.pid; do [ -f "$f" ] && pids+=("$(cat "$f")"); done
  else
    for d in "$@"; do [ -f /var/run/frr/$name/$d.pid ] && pids+=("$(cat /var/run/frr/$name/$d.pid)"); done
  fi
  [ ${#pids[@]} -gt 0 ] || return 0
  kill "${pids[@]}" 2>/dev/null
  for _ in $(seq 50); do kill -0 "${pids[@]}" 2>/dev/null || break; sleep 0.1; done
  kill -9 "${pids[@]}" 2>/dev/null
  return 0
}

frr_cleanup() {
  local n
  for n in "${FRR_INSTANCES[@]}"; do frr_kill "$n"; rm -rf /var/run/frr/$n /etc/frr/$n; done
}

vtysh_n() { local name=$1; shift; vtysh -N "$name" "$@"; }
