/* SPDX-License-Identifier: BSD-3-Clause
 * vr_pkt: header checks and rewrites shared by the data paths.
 * All inline: they run once per packet. */
#ifndef VR_PKT_H
#define VR_PKT_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_config.h>
#include <rte_ether.h>
#include <rte_ip.h>

/* Classes of an IPv4 address by its first octet (RFC 1812 5.3.7,
 * RFC 6890): what a router may do with it as a source or a destination. */
enum vr_ip4_class {
	VR_IP4_UNICAST = 0,
	VR_IP4_MARTIAN,      /* 0/8, 127/8, 240/4 (but see broadcast) */
	VR_IP4_MULTICAST,    /* 224/4 */
	VR_IP4_CLASS_E,      /* 240/4: martian, except 255.255.255.255 */
};

extern const uint8_t vr_ip4_class_by_octet[256];

/* Verdict of the IPv4 checks, in the order they are made. */
enum vr_ip4_check {
	VR_IP4_OK = 0,
	VR_IP4_BAD_VERSION,
	VR_IP4_BAD_HLEN,     /* IHL < 5 */
	VR_IP4_TRUNCATED,    /* header or total length beyond the frame */
	VR_IP4_BAD_TOTLEN,   /* total length < header length */
	VR_IP4_BAD_CSUM,
};

/* Big-endian fields to host order, as rte_be_to_cpu_16/32 but with the
 * compiler's builtins: DPDK's x86 versions are inline asm (xchg, bswap),
 * which the compiler can neither fold into the load (movbe) nor merge
 * with what follows. For the fast path's header reads. */
#if RTE_BYTE_ORDER == RTE_LITTLE_ENDIAN
#define VR_BE_SWAP(bits, v) __builtin_bswap##bits(v)
#else
#define VR_BE_SWAP(bits, v) (v)
#endif

static inline uint16_t
vr_be16_to_cpu(rte_be16_t v)
{
	return VR_BE_SWAP(16, v);
}

static inline uint32_t
vr_be32_to_cpu(rte_be32_t v)
{
	return VR_BE_SWAP(32, v);
}

/* A 20-byte IPv4 header as two 64-bit words and a zero-extended 32-bit
 * one, loaded straight from the header at any alignment. Copying it to a
 * stack array first, as this did, stalled on store-to-load forwarding
 * (wide stores, narrow loads): perf annotate on tests/bench/replay.sh put
 * those loads among the hottest. */
static inline void
vr_ip4_hdr20_load(const struct rte_ipv4_hdr *ip, uint64_t *w01, uint64_t *w23,
		  uint64_t *w4)
{
	const uint8_t *p = (const uint8_t *)ip;
	uint32_t last;

	memcpy(w01, p, 8);
	memcpy(w23, p + 8, 8);
	memcpy(&last, p + 16, 4);
	*w4 = last;
}

/* The plain sum of a 20-byte IPv4 header's five 32-bit words (below 2^35). */
static inline uint64_t
vr_ip4_hdr20_words(const struct rte_ipv4_hdr *ip)
{
	uint64_t w01, w23, w4;

	vr_ip4_hdr20_load(ip, &w01, &w23, &w4);
	return (w01 & 0xffffffff) + (w01 >> 32) + (w23 & 0xffffffff) + (w23 >> 32) + w4;
}

/* The one's-complement sum of a 20-byte IPv4 header folded to 16 bits,
 * equal to rte_raw_cksum(ip, 20): nearly every header has no options, so
 * five 32-bit adds replace rte_raw_cksum()'s loop over any length. Adding
 * 32-bit words and folding the carries back is the same sum as adding
 * 16-bit words (RFC 1071 2(C), parallel summation). */
static inline uint16_t
vr_ip4_hdr20_sum(const struct rte_ipv4_hdr *ip)
{
	uint64_t s = vr_ip4_hdr20_words(ip);

	s = (s & 0xffffffff) + (s >> 32);
	s = (s & 0xffffffff) + (s >> 32);
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

/* Whether a 20-byte IPv4 header's checksum is right, without folding:
 * the one's-complement sum of its words is 0xffff exactly when their
 * plain sum is a non-zero multiple of 0xffff, since the end-around carry
 * is reduction modulo 0xffff (2^16 and 2^32 are both 1 modulo 0xffff).
 * The caller has seen a non-zero first byte (0x45), so the sum is not
 * zero. A multiply for the modulo instead of four folds. */
static inline bool
vr_ip4_hdr20_csum_ok(const struct rte_ipv4_hdr *ip)
{
#ifdef RTE_ARCH_X86_64
	/* The same sum in 64-bit words with the end-around carry (add, adc,
	 * adc): 2^64 is 1 modulo 0xffff too, so the carry added back keeps
	 * the residue; after a carry the sum is below 2^33, so adding it
	 * back cannot carry again. Three adds instead of the halves' split
	 * and five. (In asm: _addcarry_u64 made GCC keep the sum on the
	 * stack.) */
	static const uint64_t multiple_max = UINT64_MAX / 0xffff;
	uint64_t s, w23, w4;
	bool ok;

	vr_ip4_hdr20_load(ip, &s, &w23, &w4);
	asm("add %[b], %[s]\n\tadc %[c], %[s]\n\tadc $0, %[s]"
	    : [s] "+r"(s) : [b] "rm"(w23), [c] "rm"(w4) : "cc");
	/* s % 0xffff == 0 as GCC makes it, s times the inverse of 0xffff
	 * modulo 2^64 at most UINT64_MAX / 0xffff, but compared with the
	 * bound in memory: in a loop GCC loaded it into a register per
	 * packet. */
	asm("cmp %[max], %[q]" : "=@ccbe"(ok)
	    : [q] "r"(s * 0xfffefffefffeffffull), [max] "m"(multiple_max));
	return ok;
#else
	return vr_ip4_hdr20_words(ip) % 0xffff == 0;
#endif
}

/* The folded sum of an IPv4 header of hlen bytes: the five-add path for
 * the 20 bytes nearly every header has, DPDK's loop for options. */
static inline uint16_t
vr_ip4_hdr_sum(const struct rte_ipv4_hdr *ip, uint32_t hlen)
{
	return likely(hlen == sizeof(*ip)) ? vr_ip4_hdr20_sum(ip)
					   : rte_raw_cksum(ip, hlen);
}

/* RFC 1812 5.2.2 / 5.3: a router validates version, header length, total
 * length against what arrived, and the checksum. l3_len is what the frame
 * holds after the Ethernet header (in the first segment: the caller
 * passes data_len so that the header itself is readable). */
static inline enum vr_ip4_check
vr_ip4_check(const struct rte_ipv4_hdr *ip, uint32_t l3_len, uint32_t pkt_l3_len)
{
	uint8_t vhl = ip->version_ihl;
	uint32_t hlen = (uint32_t)(vhl & 0x0f) << 2;
	uint32_t tot;

	if (unlikely((vhl & 0xf0) != 0x40))
		return VR_IP4_BAD_VERSION;
	if (unlikely(hlen < sizeof(*ip)))
		return VR_IP4_BAD_HLEN;
	if (unlikely(hlen > l3_len))
		return VR_IP4_TRUNCATED;
	tot = rte_be_to_cpu_16(ip->total_length);
	if (unlikely(tot < hlen))
		return VR_IP4_BAD_TOTLEN;
	if (unlikely(tot > pkt_l3_len))
		return VR_IP4_TRUNCATED;
	/* The one's-complement sum over a correct header is 0xffff. */
	if (unlikely(vr_ip4_hdr_sum(ip, hlen) != 0xffff))
		return VR_IP4_BAD_CSUM;
	return VR_IP4_OK;
}

/* Decrements TTL and updates the checksum incrementally (RFC 1624):
 * the TTL is the high byte of its 16-bit word, so the checksum grows by
 * 0x0100 in one's-complement arithmetic, which is the same in either
 * byte order (RFC 1071 2(B)): adding RTE_BE16(0x0100) to the field as it
 * sits in memory, with the end-around carry. A sum that reaches 0xffff
 * becomes 0x0000: a full recompute never gives 0xffff either (the words
 * it sums are not all zero), so the two agree on every valid header
 * (tests/unit/test_pkt.c checks it against rte_ipv4_cksum()). */
static inline void
vr_ip4_ttl_dec(struct rte_ipv4_hdr *ip)   /* TTL >= 1 */
{
#if defined(RTE_ARCH_X86_64) && RTE_BYTE_ORDER == RTE_LITTLE_ENDIAN
	/* The same in two instructions on the header in memory: with c the
	 * field as a little-endian number, RTE_BE16(0x0100) is 1 and the
	 * result is c + 1, or 0 for c = 0xfffe and 1 for c = 0xffff. Adding
	 * 2 carries exactly for those two, and adding -1 with the carry
	 * gives c + 1, 0, 1. The 2 comes with the TTL's decrement: the
	 * 32-bit word at the TTL is TTL | protocol << 8 | c << 16 (little
	 * endian), and adding 0x1ffff = 0x20000 - 1 to it takes 1 from the
	 * TTL (>= 1: no borrow from the protocol) and adds 2 to c, carrying
	 * out of bit 31 as adding 2 to c alone does. (The C form below
	 * takes eight: the TTL's, then load, three adds, a shift, a copy
	 * and the store.) */
	asm("addl $0x1ffff, %[w]\n\tadcw $-1, %[c]"
	    : [w] "+m"(*(uint32_t *)&ip->time_to_live), [c] "+m"(ip->hdr_checksum)
	    : : "cc");
#else
	uint32_t sum = (uint32_t)ip->hdr_checksum + RTE_BE16(0x0100);

	/* + 1 when sum >= 0xffff: (sum + 1) >> 16 is that test (sum is
	 * below 0x1ffff) without a compare and a flag to widen. */
	ip->time_to_live--;
	ip->hdr_checksum = (uint16_t)(sum + ((sum + 1) >> 16));
#endif
}

/* IPv6 address scopes that a router must not forward (RFC 4291 2.5.6)
 * or that are for the node itself. */
static inline bool
vr_ip6_is_multicast(const uint8_t *a)
{
	return a[0] == 0xff;
}

static inline bool
vr_ip6_is_linklocal(const uint8_t *a)
{
	return a[0] == 0xfe && (a[1] & 0xc0) == 0x80;
}

/* ::, ::1: never a valid source or destination beyond the node. */
static inline bool
vr_ip6_is_unspec_or_loopback(const uint8_t *a)
{
	const uint64_t *w = (const uint64_t *)(const void *)a;
	return w[0] == 0 && (w[1] == 0 || w[1] == rte_cpu_to_be_64(1));
}

/* An unknown source-port/destination-port pair is 0: hashing still
 * spreads by addresses. */
static inline uint32_t
vr_flow_hash4(const struct rte_ipv4_hdr *ip)
{
	uint32_t ports = 0;
	uint32_t h;

	if ((ip->next_proto_id == IPPROTO_UDP || ip->next_proto_id == IPPROTO_TCP) &&
	    (ip->fragment_offset & rte_cpu_to_be_16(RTE_IPV4_HDR_OFFSET_MASK |
						    RTE_IPV4_HDR_MF_FLAG)) == 0)
		ports = *(const uint32_t *)(const void *)
			((const uint8_t *)ip + ((ip->version_ihl & 0xf) << 2));
	h = ip->src_addr * 0x9e3779b1u ^ ip->dst_addr;
	h = (h ^ ports ^ ip->next_proto_id) * 0x85ebca6bu;
	return h ^ (h >> 15);
}

static inline uint32_t
vr_flow_hash6(const struct rte_ipv6_hdr *ip)
{
	const uint32_t *s = (const uint32_t *)(const void *)ip->src_addr;
	const uint32_t *d = (const uint32_t *)(const void *)ip->dst_addr;
	uint32_t ports = 0, h;

	if (ip->proto == IPPROTO_UDP || ip->proto == IPPROTO_TCP)
		ports = *(const uint32_t *)(const void *)(ip + 1);
	h = (s[0] ^ s[1] ^ s[2] ^ s[3]) * 0x9e3779b1u ^ d[0] ^ d[1] ^ d[2] ^ d[3];
	h = (h ^ ports ^ ip->proto ^ (ip->vtc_flow & rte_cpu_to_be_32(0xfffff))) *
	    0x85ebca6bu;
	return h ^ (h >> 15);
}

#endif
