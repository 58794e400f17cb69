/* SPDX-License-Identifier: BSD-3-Clause
 * What vrgen sends, in IPv4 or IPv6: destinations drawn from a route
 * file's prefixes, one frame template per flow (Ethernet / IP / UDP /
 * stamp), and on receipt, whether a frame is one of ours and where its
 * stamp is.
 */
#ifndef GEN_FLOWS_H
#define GEN_FLOWS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <rte_ether.h>
#include <rte_mbuf.h>

#include "gen_seq.h"

/* The stamp right after the UDP header: Ethernet 14 + IP + UDP 8. */
#define GEN_STAMP_OFF4 42
#define GEN_STAMP_OFF6 62
/* Frames with their FCS. The smallest IPv6 frame that holds Ethernet,
 * IPv6, UDP and the stamp is 82 bytes: a 64-byte frame cannot even hold
 * the 62 bytes of headers. */
#define GEN_FRAME_MIN4 64
#define GEN_FRAME_MIN6 (GEN_STAMP_OFF6 + GEN_STAMP_LEN + 4)
/* --ip-size's lower bounds: the IP and UDP headers and the stamp (IPv4
 * keeps 28, the migration study's 32-byte packets pad into the frame). */
#define GEN_IP_MIN4 28
#define GEN_IP_MIN6 (40 + 8 + GEN_STAMP_LEN)

/* An address in network order; IPv4 in the first 4 bytes. */
struct gen_addr {
	uint8_t b[16];
};

struct gen_prefix {
	struct gen_addr a;           /* host bits clear */
	uint8_t len;
};

/* Reads the prefixes of one family (4 or 6) from a route file, plain or
 * gzip: a prefix first on a line, anything after it ignored; '#'
 * comments, blank lines and the other family's prefixes skipped. Returns
 * 0, or -1 with a message on stderr. */
int gen_routes_read(const char *path, int family, struct gen_prefix **out,
		    size_t *n_out);

/* flows destinations, random addresses in random prefixes (seeded), each
 * one a router forwards (RFC 6890's special ranges left out) and off the
 * source's link (its /24 or /64). Returns 0, or -1 with a message. */
int gen_dsts_pick(const struct gen_prefix *p, size_t np, int family,
		  unsigned int flows, const struct gen_addr *src, uint64_t seed,
		  struct gen_addr *dst);

/* One template: frame bytes without the FCS, ip_size the IP packet's
 * bytes (0: all of the frame after Ethernet), a zero stamp. */
void gen_template_build(uint8_t *buf, int family, unsigned int frame,
			unsigned int ip_size, const struct rte_ether_addr *src_mac,
			const struct rte_ether_addr *dst_mac,
			const struct gen_addr *src, const struct gen_addr *dst,
			uint16_t sport, uint16_t id);

/* How a family's frames are stamped and recognised. */
struct gen_match {
	uint16_t ether_type;         /* network order */
	uint16_t src_off;            /* the IP source address in the frame */
	uint16_t src_len;
	uint16_t stamp_off;
	uint16_t cksum_off;          /* UDP checksum to keep right; 0: none */
	uint64_t src_w[2];           /* the address, zero after its length */
};

void gen_match_init(struct gen_match *g, int family, const struct gen_addr *src);

/* A frame of ours: our family, from our source address. Fixed-size
 * loads, no memcmp call: this runs for every packet received. */
static inline bool
gen_ours(const struct rte_mbuf *m, const struct gen_match *g)
{
	const uint8_t *d = rte_pktmbuf_mtod(m, const uint8_t *);
	uint64_t a[2] = { 0, 0 };
	uint16_t et;

	if (m->data_len < g->src_off + g->src_len)
		return false;
	memcpy(&et, d + 12, sizeof(et));
	if (g->src_len == 4)
		memcpy(a, d + g->src_off, 4);
	else
		memcpy(a, d + g->src_off, 16);
	return et == g->ether_type && a[0] == g->src_w[0] && a[1] == g->src_w[1];
}

/* Writes the stamp into a frame copied from a template. Over IPv6 the
 * UDP checksum is mandatory (RFC 8200 section 8.1), so the template's,
 * computed over a zero stamp, takes in the stamp's words (the checksum
 * is a ones' complement sum, RFC 1071: adding words adds their sums). */
static inline void
gen_stamp(uint8_t *d, const struct gen_match *g, uint64_t seq, uint64_t tsc)
{
	const uint64_t st[2] = { seq, tsc };

	memcpy(d + g->stamp_off, st, GEN_STAMP_LEN);
	if (g->cksum_off != 0) {
		uint16_t ck;
		uint32_t sum = 0;
		const uint16_t *w = (const uint16_t *)st;

		for (unsigned int i = 0; i < GEN_STAMP_LEN / 2; i++)
			sum += w[i];
		memcpy(&ck, d + g->cksum_off, sizeof(ck));
		sum += (uint16_t)~ck;
		sum = (sum & 0xffff) + (sum >> 16);
		sum = (sum & 0xffff) + (sum >> 16);
		ck = (uint16_t)~sum;
		/* RFC 768: a computed zero is sent as all ones. */
		if (ck == 0)
			ck = 0xffff;
		memcpy(d + g->cksum_off, &ck, sizeof(ck));
	}
}

#endif
