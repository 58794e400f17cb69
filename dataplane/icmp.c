/* SPDX-License-Identifier: BSD-3-Clause
 * Packets larger than the output port's MTU, handled by the worker.
 *
 * They cannot go to the kernel: net_tap refuses frames over its own MTU,
 * which DPDK 22.11 caps at 1504. So vrd does what RFC 1812 asks itself:
 * fragments IPv4 without DF (5.2.6), and otherwise answers with ICMP
 * "fragmentation needed" (RFC 1191) or ICMPv6 "packet too big" (RFC 8201,
 * RFC 4443 3.2). The error goes back out of the input port to the frame's
 * source MAC, the previous hop. Errors are rate-limited per worker
 * (RFC 1812 4.3.2.8). Slow path: not inlined into the burst loop.
 */
#include <string.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include "vr_pkt.h"
#include "vrd.h"

#define ICMP4_MAX_QUOTE (576 - 20 - 8)     /* RFC 1812 4.3.2.3 */
#define ICMP6_MAX_QUOTE (1280 - 40 - 8)    /* RFC 4443 2.4 (c) */
#define ICMP_PER_SEC 10000

struct icmp6_ptb {
	uint8_t type, code;
	uint16_t cksum;
	uint32_t mtu;
};

static bool
icmp_allowed(struct vrd_worker *w)
{
	uint64_t now = rte_rdtsc();
	uint64_t gap = rte_get_tsc_hz() / ICMP_PER_SEC;

	if (now - w->icmp_last_tsc < gap)
		return false;
	w->icmp_last_tsc = now;
	return true;
}

static void
tx(struct vrd_worker *w, uint16_t port, struct rte_mbuf *m)
{
	w->ps[port].tx_pkts++;
	w->ps[port].tx_bytes += m->pkt_len;
	rte_eth_tx_buffer(port, w->id, w->txb[port], m);
}

/* The error's Ethernet header: back to where the packet came from. */
static struct rte_mbuf *
error_alloc(const struct rte_ether_hdr *orig, const struct vrd_port_fp *in,
	    uint16_t len, uint16_t ethertype)
{
	struct rte_mbuf *e = rte_pktmbuf_alloc(vrd.pool);
	struct rte_ether_hdr *eth;

	if (e == NULL)
		return NULL;
	eth = (struct rte_ether_hdr *)rte_pktmbuf_append(e, len);
	if (eth == NULL) {
		rte_pktmbuf_free(e);
		return NULL;
	}
	rte_ether_addr_copy(&orig->src_addr, &eth->dst_addr);
	rte_ether_addr_copy(&in->mac, &eth->src_addr);
	eth->ether_type = rte_cpu_to_be_16(ethertype);
	return e;
}

static void
frag_needed4(struct vrd_worker *w, uint16_t in, struct rte_mbuf *m,
	     uint16_t mtu)
{
	const struct vrd_port_fp *pin = &vrd.port_fp[in];
	struct rte_ether_hdr *oeth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	const struct rte_ipv4_hdr *oip = (const struct rte_ipv4_hdr *)(oeth + 1);
	uint16_t quote = RTE_MIN(rte_be_to_cpu_16(oip->total_length),
				 (uint16_t)ICMP4_MAX_QUOTE);
	uint16_t len;
	struct rte_icmp_hdr *icmp;
	struct rte_ipv4_hdr *ip;
	struct rte_mbuf *e;

	if (pin->addr4 == 0 || !icmp_allowed(w))
		return;
	quote = RTE_MIN(quote, (uint16_t)(rte_pktmbuf_data_len(m) - RTE_ETHER_HDR_LEN));
	len = RTE_ETHER_HDR_LEN + 20 + 8 + quote;
	e = error_alloc(oeth, pin, len, RTE_ETHER_TYPE_IPV4);
	if (e == NULL)
		return;
	ip = rte_pktmbuf_mtod_offset(e, struct rte_ipv4_hdr *, RTE_ETHER_HDR_LEN);
	memset(ip, 0, 20 + 8);
	ip->version_ihl = 0x45;
	ip->total_length = rte_cpu_to_be_16(20 + 8 + quote);
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_ICMP;
	ip->src_addr = pin->addr4;
	ip->dst_addr = oip->src_addr;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	icmp = (struct rte_icmp_hdr *)(ip + 1);
	icmp->icmp_type = 3;                        /* destination unreachable */
	icmp->icmp_code = 4;                        /* fragmentation needed */
	icmp->icmp_seq_nb = rte_cpu_to_be_16(mtu);  /* next-hop MTU, RFC 1191 */
	memcpy(icmp + 1, oip, quote);
	icmp->icmp_cksum = ~rte_raw_cksum(icmp, 8 + quote);
	tx(w, in, e);
}

static void
packet_too_big6(struct vrd_worker *w, uint16_t in, struct rte_mbuf *m,
		uint16_t mtu)
{
	const struct vrd_port_fp *pin = &vrd.port_fp[in];
	struct rte_ether_hdr *oeth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	const struct rte_ipv6_hdr *oip = (const struct rte_ipv6_hdr *)(oeth + 1);
	uint16_t quote = RTE_MIN(rte_pktmbuf_data_len(m) - RTE_ETHER_HDR_LEN,
				 ICMP6_MAX_QUOTE);
	struct rte_ipv6_hdr *ip;
	struct icmp6_ptb *ptb;
	struct rte_mbuf *e;
	static const uint8_t zero[16];

	if (memcmp(pin->addr6, zero, 16) == 0 || !icmp_allowed(w))
		return;
	e = error_alloc(oeth, pin, RTE_ETHER_HDR_LEN + 40 + 8 + quote,
			RTE_ETHER_TYPE_IPV6);
	if (e == NULL)
		return;
	ip = rte_pktmbuf_mtod_offset(e, struct rte_ipv6_hdr *, RTE_ETHER_HDR_LEN);
	memset(ip, 0, 40 + 8);
	ip->vtc_flow = rte_cpu_to_be_32(6u << 28);
	ip->payload_len = rte_cpu_to_be_16(8 + quote);
	ip->proto = IPPROTO_ICMPV6;
	ip->hop_limits = 64;
	memcpy(ip->src_addr, pin->addr6, 16);
	memcpy(ip->dst_addr, oip->src_addr, 16);
	ptb = (struct icmp6_ptb *)(ip + 1);
	ptb->type = 2;                              /* packet too big */
	ptb->mtu = rte_cpu_to_be_32(mtu);
	memcpy(ptb + 1, oip, quote);
	ptb->cksum = rte_ipv6_udptcp_cksum(ip, ptb);
	tx(w, in, e);
}

/* RFC 791 fragmentation into single-segment mbufs: every PMD can send
 * them (chained indirect mbufs are not universal: af_xdp copies one). The
 * header has no options here: those were punted before the lookup. */
static bool
fragment4(struct vrd_worker *w, const struct vr_nh *nh, struct rte_mbuf *m,
	  uint16_t mtu)
{
	const struct rte_ether_hdr *oeth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	const struct rte_ipv4_hdr *oip = (const struct rte_ipv4_hdr *)(oeth + 1);
	const uint8_t *payload = (const uint8_t *)(oip + 1);
	uint16_t plen = rte_be_to_cpu_16(oip->total_length) - sizeof(*oip);
	uint16_t chunk = (uint16_t)((mtu - sizeof(*oip)) & ~7u);
	uint16_t off0 = rte_be_to_cpu_16(oip->fragment_offset);
	struct rte_mbuf *frags[64];
	unsigned int n = 0;

	if (rte_pktmbuf_is_contiguous(m) == 0 || chunk == 0 ||
	    (unsigned int)(plen + chunk - 1) / chunk > RTE_DIM(frags))
		return false;
	for (uint16_t done = 0; done < plen; done += chunk) {
		uint16_t len = RTE_MIN(chunk, (uint16_t)(plen - done));
		uint16_t fo = (off0 & RTE_IPV4_HDR_OFFSET_MASK) + done / 8;
		bool more = done + len < plen || (off0 & RTE_IPV4_HDR_MF_FLAG);
		struct rte_mbuf *f = rte_pktmbuf_alloc(vrd.pool);
		struct rte_ether_hdr *eth;
		struct rte_ipv4_hdr *ip;

		if (f == NULL || (eth = (struct rte_ether_hdr *)rte_pktmbuf_append(
				f, RTE_ETHER_HDR_LEN + sizeof(*ip) + len)) == NULL) {
			rte_pktmbuf_free(f);
			rte_pktmbuf_free_bulk(frags, n);
			return false;
		}
		frags[n++] = f;
		memcpy(eth, oeth, RTE_ETHER_HDR_LEN + sizeof(*ip));
		ip = (struct rte_ipv4_hdr *)(eth + 1);
		memcpy(ip + 1, payload + done, len);
		ip->total_length = rte_cpu_to_be_16(sizeof(*ip) + len);
		ip->fragment_offset = rte_cpu_to_be_16(
			fo | (more ? RTE_IPV4_HDR_MF_FLAG : 0));
		ip->time_to_live--;
		ip->hdr_checksum = 0;
		ip->hdr_checksum = rte_ipv4_cksum(ip);
		rte_ether_addr_copy(&nh->dmac, &eth->dst_addr);
		rte_ether_addr_copy(&vrd.port_fp[nh->port].mac, &eth->src_addr);
	}
	for (unsigned int i = 0; i < n; i++)
		tx(w, nh->port, frags[i]);
	return true;
}

void
vrd_mtu_exceeded(struct vrd_worker *w, uint16_t in, const struct vr_nh *nh,
		 struct rte_mbuf *m, bool v4)
{
	uint16_t mtu = vrd.port_fp[nh->port].mtu;
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *,
							  RTE_ETHER_HDR_LEN);

	if (v4 && !(ip->fragment_offset & RTE_BE16(RTE_IPV4_HDR_DF_FLAG))) {
		if (fragment4(w, nh, m, mtu)) {
			w->ps[in].fragmented++;
			rte_pktmbuf_free(m);
			return;
		}
		w->ps[in].drops[VRD_DROP_FRAG_FAILED]++;
		rte_pktmbuf_free(m);
		return;
	}
	if (v4)
		frag_needed4(w, in, m, mtu);
	else
		packet_too_big6(w, in, m, mtu);
	w->ps[in].drops[VRD_DROP_MTU_EXCEEDED]++;
	rte_pktmbuf_free(m);
}
