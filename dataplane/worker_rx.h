/* SPDX-License-Identifier: BSD-3-Clause
 * The forwarding loop's receive side (worker.c's only): the burst
 * context, drops and punts with their reasons, and the checks a router
 * makes on what it receives, both the common cases tested at once
 * (ip4_fast, ip6_fast) and the full checks that find the reason of
 * everything else (rx_slow). In a header so that worker.c stays
 * readable while the compiler still inlines all of it there.
 */
#ifndef VRD_WORKER_RX_H
#define VRD_WORKER_RX_H

#include <stdbool.h>
#include <string.h>

#include <rte_ethdev.h>
#include <rte_mbuf.h>
#ifdef __SSE4_1__
#include <smmintrin.h>
#endif

#include "vr_pkt.h"
#include "vrd.h"

/* A MAC's six bytes as the low 48 bits of an integer (x86 is little
 * endian: byte 0 is the low byte, and its bit 0 the group bit, IEEE 802
 * section 8.2). Reads 8 bytes: the 2 after the MAC must be readable. */
#define MAC_GROUP_BIT 1ull
static inline uint64_t
mac_bits(const struct rte_ether_addr *a)
{
	uint64_t v;

	memcpy(&v, a, sizeof(v));
#ifdef __BMI2__
	/* One instruction with the load (bzhi), where load and mask take
	 * two. In asm: GCC turns _bzhi_u64 with a constant into the and. */
	uint64_t r;

	asm("bzhi %[n], %[v], %[r]" : [r] "=r"(r) : [v] "rm"(v), [n] "r"(48ull) : "cc");
	return r;
#else
	return v & 0xffffffffffffull;
#endif
}

/* Whether a frame is IPv4 to the port's MAC, from its first 16 bytes
 * (the buffer holds them whatever the frame's length; the IPv4 checks
 * then test the length): one compare of the MAC and the EtherType where
 * they took two loads, two compares and two branches. */
#ifdef __SSE4_1__
struct l2_ip4 {
	__m128i want, mask;
};

static inline struct l2_ip4
l2_ip4_want(uint64_t mac48)
{
	return (struct l2_ip4){
		/* bytes 0-5 the MAC, 12-13 the EtherType 08 00 */
		.want = _mm_set_epi64x((long long)(RTE_ETHER_TYPE_IPV4 >> 8) << 32,
				       (long long)mac48),
		.mask = _mm_set_epi64x(0xffffll << 32, 0xffffffffffffll),
	};
}

static inline bool
l2_ip4_to_port(const struct rte_ether_hdr *eth, const struct l2_ip4 *l2)
{
	__m128i x = _mm_xor_si128(_mm_loadu_si128((const __m128i *)eth), l2->want);

	return _mm_testz_si128(x, l2->mask);
}
#else
struct l2_ip4 {
	uint64_t mac48;
};

static inline struct l2_ip4
l2_ip4_want(uint64_t mac48)
{
	return (struct l2_ip4){ .mac48 = mac48 };
}

static inline bool
l2_ip4_to_port(const struct rte_ether_hdr *eth, const struct l2_ip4 *l2)
{
	return eth->ether_type == RTE_BE16(RTE_ETHER_TYPE_IPV4) &&
	       mac_bits(&eth->dst_addr) == l2->mac48;
}
#endif

/* One burst's context: a local of the worker that handles it. */
struct burst_ctx {
	struct vrd_worker *w;
	const struct vr_fib_fp *fib;
	const struct vrd_port_fp *pfp;
	uint16_t in;
	uint16_t tap;
	struct vrd_port_stats *ps;
};

static inline void
drop(struct burst_ctx *c, struct rte_mbuf *m, enum vrd_drop why)
{
	c->ps->drops[why]++;
	rte_pktmbuf_free(m);
}

/* Hands a frame, unchanged, to the kernel through the input port's TAP. */
static inline void
punt(struct burst_ctx *c, struct rte_mbuf *m, enum vrd_punt why)
{
	struct vrd_port_stats *ts = &c->w->ps[c->tap];

	/* net_tap stops a burst at a frame over its MTU + 22 and the rest
	 * of the burst would go with it: such a frame ends here. */
	if (unlikely(m->pkt_len > (uint32_t)c->pfp[c->tap].mtu + RTE_ETHER_HDR_LEN +
				  RTE_ETHER_CRC_LEN + 4)) {
		drop(c, m, VRD_DROP_PUNT_TOO_BIG);
		return;
	}
	c->ps->punts[why]++;
	ts->tx_pkts++;
	ts->tx_bytes += m->pkt_len;
	rte_eth_tx_buffer(c->tap, c->w->id, c->w->txb[c->tap], m);
}

/* IPv4 receive checks (RFC 1812 5.2.2, 5.3.7). Returns true when the
 * packet is to be looked up; otherwise it has been dropped or punted. */
static inline bool
ip4_accept(struct burst_ctx *c, struct rte_mbuf *m, struct rte_ipv4_hdr *ip,
	   bool l2_group)
{
	uint32_t l3 = m->data_len - RTE_ETHER_HDR_LEN;
	uint8_t sc, dc;

	if (unlikely(l3 < sizeof(*ip))) {
		drop(c, m, VRD_DROP_TRUNCATED);
		return false;
	}
	switch (vr_ip4_check(ip, l3, m->pkt_len - RTE_ETHER_HDR_LEN)) {
	case VR_IP4_OK:
		break;
	case VR_IP4_BAD_VERSION:
		drop(c, m, VRD_DROP_IP_VERSION);
		return false;
	case VR_IP4_BAD_HLEN:
		drop(c, m, VRD_DROP_IP_HDR_LEN);
		return false;
	case VR_IP4_BAD_TOTLEN:
		drop(c, m, VRD_DROP_IP_TOTAL_LEN);
		return false;
	case VR_IP4_TRUNCATED:
		drop(c, m, VRD_DROP_TRUNCATED);
		return false;
	default:
		drop(c, m, VRD_DROP_IP_CHECKSUM);
		return false;
	}
	sc = vr_ip4_class_by_octet[((const uint8_t *)&ip->src_addr)[0]];
	dc = vr_ip4_class_by_octet[((const uint8_t *)&ip->dst_addr)[0]];
	if (unlikely(dc != VR_IP4_UNICAST)) {
		/* Multicast and limited broadcast are the kernel's (OSPF,
		 * IGMP, DHCP); 0.0.0.0 is a valid source for them
		 * (RFC 2131, RFC 3376 4.2.13). */
		if (sc == VR_IP4_MULTICAST || sc == VR_IP4_CLASS_E)
			drop(c, m, VRD_DROP_MARTIAN_SRC);
		else if (dc == VR_IP4_MULTICAST ||
			 ip->dst_addr == RTE_BE32(0xffffffff))
			punt(c, m, VRD_PUNT_CONTROL);
		else
			drop(c, m, VRD_DROP_MARTIAN_DST);
		return false;
	}
	if (unlikely(sc != VR_IP4_UNICAST)) {
		drop(c, m, VRD_DROP_MARTIAN_SRC);
		return false;
	}
	/* RFC 1812 5.3.4: a unicast datagram that came in a link-layer
	 * broadcast or multicast frame is not forwarded. */
	if (unlikely(l2_group)) {
		drop(c, m, VRD_DROP_L2_GROUP_UNICAST_IP);
		return false;
	}
	/* RFC 1812 4.2.2.9: TTL 0 or 1 is not forwarded, but may be for us:
	 * the kernel delivers it or answers time exceeded. */
	if (unlikely(ip->time_to_live <= 1)) {
		punt(c, m, VRD_PUNT_TTL);
		return false;
	}
	if (unlikely(ip->version_ihl != 0x45)) {
		punt(c, m, VRD_PUNT_IP_OPTIONS);
		return false;
	}
	return true;
}

/* Whether an IPv6 address may be a forwarded packet's source: not
 * multicast, link-local, unspecified or loopback (RFC 4291 2.5.6); the
 * destinations the fast path forwards are the same set. */
static inline bool
ip6_addr_forwardable(const uint8_t *a)
{
	return !vr_ip6_is_multicast(a) & !vr_ip6_is_linklocal(a) &
	       !vr_ip6_is_unspec_or_loopback(a);
}

/* IPv6 receive checks (RFC 8200, RFC 4291 2.5.6). */
static inline bool
ip6_accept(struct burst_ctx *c, struct rte_mbuf *m, struct rte_ipv6_hdr *ip,
	   bool l2_group)
{
	uint32_t l3 = m->data_len - RTE_ETHER_HDR_LEN;

	if (unlikely(l3 < sizeof(*ip))) {
		drop(c, m, VRD_DROP_TRUNCATED);
		return false;
	}
	if (unlikely((((const uint8_t *)ip)[0] & 0xf0) != 0x60)) {
		drop(c, m, VRD_DROP_IP_VERSION);
		return false;
	}
	if (unlikely(rte_be_to_cpu_16(ip->payload_len) + sizeof(*ip) >
		     m->pkt_len - RTE_ETHER_HDR_LEN)) {
		drop(c, m, VRD_DROP_TRUNCATED);
		return false;
	}
	if (unlikely(vr_ip6_is_multicast(ip->dst_addr) ||
		     vr_ip6_is_linklocal(ip->dst_addr))) {
		/* ND, MLD, OSPFv3, and DAD from :: */
		punt(c, m, VRD_PUNT_CONTROL);
		return false;
	}
	if (unlikely(vr_ip6_is_unspec_or_loopback(ip->dst_addr))) {
		drop(c, m, VRD_DROP_MARTIAN_DST);
		return false;
	}
	if (unlikely(l2_group)) {
		drop(c, m, VRD_DROP_L2_GROUP_UNICAST_IP);
		return false;
	}
	if (unlikely(!ip6_addr_forwardable(ip->src_addr))) {
		drop(c, m, VRD_DROP_MARTIAN_SRC);
		return false;
	}
	if (unlikely(ip->hop_limits <= 1)) {
		punt(c, m, VRD_PUNT_TTL);
		return false;
	}
	/* Hop-by-hop options are for every router on the path. */
	if (unlikely(ip->proto == 0)) {
		punt(c, m, VRD_PUNT_IP_OPTIONS);
		return false;
	}
	return true;
}

/* The common cases, tested at once once the EtherType is known: a frame
 * to the port's MAC, a header that the frame holds, a hop limit > 1,
 * unicast addresses that may be forwarded. Whatever fails any test takes
 * the full checks (rx_slow), which find the reason. The same conditions
 * as ip4_accept's and ip6_accept's accepting paths: t_golden.sh sends
 * every reason's packets. They branch per test: a compare and a branch
 * that is never taken (one fused operation) cost fewer instructions than
 * the compare, set and and of session 8's branch-free tests (under
 * callgrind, session 9: 5 a packet fewer for IPv4, 17 for IPv6). Only
 * the IPv6 address tests stay combined, several compares each. */

/* IPv4 (RFC 1812 5.2.2, 5.3.7): a 20-byte header with a right checksum
 * and a total length the frame's first segment holds, a source that may
 * be forwarded. The caller has seen the IPv4 EtherType and the port's MAC
 * (l2_ip4_to_port). Sets *dst (host order). The destination is not
 * tested: the lookup gives the ones that are not unicast no route
 * (vr_fib_ip4_unroutable), and route_pkt checks those packets fully
 * (ip4_accept). The header is read before the frame is known to hold it:
 * the buffer does, and the length test rejects what it read. */
static inline bool
ip4_fast(const struct rte_mbuf *m, const struct rte_ether_hdr *eth,
	 uint32_t *dst)
{
	const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)(eth + 1);
	bool ok;
	uint32_t w;

	/* Version 4 with a 20-byte header, and 20 <= total length <= what
	 * the first segment holds past the Ethernet header (which makes it
	 * hold the 34 bytes read here), in one compare. w is the header's
	 * first word, 0x45 tos length; without tos, less 0x45000014, it is
	 * length - 20 when the first byte is 0x45 and the length >= 20, and
	 * at least 2^24 - 20 otherwise: above any segment's length. The
	 * right side is negative for a segment under 34 bytes. */
	memcpy(&w, ip, sizeof(w));
	w = vr_be32_to_cpu(w);
	if (unlikely((int64_t)(uint32_t)((w & 0xff00ffffu) - 0x45000014u) >
		     (int64_t)m->data_len - (int64_t)(RTE_ETHER_HDR_LEN + sizeof(*ip))))
		return false;
	if (unlikely(ip->time_to_live <= 1))
		return false;
	if (unlikely(vr_ip4_class_by_octet[((const uint8_t *)&ip->src_addr)[0]] != 0))
		return false;
	ok = vr_ip4_hdr20_csum_ok(ip);
	*dst = vr_be32_to_cpu(ip->dst_addr);
	return ok;
}

/* IPv6 (RFC 8200, RFC 4291 2.5.6): no hop-by-hop options, neither
 * address multicast, link-local, unspecified or loopback. The caller has
 * seen the IPv6 EtherType. Copies the destination to dst. */
static inline bool
ip6_fast(const struct rte_mbuf *m, const struct rte_ether_hdr *eth,
	 uint64_t mac48, uint8_t *dst)
{
	const struct rte_ipv6_hdr *ip = (const struct rte_ipv6_hdr *)(eth + 1);
	bool ok;

	if (unlikely(m->data_len < RTE_ETHER_HDR_LEN + sizeof(*ip)))
		return false;
	if (unlikely(mac_bits(&eth->dst_addr) != mac48))
		return false;
	if (unlikely((((const uint8_t *)ip)[0] & 0xf0) != 0x60))
		return false;
	if (unlikely(vr_be16_to_cpu(ip->payload_len) >
		     m->pkt_len - RTE_ETHER_HDR_LEN - sizeof(*ip)))
		return false;
	if (unlikely(ip->hop_limits <= 1 || ip->proto == 0))
		return false;
	/* The address tests stay combined: each is several compares. */
	ok = ip6_addr_forwardable(ip->dst_addr) & ip6_addr_forwardable(ip->src_addr);
	memcpy(dst, ip->dst_addr, 16);
	return ok;
}

enum rx_verdict {
	RX_DONE,        /* dropped or punted */
	RX_IP4,         /* to be looked up: *dst4 is set */
	RX_IP6,         /* to be looked up: dst6 is set */
};

/* Every frame that is not a common case (ip4_fast, ip6_fast): the full checks,
 * which count the reason of each drop and punt. Out of line so that the
 * loop around ip4_fast keeps its values in registers. */
static __attribute__((noinline)) enum rx_verdict
rx_slow(struct burst_ctx *c, struct rte_mbuf *m, uint64_t mac48,
	uint32_t *dst4, uint8_t *dst6)
{
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	uint64_t dst48;
	bool l2_group;

	if (unlikely(m->data_len < RTE_ETHER_HDR_LEN)) {
		drop(c, m, VRD_DROP_TRUNCATED);
		return RX_DONE;
	}
	/* A unicast frame must be addressed to the port; a router does not
	 * forward what a neighbour sent to someone else. (The frame holds
	 * 14 bytes: reading 8 stays inside it.) */
	dst48 = mac_bits(&eth->dst_addr);
	l2_group = (dst48 & MAC_GROUP_BIT) != 0;
	if (!l2_group && dst48 != mac48) {
		drop(c, m, VRD_DROP_L2_OTHER_HOST);
		return RX_DONE;
	}
	if (eth->ether_type == RTE_BE16(RTE_ETHER_TYPE_IPV4)) {
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eth + 1);

		if (!ip4_accept(c, m, ip, l2_group))
			return RX_DONE;
		*dst4 = rte_be_to_cpu_32(ip->dst_addr);
		return RX_IP4;
	}
	if (eth->ether_type == RTE_BE16(RTE_ETHER_TYPE_IPV6)) {
		struct rte_ipv6_hdr *ip = (struct rte_ipv6_hdr *)(eth + 1);

		if (!ip6_accept(c, m, ip, l2_group))
			return RX_DONE;
		memcpy(dst6, ip->dst_addr, 16);
		return RX_IP6;
	}
	punt(c, m, VRD_PUNT_NON_IP);
	return RX_DONE;
}

#endif
