#!/bin/bash
# Golden test: vrd forwards a pcap (net_pcap port p1) to two net_pcap
# ports (p2, p3); what comes out, the drop and punt counters and what
# reaches the kernel through p1's exception TAP are compared, packet by
# packet, with a reference model written with scapy (golden.py).
# timeout: 120
#
# Order matters: net_pcap reads p1's rx pcap as soon as the port exists
# and the worker polls it, so the output ports, addresses, neighbours and
# routes are all in place before p1 is added, last. p1 has addresses too
# (the source of the ICMP errors vrd sends back for packets too big) and a
# neighbour, which can only be added once p1 exists: p1 reads a FIFO,
# which golden.py feeds with filler frames for another host until p1's
# configuration is in place, and then with the input. p1's MAC, which the
# input frames are addressed to, is net_pcap's next "02:70:63:61:70:NN"
# after p2's and p3's; the test checks it was.
#
# The kernel behind the TAPs is left alone (it answers punts, sends ND
# and MLD...) and what it sends leaves through the data ports: a capture
# of every TAP (tcpdump -i any, started before vrd) tells those frames
# apart from what vrd forwarded.
source "$(dirname "$0")/../lib.sh"
HERE=$(cd "$(dirname "$0")" && pwd)
golden() { "$PY" "$HERE/golden.py" "$@"; }

for t in tcpdump jq; do command -v $t >/dev/null || skip "$t is not installed"; done
"$PY" -c 'import scapy' 2>/dev/null || skip "python3-scapy is not installed"
if [ ! -x "$VRD" ] || [ ! -x "$VRCTL" ]; then skip "vrd and vrctl are not built ($BUILD)"; fi
hugepages_prepare

NS=${T}g S=${T}g
W=$(mktemp -d "/tmp/$S.golden.XXXXXX")
# shellcheck disable=SC2317  # called by the EXIT trap
finish() {
  lib_cleanup
  if [ "$LIB_FAILS" -eq 0 ]; then rm -rf "$W" "/tmp/$S.vrd.log"
  else echo "(files kept for inspection: $W, /tmp/$S.vrd.log)"; fi
}
trap finish EXIT
abort() { fail "$*"; lib_exit; }

ns_add "$NS" || abort "cannot create namespace $NS"

# The TAPs' traffic both ways, from before they exist (Linux cooked v2
# keeps the interface index). A small snapshot length and a large buffer:
# the punts come in bursts. To stdout, so that whatever user tcpdump
# ends up as, the shell writes the file.
ip netns exec "$NS" tcpdump -i any -y LINUX_SLL2 --immediate-mode -U -n \
  -s 2048 -B 32768 -w - >"$W/tap.pcap" 2>"$W/tcpdump.err" &
TD_PID=$!
LIB_PIDS+=("$TD_PID")
for _ in $(seq 100); do
  grep -q "listening on" "$W/tcpdump.err" 2>/dev/null && break
  kill -0 "$TD_PID" 2>/dev/null || break
  sleep 0.1
done
grep -q "listening on" "$W/tcpdump.err" || abort "tcpdump did not start: $(cat "$W/tcpdump.err")"

vrd_start "$NS" "$S" -- -m 512 --no-pci || abort "vrd did not start"

golden empty "$W/empty.pcap"
for p in p2 p3; do
  vrctl "$S" port add $p devargs \
    "net_pcap_$p,rx_pcap=$W/empty.pcap,tx_pcap=$W/out_$p.pcap" >/dev/null ||
    abort "port add $p"
done
vrctl "$S" port show --json >"$W/ports_pre.json" || abort "port show"
ok "output ports p2 and p3 added: $(jq -r 'map(.name + " " + .mac + " mtu " + (.mtu|tostring)) | join(", ")' "$W/ports_pre.json")"
[ "$(jq '[.[] | select(.mtu != 1500)] | length' "$W/ports_pre.json")" = 0 ] ||
  abort "the model assumes MTU 1500 on p2 and p3"

cfg_ok=1
while read -r line; do
  # shellcheck disable=SC2086  # the command's words
  out=$(vrctl "$S" $line 2>&1) || { fail "vrctl $line: $out"; cfg_ok=0; }
done < <(golden config)
# Neighbours before the routes through them: `via GW` finds GW's port
# from its host route (origin neigh) as from the connected prefix.
[ $cfg_ok = 0 ] || ok "addresses, neighbours, then routes via them configured ($(golden config | wc -l) commands)"
# The same routes again: replacing a route by itself is accepted.
while read -r line; do
  # shellcheck disable=SC2086
  if out=$(vrctl "$S" $line 2>&1); then
    ok "$line again (replaced by itself)"
  else
    fail "$line again (replaced by itself): $out"
  fi
done < <(golden config-readd)

read -r NFRAMES NPUNTS P1MAC < <(golden gen --ports "$W/ports_pre.json" --dir "$W")
[ -n "${P1MAC:-}" ] || abort "golden.py gen failed"
log "input: $NFRAMES frames ($NPUNTS to punt), addressed to p1 = $P1MAC"

mkfifo "$W/in.fifo" || abort "mkfifo"
golden feed --dir "$W" --timeout 60 --vrctl "$VRCTL -s /run/vrplane/$S.sock" &
FEED_PID=$!
LIB_PIDS+=("$FEED_PID")
vrctl "$S" port add p1 devargs "net_pcap_p1,rx_pcap=$W/in.fifo,tx_pcap=$W/out_p1.pcap" \
  >/dev/null || abort "port add p1"
vrctl "$S" port show --json >"$W/ports.json"
mac=$(jq -r '.[] | select(.name == "p1") | .mac' "$W/ports.json")
[ "$mac" = "$P1MAC" ] || abort "p1's MAC is $mac, the input was addressed to $P1MAC"
ok "input port p1 added, MAC $mac as predicted"
# The TAPs as the kernel has them: their index (the capture's) and MTU.
ip -n "$NS" -j link show >"$W/links.json" || abort "ip link show"
jq '[.[] | {(.ifname): .ifindex}] | add' "$W/links.json" >"$W/ifindex.json"
while read -r line; do
  # shellcheck disable=SC2086
  out=$(vrctl "$S" $line 2>&1) || abort "vrctl $line: $out"
done < <(golden config-p1)
ok "p1's addresses and neighbour configured: $(golden config-p1 | awk '{print $3}' | tr '\n' ' ')"
touch "$W/go"
for _ in $(seq 300); do kill -0 "$FEED_PID" 2>/dev/null || break; sleep 0.1; done
! kill -0 "$FEED_PID" 2>/dev/null || abort "feeding p1's FIFO took over 30 s"
wait "$FEED_PID" || abort "feeding p1's FIFO failed"
NFILL=$(jq .fillers "$W/feed.json") || abort "no $W/feed.json"
log "p1 read $NFILL filler frames before the input"
NFRAMES=$((NFRAMES + NFILL))

# Until vrd has read every frame of the pcap.
rx=0
for _ in $(seq 300); do
  rx=$(stat_get "$S" '.ports[] | select(.name == "p1") | .rx_packets' 2>/dev/null) || rx=0
  [ "${rx:-0}" -ge "$NFRAMES" ] && break
  sleep 0.1
done
if [ "${rx:-0}" -ge "$NFRAMES" ]; then ok "vrd read all $NFRAMES input frames ($NFILL fillers first)"
else fail "vrd read ${rx:-0} of $NFRAMES input frames in 30 s"; fi
# Two more worker loops: the last burst's buffered frames are flushed.
loops() { stat_get "$S" '[.workers[].loops] | add' 2>/dev/null || echo 0; }
l0=$(loops)
for _ in $(seq 100); do [ "$(loops)" -ge $((l0 + 2)) ] && break; sleep 0.05; done
vrctl "$S" stats --json >"$W/stats.json" || fail "stats after the input"
if kill -0 "$VRD_PID" 2>/dev/null && vrctl "$S" port show >/dev/null; then
  ok "vrd alive and answering after the input, garbage included"
else
  fail "vrd died or stopped answering: $(tail -5 "/tmp/$S.vrd.log")"
fi

# SIGTERM: vrd closes its ports and net_pcap flushes the tx pcaps.
kill -TERM "$VRD_PID" 2>/dev/null
for _ in $(seq 200); do kill -0 "$VRD_PID" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$VRD_PID" 2>/dev/null; then
  fail "vrd still running 20 s after SIGTERM"
  kill -9 "$VRD_PID"
fi
wait "$VRD_PID"; rc=$?
if [ $rc = 0 ]; then ok "vrd exited with status 0 on SIGTERM"
else fail "vrd exited with status $rc on SIGTERM: $(tail -5 "/tmp/$S.vrd.log")"; fi
read -r seen want < <(golden tapwait --dir "$W" --timeout 10)
log "TAP capture: $seen frames into p1's TAP, $want punted"
kill -INT "$TD_PID" 2>/dev/null
wait "$TD_PID" 2>/dev/null
drops=$(sed -n 's/^\([0-9]*\) packets* dropped by kernel.*/\1/p' "$W/tcpdump.err")
if [ "${drops:-x}" = 0 ]; then ok "TAP capture complete (tcpdump dropped nothing)"
else fail "TAP capture incomplete: $(tr '\n' ' ' <"$W/tcpdump.err")"; fi

golden check --dir "$W"
LIB_FAILS=$((LIB_FAILS + $?))
lib_exit
