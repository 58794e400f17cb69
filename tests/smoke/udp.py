#!/usr/bin/python3
"""UDP probe for the smoke tests.
  udp.py recv ADDR PORT SECONDS      print how many datagrams arrived
  udp.py send ADDR PORT COUNT        send COUNT numbered datagrams
"""
import socket
import sys
import time

mode, addr, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
s = socket.socket(fam, socket.SOCK_DGRAM)
if mode == "recv":
    s.bind((addr, port))
    s.settimeout(0.2)
    seen = set()
    end = time.time() + float(sys.argv[4])
    while time.time() < end:
        try:
            data, _ = s.recvfrom(2048)
            seen.add(int(data.split(b" ")[0]))
        except socket.timeout:
            pass
    print(len(seen))
else:
    for i in range(int(sys.argv[4])):
        s.sendto(b"%d vrplane-smoke" % i, (addr, port))
        if i % 50 == 49:
            time.sleep(0.01)  # stay under the veth and socket queues
