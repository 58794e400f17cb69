#!/usr/bin/python3
"""Plays zebra's side of FPM to a vrd as fast as TCP allows.

  fpm_replay.py ADDR PORT TABLE GATEWAY IFINDEX

Sends one RTM_NEWNEXTHOP (id 1: GATEWAY on IFINDEX) and an RTM_NEWROUTE
with RTA_NH_ID 1 for every IPv4 prefix of TABLE (plain or gzip), the
messages dplane_fpm_nl sends, then keeps the session open until stdin
closes. Prints the seconds spent sending.
"""
import gzip
import ipaddress
import socket
import struct
import sys
import time

addr, port, table, gw, ifindex = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], int(sys.argv[5])
RTM_NEWROUTE, RTM_NEWNEXTHOP = 24, 104
FLAGS = 0x501  # REQUEST | CREATE | REPLACE


def attr(t, payload):
    ln = 4 + len(payload)
    return struct.pack("=HH", ln, t) + payload + b"\0" * ((4 - ln % 4) % 4)


def frame(t, body):
    nl = struct.pack("=IHHII", 16 + len(body), t, FLAGS, 0, 0) + body
    return struct.pack("!BBH", 1, 1, 4 + len(nl)) + nl


nh = frame(RTM_NEWNEXTHOP, struct.pack("=BBBBI", 2, 0, 11, 0, 0)
           + attr(1, struct.pack("=I", 1))                       # NHA_ID
           + attr(6, ipaddress.ip_address(gw).packed)             # NHA_GATEWAY
           + attr(5, struct.pack("=I", ifindex)))                 # NHA_OIF
opener = gzip.open if table.endswith(".gz") else open
out = [nh]
with opener(table, "rt") as f:
    for line in f:
        line = line.strip()
        if not line or ":" in line:
            continue
        net = ipaddress.ip_network(line)
        body = struct.pack("=BBBBBBBBI", 2, net.prefixlen, 0, 0, 254, 186, 0, 1, 0)
        body += attr(1, net.network_address.packed) + attr(30, struct.pack("=I", 1))
        out.append(frame(RTM_NEWROUTE, body))
data = b"".join(out)
s = socket.create_connection((addr, port))
t0 = time.time()
s.sendall(data)
print(f"{time.time() - t0:.3f}", flush=True)
sys.stdin.read()
