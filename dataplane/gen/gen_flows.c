/* SPDX-License-Identifier: BSD-3-Clause
 * vrgen's flows: route file, destinations, templates, IPv4 and IPv6.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <zlib.h>

#include <rte_byteorder.h>
#include <rte_ip.h>
#include <rte_udp.h>

#include "gen_flows.h"

static unsigned int
addr_bits(int family)
{
	return family == 4 ? 32 : 128;
}

/* Clears the bits after len. */
static void
addr_mask(struct gen_addr *a, unsigned int len, unsigned int bits)
{
	for (unsigned int i = len; i < bits; i++)
		a->b[i / 8] &= (uint8_t)~(0x80u >> (i % 8));
}

/* One line's prefix: 1 parsed, 0 not this family, -1 malformed. */
static int
prefix_parse(char *w, int family, struct gen_prefix *p)
{
	char *slash = strchr(w, '/'), *end;
	unsigned long len = addr_bits(family);
	bool v6 = strchr(w, ':') != NULL;

	if (v6 != (family == 6))
		return 0;
	if (slash != NULL) {
		*slash = '\0';
		errno = 0;
		len = strtoul(slash + 1, &end, 10);
		if (slash[1] == '\0' || *end != '\0' || errno ||
		    len > addr_bits(family))
			return -1;
	}
	memset(p, 0, sizeof(*p));
	if (inet_pton(family == 4 ? AF_INET : AF_INET6, w, p->a.b) != 1)
		return -1;
	addr_mask(&p->a, (unsigned int)len, addr_bits(family));
	p->len = (uint8_t)len;
	return 1;
}

int
gen_routes_read(const char *path, int family, struct gen_prefix **out,
		size_t *n_out)
{
	gzFile f = gzopen(path, "r");
	struct gen_prefix *v = NULL;
	size_t n = 0, cap = 0, lineno = 0, bad = 0;
	char line[512];

	if (f == NULL) {
		fprintf(stderr, "vrgen: cannot open %s: %s\n", path,
			errno ? strerror(errno) : "out of memory");
		return -1;
	}
	while (gzgets(f, line, sizeof(line)) != NULL) {
		char *p = line, *w;
		int rc;

		lineno++;
		while (isspace((unsigned char)*p))
			p++;
		if (*p == '\0' || *p == '#')
			continue;
		w = p;
		while (*p != '\0' && !isspace((unsigned char)*p))
			p++;
		*p = '\0';
		if (n == cap) {
			struct gen_prefix *nv;

			cap = cap ? cap * 2 : 65536;
			nv = realloc(v, cap * sizeof(*v));
			if (nv == NULL) {
				fprintf(stderr, "vrgen: out of memory\n");
				free(v);
				gzclose(f);
				return -1;
			}
			v = nv;
		}
		rc = prefix_parse(w, family, &v[n]);
		if (rc < 0)
			bad++;
		else if (rc > 0)
			n++;
	}
	if (!gzeof(f)) {
		int e;

		fprintf(stderr, "vrgen: %s: read error: %s\n", path, gzerror(f, &e));
		free(v);
		gzclose(f);
		return -1;
	}
	gzclose(f);
	if (bad > 0)
		fprintf(stderr, "vrgen: %s: %zu of %zu lines are not prefixes; "
			"skipped\n", path, bad, lineno);
	if (n == 0) {
		fprintf(stderr, "vrgen: %s: no IPv%d prefix\n", path, family);
		free(v);
		return -1;
	}
	*out = v;
	*n_out = n;
	return 0;
}

/* xorshift64*: reproducible for a seed, good enough to pick addresses. */
static uint64_t
rnd_next(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 0x2545F4914F6CDD1DULL;
}

/* A destination a router forwards (RFC 6890's special ranges out), not
 * on the source's link. IPv4: not 0/8, 127/8, multicast or class E, not
 * the source's /24. IPv6: not ::/8 (unspecified, loopback, mapped),
 * fe80::/10 or ff00::/8, not the source's /64. */
static bool
dst_ok(const struct gen_addr *d, const struct gen_addr *src, int family)
{
	const uint8_t o = d->b[0];

	if (family == 4)
		return o != 0 && o != 127 && o < 224 && memcmp(d->b, src->b, 3) != 0;
	if (o == 0 || o == 0xff || (o == 0xfe && (d->b[1] & 0xc0) == 0x80))
		return false;
	return memcmp(d->b, src->b, 8) != 0;
}

int
gen_dsts_pick(const struct gen_prefix *p, size_t np, int family,
	      unsigned int flows, const struct gen_addr *src, uint64_t seed,
	      struct gen_addr *dst)
{
	uint64_t s = seed * 0x9E3779B97F4A7C15ULL + 0x6A09E667F3BCC909ULL;
	const unsigned int bits = addr_bits(family);
	unsigned long tries = 0;

	if (s == 0)
		s = 1;
	for (unsigned int i = 0; i < flows;) {
		const struct gen_prefix *q = &p[rnd_next(&s) % np];
		struct gen_addr d = q->a;

		/* Random host bits, a byte at a time, the prefix's kept. */
		for (unsigned int b = q->len / 8; b < bits / 8; b++) {
			uint8_t r = (uint8_t)rnd_next(&s);
			uint8_t keep = b == q->len / 8 ? (uint8_t)~(0xffu >> (q->len % 8)) : 0;

			d.b[b] = (uint8_t)((d.b[b] & keep) | (r & ~keep));
		}
		if (dst_ok(&d, src, family))
			dst[i++] = d;
		else if (++tries > 100ul * flows + 1000) {
			fprintf(stderr, "vrgen: the route file has too few "
				"forwardable unicast destinations\n");
			return -1;
		}
	}
	return 0;
}

void
gen_template_build(uint8_t *buf, int family, unsigned int frame,
		   unsigned int ip_size, const struct rte_ether_addr *src_mac,
		   const struct rte_ether_addr *dst_mac,
		   const struct gen_addr *src, const struct gen_addr *dst,
		   uint16_t sport, uint16_t id)
{
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)buf;
	uint16_t l3 = (uint16_t)(ip_size ? ip_size : frame - sizeof(*eth));
	struct rte_udp_hdr *udp;

	memset(buf, 0, frame);
	rte_ether_addr_copy(dst_mac, &eth->dst_addr);
	rte_ether_addr_copy(src_mac, &eth->src_addr);
	if (family == 4) {
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eth + 1);

		eth->ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV4);
		ip->version_ihl = RTE_IPV4_VHL_DEF;
		ip->total_length = rte_cpu_to_be_16(l3);
		ip->packet_id = rte_cpu_to_be_16(id);
		ip->time_to_live = 64;
		ip->next_proto_id = IPPROTO_UDP;
		memcpy(&ip->src_addr, src->b, 4);
		memcpy(&ip->dst_addr, dst->b, 4);
		ip->hdr_checksum = rte_ipv4_cksum(ip);
		udp = (struct rte_udp_hdr *)(ip + 1);
		udp->src_port = rte_cpu_to_be_16(sport);
		udp->dst_port = RTE_BE16(9);         /* discard */
		udp->dgram_len = rte_cpu_to_be_16((uint16_t)(l3 - sizeof(*ip)));
		/* No UDP checksum (RFC 768 allows it over IPv4): every
		 * packet's stamp differs, and the router does not look. */
		udp->dgram_cksum = 0;
	} else {
		struct rte_ipv6_hdr *ip = (struct rte_ipv6_hdr *)(eth + 1);

		eth->ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV6);
		/* Version 6; the flow label tells flows apart (RFC 6437). */
		ip->vtc_flow = rte_cpu_to_be_32(6u << 28 | (uint32_t)id);
		ip->payload_len = rte_cpu_to_be_16((uint16_t)(l3 - sizeof(*ip)));
		ip->proto = IPPROTO_UDP;
		ip->hop_limits = 64;
		memcpy(ip->src_addr, src->b, 16);
		memcpy(ip->dst_addr, dst->b, 16);
		udp = (struct rte_udp_hdr *)(ip + 1);
		udp->src_port = rte_cpu_to_be_16(sport);
		udp->dst_port = RTE_BE16(9);
		udp->dgram_len = ip->payload_len;
		/* Over the zero stamp; gen_stamp adds each packet's. */
		udp->dgram_cksum = rte_ipv6_udptcp_cksum(ip, udp);
	}
}

void
gen_match_init(struct gen_match *g, int family, const struct gen_addr *src)
{
	memset(g, 0, sizeof(*g));
	if (family == 4) {
		g->ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV4);
		g->src_off = 14 + 12;
		g->src_len = 4;
		g->stamp_off = GEN_STAMP_OFF4;
	} else {
		g->ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV6);
		g->src_off = 14 + 8;
		g->src_len = 16;
		g->stamp_off = GEN_STAMP_OFF6;
		g->cksum_off = 14 + 40 + 6;
	}
	memcpy(g->src_w, src->b, g->src_len);
}
