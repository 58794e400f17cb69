#!/usr/bin/python3
"""Golden test helper for vrd (driven by t_golden.sh).

vrd forwards a pcap read by a DPDK net_pcap port (p1) and writes what it
forwards to other net_pcap ports (p2, p3). This file holds

  - the router's configuration (CONFIG_* below), emitted as vrctl commands;
  - a reference model of the forwarding decision, written from RFC 1812,
    RFC 791, RFC 1191, RFC 4443, RFC 8200 / 4291 and what vrd documents
    (the drop and punt reasons of vrd.h, the order of the receive checks
    in docs/architecture.md, the FIB's layers in vr_fib.h), not from vrd's
    code: for each input frame it says forward (to which port, which
    bytes), fragment (which fragments), drop (why, and for a packet too
    big which ICMP error may come back) or punt to the kernel (why);
  - the input: named, hand-written cases built with scapy, and a seeded
    burst of random garbage with good packets mixed in;
  - the comparison of what vrd did (output pcaps, `vrctl stats --json`,
    and a capture of the exception TAPs) with the model.

Subcommands:
  empty FILE                      write an empty Ethernet pcap
  config                          print the vrctl commands, one per line
                                  (addresses, neighbours, then routes)
  config-readd                    routes to add again once all is set
  config-p1                       p1's addresses and neighbour, once p1
                                  exists
  bug NAME                        describe a known vrd bug (BUGS below)
  gen --ports JSON --dir DIR      write DIR/in.pcap and DIR/manifest.json;
                                  prints "N_FRAMES N_PUNTS P1_MAC"
  feed --dir DIR --vrctl CMD      stream DIR/in.pcap into the FIFO
                                  DIR/in.fifo that p1 reads: filler frames
                                  until DIR/go exists, then the input,
                                  pausing at its syncs; writes
                                  DIR/feed.json {"fillers": N, ...}
  tapwait --dir DIR --timeout S   wait until the TAP capture holds the
                                  punted frames (or the time is up)
  check --dir DIR                 compare; prints ok:/FAIL: lines, exits
                                  with the number of failed checks
"""
import argparse
import fcntl
import ipaddress
import json
import os
import random
import re
import struct
import subprocess
import sys
import time

# scapy only builds the hand-written packets; pcaps are read and written
# here, byte for byte, so that nothing is normalised on the way.
from scapy.all import (ARP, ICMP, IP, TCP, UDP, Ether, ICMPv6EchoRequest,
                       ICMPv6ND_NS, IPOption_NOP, IPOption_RR, IPv6,
                       IPv6ExtHdrFragment, IPv6ExtHdrHopByHop,
                       IPv6ExtHdrRouting, Raw)

# ---------------------------------------------------------------- config

H1_MAC = "02:00:00:00:01:10"        # the sender on p1's link
FOREIGN_MAC = "02:00:00:00:99:99"   # some other host on p1's link
H1_V4, H1_V6 = "10.0.1.10", "2001:db8:1::10"
MTU = 1500                          # net_pcap's; t_golden.sh checks it


def vrd_burst():
    """vrd's rx burst (VRD_BURST in dataplane/vrd.h): the input is laid
    out in whole bursts where it matters."""
    h = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                     "dataplane", "vrd.h")
    m = re.search(r"^#define VRD_BURST (\d+)$", open(h).read(), re.M)
    if not m:
        raise SystemExit(f"golden.py: no VRD_BURST in {h}")
    return int(m.group(1))


BURST = vrd_burst()
# A frame longer than an mbuf's data room (vrd's pool: DPDK's default
# RTE_MBUF_DEFAULT_BUF_SIZE, 2048 bytes of data) reaches vrd as a chain
# of mbufs, which vrd does not fragment ("fragmentation_failed").
MBUF_DATA = 2048
# The exception TAP's MTU is the port's, but at most 1504 (DPDK 22.11's
# net_tap takes no more); net_tap sends frames of up to that MTU + 14 + 4
# + 4 bytes. vrd punts nothing longer: such a frame for the kernel is
# dropped as "punt_too_big" (docs/vrd.md), counted on the input port and
# neither as a punt nor on the TAP.
TAP_MTU_MAX = 1504
TAP_MTU = min(MTU, TAP_MTU_MAX)     # p1's (check verifies p1's MTU and its TAP's)
TAP_MAX_FRAME = TAP_MTU + 14 + 4 + 4
ICMP4_QUOTE, ICMP6_QUOTE = 576 - 20 - 8, 1280 - 40 - 8   # RFC 1812, 4443

CONFIG_ADDRS = [  # (port, address/len): a local /32 (/128) + glean prefix
    ("p2", "10.0.2.1/24"), ("p2", "2001:db8:2::1/64"),
    ("p3", "10.0.3.1/24"), ("p3", "2001:db8:3::1/64"),
]
# p1's, added once p1 exists (before it reads a frame, see cmd_feed). The
# first address of each family (not link-local for IPv6) is the source of
# the ICMP errors vrd sends out of p1; the others are there to show that.
CONFIG_P1_ADDRS = [
    ("p1", "fe80::1/64"), ("p1", "10.0.1.1/24"), ("p1", "2001:db8:1::1/64"),
    ("p1", "10.0.11.1/24"), ("p1", "2001:db8:11::1/64"),
]
P1_ICMP_SRC = {4: "10.0.1.1", 6: "2001:db8:1::1"}
# The sender on p1's link, static too: the kernel learns it from the ARP
# request it sends (a punt), and vrd follows the kernel's neighbours, at a
# time the model cannot know; with the same MAC, nothing changes then.
# Packets for it go back out of p1.
CONFIG_P1_NEIGH = [(H1_V4, H1_MAC, "p1"), (H1_V6, H1_MAC, "p1")]
CONFIG_NEIGH = [  # (address, MAC, port): static, so output MACs are known
    ("10.0.2.2", "02:00:00:00:02:02", "p2"),
    ("10.0.3.2", "02:00:00:00:03:02", "p3"),
    ("2001:db8:2::2", "02:00:00:00:02:62", "p2"),
    ("2001:db8:3::2", "02:00:00:00:03:62", "p3"),
]
CONFIG_ROUTES = [  # (prefix, [gateways] | "blackhole" | "unreachable")
    ("198.51.100.0/24", ["10.0.2.2"]),
    ("198.51.100.128/25", ["10.0.3.2"]),           # longer prefix wins
    ("203.0.113.0/24", ["10.0.3.2 dev p3"]),       # the explicit form
    ("192.0.2.0/24", ["10.0.2.2", "10.0.3.2"]),     # ECMP
    ("100.64.0.0/16", ["10.0.2.99"]),               # no neighbour: unresolved
    ("10.99.0.0/16", "blackhole"),
    ("10.98.0.0/16", "unreachable"),
    # Routes over destinations that are not unicast: they change nothing
    # (RFC 1812 5.3.7); vrd's lookup gives those no route whatever the
    # table says, and its fast checks leave them to that.
    ("0.0.0.0/8", ["10.0.2.2"]),
    ("127.0.0.0/8", ["10.0.2.2"]),
    ("224.0.0.0/3", ["10.0.3.2"]),
    ("2001:db8:100::/48", ["2001:db8:2::2"]),
    ("2001:db8:100:8000::/49", ["2001:db8:3::2"]),
    ("2001:db8:200::/48", ["2001:db8:3::2"]),
    ("2001:db8:300::/48", ["2001:db8:2::2", "2001:db8:3::2"]),  # ECMP
    ("2001:db8:400::/48", ["2001:db8:2::99"]),      # unresolved
    ("2001:db8:dead::/48", "blackhole"),
    ("2001:db8:beef::/48", "unreachable"),
]
OUT_PORTS = ["p2", "p3"]
IN_PORT = "p1"
ALL_PORTS = [IN_PORT] + OUT_PORTS

DROPS = ["truncated", "l2_other_host", "l2_group_unicast_ip", "ip_version",
         "ip_hdr_len", "ip_total_len", "ip_checksum", "martian_src",
         "martian_dst", "no_route", "blackhole", "unreachable", "tx_full",
         "mtu_exceeded", "fragmentation_failed", "punt_too_big"]
PUNTS = ["local", "ttl_expired", "unresolved", "non_ip", "multicast",
         "ip_options"]

N_GARBAGE = 360
GARBAGE_SEED = 20240611


# Re-adding a route as it is (a replace) changes nothing the model sees.
CONFIG_READD = [("198.51.100.0/24", ["10.0.2.2"]),
                ("2001:db8:200::/48", ["2001:db8:3::2"])]


def route_cmd(pfx, nh):
    if isinstance(nh, str):
        return f"route add {pfx} {nh}"
    return f"route add {pfx} " + " ".join(f"via {g}" for g in nh)


def config_commands():
    """Addresses, then the neighbours, then routes whose gateways already
    have a neighbour (and so a host route of origin neigh): `via GW`
    must still find the port GW is on."""
    cmds = [f"addr add {a} dev {port}" for port, a in CONFIG_ADDRS]
    cmds += [f"neigh add {ip} lladdr {mac} dev {port}"
             for ip, mac, port in CONFIG_NEIGH]
    cmds += [route_cmd(pfx, nh) for pfx, nh in CONFIG_ROUTES]
    return cmds


# ------------------------------------------------------------- the model

def mac_b(s):
    return bytes(int(x, 16) for x in s.split(":"))


def mac_s(b):
    return ":".join(f"{x:02x}" for x in b)


def fold(b):
    """One's-complement sum of b, folded to 16 bits."""
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack(f"!{len(b) // 2}H", b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return s


def ip4_csum(hdr):
    """The checksum a header should carry, computed from scratch."""
    h = bytearray(hdr)
    h[10:12] = b"\0\0"
    return (~fold(bytes(h))) & 0xFFFF


def rfc1624_eqn3(hc, m, m_new):
    """RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m'), one's-complement sums."""
    return (~fold(struct.pack("!HHH", ~hc & 0xFFFF, ~m & 0xFFFF, m_new))) & 0xFFFF


def ip6_pseudo_sum(src, dst, length, nh):
    return fold(src + dst + struct.pack("!IxxxB", length, nh))


class Fib:
    """Longest-prefix match over what CONFIG_* installs, as vrctl's help
    and vr_fib.h describe it: an address is a local host route plus a
    connected (glean) prefix, a neighbour adds a host route and resolves
    gateways, a gateway without a neighbour is unresolved."""

    def __init__(self, addrs=CONFIG_ADDRS + CONFIG_P1_ADDRS):
        self.routes = {4: [], 6: []}
        connected = []
        for port, a in addrs:
            itf = ipaddress.ip_interface(a)
            connected.append((itf.network, port))
            self._add(ipaddress.ip_network(f"{itf.ip}/{itf.max_prefixlen}"),
                      ("punt", "local"))
            self._add(itf.network, ("punt", "unresolved"))
        neigh = {(ipaddress.ip_address(ip), port): mac
                 for ip, mac, port in CONFIG_NEIGH + CONFIG_P1_NEIGH}
        for (ip, port), mac in neigh.items():
            self._add(ipaddress.ip_network(ip), ("fwd", [(port, mac)]))
        for pfx, nh in CONFIG_ROUTES:
            net = ipaddress.ip_network(pfx)
            if isinstance(nh, str):
                self._add(net, ("drop", nh))
                continue
            paths = []
            for g in nh:
                g, _, dev = g.partition(" dev ")
                g = ipaddress.ip_address(g)
                port = dev or next(p for n, p in connected if g in n)
                paths.append((port, neigh.get((g, port))))
            if any(m is None for _, m in paths):
                # (the config has no mixed groups: all unresolved here)
                self._add(net, ("punt", "unresolved"))
            else:
                self._add(net, ("fwd", paths))

    def _add(self, net, action):
        lst = self.routes[net.version]
        lst[:] = [(n, a) for n, a in lst if n != net]
        lst.append((net, action))

    def lookup(self, addr):
        best = None
        for net, action in self.routes[addr.version]:
            if addr in net and (best is None or net.prefixlen > best[0].prefixlen):
                best = (net, action)
        return best[1] if best else ("drop", "no_route")


def v4_class(octet):
    if octet in (0, 127):
        return "martian"
    if 224 <= octet <= 239:
        return "multicast"
    if octet >= 240:
        return "class_e"
    return "unicast"


def classify(frame, p1_mac, fib):
    """The reference verdict for one frame arriving on p1:
      ("fwd", [(port, dmac)...], l3_len)    forwarded (ECMP: one of them)
      ("frag", [(port, dmac)...], l3_len)   IPv4 over the output MTU
                                            without DF: fragmented by vrd
      ("drop", reason) / ("punt", reason)
      ("drop", "punt_too_big", reason)      a punt (for reason) longer
                                            than the TAP takes
    A drop "mtu_exceeded" is answered with an ICMP error, unless the rate
    limit holds it back (see icmp_error_problems). The TAP's limit is
    looked at last, once every other check has decided to punt, on the
    whole frame (bytes after the IP packet included)."""
    v = decide(frame, p1_mac, fib)
    if v[0] == "punt" and len(frame) > TAP_MAX_FRAME:
        return ("drop", "punt_too_big", v[1])
    return v


def decide(frame, p1_mac, fib):
    """classify(), but for the TAP's limit."""
    if len(frame) < 14:
        return ("drop", "truncated")
    dst = frame[0:6]
    l2_group = bool(dst[0] & 1)
    if dst != p1_mac and not l2_group:
        return ("drop", "l2_other_host")
    etype = struct.unpack("!H", frame[12:14])[0]
    l3 = frame[14:]
    if etype == 0x0800:
        return classify4(l3, fib, l2_group, len(frame))
    if etype == 0x86DD:
        return classify6(l3, fib, l2_group, len(frame))
    return ("punt", "non_ip")


def classify4(l3, fib, l2_group, frame_len):
    # RFC 1812 5.2.2 receive checks, in the order vr_pkt.h lists them.
    if len(l3) < 20:
        return ("drop", "truncated")
    if l3[0] >> 4 != 4:
        return ("drop", "ip_version")
    hlen = (l3[0] & 15) * 4
    if hlen < 20:
        return ("drop", "ip_hdr_len")
    if hlen > len(l3):
        return ("drop", "truncated")
    tot = struct.unpack("!H", l3[2:4])[0]
    if tot < hlen:
        return ("drop", "ip_total_len")
    if tot > len(l3):
        return ("drop", "truncated")
    if fold(l3[:hlen]) != 0xFFFF:
        return ("drop", "ip_checksum")
    src, dst = l3[12:16], l3[16:20]
    sc, dc = v4_class(src[0]), v4_class(dst[0])
    # RFC 1812 5.3.7: a destination that is not unicast is never
    # forwarded. Multicast and the limited broadcast are the kernel's
    # (OSPF, IGMP, DHCP), also from 0.0.0.0 (RFC 2131, RFC 3376 4.2.13),
    # but not from a multicast or class E source, which no packet has.
    if dc != "unicast":
        if sc in ("multicast", "class_e"):
            return ("drop", "martian_src")
        if dc == "multicast" or dst == b"\xff" * 4:
            return ("punt", "multicast")
        return ("drop", "martian_dst")
    if sc != "unicast":
        return ("drop", "martian_src")
    # RFC 1812 5.3.4: unicast IP in a link-layer broadcast or multicast
    # frame is not forwarded (and, RFC 1122 3.3.6, not taken either).
    if l2_group:
        return ("drop", "l2_group_unicast_ip")
    if l3[8] <= 1:
        return ("punt", "ttl_expired")
    if hlen != 20:
        return ("punt", "ip_options")
    return route(fib.lookup(ipaddress.IPv4Address(dst)), tot, l3, frame_len)


def classify6(l3, fib, l2_group, frame_len):
    if len(l3) < 40:
        return ("drop", "truncated")
    if l3[0] >> 4 != 6:
        return ("drop", "ip_version")
    plen = struct.unpack("!H", l3[4:6])[0]
    if plen + 40 > len(l3):
        return ("drop", "truncated")
    src = ipaddress.IPv6Address(l3[8:24])
    dst = ipaddress.IPv6Address(l3[24:40])
    if dst.is_multicast or dst in LL6:
        return ("punt", "multicast")         # ND, MLD, OSPFv3, DAD
    if dst in (UNSPEC6, LOOP6):
        return ("drop", "martian_dst")
    if l2_group:                             # as RFC 1812 5.3.4 for IPv4
        return ("drop", "l2_group_unicast_ip")
    if src.is_multicast or src in LL6 or src in (UNSPEC6, LOOP6):
        return ("drop", "martian_src")
    if l3[7] <= 1:
        return ("punt", "ttl_expired")
    if l3[6] == 0:
        return ("punt", "ip_options")        # hop-by-hop
    return route(fib.lookup(dst), plen + 40, l3, frame_len)


LL6 = ipaddress.ip_network("fe80::/10")
UNSPEC6, LOOP6 = ipaddress.IPv6Address("::"), ipaddress.IPv6Address("::1")


def route(action, l3_len, l3, frame_len):
    """The next hop's verdict. Over the output port's MTU (RFC 1812
    5.2.6, RFC 8200 5): IPv4 without DF is fragmented (RFC 791), unless
    it came in a chain of mbufs; IPv4 with DF and IPv6 are dropped and
    answered with ICMP (RFC 1191, RFC 4443 3.2)."""
    kind, what = action
    if kind != "fwd":
        return (kind, what)
    if l3_len <= MTU:
        return ("fwd", what, l3_len)
    if l3[0] >> 4 == 6 or l3[6] & 0x40:
        return ("drop", "mtu_exceeded")
    if frame_len > MBUF_DATA:
        return ("drop", "fragmentation_failed")
    return ("frag", what, l3_len)


def rewrite(frame, port_mac, dmac, l3_len):
    """What a forwarded frame must look like: MACs rewritten, TTL or hop
    limit one less, the IPv4 checksum updated as RFC 1624 eqn. 3 says
    (the same as computed afresh: gen checks it); everything else
    untouched."""
    f = bytearray(frame)
    f[0:6] = mac_b(dmac)
    f[6:12] = port_mac
    if f[12:14] == b"\x08\x00":
        m = struct.unpack("!H", f[22:24])[0]
        hc = struct.unpack("!H", f[24:26])[0]
        f[22] -= 1
        f[24:26] = struct.pack("!H", rfc1624_eqn3(hc, m, m - 0x100))
        hlen = (f[14] & 15) * 4
        if ip4_csum(bytes(f[14:14 + hlen])) != rfc1624_eqn3(hc, m, m - 0x100):
            raise AssertionError("model: RFC 1624 eqn. 3 and a fresh checksum differ")
    else:
        f[21] -= 1
    return bytes(f)


def fragments(frame, port_mac, dmac, mtu=MTU):
    """RFC 791 fragmentation of an IPv4 packet without options: payload
    pieces of (MTU - 20) & ~7 bytes, the header copied with total length,
    MF and offset set (MF kept on every piece of a packet that was itself
    not the last fragment), TTL one less, checksum computed afresh; the
    bytes after the IP packet are not part of it."""
    l3 = frame[14:]
    tot = struct.unpack("!H", l3[2:4])[0]
    hdr, pay = l3[:20], l3[20:tot]
    ff = struct.unpack("!H", hdr[6:8])[0]
    off0, mf0 = ff & 0x1FFF, bool(ff & 0x2000)
    chunk = (mtu - 20) & ~7
    out = []
    for done in range(0, len(pay), chunk):
        piece = pay[done:done + chunk]
        more = done + len(piece) < len(pay) or mf0
        h = bytearray(hdr)
        h[2:4] = struct.pack("!H", 20 + len(piece))
        h[6:8] = struct.pack("!H", (off0 + done // 8) | (0x2000 if more else 0))
        h[8] -= 1
        h[10:12] = struct.pack("!H", ip4_csum(bytes(h)))
        out.append(mac_b(dmac) + port_mac + b"\x08\x00" + bytes(h) + piece)
    return out


def icmp_error_problems(fr, orig, p1_mac, p1_src):
    """What is wrong with fr as vrd's ICMP error for the frame orig (too
    big for the output port), [] if nothing: back to orig's source MAC
    from p1's, from p1's first address of the family to orig's source,
    TTL / hop limit 64; IPv4: type 3 code 4, next-hop MTU in the low 16
    bits of the second word (RFC 1191), the original quoted up to 548
    bytes (RFC 1812 4.3.2.3); IPv6: type 2 code 0, the MTU, up to 1232
    bytes quoted (RFC 4443 2.4 (c), 3.2); checksums valid."""
    p = []
    ol3 = orig[14:]

    def want(what, got, exp):
        if got != exp:
            p.append(f"{what}: got {got.hex() if isinstance(got, bytes) else got}, "
                     f"expected {exp.hex() if isinstance(exp, bytes) else exp}")
    want("dst MAC", fr[0:6], orig[6:12])
    want("src MAC", fr[6:12], p1_mac)
    want("ethertype", fr[12:14], orig[12:14])
    l3 = fr[14:]
    if orig[12:14] == b"\x08\x00":
        q = min(struct.unpack("!H", ol3[2:4])[0], ICMP4_QUOTE)
        if len(l3) < 28:
            return p + [f"{len(fr)}-byte frame"]
        want("version/IHL", l3[0], 0x45)
        want("total length", struct.unpack("!H", l3[2:4])[0], 28 + q)
        want("MF/fragment offset", struct.unpack("!H", l3[6:8])[0] & 0x3FFF, 0)
        want("TTL", l3[8], 64)
        want("protocol", l3[9], 1)
        want("IP header checksum valid", fold(l3[:20]) == 0xFFFF, True)
        want("src", l3[12:16], ipaddress.IPv4Address(p1_src).packed)
        want("dst", l3[16:20], ol3[12:16])
        icmp = l3[20:]
        want("ICMP type/code", icmp[0:2], b"\x03\x04")
        want("ICMP checksum valid", fold(icmp) == 0xFFFF, True)
        want("unused", icmp[4:6], b"\0\0")
        want("next-hop MTU", struct.unpack("!H", icmp[6:8])[0], MTU)
        want("quoted packet", icmp[8:], ol3[:q])
        want("frame length", len(fr), 14 + 28 + q)
    else:
        q = min(40 + struct.unpack("!H", ol3[4:6])[0], ICMP6_QUOTE)
        if len(l3) < 48:
            return p + [f"{len(fr)}-byte frame"]
        want("version", l3[0] >> 4, 6)
        want("payload length", struct.unpack("!H", l3[4:6])[0], 8 + q)
        want("next header", l3[6], 58)
        want("hop limit", l3[7], 64)
        want("src", l3[8:24], ipaddress.IPv6Address(p1_src).packed)
        want("dst", l3[24:40], ol3[8:24])
        icmp = l3[40:]
        want("ICMPv6 type/code", icmp[0:2], b"\x02\x00")
        want("ICMPv6 checksum valid",
             fold(struct.pack("!HH", ip6_pseudo_sum(l3[8:24], l3[24:40], len(icmp), 58),
                              fold(icmp))) == 0xFFFF, True)
        want("MTU", struct.unpack("!I", icmp[4:8])[0], MTU)
        want("quoted packet", icmp[8:], ol3[:q])
        want("frame length", len(fr), 14 + 48 + q)
    return p


# ------------------------------------------------------------------ pcap

PCAP_HEADER = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)


def pcap_record(i, fr):
    return struct.pack("<IIII", 1700000000 + i // 1000000, i % 1000000,
                       len(fr), len(fr)) + fr


def pcap_write(path, frames):
    with open(path, "wb") as f:
        f.write(PCAP_HEADER)
        for i, fr in enumerate(frames):
            f.write(pcap_record(i, fr))


def pcap_read(path):
    """-> (linktype, [frame bytes]); classic pcap, either byte order,
    micro- or nanosecond. A capture cut short (still being written) ends
    at its last whole record."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 24:
        return None, []
    magic = struct.unpack("<I", data[:4])[0]
    if magic in (0xA1B2C3D4, 0xA1B23C4D):
        e = "<"
    elif magic in (0xD4C3B2A1, 0x4D3CB2A1):
        e = ">"
    else:
        raise ValueError(f"{path}: not a pcap file (magic {magic:#x})")
    linktype = struct.unpack(e + "I", data[20:24])[0] & 0xFFFF
    frames, off = [], 24
    while off + 16 <= len(data):
        incl = struct.unpack(e + "I", data[off + 8:off + 12])[0]
        if off + 16 + incl > len(data):
            break
        frames.append(data[off + 16:off + 16 + incl])
        off += 16 + incl
    return linktype, frames


def tap_read(path):
    """The TAP capture (tcpdump -i any, Linux cooked v2) ->
    [(ifindex, pkttype, src_mac, payload)]; pkttype 4 is outgoing (the
    kernel sending), others incoming (vrd punting)."""
    if not os.path.exists(path):
        return []
    linktype, frames = pcap_read(path)
    if linktype is None:
        return []
    if linktype != 276:
        raise ValueError(f"{path}: link type {linktype}, not LINUX_SLL2")
    out = []
    for fr in frames:
        proto, _res, ifindex, _hatype, pkttype, halen = \
            struct.unpack("!HHIHBB", fr[:12])
        # 802.3 frames (length, not type): the kernel says 802.2 or 802.3
        proto = "llc" if proto in (1, 4) else proto
        out.append((ifindex, pkttype, bytes(fr[12:12 + min(halen, 8)]),
                    bytes(fr[20:]), proto))
    return out


def tap_key(frame):
    """What a capture of the TAP keeps of a frame vrd wrote into it."""
    et = struct.unpack("!H", frame[12:14])[0]
    return (frame[6:12], "llc" if et < 0x600 else et, frame[14:])


# ----------------------------------------------------------------- cases

def E(dst, etype=None, src=H1_MAC):
    return Ether(dst=dst, src=src) if etype is None else \
        Ether(dst=dst, src=src, type=etype)


SYNC = "<sync>"


def build_cases(p1):
    """Named cases: (name, frame bytes, note), and SYNC marks (see
    build_manifest). p1 is p1's MAC (string)."""
    cases = []

    def add(name, pkt, note=""):
        cases.append((name, bytes(pkt), note))

    def sync():
        cases.append((SYNC, b"", ""))

    def mark(name):
        return Raw(f"golden:{len(cases)}:{name}:".encode() + bytes(range(32)))

    def v4(dst, name, src=H1_V4, ttl=64, l4=None, **kw):
        l4 = UDP(sport=4000 + len(cases), dport=5000) if l4 is None else l4
        return E(p1) / IP(src=src, dst=dst, ttl=ttl, **kw) / l4 / mark(name)

    def v6(dst, name, src=H1_V6, hlim=64, l4=None, **kw):
        l4 = UDP(sport=4000 + len(cases), dport=5000) if l4 is None else l4
        return E(p1) / IPv6(src=src, dst=dst, hlim=hlim, **kw) / l4 / mark(name)

    # --- IPv4 forwarded
    for name, dst, l4 in [
            ("v4_udp_p2", "198.51.100.10", None),
            ("v4_tcp_p2", "198.51.100.11", TCP(sport=40000, dport=80, flags="S", seq=1234)),
            ("v4_icmp_p2", "198.51.100.12", ICMP(type=8, id=7, seq=1)),
            ("v4_udp_p3", "203.0.113.10", None),
            ("v4_tcp_p3", "203.0.113.11", TCP(sport=40001, dport=443, flags="PA", seq=99, ack=5)),
            ("v4_icmp_p3", "203.0.113.12", ICMP(type=8, id=8, seq=2)),
            ("v4_lpm_longer_p3", "198.51.100.200", None),
            ("v4_to_neighbour_p2", "10.0.2.2", None),
            ("v4_to_neighbour_p3", "10.0.3.2", None)]:
        add(name, v4(dst, name, l4=l4))
    n = "v4_ttl2_becomes_1"
    add(n, v4("198.51.100.20", n, ttl=2))
    n = "v4_ttl255"
    add(n, v4("203.0.113.20", n, ttl=255))
    n = "v4_tos_df_id"
    add(n, v4("198.51.100.21", n, tos=0xB8, flags="DF", id=0xBEEF))
    n = "v4_fragment_mf"
    add(n, E(p1) / IP(src=H1_V4, dst="198.51.100.22", flags="MF", frag=0, id=77,
                      proto=17) / Raw(b"\x11" * 8) / mark(n))
    n = "v4_fragment_last"
    add(n, E(p1) / IP(src=H1_V4, dst="198.51.100.22", frag=3, id=77, proto=17)
        / mark(n))
    n = "v4_proto_gre"
    add(n, E(p1) / IP(src=H1_V4, dst="203.0.113.22", proto=47) / mark(n))
    # Checksums at the edges of the incremental update (RFC 1624): a
    # header whose checksum is 0xff00 (the +0x0100 carries round) and one
    # whose checksum is 0xfeff (recomputed after the TTL decrement, the
    # checksum is 0x0000; RFC 1624 eqn. 3 gives 0x0000, eqn. 2 0xffff).
    for n, want in (("v4_csum_ff00_carry", 0xFF00), ("v4_csum_feff_to_0000", 0xFEFF)):
        base = IP(src=H1_V4, dst="198.51.100.30", id=0, ttl=64) / UDP(sport=7, dport=7) / mark(n)
        hdr = bytes(base)[:20]
        s0 = fold(hdr[:4] + b"\0\0" + hdr[6:10] + b"\0\0" + hdr[12:20])
        ident = next(i for i in range(65536)
                     if (~fold(struct.pack("!HH", s0, i))) & 0xFFFF == want)
        base[IP].id = ident
        add(n, E(p1) / base)
    # Ethernet padding after a short packet: forwarded, padding may stay.
    n = "v4_short_with_padding"
    pkt = bytes(E(p1) / IP(src=H1_V4, dst="198.51.100.40") / UDP(sport=9, dport=9) / Raw(b"pd"))
    add(n, pkt + b"\xa5" * (60 - len(pkt)), "IP packet 30 bytes in a 60-byte frame")
    n = "v4_trailing_bytes"
    pkt = bytes(v4("203.0.113.40", n))
    add(n, pkt + b"TRAILER-" * 4, "32 bytes after the IP packet")
    # MTU (output ports: 1500). Exactly 1500 goes as it is; beyond, IPv4
    # without DF is fragmented by vrd (RFC 791), with DF dropped and
    # answered with ICMP "fragmentation needed" (RFC 1191). Each packet
    # that is fragmented has an IP id of its own: its fragments are known
    # by it. The largest frame that fits one mbuf is 2048 bytes.
    def big4(n, dst, size, ident, note="", frame_extra=b"", **kw):
        head = v4(dst, n, id=ident, **kw)
        pkt = bytes(head / Raw(b"m" * (size - len(head[IP]))))
        add(n, pkt + frame_extra, note or f"IP length {size}, MTU {MTU}")

    big4("v4_mtu_1500", "198.51.100.50", 1500, 0x7001)
    big4("v4_mtu_1501", "198.51.100.51", 1501, 0x7002,
         "1501: fragments of 1480 + 1 bytes of payload")
    big4("v4_mtu_1600", "198.51.100.52", 1600, 0x7003)
    big4("v4_mtu_2034_one_mbuf", "203.0.113.52", 2034, 0x7004,
         "a 2048-byte frame, the most one mbuf holds")
    big4("v4_mtu_ttl2_tos", "198.51.100.53", 1600, 0x7005,
         "TTL 2: the fragments leave with TTL 1; TOS kept", ttl=2, tos=0xB8)
    big4("v4_mtu_trailing_bytes", "198.51.100.54", 1600, 0x7006,
         "20 bytes after the IP packet: not part of any fragment",
         frame_extra=b"TRAILING" * 2 + b"TAIL")
    # A frame longer than the MTU + 14 whose IP packet fits: forwarded
    # whole (vrd's fast path tests the frame's length, its slow path the
    # IP length).
    big4("v4_mtu_1500_trailing_bytes", "198.51.100.60", 1500, 0x700F,
         "1500 and 40 bytes after it: a 1554-byte frame, forwarded",
         frame_extra=b"TRAILING" * 5)
    big4("v4_mtu_1500_trailing_ecmp", "192.0.2.61", 1500, 0x7010,
         "the same through ECMP", frame_extra=b"TRAILING" * 5)
    big4("v4_mtu_fragment_mf", "198.51.100.55", 1600, 0x7007,
         "a fragment itself (MF, offset 100): every piece keeps MF",
         flags="MF", frag=100)
    big4("v4_mtu_fragment_last", "198.51.100.56", 1600, 0x7008,
         "the last fragment (offset 200): only its last piece has no MF",
         frag=200)
    big4("v4_mtu_ecmp", "192.0.2.60", 1600, 0x7009,
         "ECMP: all the fragments on the one next hop of the flow")
    # Packets too big with DF are answered with ICMP errors, at most one
    # per 100 us: the feeder waits for vrd to be done with what came
    # before (see cmd_feed), so that the first one after it is answered.
    sync()
    big4("v4_mtu_df_1501", "198.51.100.57", 1501, 0x700A, flags="DF")
    big4("v4_mtu_df_2000", "203.0.113.57", 2000, 0x700B, flags="DF")
    big4("v4_mtu_3000_chained", "198.51.100.58", 3000, 0x700C,
         "a 3014-byte frame comes in a chain of mbufs: not fragmented")
    big4("v4_mtu_df_3000_chained", "198.51.100.59", 3000, 0x700D, flags="DF")
    big4("v4_mtu_1600_to_blackhole", "10.99.5.5", 1600, 0x700E,
         "the route decides before the MTU")

    # --- IPv6 forwarded
    for name, dst, l4 in [
            ("v6_udp_p2", "2001:db8:100::10", None),
            ("v6_tcp_p2", "2001:db8:100::11", TCP(sport=40002, dport=80, flags="S")),
            ("v6_icmp_p2", "2001:db8:100::12", ICMPv6EchoRequest(id=1, seq=1)),
            ("v6_udp_p3", "2001:db8:200::10", None),
            ("v6_tcp_p3", "2001:db8:200::11", TCP(sport=40003, dport=22, flags="A")),
            ("v6_lpm_longer_p3", "2001:db8:100:8000::1", None),
            ("v6_to_neighbour_p2", "2001:db8:2::2", None),
            ("v6_to_neighbour_p3", "2001:db8:3::2", None)]:
        add(name, v6(dst, name, l4=l4))
    n = "v6_hlim2_becomes_1"
    add(n, v6("2001:db8:100::20", n, hlim=2))
    n = "v6_flowlabel_tc"
    add(n, v6("2001:db8:200::20", n, tc=0xB8, fl=0x12345))
    n = "v6_fragment_hdr"
    add(n, E(p1) / IPv6(src=H1_V6, dst="2001:db8:100::21") /
        IPv6ExtHdrFragment(id=5, m=1) / UDP(sport=1, dport=2) / mark(n))
    n = "v6_routing_hdr"
    add(n, E(p1) / IPv6(src=H1_V6, dst="2001:db8:200::21") /
        IPv6ExtHdrRouting(addresses=["2001:db8:200::99"], segleft=0) / mark(n))
    n = "v6_trailing_bytes"
    add(n, bytes(v6("2001:db8:100::22", n)) + b"TRAILER!" * 3)
    for n, dst in (("v6_mtu_1500_trailing_bytes", "2001:db8:100::23"),
                   ("v6_mtu_1500_trailing_ecmp", "2001:db8:300::61")):
        head = v6(dst, n)
        add(n, bytes(head / Raw(b"m" * (1500 - len(head[IPv6])))) + b"TRAILER!" * 5,
            "IP length 1500 in a 1554-byte frame: forwarded")
    # IPv6 is never fragmented by routers (RFC 8200 5): packet too big.
    sync()
    for n, size, dst in (("v6_mtu_1500", 1500, "2001:db8:100::50"),
                         ("v6_mtu_1501", 1501, "2001:db8:100::51"),
                         ("v6_mtu_2000", 2000, "2001:db8:200::52"),
                         ("v6_mtu_3000_chained", 3000, "2001:db8:100::53"),
                         ("v6_mtu_ecmp", 1600, "2001:db8:300::60"),
                         ("v6_mtu_1600_to_unreachable", 1600, "2001:db8:beef::5")):
        head = v6(dst, n)
        add(n, bytes(head / Raw(b"m" * (size - len(head[IPv6])))),
            f"IP length {size}, MTU {MTU}")

    # --- TTL / hop limit
    for n, t in (("v4_ttl1", 1), ("v4_ttl0", 0)):
        add(n, v4("198.51.100.60", n, ttl=t))
    n = "v4_ttl1_to_local"
    add(n, v4("10.0.2.1", n, ttl=1))
    for n, h in (("v6_hlim1", 1), ("v6_hlim0", 0)):
        add(n, v6("2001:db8:100::60", n, hlim=h))

    # --- for the router itself
    n = "v4_local_udp"
    add(n, v4("10.0.2.1", n))
    n = "v4_local_icmp_other_port_addr"
    add(n, v4("10.0.3.1", n, l4=ICMP(type=8)))
    n = "v6_local_udp"
    add(n, v6("2001:db8:2::1", n))
    n = "v6_local_icmp"
    add(n, v6("2001:db8:3::1", n, l4=ICMPv6EchoRequest()))
    for n, d in (("v4_local_p1_addr", "10.0.1.1"), ("v4_local_p1_second_addr", "10.0.11.1")):
        add(n, v4(d, n))
    for n, d in (("v6_local_p1_addr", "2001:db8:1::1"), ("v6_local_p1_second_addr", "2001:db8:11::1")):
        add(n, v6(d, n))

    # --- unresolved next hops
    for n, d in (("v4_gw_without_neighbour", "100.64.1.1"),
                 ("v4_connected_unknown_host", "10.0.2.77"),
                 ("v4_directed_broadcast_connected", "10.0.3.255")):
        add(n, v4(d, n))
    add("v4_p1_connected_unknown_host", v4("10.0.1.77", "v4_p1_connected_unknown_host"))
    # back out of the port it came in on, to a neighbour there
    for n, d in (("v4_hairpin_to_h1", H1_V4), ("v6_hairpin_to_h1", H1_V6)):
        add(n, v4(d, n, src="10.0.1.20") if "." in d else v6(d, n, src="2001:db8:1::20"))
    for n, d in (("v6_gw_without_neighbour", "2001:db8:400::1"),
                 ("v6_connected_unknown_host", "2001:db8:3::77"),
                 ("v6_p1_connected_unknown_host", "2001:db8:1::77")):
        add(n, v6(d, n))

    # --- no route, blackhole, unreachable
    for n, d in (("v4_no_route", "8.8.8.8"), ("v4_no_route_near", "198.51.101.1"),
                 ("v4_blackhole", "10.99.1.1"), ("v4_unreachable", "10.98.1.1")):
        add(n, v4(d, n))
    for n, d in (("v6_no_route", "2606:4700::1111"), ("v6_no_route_near", "2001:db8:401::1"),
                 ("v6_blackhole", "2001:db8:dead::1"), ("v6_unreachable", "2001:db8:beef::1")):
        add(n, v6(d, n))

    # --- malformed IPv4
    good = bytes(v4("198.51.100.70", "v4_malformed_base"))

    def patch(frame, off, val, fix_csum=True):
        f = bytearray(frame)
        f[off:off + len(val)] = val
        if fix_csum:
            hl = min((f[14] & 15) * 4, len(f) - 14)
            if hl >= 20:
                f[24:26] = struct.pack("!H", ip4_csum(bytes(f[14:14 + hl])))
        return bytes(f)

    f = bytearray(good)
    f[24:26] = struct.pack("!H", ip4_csum(good[14:34]) ^ 0x5555)
    add("v4_bad_checksum", bytes(f))
    add("v4_zero_checksum", patch(good, 24, b"\0\0", fix_csum=False))
    add("v4_ihl4", patch(good, 14, b"\x44"))
    add("v4_ihl0", patch(good, 14, b"\x40"))
    add("v4_ihl15_beyond_frame", patch(good[:14 + 40], 14, b"\x4f"),
        "IHL 15 (60 bytes) in a 54-byte frame")
    add("v4_totlen_beyond_frame", patch(good, 16, struct.pack("!H", len(good) - 14 + 1)))
    add("v4_totlen_65535", patch(good, 16, b"\xff\xff"))
    add("v4_totlen_below_hdr", patch(good, 16, struct.pack("!H", 19)))
    add("v4_totlen_zero", patch(good, 16, b"\0\0"))
    add("v4_version6_in_v4_ethertype", patch(good, 14, b"\x65"))
    add("v4_version0", patch(good, 14, b"\x05"))
    n = "v4_options_nop"
    add(n, E(p1) / IP(src=H1_V4, dst="198.51.100.71",
                      options=[IPOption_NOP()] * 4) / UDP() / mark(n))
    n = "v4_options_record_route_ihl15"
    add(n, E(p1) / IP(src=H1_V4, dst="198.51.100.72",
                      options=[IPOption_RR(routers=["0.0.0.0"] * 9)]) / UDP() / mark(n))
    n = "v4_options_to_local"
    add(n, E(p1) / IP(src=H1_V4, dst="10.0.2.1", options=[IPOption_NOP()] * 4)
        / UDP() / mark(n))

    # --- truncated frames
    add("frame_1_byte", bytes(good[:1]))
    add("frame_13_bytes", bytes(good[:13]))
    add("frame_14_bytes_ipv4", bytes(good[:14]))
    add("frame_14_plus_19_ipv4", bytes(good[:33]))
    add("frame_14_bytes_ipv6", bytes(E(p1, 0x86DD)))
    good6 = bytes(v6("2001:db8:100::70", "v6_malformed_base"))
    add("frame_14_plus_39_ipv6", good6[:53])
    add("v6_payload_beyond_frame",
        good6[:18] + struct.pack("!H", len(good6) - 54 + 1) + good6[20:])
    add("v6_version4_in_v6_ethertype", good6[:14] + b"\x40" + good6[15:])

    # --- martian IPv4 sources and destinations
    for n, s in (("v4_src_0_8", "0.1.2.3"), ("v4_src_127", "127.0.0.1"),
                 ("v4_src_224", "224.0.0.5"), ("v4_src_239", "239.255.255.255"),
                 ("v4_src_240", "240.0.0.1"), ("v4_src_bcast", "255.255.255.255")):
        add(n, v4("198.51.100.80", n, src=s))
    for n, d in (("v4_dst_0_8", "0.0.0.1"), ("v4_dst_0", "0.0.0.0"),
                 ("v4_dst_127", "127.0.0.1"), ("v4_dst_240", "240.0.0.1"),
                 ("v4_dst_254", "254.255.255.255")):
        add(n, v4(d, n))
    # Both martian: the destination is looked at first; a multicast or
    # class E source is dropped whatever the destination.
    for n, s, d, mac in (
            ("v4_src_127_dst_240", "127.0.0.1", "240.0.0.1", p1),
            ("v4_src_0_dst_0", "0.0.0.0", "0.0.0.0", p1),
            ("v4_src_0_dst_127", "0.0.0.0", "127.0.0.1", p1),
            ("v4_src_224_dst_240", "224.0.0.5", "240.0.0.1", p1),
            ("v4_src_bcast_dst_bcast", "255.255.255.255", "255.255.255.255",
             "ff:ff:ff:ff:ff:ff"),
            ("v4_src_240_dst_mcast", "240.0.0.1", "224.0.0.5", "01:00:5e:00:00:05"),
            ("v4_src_239_dst_0", "239.1.1.1", "0.0.0.1", p1),
            ("v4_src_127_dst_mcast", "127.0.0.1", "224.0.0.5", "01:00:5e:00:00:05"),
            ("v4_src_0_dst_directed_bcast", "0.0.0.0", "10.0.3.255", p1),
            ("v4_src_0_dst_bcast_unicast_mac", "0.0.0.0", "255.255.255.255", p1)):
        add(n, E(mac) / IP(src=s, dst=d) / UDP(sport=4000 + len(cases), dport=5000)
            / mark(n))

    # --- multicast and broadcast destinations: for the kernel
    n = "v4_ospf_hello_224_0_0_5"
    add(n, E("01:00:5e:00:00:05") / IP(src="10.0.1.2", dst="224.0.0.5", ttl=1, proto=89) / mark(n))
    n = "v4_mcast_239_ttl64"
    add(n, E("01:00:5e:01:01:01") / IP(src=H1_V4, dst="239.1.1.1") / UDP() / mark(n))
    n = "v4_mcast_dst_unicast_mac"
    add(n, v4("224.0.0.1", n))
    n = "v4_limited_broadcast"
    add(n, E("ff:ff:ff:ff:ff:ff") / IP(src=H1_V4, dst="255.255.255.255") / UDP(sport=520, dport=520) / mark(n))
    n = "v4_dhcp_discover_from_0_0_0_0"
    add(n, E("ff:ff:ff:ff:ff:ff") / IP(src="0.0.0.0", dst="255.255.255.255", ttl=64)
        / UDP(sport=68, dport=67) / mark(n),
        "DHCP DISCOVER (RFC 2131): src 0.0.0.0 is legal here")
    n = "v4_igmp_report_from_0_0_0_0"
    add(n, E("01:00:5e:00:00:16") / IP(src="0.0.0.0", dst="224.0.0.22", ttl=1, proto=2)
        / mark(n), "IGMPv3 report before the host has an address (RFC 3376 4.2.13)")

    # --- L2: non-IP, other hosts, link-layer broadcast of unicast IP
    add("arp_request_broadcast", bytes(E("ff:ff:ff:ff:ff:ff") /
        ARP(op=1, hwsrc=H1_MAC, psrc=H1_V4, pdst="10.0.1.1")))
    add("arp_reply_unicast", bytes(E(p1) / ARP(op=2, hwsrc=H1_MAC, psrc=H1_V4,
                                                hwdst=p1, pdst="10.0.1.1")))
    add("lldp", bytes(E("01:80:c2:00:00:0e", 0x88CC) / Raw(b"\x02\x07\x04" + b"\x00" * 20)))
    add("ethertype_0x1234", bytes(E(p1, 0x1234) / Raw(b"x" * 46)))
    add("frame_14_bytes_arp", bytes(E(p1, 0x0806)))
    f = bytearray(bytes(v4("198.51.100.90", "v4_to_foreign_mac")))
    f[0:6] = mac_b(FOREIGN_MAC)
    add("v4_to_foreign_mac", bytes(f))
    f = bytearray(bytes(v6("2001:db8:100::90", "v6_to_foreign_mac")))
    f[0:6] = mac_b(FOREIGN_MAC)
    add("v6_to_foreign_mac", bytes(f))
    f = bytearray(bytes(E(p1) / ARP(op=1, psrc=H1_V4, pdst="10.0.1.99")))
    f[0:6] = mac_b(FOREIGN_MAC)
    add("arp_to_foreign_mac", bytes(f))
    # The port's MAC but for one bit of one byte (not the group bit): the
    # fast path compares every byte.
    for k in range(6):
        for fam, pkt in (("v4", v4("198.51.100.91", f"v4_mac_byte{k}_off")),
                         ("v6", v6("2001:db8:100::91", f"v6_mac_byte{k}_off"))):
            f = bytearray(bytes(pkt))
            f[k] ^= 0x80
            add(f"{fam}_mac_byte{k}_off", bytes(f))
    # RFC 1812 5.3.4: unicast IP in an Ethernet group frame, after the
    # martian checks, before TTL and options (and IPv6: after the
    # destination checks, before the source checks).
    def l2g(n, pkt, mac="ff:ff:ff:ff:ff:ff", note="RFC 1812 5.3.4"):
        f = bytearray(bytes(pkt))
        f[0:6] = mac_b(mac)
        add(n, bytes(f), note)

    l2g("v4_unicast_in_l2_broadcast", v4("198.51.100.95", "v4_unicast_in_l2_broadcast"))
    l2g("v4_unicast_in_l2_multicast", v4("198.51.100.95", "v4_unicast_in_l2_multicast"),
        "01:00:5e:00:00:01")
    l2g("v4_l2_group_ttl1", v4("198.51.100.96", "v4_l2_group_ttl1", ttl=1))
    n = "v4_l2_group_options"
    l2g(n, E(p1) / IP(src=H1_V4, dst="198.51.100.97", options=[IPOption_NOP()] * 4)
        / UDP() / mark(n))
    l2g("v4_l2_group_to_local", v4("10.0.2.1", "v4_l2_group_to_local"))
    l2g("v4_l2_group_to_blackhole", v4("10.99.1.2", "v4_l2_group_to_blackhole"),
        "01:00:5e:7f:00:01")
    l2g("v4_l2_group_directed_bcast", v4("10.0.3.255", "v4_l2_group_directed_bcast"))
    l2g("v4_l2_group_src_127", v4("198.51.100.98", "v4_l2_group_src_127", src="127.0.0.1"),
        note="martian source: dropped as such first")
    l2g("v4_l2_group_dst_240", v4("240.0.0.9", "v4_l2_group_dst_240"),
        note="martian destination: dropped as such first")
    n = "v4_l2_group_bad_checksum"
    f = bytearray(bytes(v4("198.51.100.99", n)))
    f[24] ^= 0x11
    l2g(n, f, note="header checks first")
    l2g("v6_unicast_in_l2_multicast", v6("2001:db8:100::95", "v6_unicast_in_l2_multicast"),
        "33:33:00:00:00:01")
    l2g("v6_unicast_in_l2_broadcast", v6("2001:db8:100::95", "v6_unicast_in_l2_broadcast"))
    l2g("v6_l2_group_src_link_local",
        v6("2001:db8:100::96", "v6_l2_group_src_link_local", src="fe80::10"),
        "33:33:00:00:00:01", "before the source checks")
    l2g("v6_l2_group_dst_loopback", v6("::1", "v6_l2_group_dst_loopback"),
        "33:33:00:00:00:01", "martian destination: dropped as such first")
    l2g("v6_l2_group_hlim1", v6("2001:db8:100::97", "v6_l2_group_hlim1", hlim=1))
    l2g("v6_l2_group_to_local", v6("2001:db8:2::1", "v6_l2_group_to_local"))

    # --- IPv6 martians, multicast, link-local, hop-by-hop
    for n, s in (("v6_src_link_local", "fe80::1"), ("v6_src_multicast", "ff02::1"),
                 ("v6_src_loopback", "::1"), ("v6_src_unspecified", "::")):
        add(n, v6("2001:db8:100::80", n, src=s))
    for n, d in (("v6_dst_loopback", "::1"), ("v6_dst_unspecified", "::")):
        add(n, v6(d, n))
    n = "v6_dst_all_nodes"
    add(n, E("33:33:00:00:00:01") / IPv6(src=H1_V6, dst="ff02::1", hlim=1) / UDP() / mark(n))
    n = "v6_dst_site_mcast"
    add(n, E("33:33:00:00:00:02") / IPv6(src=H1_V6, dst="ff05::2") / UDP() / mark(n))
    n = "v6_dst_link_local"
    add(n, v6("fe80::70:63ff:fe61:7002", n, src="fe80::10"))
    n = "v6_neighbour_solicitation"
    add(n, E("33:33:ff:00:00:01") / IPv6(src="fe80::10", dst="ff02::1:ff00:1", hlim=255)
        / ICMPv6ND_NS(tgt="2001:db8:2::1"))
    n = "v6_dad_from_unspecified"
    add(n, E("33:33:ff:00:00:10") / IPv6(src="::", dst="ff02::1:ff00:10", hlim=255)
        / ICMPv6ND_NS(tgt="2001:db8:1::10"))
    n = "v6_hop_by_hop"
    add(n, E(p1) / IPv6(src=H1_V6, dst="2001:db8:100::85") / IPv6ExtHdrHopByHop()
        / UDP() / mark(n))
    n = "v6_hop_by_hop_hlim1"
    add(n, E(p1) / IPv6(src=H1_V6, dst="2001:db8:100::86", hlim=1) / IPv6ExtHdrHopByHop()
        / UDP() / mark(n))
    n = "v6_hop_by_hop_to_local"
    add(n, E(p1) / IPv6(src=H1_V6, dst="2001:db8:2::1") / IPv6ExtHdrHopByHop()
        / UDP() / mark(n))

    # --- ECMP: 24 flows per family, each sent twice (far apart)
    ecmp = []
    for i in range(24):
        ecmp.append((f"ecmp4_flow{i}", "192.0.2.%d" % (10 + i % 6),
                     UDP(sport=10000 + 37 * i, dport=53 + i % 3)))
        ecmp.append((f"ecmp6_flow{i}", "2001:db8:300::%x" % (10 + i % 6),
                     TCP(sport=20000 + 41 * i, dport=443, flags="S")))
    for rep in ("a", "b"):
        for name, dst, l4 in ecmp:
            n = f"{name}_{rep}"
            add(n, v4(dst, n, l4=l4) if ":" not in dst else v6(dst, n, l4=l4.copy()))
        if rep == "a":
            # the same flows again after some other traffic
            n = "between_ecmp_reps"
            add(n, v4("198.51.100.99", n))
    return cases


def build_tail(p1, at):
    """Punts longer than the TAP takes (TAP_MAX_FRAME), last in the input:
    whatever they would be punted for (for the router itself, unresolved,
    TTL expired, IP options, multicast, non-IP...), vrd drops them as
    punt_too_big. net_tap stops a tx burst at such a frame and used to
    lose every frame after it in the flush: each group of them is
    followed by an ordinary punt in the same rx burst (the pcap is
    read BURST frames at a time from its start, the fillers coming in whole
    bursts; ordinary punts before a group move it to the next burst when
    it would not fit), which must reach the kernel. At the limit: a
    TAP_MAX_FRAME-byte punt reaches the kernel, one byte more does not,
    bytes after the IP packet included."""
    out = []
    ip4 = dict(src=H1_V4)
    ip6 = dict(src=H1_V6)

    def udp(name, dst, size=0, mac=None, ttl=None, opts=None, hbh=False):
        """A UDP packet of IP length size (as built if 0) for dst."""
        ip = IP(dst=dst, **ip4) if "." in dst else IPv6(dst=dst, **ip6)
        if ttl is not None:
            if "." in dst:
                ip.ttl = ttl
            else:
                ip.hlim = ttl
        if opts:
            ip.options = opts
        if hbh:
            ip = ip / IPv6ExtHdrHopByHop()
        pkt = E(mac or p1) / ip / UDP(sport=4444, dport=5555) \
            / Raw(f"golden:t:{name}:".encode())
        l3 = len(pkt[1])
        return pkt / Raw(b"M" * (size - l3)) if size else pkt

    def ordinary(name, fam):
        return udp(name, "10.0.3.1" if fam == 4 else "2001:db8:3::1")

    too_big = f"more than the TAP takes ({TAP_MAX_FRAME})"
    groups = [  # (name, [(frame bytes, note)], family of the punt after)
        ("v4_big_local", [(udp("v4_big_local", "10.0.2.1", 1600), "")], 4),
        ("v4_big_unresolved", [(udp("v4_big_unresolved", "10.0.2.77", 1600), "")], 4),
        ("v6_big_local", [(udp("v6_big_local", "2001:db8:2::1", 2000), "")], 6),
        ("v6_big_unresolved", [(udp("v6_big_unresolved", "2001:db8:400::1", 1600), "")], 6),
        ("v4_big_ttl_expired",
         [(udp("v4_big_ttl_expired", "198.51.100.61", 1600, ttl=1), "TTL 1")], 4),
        ("v6_big_hlim_expired",
         [(udp("v6_big_hlim_expired", "2001:db8:100::61", 1600, ttl=1), "hop limit 1")], 6),
        ("v4_big_ip_options",
         [(udp("v4_big_ip_options", "198.51.100.62", 1600, opts=[IPOption_NOP()] * 4),
           "IP options")], 4),
        ("v6_big_hop_by_hop",
         [(udp("v6_big_hop_by_hop", "2001:db8:100::62", 1600, hbh=True),
           "hop-by-hop header")], 6),
        ("v4_big_multicast",
         [(udp("v4_big_multicast", "224.0.0.9", 1600, mac="01:00:5e:00:00:09", ttl=1),
           "224.0.0.9")], 4),
        ("v4_big_broadcast",
         [(udp("v4_big_broadcast", "255.255.255.255", 1600, mac="ff:ff:ff:ff:ff:ff"),
           "255.255.255.255")], 4),
        ("v6_big_multicast",
         [(udp("v6_big_multicast", "ff02::1", 1600, mac="33:33:00:00:00:01"), "ff02::1")], 6),
        ("v6_big_link_local",
         [(udp("v6_big_link_local", "fe80::70:63ff:fe61:7002", 1600), "fe80::")], 6),
        ("big_non_ip",
         [(E(p1, 0x88B5) / Raw(b"golden:t:big_non_ip:".ljust(1586, b"M")),
           "ethertype 0x88b5")], 4),
        ("v4_big_local_chained",
         [(udp("v4_big_local_chained", "10.0.2.1", 3000), "a chain of mbufs")], 4),
        ("v6_big_multicast_chained",
         [(udp("v6_big_multicast_chained", "ff02::1", 3000, mac="33:33:00:00:00:01"),
           "a chain of mbufs")], 6),
        ("v4_big_three_in_a_row",
         [(udp(f"v4_big_three_in_a_row_{k}", d, 1600), "one of three in a row")
          for k, d in enumerate(("10.0.2.1", "10.0.2.77", "10.0.3.1"))], 6),
        ("v4_local_frame_at_limit",
         [(udp("v4_local_frame_at_limit", "10.0.2.1", TAP_MAX_FRAME - 14),
           "the longest frame the TAP takes")], 4),
        ("v4_local_frame_over_limit",
         [(udp("v4_local_frame_over_limit", "10.0.2.1", TAP_MAX_FRAME - 13),
           "one byte more")], 4),
        ("v6_local_frame_over_limit",
         [(udp("v6_local_frame_over_limit", "2001:db8:3::1", TAP_MAX_FRAME - 13),
           "one byte more")], 6),
        ("v4_local_trailing_over_limit",
         [(bytes(udp("v4_local_trailing_over_limit", "10.0.2.1", MTU)) + b"T" * 9,
           f"IP length {MTU}, and 9 bytes after it")], 4),
    ]
    for n, frames, fam in groups:
        k = 0
        while (at + len(out)) % BURST + len(frames) > BURST - 1:
            out.append((f"{n}_before{k}", bytes(ordinary(f"{n}_before{k}", fam)),
                        "an ordinary punt: the group after it, in one burst"))
            k += 1
        for j, (fr, note) in enumerate(frames):
            fr = bytes(fr)
            name = n if len(frames) == 1 else f"{n}_{j}"
            what = f"a {len(fr)}-byte frame, " + \
                (too_big if len(fr) > TAP_MAX_FRAME else "within what the TAP takes")
            out.append((name, fr, f"{note}: {what}" if note else what))
        out.append((f"{n}_next_punt", bytes(ordinary(f"{n}_next_punt", fam)),
                    "an ordinary punt (local) right after it, in the same burst"))
        if (at + len(out) - 1) // BURST != (at + len(out) - len(frames) - 1) // BURST:
            raise AssertionError(f"model: {n} and the punt after it in two bursts")
    return out


# --------------------------------------------------------------- garbage

V4_POOL = ["198.51.100.1", "198.51.100.200", "203.0.113.5", "192.0.2.1",
           "192.0.2.77", "100.64.3.3", "10.0.2.1", "10.0.2.2", "10.0.2.50",
           "10.0.3.1", "10.99.0.1", "10.98.0.1", "8.8.4.4", "0.0.0.0",
           "127.0.0.1", "224.0.0.9", "239.0.0.1", "240.1.1.1",
           "255.255.255.255", "10.0.1.10", "1.1.1.1"]
V6_POOL = ["2001:db8:100::1", "2001:db8:100:8000::2", "2001:db8:200::1",
           "2001:db8:300::1", "2001:db8:300::99", "2001:db8:400::1",
           "2001:db8:2::1", "2001:db8:2::2", "2001:db8:3::5",
           "2001:db8:dead::1", "2001:db8:beef::1", "2001:4860::8888", "::",
           "::1", "fe80::1", "ff02::1", "ff0e::1", "2001:db8:1::10"]
VLAN_TPIDS = (0x8100, 0x88A8, 0x9100)


def garbage_frames(p1_mac):
    """N_GARBAGE seeded random frames, with a good packet (marked) after
    every sixth. Each frame has a model verdict like any other. Drawn
    again: a frame that the kernel would see VLAN-untagged (its TAP
    capture could not be matched)."""
    rnd = random.Random(GARBAGE_SEED)
    out = []
    goods = 0
    while len(out) < N_GARBAGE:
        kind = rnd.randrange(4)
        ln = rnd.randint(1, 200)
        if kind == 0:
            fr = bytes(rnd.getrandbits(8) for _ in range(ln))
        elif kind == 1:
            fr = (p1_mac if rnd.random() < 0.8 else b"\xff" * 6) + \
                bytes(rnd.getrandbits(8) for _ in range(6)) + \
                struct.pack("!H", rnd.choice([0x0800, 0x86DD, 0x0806,
                                              rnd.getrandbits(16)])) + \
                bytes(rnd.getrandbits(8) for _ in range(max(0, ln - 14)))
            fr = fr[:ln] if rnd.random() < 0.3 else fr
        elif kind == 2:
            fr = semi_valid4(rnd, p1_mac)
        else:
            fr = semi_valid6(rnd, p1_mac)
        if len(fr) >= 14 and struct.unpack("!H", fr[12:14])[0] in VLAN_TPIDS:
            continue
        out.append(("garbage", fr))
        if len(out) % 7 == 6:
            goods += 1
            n = f"good_in_garbage_{goods}"
            if goods % 2:
                pkt = E(mac_s(p1_mac)) / IP(src=H1_V4, dst="198.51.100.%d" % (100 + goods % 100)) \
                    / UDP(sport=6000 + goods, dport=6000) / Raw(f"golden:g{goods}:{n}:".encode())
            else:
                pkt = E(mac_s(p1_mac)) / IPv6(src=H1_V6, dst="2001:db8:200::%x" % goods) \
                    / UDP(sport=6000 + goods, dport=6000) / Raw(f"golden:g{goods}:{n}:".encode())
            out.append((n, bytes(pkt)))
    return out


def rnd_bytes(rnd, n):
    return bytes(rnd.getrandbits(8) for _ in range(n))


def semi_valid4(rnd, p1_mac):
    """An IPv4 header that is mostly right: valid checksum, addresses from
    the pool, TTL from the edges; sometimes a field is broken."""
    src = ipaddress.IPv4Address(rnd.choice(V4_POOL)).packed
    dst = ipaddress.IPv4Address(rnd.choice(V4_POOL)).packed
    opts = b"" if rnd.random() < 0.85 else rnd_bytes(rnd, 4 * rnd.randint(1, 10))
    pay = rnd_bytes(rnd, rnd.randint(0, 120))
    hlen = 20 + len(opts)
    tot = hlen + len(pay)
    hdr = bytearray(struct.pack("!BBHHHBBH4s4s", 0x40 | hlen // 4,
                                rnd.getrandbits(8), tot, rnd.getrandbits(16),
                                rnd.choice([0, 0x4000, 0x2000, 0x0010]),
                                rnd.choice([0, 1, 2, 3, 64, 255]),
                                rnd.choice([1, 6, 17, 47, 89, 0]), 0, src, dst)) + opts
    r = rnd.random()
    if r < 0.08:
        hdr[2:4] = struct.pack("!H", rnd.getrandbits(16))
    elif r < 0.12:
        hdr[0] = rnd.getrandbits(8)
    hl = (hdr[0] & 15) * 4
    if 20 <= hl <= len(hdr):
        hdr[10:12] = struct.pack("!H", ip4_csum(bytes(hdr[:hl])))
    if rnd.random() < 0.05:
        hdr[10] ^= 0x40
    mac = p1_mac if rnd.random() < 0.9 else bytes.fromhex("01005e000001")
    fr = mac + mac_b(H1_MAC) + b"\x08\x00" + bytes(hdr) + pay
    if rnd.random() < 0.1:
        fr += rnd_bytes(rnd, rnd.randint(1, 20))       # padding
    elif rnd.random() < 0.05:
        fr = fr[:rnd.randint(14, len(fr))]             # cut short
    return fr


def semi_valid6(rnd, p1_mac):
    src = ipaddress.IPv6Address(rnd.choice(V6_POOL)).packed
    dst = ipaddress.IPv6Address(rnd.choice(V6_POOL)).packed
    pay = rnd_bytes(rnd, rnd.randint(0, 120))
    nh = rnd.choice([17, 6, 58, 0, 44, 59])
    hdr = struct.pack("!IHBB16s16s", 0x60000000 | rnd.getrandbits(20), len(pay),
                      nh, rnd.choice([0, 1, 2, 64, 255]), src, dst)
    if rnd.random() < 0.08:
        hdr = hdr[:4] + struct.pack("!H", rnd.getrandbits(16)) + hdr[6:]
    elif rnd.random() < 0.05:
        hdr = bytes([rnd.getrandbits(8)]) + hdr[1:]
    mac = p1_mac if rnd.random() < 0.9 else bytes.fromhex("333300000001")
    fr = mac + mac_b(H1_MAC) + b"\x86\xdd" + hdr + pay
    if rnd.random() < 0.1:
        fr += rnd_bytes(rnd, rnd.randint(1, 20))
    elif rnd.random() < 0.05:
        fr = fr[:rnd.randint(14, len(fr))]
    return fr


# ------------------------------------------------------------------- gen

def port_macs_from(path):
    with open(path) as f:
        return {p["name"]: p["mac"] for p in json.load(f)}


def predict_p1_mac(macs):
    """net_pcap names its ports 02:70:63:61:70:NN ("pcap"), NN counting
    the pcap devices probed; p1 is probed after p2 and p3."""
    last = sorted(mac_b(macs[p]) for p in OUT_PORTS)[-1]
    return mac_s(last[:5] + bytes([(last[5] + 1) & 0xFF]))


def cmd_gen(a):
    macs = port_macs_from(a.ports)
    p1 = predict_p1_mac(macs)
    macs[IN_PORT] = p1
    entries, syncs = build_manifest(macs)
    pcap_write(os.path.join(a.dir, "in.pcap"), [bytes.fromhex(e["frame"]) for e in entries])
    with open(os.path.join(a.dir, "manifest.json"), "w") as f:
        json.dump({"macs": macs, "frames": entries, "syncs": syncs}, f, indent=0)
    npunt = sum(1 for e in entries if e["verdict"][0] == "punt")
    print(len(entries), npunt, p1)


def build_manifest(macs):
    """-> (entries, syncs). At a SYNC mark of the cases, fillers (dropped
    as l2_other_host) complete the rx burst, and the feeder waits
    until vrd has counted every mtu_exceeded drop before it ({"at": index
    of the next frame, "mtu_before": that count}); the first packet too
    big after it must be answered (icmp_sure)."""
    p1 = mac_b(macs[IN_PORT])
    fib = Fib()
    frames, syncs = [], []
    for n, fr, note in build_cases(macs[IN_PORT]):
        if n != SYNC:
            frames.append((n, fr, note))
            continue
        while len(frames) % BURST:
            frames.append(("filler", FILLER, "burst padding before a sync"))
        syncs.append({"at": len(frames), "mtu_before": sum(
            1 for _, f, _ in frames if classify(f, p1, fib) == ("drop", "mtu_exceeded"))})
    frames += [(n, fr, "") for n, fr in garbage_frames(p1)]
    frames += build_tail(macs[IN_PORT], len(frames))
    names = [n for n, _, _ in frames if n not in ("garbage", "filler")]
    if len(set(names)) != len(names):
        raise AssertionError("model: two cases have the same name")
    entries, frag_ids = [], set()
    for i, (name, fr, note) in enumerate(frames):
        v = classify(fr, p1, fib)
        e = {"i": i, "name": name, "note": note, "frame": fr.hex()}
        if v[0] == "fwd":
            e["verdict"] = ["fwd"]
            e["out"] = {port: rewrite(fr, mac_b(macs[port]), dmac, v[2]).hex()
                        for port, dmac in v[1]}
            e["cmp_len"] = 14 + v[2]
        elif v[0] == "frag":
            e["verdict"] = ["frag"]
            e["frags"] = {port: [f.hex() for f in fragments(fr, mac_b(macs[port]), dmac)]
                          for port, dmac in v[1]}
            key = frag_key(fr)
            if key in frag_ids:
                raise AssertionError(f"model: {name}: its fragments would not be "
                                     "told from another packet's")
            frag_ids.add(key)
        else:
            e["verdict"] = list(v)
            if v == ("drop", "mtu_exceeded"):
                e["icmp"] = True           # an ICMP error comes back, or is
                e["icmp_sure"] = False     # held back by the rate limit
        entries.append(e)
    # The first ICMP error of all, and the first after a sync, cannot be
    # held back: nothing was sent in the 100 us before them.
    for at in [0] + [sy["at"] for sy in syncs]:
        first = next((e for e in entries[at:] if e.get("icmp")), None)
        if first:
            first["icmp_sure"] = True
    return entries, syncs


def frag_key(fr):
    """What the fragments of an IPv4 packet share: src, dst, id, protocol."""
    return fr[26:34].hex() + fr[18:20].hex() + fr[23:24].hex()


FILLER = (mac_b(FOREIGN_MAC) + mac_b(H1_MAC) + b"\x88\xb5"
          + b"golden:filler:" + b"\0" * 32)       # dropped: l2_other_host


def cmd_feed(a):
    """Streams the input into the FIFO p1 reads (net_pcap reads its
    rx_pcap as soon as the port exists, and p1's addresses can only be
    added then): the pcap header, filler frames for another host (dropped
    as l2_other_host, BURST at a time so that the input still starts an rx
    burst) until DIR/go exists, then the frames of in.pcap. The worker
    that reads a FIFO blocks until a whole burst is there: the fillers
    keep it going (vrd waits for the workers when it publishes a port).
    At each sync of the manifest (the frames before it fill whole
    bursts), waits until vrd has counted the mtu_exceeded drops before it
    (`vrctl stats`), then 2 ms more: the rate limit of ICMP errors (one
    per 100 us) cannot hold back the next one."""
    man = json.load(open(os.path.join(a.dir, "manifest.json")))
    _, frames = pcap_read(os.path.join(a.dir, "in.pcap"))
    go = os.path.join(a.dir, "go")
    fd = os.open(os.path.join(a.dir, "in.fifo"), os.O_WRONLY)
    try:
        fcntl.fcntl(fd, 1031, 1 << 20)     # F_SETPIPE_SZ: room for it all
    except OSError:
        pass
    n, end = 0, time.monotonic() + a.timeout
    synced = []

    def mtu_drops():
        try:
            out = subprocess.run(a.vrctl.split() + ["stats", "--json"], check=True,
                                 capture_output=True, timeout=5).stdout
            return next(p["drops"]["mtu_exceeded"] for p in json.loads(out)["ports"]
                        if p["name"] == IN_PORT)
        except Exception:          # noqa: BLE001 (vrd gone: the check says)
            return -1

    with os.fdopen(fd, "wb", buffering=0) as f:
        f.write(PCAP_HEADER)
        while not os.path.exists(go) and time.monotonic() < end:
            f.write(b"".join(pcap_record(n + k, FILLER) for k in range(BURST)))
            n += BURST
            time.sleep(0.005)
        cuts = [sy["at"] for sy in man["syncs"]] + [len(frames)]
        done = 0
        for sy, cut in zip([None] + man["syncs"], cuts):
            if sy is not None:
                t_end = time.monotonic() + 10
                while mtu_drops() < sy["mtu_before"] and time.monotonic() < t_end:
                    time.sleep(0.002)
                synced.append(mtu_drops() == sy["mtu_before"])
                time.sleep(0.002)
            f.write(b"".join(pcap_record(n + k, fr)
                             for k, fr in enumerate(frames[done:cut], done)))
            done = cut
    with open(os.path.join(a.dir, "feed.json.tmp"), "w") as f:
        json.dump({"fillers": n, "go": os.path.exists(go), "synced": synced}, f)
    os.rename(os.path.join(a.dir, "feed.json.tmp"), os.path.join(a.dir, "feed.json"))


# ----------------------------------------------------------------- check

# vrd bugs this test found, by the named case that shows each. The cases
# keep their reference verdict: the checks fail while the bug is there,
# and the failure says which bug it is. Remove an entry once fixed. None
# at present ("tapburst", punts after an oversize one lost in the TAP's tx
# burst, is fixed: see build_tail).
BUGS = {}         # name -> what is wrong, where
KNOWN_BUGS = {}   # case -> (bug, what vrd does instead)


class Checker:
    def __init__(self):
        self.fails = 0
        self.case_failed = {}

    def ok(self, msg):
        print(f"ok: {msg}")

    def fail(self, msg, details=()):
        print(f"FAIL: {msg}")
        for d in details:
            print(f"      {d}")
        self.fails += 1

    def check(self, cond, msg, details=()):
        if cond:
            self.ok(msg)
        else:
            self.fail(msg, details)
        return cond


def describe(fr):
    try:
        return Ether(fr).summary()
    except Exception:          # noqa: BLE001 (a description only)
        return fr[:32].hex()


def field_diff(got, exp, cmp_len):
    """Human-readable differences between a forwarded frame and the
    expected one, field by field where the fields are known."""
    out = []
    names = [(0, 6, "dst MAC"), (6, 12, "src MAC"), (12, 14, "ethertype")]
    if exp[12:14] == b"\x08\x00":
        names += [(14, 15, "version/IHL"), (15, 16, "TOS"), (16, 18, "total length"),
                  (18, 20, "id"), (20, 22, "flags/frag"), (22, 23, "TTL"),
                  (23, 24, "protocol"), (24, 26, "header checksum"),
                  (26, 30, "src"), (30, 34, "dst")]
    elif exp[12:14] == b"\x86\xdd":
        names += [(14, 18, "version/TC/flow"), (18, 20, "payload length"),
                  (20, 21, "next header"), (21, 22, "hop limit"),
                  (22, 38, "src"), (38, 54, "dst")]
    last = 14
    for lo, hi, nm in names:
        if got[lo:hi] != exp[lo:hi]:
            out.append(f"{nm}: got {got[lo:hi].hex()} expected {exp[lo:hi].hex()}")
        last = hi
    if len(got) < cmp_len:
        out.append(f"frame is {len(got)} bytes, the IP packet alone is {cmp_len - 14}")
    else:
        diffs = [i for i in range(last, cmp_len) if got[i] != exp[i]]
        if diffs:
            out.append(f"{len(diffs)} payload byte(s) differ, first at offset "
                       f"{diffs[0]}: got {got[diffs[0]:diffs[0] + 8].hex()} "
                       f"expected {exp[diffs[0]:diffs[0] + 8].hex()}")
    if len(got) != len(exp) and len(got) >= cmp_len:
        out.append(f"frame length {len(got)}, input frame length {len(exp)} "
                   f"(bytes after the IP packet are not compared)")
    return out


def cmd_check(a):
    c = Checker()
    d = a.dir
    man = json.load(open(os.path.join(d, "manifest.json")))
    entries = man["frames"]
    stats = json.load(open(os.path.join(d, "stats.json")))
    ports = {p["name"]: p for p in json.load(open(os.path.join(d, "ports.json")))}
    ifindex = json.load(open(os.path.join(d, "ifindex.json")))
    feed = json.load(open(os.path.join(d, "feed.json")))
    macs = {n: mac_b(p["mac"]) for n, p in ports.items()}
    for n in ALL_PORTS:
        c.check(mac_s(macs[n]) == man["macs"][n],
                f"{n} MAC {mac_s(macs[n])} is the one the input was made for",
                [f"manifest: {man['macs'][n]}"])
    # The TAP's limit (TAP_MAX_FRAME) holds for these MTUs.
    links = {ln["ifname"]: ln for ln in json.load(open(os.path.join(d, "links.json")))}
    c.check(ports[IN_PORT]["mtu"] == MTU and links.get(IN_PORT, {}).get("mtu") ==
            min(ports[IN_PORT]["mtu"], TAP_MTU_MAX) == TAP_MTU,
            f"{IN_PORT} MTU {ports[IN_PORT]['mtu']}, its TAP's in the kernel "
            f"{links.get(IN_PORT, {}).get('mtu')} (min(MTU, {TAP_MTU_MAX})): the TAP "
            f"takes frames of up to {TAP_MAX_FRAME} bytes",
            [f"the model assumes {MTU} and {TAP_MTU}"])
    fillers = feed["fillers"]
    c.check(feed["go"], f"the input followed {fillers} filler frames, once p1's "
            f"addresses were in place", ["the feeder gave up waiting for them"])
    c.check(feed["synced"] == [True] * len(man["syncs"]),
            f"the feeder saw vrd done with the packets too big before each of the "
            f"{len(man['syncs'])} syncs", [f"synced: {feed['synced']}"])
    pst = {p["name"]: p for p in stats["ports"]}
    tap = tap_read(os.path.join(d, "tap.pcap"))
    byi = {e["i"]: e for e in entries}

    def label(i):
        return f"#{i} {byi[i]['name']}" if i is not None else "unidentified frame"

    def known(i):
        if i is None or byi[i]["name"] not in KNOWN_BUGS:
            return ""
        return f" <- KNOWN VRD BUG [{KNOWN_BUGS[byi[i]['name']][0]}]"

    def fam(i):
        return byi[i]["frame"][24:28]       # the ethertype, in hex

    # ---- what each port sent: vrd's frames + the kernel's (from its TAP)
    fwd_seen = {}          # port -> [frame] (kernel frames taken out)
    for port in ALL_PORTS:
        try:
            _, out = pcap_read(os.path.join(d, f"out_{port}.pcap"))
        except (OSError, ValueError) as err:
            c.fail(f"{port}: no output pcap: {err}")
            out = []
        kern = {}
        for ifx, pkttype, src, payload, proto in tap:
            if ifx == ifindex[port] and pkttype == 4:
                key = (src[:6], proto, payload)
                kern[key] = kern.get(key, 0) + 1
        fwd, nk = [], 0
        for fr in out:
            key = tap_key(bytes(fr)) if len(fr) >= 14 else None
            if kern.get(key, 0) > 0:
                kern[key] -= 1
                nk += 1
            else:
                fwd.append(bytes(fr))
        fwd_seen[port] = fwd
        fk = pst[port]["exception"]["from_kernel"]
        c.check(nk >= fk, f"{port}: {len(out)} frames out = {len(fwd)} from vrd + {nk} "
                f"sent by the kernel on TAP {port} (vrd counted {fk} from it)",
                [f"fewer kernel frames ({nk}) in the output than vrd took from the "
                 f"TAP ({fk}): some were lost or changed"])
        nb = sum(len(fr) for fr in out)
        c.check(pst[port]["tx_bytes"] == nb,
                f"{port}: tx_bytes {pst[port]['tx_bytes']} = the {nb} bytes of its "
                f"output pcap")

    # ---- ICMP errors vrd sent back out of p1 (packets too big)
    def icmp_like(fr):
        """From p1, from p1's address, ICMP type 3 / ICMPv6 type 2 (what
        goes back out of p1 to a neighbour there comes from elsewhere)."""
        if len(fr) < 14 or fr[6:12] != macs[IN_PORT]:
            return False
        if fr[12:14] == b"\x08\x00":
            return len(fr) >= 35 and fr[23] == 1 and fr[34] == 3 and \
                fr[26:30] == ipaddress.IPv4Address(P1_ICMP_SRC[4]).packed
        return fr[12:14] == b"\x86\xdd" and len(fr) >= 55 and fr[20] == 58 and \
            fr[54] == 2 and fr[22:38] == ipaddress.IPv6Address(P1_ICMP_SRC[6]).packed
    icmp_cand = [e for e in entries if e.get("icmp")]
    errors = [fr for fr in fwd_seen[IN_PORT] if icmp_like(fr)]
    fwd_seen[IN_PORT] = [fr for fr in fwd_seen[IN_PORT] if not icmp_like(fr)]
    answered, bad_icmp, stray = {}, [], []
    for fr in errors:
        # which packet it answers: the one whose start it quotes
        q = fr[42:] if fr[12:14] == b"\x08\x00" else fr[62:]
        match = [e for e in icmp_cand if len(q) >= 40 and
                 bytes.fromhex(e["frame"])[14:14 + len(q)] == q]
        if not match:
            stray.append(f"answers no packet too big: {describe(fr)}")
            continue
        e = match[0]
        if e["i"] in answered:
            stray.append(f"a second ICMP error for {label(e['i'])}")
            continue
        answered[e["i"]] = fr
        orig = bytes.fromhex(e["frame"])
        src = P1_ICMP_SRC[4 if orig[12:14] == b"\x08\x00" else 6]
        probs = icmp_error_problems(fr, orig, macs[IN_PORT], src)
        if probs:
            bad_icmp.append(f"for {label(e['i'])}: " + "; ".join(probs))
    c.check(not stray, f"{IN_PORT}: every ICMP error vrd sent answers its own packet "
            f"too big ({len(errors)} sent)", stray[:10])
    c.check(1 <= len(answered) <= len(icmp_cand),
            f"{IN_PORT}: {len(answered)} ICMP error(s) for the {len(icmp_cand)} packets "
            f"too big (rate-limited: at least 1, at most one each)",
            [f"answered: {', '.join(label(i) for i in sorted(answered)) or 'none'}"])
    sure = [e for e in icmp_cand if e["icmp_sure"]]
    c.check(all(e["i"] in answered for e in sure),
            f"{IN_PORT}: answered, the {len(sure)} packets too big with no ICMP error "
            f"sent in the 100 us before them ({', '.join(e['name'] for e in sure)})",
            [f"no ICMP error for {label(e['i'])}" for e in sure if e["i"] not in answered])
    for f_, fname in (("0800", "IPv4"), ("86dd", "IPv6")):
        c.check(any(fam(i) == f_ for i in answered),
                f"{IN_PORT}: {fname} packets too big answered too "
                f"({sum(1 for i in answered if fam(i) == f_)})")
    c.check(not bad_icmp, f"{IN_PORT}: the {len(answered)} ICMP error(s) are well formed "
            f"(MACs, addresses from p1's first of the family, TTL 64, type/code, "
            f"MTU {MTU}, checksums, the quote)", bad_icmp[:10])

    # ---- identify what vrd forwarded: exact bytes first (forwarded
    # frames, fragments), then a fragment's IP id, then the marker
    exact, frag_exact, frag_by_key = {}, {}, {}
    for e in entries:
        for port, h in e.get("out", {}).items():
            b = bytes.fromhex(h)
            exact[(port, b[:e["cmp_len"]])] = e["i"]
        for port, fs in e.get("frags", {}).items():
            for h in fs:
                frag_exact[(port, bytes.fromhex(h))] = e["i"]
            frag_by_key[frag_key(bytes.fromhex(e["frame"]))] = e["i"]
    mark_re = re.compile(rb"golden:(g?\d+):([A-Za-z0-9_]+):")
    by_name = {e["name"]: e["i"] for e in entries}
    cmp_lens = sorted(set(x["cmp_len"] for x in entries if "cmp_len" in x))

    def ident(port, fr):
        for e_len in cmp_lens:
            if (port, fr[:e_len]) in exact:
                return exact[(port, fr[:e_len])]
        if (port, fr) in frag_exact:
            return frag_exact[(port, fr)]
        if len(fr) >= 34 and fr[12:14] == b"\x08\x00" and frag_key(fr) in frag_by_key:
            return frag_by_key[frag_key(fr)]
        m = mark_re.search(fr)
        if m and m.group(2).decode() in by_name:
            return by_name[m.group(2).decode()]
        return None

    # A fragmented packet's fragments count as one frame where the first
    # of them is; they must follow each other (frag_runs keeps them).
    seen_on = {}           # entry index -> [(port, pos)]
    obs, obs_frames, frag_runs = {}, {}, {}
    for port in ALL_PORTS:
        obs[port], obs_frames[port] = [], []
        prev = None
        for fr in fwd_seen[port]:
            i = ident(port, fr)
            if i is not None and byi[i]["verdict"][0] == "frag" and i == prev:
                frag_runs[(i, port)][-1].append(fr)
                continue
            if i is not None and byi[i]["verdict"][0] == "frag":
                frag_runs.setdefault((i, port), []).append([fr])
            prev = i
            obs[port].append(i)
            obs_frames[port].append(fr)
        for pos, i in enumerate(obs[port]):
            if i is not None:
                seen_on.setdefault(i, []).append((port, pos))

    # ---- per output port: the expected frames, in input order
    ecmp_port = {}
    for e in entries:
        outs = e.get("out") or e.get("frags")
        if e["verdict"][0] in ("fwd", "frag") and len(outs) > 1:
            where = [p for p, _ in seen_on.get(e["i"], []) if p in outs]
            ecmp_port[e["i"]] = where[0] if where else sorted(outs)[0]
    exp_seq = {p: [] for p in ALL_PORTS}
    for e in entries:
        if e["verdict"][0] in ("fwd", "frag"):
            outs = e.get("out") or e.get("frags")
            exp_seq[ecmp_port.get(e["i"], next(iter(outs)))].append(e["i"])

    bad_bytes = {}
    for port in ALL_PORTS:
        got, want = obs[port], exp_seq[port]
        missing = [i for i in want if i not in got]
        extra = [(pos, i) for pos, i in enumerate(got) if i not in want]
        dup = sorted({i for i in got if i is not None and got.count(i) > 1})
        details = []
        for i in missing[:15]:
            details.append(f"missing: {label(i)} ({describe(bytes.fromhex(byi[i]['frame']))})"
                           + known(i))
        for pos, i in extra[:15]:
            v = byi[i]["verdict"] if i is not None else "?"
            details.append(f"unexpected: {label(i)} (expected {v[:2]}): "
                           f"{describe(obs_frames[port][pos])}" + known(i))
        for i in dup[:5]:
            details.append(f"sent {got.count(i)} times (fragments: not one after "
                           f"the other): {label(i)}")
        c.check(not missing and not extra and not dup,
                f"{port}: forwarded (or fragmented) packets are exactly the expected "
                f"{len(want)} (got {len(got)})", details)
        # Order: the input order, per address family. vrd looks up a
        # burst's IPv4 packets, then its IPv6 packets, so the two families
        # interleave differently; packets of one flow are of one family.
        for f, fname in (("0800", "IPv4"), ("86dd", "IPv6")):
            g = [i for i in got if i is not None and i in want and fam(i) == f]
            w = [i for i in want if i in got and fam(i) == f]
            det = []
            if g != w:
                k = next((k for k in range(min(len(g), len(w))) if g[k] != w[k]),
                         min(len(g), len(w)))
                det.append(f"first difference at the {k}th {fname} frame: got "
                           f"{label(g[k]) if k < len(g) else 'nothing'}, expected "
                           f"{label(w[k]) if k < len(w) else 'nothing'}")
            c.check(g == w, f"{port}: the {len(w)} {fname} packets in input order", det)
        # byte for byte, where the right frame is in the right place
        for pos, i in enumerate(got):
            if i is None or i not in want or i in bad_bytes:
                continue
            e = byi[i]
            if e["verdict"][0] == "frag":
                exp = [bytes.fromhex(h) for h in e["frags"][port]]
                run = frag_runs[(i, port)][0]
                diffs = []
                if len(run) != len(exp):
                    diffs.append(f"{len(run)} fragment(s), expected {len(exp)}")
                for k, (fr, x) in enumerate(zip(run, exp)):
                    if fr != x:
                        diffs.append(f"fragment {k}: " + "; ".join(field_diff(fr, x, len(x))))
                if diffs:
                    bad_bytes[i] = (port, diffs)
                continue
            exp = bytes.fromhex(e["out"][port])
            fr = obs_frames[port][pos]
            n = e["cmp_len"]
            if fr[:n] != exp[:n] or len(fr) < n or (len(exp) == n and len(fr) != n):
                bad_bytes[i] = (port, field_diff(fr, exp, n))
    fwd_entries = [e for e in entries if e["verdict"][0] == "fwd"]
    frag_entries = [e for e in entries if e["verdict"][0] == "frag"]
    n_frags = sum(len(next(iter(e["frags"].values()))) for e in frag_entries)
    details = []
    for i, (port, diffs) in sorted(bad_bytes.items())[:20]:
        details.append(f"{label(i)} on {port}: " + "; ".join(diffs))
    nbf = sum(1 for i in bad_bytes if byi[i]["verdict"][0] == "fwd")
    c.check(not nbf, f"forwarded frames byte-exact against the reference "
            f"({len(fwd_entries) - nbf} of {len(fwd_entries)}; the IP "
            f"packet only where the input had bytes after it)",
            [x for i, x in zip(sorted(bad_bytes), details) if byi[i]["verdict"][0] == "fwd"])
    nbg = len(bad_bytes) - nbf
    c.check(not nbg, f"fragmented packets: fragments byte-exact against RFC 791 "
            f"({len(frag_entries) - nbg} of {len(frag_entries)} packets, {n_frags} "
            f"fragments, in order and one after the other)",
            [x for i, x in zip(sorted(bad_bytes), details) if byi[i]["verdict"][0] == "frag"])

    # IPv4 header checksums valid in everything forwarded, whatever the value
    badck = []
    for port in OUT_PORTS:
        for fr in fwd_seen[port]:
            if fr[12:14] == b"\x08\x00" and len(fr) >= 34:
                hl = (fr[14] & 15) * 4
                if len(fr) >= 14 + hl and fold(fr[14:14 + hl]) != 0xFFFF:
                    badck.append(describe(fr))
    c.check(not badck, "every forwarded IPv4 header (fragments too) has a valid "
            "checksum", badck[:10])

    # ---- exception path: every punted frame reached the TAP of p1, none
    # of those too long for it did, and nothing else did
    incoming = {}
    for ifx, pkttype, src, payload, proto in tap:
        if ifx == ifindex[IN_PORT] and pkttype != 4:
            k = (src[:6], proto, payload)
            incoming[k] = incoming.get(k, 0) + 1
    in_tap = dict(incoming)
    punted = [e for e in entries if e["verdict"][0] == "punt"]
    too_big = [e for e in entries if e["verdict"][:2] == ["drop", "punt_too_big"]]
    lost = []
    for e in punted:
        k = tap_key(bytes.fromhex(e["frame"]))
        if incoming.get(k, 0) > 0:
            incoming[k] -= 1
        else:
            lost.append(e)
    c.check(not lost, f"punted frames reached the kernel on TAP {IN_PORT} "
            f"({len(punted) - len(lost)} of {len(punted)}, unchanged)",
            [f"not seen on the TAP: {label(e['i'])} (punt {e['verdict'][1]}, "
             f"{len(bytes.fromhex(e['frame']))} bytes)" + known(e["i"])
             for e in lost[:20]])
    taken = [e for e in too_big if in_tap.get(tap_key(bytes.fromhex(e["frame"])), 0) > 0]
    c.check(len(too_big) > 0 and not taken,
            f"none of the {len(too_big)} frames to punt longer than the TAP takes "
            f"({TAP_MAX_FRAME} bytes) reached it",
            [f"seen on the TAP: {label(e['i'])}" for e in taken]
            or ["the input has no such frame"])
    extra = sum(incoming.values())
    c.check(extra == 0, f"nothing but the punts reached TAP {IN_PORT} "
            f"({sum(in_tap.values())} frames into it)",
            [f"{n}x from {mac_s(s_)}, protocol {p_}, {len(pl)} bytes: {pl[:40].hex()}"
             for (s_, p_, pl), n in incoming.items() if n > 0][:20])

    # ---- per-case verdicts for the named cases (one line each)
    for e in entries:
        if e["name"] in ("garbage", "filler") or e["name"].startswith("good_in_garbage") \
                or e["name"].startswith("ecmp"):
            continue
        i, v = e["i"], e["verdict"]
        fr = bytes.fromhex(e["frame"])
        where = [p for p, _ in seen_on.get(i, [])]
        at_tap = len(fr) >= 14 and in_tap.get(tap_key(fr), 0) > 0
        note = f" [{e['note']}]" if e["note"] else ""
        if v[0] in ("fwd", "frag"):
            outs = e.get("out") or e.get("frags")
            port = ecmp_port.get(i, next(iter(outs)))
            good = where == [port] and i not in bad_bytes
            msg = f"forwarded to {port}, rewritten as expected" if v[0] == "fwd" else \
                f"fragmented, {len(outs[port])} fragments to {port} as RFC 791 says"
            why = [f"seen on {where or 'no port'}"] + \
                (bad_bytes[i][1] if i in bad_bytes else [])
        elif v[0] == "punt":
            good = not where and at_tap
            msg = f"punted ({v[1]}) to the kernel, not forwarded"
            why = [f"forwarded on {where}" if where else "not seen on the TAP"]
        else:
            good = not where and not at_tap
            msg = f"dropped ({v[1]})"
            if v[1] == "punt_too_big":
                msg = f"dropped (punt_too_big: {len(fr)} bytes to punt ({v[2]}), " \
                    f"more than the TAP takes ({TAP_MAX_FRAME}))"
            why = [f"forwarded on {where}" if where else
                   "seen on the TAP: it was punted"]
            if e.get("icmp"):
                msg += ", ICMP error " + ("sent" if i in answered else
                                          "held back by the rate limit")
        if e["name"] in KNOWN_BUGS:
            why.append(f"KNOWN VRD BUG [{KNOWN_BUGS[e['name']][0]}]: "
                       f"{BUGS[KNOWN_BUGS[e['name']][0]]}")
        c.case_failed[i] = not c.check(good, f"case {e['name']}: {msg}{note}", why)

    # ---- ECMP: both paths used, a flow keeps its path
    for fam_ in ("ecmp4", "ecmp6"):
        flows = {}
        for e in entries:
            if e["name"].startswith(fam_ + "_") and e["i"] in ecmp_port:
                flow = e["name"].rsplit("_", 1)[0]
                seen = [p for p, _ in seen_on.get(e["i"], [])]
                flows.setdefault(flow, []).append(seen[0] if seen else None)
        paths = {p for ps in flows.values() for p in ps if p}
        c.check(paths == set(OUT_PORTS), f"{fam_}: {len(flows)} flows spread over "
                f"both next hops ({sorted(paths)})")
        split = {f: ps for f, ps in flows.items() if len(set(ps)) != 1 or None in ps}
        c.check(not split, f"{fam_}: every flow kept its next hop",
                [f"{f}: {ps}" for f, ps in list(split.items())[:10]])

    # ---- garbage: survived (checked by the shell), good ones came out
    goods = [e for e in entries if e["name"].startswith("good_in_garbage")]
    gone = [e for e in goods if e["i"] not in seen_on]
    c.check(not gone, f"the {len(goods)} good packets mixed with the garbage all "
            f"came out", [label(e["i"]) for e in gone[:10]])

    # ---- counters
    garb = [e["verdict"][0] for e in entries if e["name"] == "garbage"]
    print(f"info: {len(garb)} garbage frames: the reference forwards "
          f"{garb.count('fwd')}, drops {garb.count('drop')}, punts "
          f"{garb.count('punt')}; all are in the per-reason counts below")
    p1s = pst[IN_PORT]
    tot = stats["totals"]
    for kind in ("drops", "punts"):
        names = DROPS if kind == "drops" else PUNTS
        c.check(sorted(p1s[kind]) == sorted(names) and sorted(tot[kind]) == sorted(names),
                f"vrd's {kind[:-1]} reasons are the reference's ({len(names)})",
                [f"vrd: {sorted(p1s[kind])}", f"reference: {sorted(names)}"])
    exp = {("drop", r): 0 for r in DROPS}
    exp.update({("punt", r): 0 for r in PUNTS})
    for e in entries:
        if e["verdict"][0] in ("drop", "punt"):
            exp[tuple(e["verdict"][:2])] += 1
    exp[("drop", "l2_other_host")] += fillers
    # where the frames of known bugs go, by the reference and by vrd
    bug_here = {}
    for e in entries:
        if e["name"] in KNOWN_BUGS:
            bug, actual = KNOWN_BUGS[e["name"]]
            ref = tuple(e["verdict"][:2]) if e["verdict"][0] in ("drop", "punt") else None
            for where in (ref, actual):
                if where and len(where) == 2:
                    bug_here.setdefault(where, []).append(f"{e['name']} [{bug}]")
    c.check(p1s["rx_packets"] == len(entries) + fillers,
            f"{IN_PORT} rx_packets = {p1s['rx_packets']}, frames in the pcap = "
            f"{len(entries)} + {fillers} fillers")
    want_b = sum(len(e["frame"]) // 2 for e in entries) + fillers * len(FILLER)
    c.check(p1s["rx_bytes"] == want_b,
            f"{IN_PORT} rx_bytes = {p1s['rx_bytes']}, bytes of the frames in the pcap "
            f"and the fillers = {want_b}")
    to_kd = sum(p["exception"]["to_kernel_dropped"] for p in stats["ports"])
    for (kind, r), want in exp.items():
        key = kind + "s"
        got_p, got_t = p1s[key].get(r, 0), tot[key].get(r, 0)
        extra = got_p - want
        # totals: p2 and p3 receive nothing (checked below); a tx_full on
        # an output port is that port's, one on a TAP is to_kernel_dropped
        want_t = got_p if r != "tx_full" else \
            sum(p["drops"]["tx_full"] for p in stats["ports"]) + to_kd
        details = [f"{'+' if extra > 0 else ''}{extra} against the reference"] \
            if extra else []
        if got_t != want_t:
            details.append(f"totals.{key}.{r} is {got_t}, the ports add up to {want_t}")
        if extra and (kind, r) in bug_here:
            details.append("KNOWN VRD BUG cases expected or counted here: "
                           + ", ".join(bug_here[(kind, r)]))
        c.check(extra == 0 and got_t == want_t,
                f"{key}.{r}: {IN_PORT} {got_p}, totals {got_t}, expected {want}"
                + (f" (with {fillers} fillers)" if r == "l2_other_host" else ""),
                details)
    c.check(p1s["fragmented"] == len(frag_entries),
            f"{IN_PORT} fragmented = {p1s['fragmented']}, expected {len(frag_entries)}")
    for port in OUT_PORTS:
        st = pst[port]
        quiet = st["rx_packets"] == 0 and st["drops_total"] == 0 and \
            not any(st["punts"].values()) and st["fragmented"] == 0
        c.check(quiet, f"{port}: no rx, drops, punts or fragmented (it received nothing)",
                [json.dumps({k: st[k] for k in ("rx_packets", "drops", "punts",
                                                "fragmented")})])
    n_tx = sum(pst[p]["tx_packets"] - pst[p]["exception"]["from_kernel"] for p in ALL_PORTS)
    want_tx = len(fwd_entries) + n_frags + len(errors)
    c.check(n_tx == want_tx, f"sent by vrd (tx - from_kernel) = {n_tx}, expected "
            f"{want_tx}: {len(fwd_entries)} forwarded + {n_frags} fragments + "
            f"{len(errors)} ICMP errors")
    to_k = sum(p["exception"]["to_kernel"] for p in stats["ports"])
    c.check(to_k == tot["punts_total"] == len(punted) and to_kd == 0,
            f"exception path: to_kernel {to_k} = punts {tot['punts_total']} = the "
            f"{len(punted)} the reference punts, to_kernel_dropped {to_kd} (the "
            f"{len(too_big)} frames too long for the TAP are drops, not punts)",
            [f"to_kernel_dropped {to_kd}: punt(s) the TAP refused" if to_kd else
             f"to_kernel {to_k}, punts_total {tot['punts_total']}, reference "
             f"{len(punted)}"])
    own_drops = tot["drops_total"] - to_kd
    c.check(tot["rx_packets"] == len(fwd_entries) + own_drops + tot["punts_total"]
            + p1s["fragmented"],
            f"rx {tot['rx_packets']} = forwarded {len(fwd_entries)} + fragmented "
            f"{p1s['fragmented']} + dropped {own_drops} + punted {tot['punts_total']} "
            f"(nothing silent; totals.drops less to_kernel_dropped, which are "
            f"punts already)")
    bugs_seen = sorted({KNOWN_BUGS[e["name"]][0] for e in entries
                        if e["name"] in KNOWN_BUGS and c.case_failed.get(e["i"])})
    for b in bugs_seen:
        print(f"KNOWN VRD BUG [{b}] still present: {BUGS[b]}")
    sys.exit(min(c.fails, 100))


def cmd_tapwait(a):
    """Waits until the TAP capture has at least as many incoming frames on
    p1's TAP as frames were punted;
    returns anyway after the timeout (the check then says which are
    missing)."""
    man = json.load(open(os.path.join(a.dir, "manifest.json")))
    ifx = json.load(open(os.path.join(a.dir, "ifindex.json")))[IN_PORT]
    want = sum(1 for e in man["frames"]
               if e["verdict"][0] == "punt")
    end = time.monotonic() + a.timeout
    n, last, still = 0, -1, 0
    while time.monotonic() < end:
        n = sum(1 for i, t, _, _, _ in tap_read(os.path.join(a.dir, "tap.pcap"))
                if i == ifx and t != 4)
        if n >= want:
            break
        # vrd has exited: nothing more is coming once the count settles
        still = still + 1 if n == last else 0
        if still >= 10:
            break
        last = n
        time.sleep(0.2)
    print(n, want)


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("empty")
    s.add_argument("file")
    sub.add_parser("config")
    sub.add_parser("config-readd")
    sub.add_parser("config-p1")
    s = sub.add_parser("bug")
    s.add_argument("name")
    s = sub.add_parser("gen")
    s.add_argument("--ports", required=True)
    s.add_argument("--dir", required=True)
    s = sub.add_parser("feed")
    s.add_argument("--dir", required=True)
    s.add_argument("--timeout", type=float, default=60)
    s.add_argument("--vrctl", required=True, help="vrctl command, socket included")
    s = sub.add_parser("tapwait")
    s.add_argument("--dir", required=True)
    s.add_argument("--timeout", type=float, default=10)
    s = sub.add_parser("check")
    s.add_argument("--dir", required=True)
    a = ap.parse_args()
    if a.cmd == "empty":
        pcap_write(a.file, [])
    elif a.cmd == "config":
        print("\n".join(config_commands()))
    elif a.cmd == "bug":
        print(f"KNOWN VRD BUG [{a.name}]: {BUGS[a.name]}")
    elif a.cmd == "config-readd":
        print("\n".join(route_cmd(p, nh) for p, nh in CONFIG_READD))
    elif a.cmd == "config-p1":
        print("\n".join([f"addr add {a_} dev {port}" for port, a_ in CONFIG_P1_ADDRS]
                        + [f"neigh add {ip} lladdr {mac} dev {port}"
                           for ip, mac, port in CONFIG_P1_NEIGH]))
    elif a.cmd == "feed":
        cmd_feed(a)
    elif a.cmd == "gen":
        cmd_gen(a)
    elif a.cmd == "tapwait":
        cmd_tapwait(a)
    else:
        cmd_check(a)


if __name__ == "__main__":
    main()
