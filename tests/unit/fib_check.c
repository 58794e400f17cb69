/* SPDX-License-Identifier: BSD-3-Clause
 * Comparing a vr_fib with the reference LPM, and the small helpers the
 * test cases share.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_memory.h>

#include "fib_test.h"

/* Mismatches printed before a check gives up: enough to see a pattern. */
#define MAX_REPORTS 10
#define BATCH 64

static uint64_t rnd_state;

void
rnd_seed(uint64_t seed)
{
	rnd_state = seed;
}

uint64_t
rnd64(void)
{
	uint64_t z = (rnd_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

uint32_t
rnd_below(uint32_t n)
{
	return (uint32_t)(((rnd64() >> 32) * n) >> 32);
}

/* VR_TEST_SEED replays a run; the default is fixed so CI is repeatable. */
uint64_t
test_seed(void)
{
	const char *s = getenv("VR_TEST_SEED");

	return s != NULL ? strtoull(s, NULL, 0) : 0x5eed2024ULL;
}

void
addr_to_bytes(int family, u128 a, uint8_t out[VR_IP6_LEN])
{
	unsigned int len = family == AF_INET ? 4 : 16;

	memset(out, 0, VR_IP6_LEN);
	for (unsigned int i = 0; i < len; i++)
		out[i] = (uint8_t)(a >> (8 * (len - 1 - i)));
}

u128
addr_from_bytes(int family, const uint8_t *b)
{
	unsigned int len = family == AF_INET ? 4 : 16;
	u128 a = 0;

	for (unsigned int i = 0; i < len; i++)
		a = a << 8 | b[i];
	return a;
}

const char *
addr_str(int family, u128 a, char *buf, size_t len)
{
	uint8_t b[VR_IP6_LEN];

	addr_to_bytes(family, a, b);
	return inet_ntop(family, b, buf, (socklen_t)len);
}

struct vr_fib *
test_fib_create(const char *name, uint32_t v4_hint, uint32_t v6_hint)
{
	struct vr_fib_conf c = {
		.name = name,
		.socket_id = SOCKET_ID_ANY,
		.v4_routes_hint = v4_hint,
		.v6_routes_hint = v6_hint,
	};
	struct vr_fib *fib = NULL;

	assert_int_equal(vr_fib_create(&c, &fib), 0);
	assert_non_null(fib);
	return fib;
}

int
route_add(struct vr_fib *fib, int family, const struct pfx *p, uint32_t g,
	  uint8_t origin)
{
	uint8_t ip[VR_IP6_LEN];
	int rc;

	addr_to_bytes(family, p->ip, ip);
	vr_fib_nhg_ref(fib, g);
	rc = vr_fib_route_add(fib, family, ip, p->depth, g, origin);
	if (rc < 0)
		vr_fib_nhg_put(fib, g);
	return rc;
}

int
route_del(struct vr_fib *fib, int family, const struct pfx *p)
{
	uint8_t ip[VR_IP6_LEN];

	addr_to_bytes(family, p->ip, ip);
	return vr_fib_route_del(fib, family, ip, p->depth);
}

void
gw_spec(int family, unsigned int i, struct vr_nh_spec *s)
{
	memset(s, 0, sizeof(*s));
	s->family = family;
	s->type = VR_NH_UNRESOLVED;
	s->port = i % 4;
	if (family == AF_INET) {
		s->gw[0] = 10;
		s->gw[2] = (uint8_t)(i >> 8);
		s->gw[3] = (uint8_t)(i + 1);
	} else {
		s->gw[0] = 0xfd;
		s->gw[14] = (uint8_t)(i >> 8);
		s->gw[15] = (uint8_t)(i + 1);
	}
}

/* The IPv4 destinations that are not unicast (RFC 1812 5.3.7): 0/8,
 * 127/8, 224/4 and 240/4. Written out here rather than taken from
 * vr_fib.h, which it checks. */
static bool
unroutable4(u128 a)
{
	uint32_t octet = (uint32_t)a >> 24;

	return octet == 0 || octet == 127 || octet >= 224;
}

static void
lookup_batch(const struct vr_fib_fp *fp, int family, const u128 *a,
	     unsigned int n, uint64_t *nhg)
{
	if (family == AF_INET) {
		uint32_t ips[BATCH], g[BATCH];

		for (unsigned int i = 0; i < n; i++)
			ips[i] = (uint32_t)a[i];
		vr_fib_lookup4_bulk(fp, ips, g, n);
		for (unsigned int i = 0; i < n; i++)
			nhg[i] = g[i];
	} else {
		uint8_t ips[BATCH][RTE_FIB6_IPV6_ADDR_SIZE];

		for (unsigned int i = 0; i < n; i++)
			addr_to_bytes(AF_INET6, a[i], ips[i]);
		vr_fib_lookup6_bulk(fp, ips, nhg, n);
	}
}

/* The RIB's answer for a, as (group, depth); group 0 for no route. */
static void
rib_match(struct vr_fib *fib, int family, u128 a, uint32_t *g, uint8_t *depth,
	  u128 *ip)
{
	struct vr_route_info info;
	uint8_t b[VR_IP6_LEN];
	int rc;

	addr_to_bytes(family, a, b);
	rc = vr_fib_route_match(fib, family, b, &info);
	if (rc == -ENOENT) {
		*g = 0;
		*depth = 0;
		*ip = 0;
		return;
	}
	assert_int_equal(rc, 0);
	assert_int_equal(info.family, family);
	*g = info.nhg;
	*depth = info.depth;
	*ip = addr_from_bytes(family, info.ip);
}

void
check_addrs(struct vr_fib *fib, int family, const struct ref_lpm *ref,
	    const u128 *addrs, size_t n, bool rib)
{
	const struct vr_fib_fp *fp = vr_fib_fp(fib);
	/* The same tables through rte_fib_lookup_bulk, the IPv4 lookup's
	 * fallback (vr_fib_fp.v4_dir NULL). */
	struct vr_fib_fp fp_rte = *fp;
	uint64_t nhg[BATCH], nhg_rte[BATCH];
	/* IPv4's answers as the forwarding loop takes them, both ways */
	uintptr_t route[BATCH], route_rte[BATCH];
	size_t bad = 0;
	char s[INET6_ADDRSTRLEN];

	fp_rte.v4_dir = NULL;
	for (size_t off = 0; off < n; off += BATCH) {
		unsigned int k = n - off < BATCH ? (unsigned int)(n - off) : BATCH;

		lookup_batch(fp, family, addrs + off, k, nhg);
		lookup_batch(&fp_rte, family, addrs + off, k, nhg_rte);
		if (family == AF_INET) {
			uint32_t ips[BATCH];

			for (unsigned int i = 0; i < k; i++)
				ips[i] = (uint32_t)addrs[off + i];
			vr_fib_lookup4_route_bulk(fp, ips, route, k);
			vr_fib_lookup4_route_bulk(&fp_rte, ips, route_rte, k);
		}
		for (unsigned int i = 0; i < k; i++) {
			u128 a = addrs[off + i], rip;
			uint32_t want = 0, got;
			uint8_t wdepth = 0, gdepth;
			bool hit = ref_match(ref, a, &want, &wdepth);

			if ((nhg[i] != want || nhg_rte[i] != want) && bad++ < MAX_REPORTS)
				print_error("data path: %s -> group %lu (rte_fib_lookup_bulk %lu), "
					    "want %u (/%u)\n",
					    addr_str(family, a, s, sizeof(s)),
					    (unsigned long)nhg[i], (unsigned long)nhg_rte[i],
					    want, wdepth);
			/* The data path's route: no route where the address
			 * is not unicast, whatever the table says. */
			if (family == AF_INET &&
			    (route[i] != vr_fib_route_of(fp, unroutable4(a) ? 0 : want) ||
			     route_rte[i] != vr_fib_route_of(fp, unroutable4(a) ? 0 : want)) &&
			    bad++ < MAX_REPORTS)
				print_error("data path: %s -> route %#lx (through rte_fib %#lx), "
					    "want %#lx (group %u)\n",
					    addr_str(family, a, s, sizeof(s)),
					    (unsigned long)route[i], (unsigned long)route_rte[i],
					    (unsigned long)vr_fib_route_of(fp, unroutable4(a) ? 0 : want),
					    unroutable4(a) ? 0 : want);
			if (!rib)
				continue;
			rib_match(fib, family, a, &got, &gdepth, &rip);
			if ((got != want || gdepth != wdepth ||
			     (hit && rip != (a & af_mask(family, wdepth)))) &&
			    bad++ < MAX_REPORTS)
				print_error("rib: %s -> group %u /%u, want %u /%u\n",
					    addr_str(family, a, s, sizeof(s)),
					    got, gdepth, want, wdepth);
		}
	}
	if (bad > 0)
		fail_msg("%zu of %zu IPv%d lookups disagree with the reference",
			 bad, n, family == AF_INET ? 4 : 6);
}

struct walk_state {
	int family;
	const struct ref_lpm *ref;
	uint32_t n;
	uint32_t bad;
};

static int
walk_cb(const struct vr_route_info *r, void *arg)
{
	struct walk_state *w = arg;
	struct pfx p = { .ip = addr_from_bytes(w->family, r->ip),
			 .depth = r->depth };
	uint32_t want;

	w->n++;
	if (r->family != w->family || !ref_get(w->ref, &p, &want) ||
	    want != r->nhg)
		w->bad++;
	return 0;
}

void
check_routes(struct vr_fib *fib, int family, const struct ref_lpm *ref,
	     const struct pfx *pfx, size_t n)
{
	static const uint8_t zero[VR_IP6_LEN];
	struct walk_state w = { .family = family, .ref = ref };
	struct vr_route_info info;
	uint8_t b[VR_IP6_LEN];
	size_t bad = 0;
	char s[INET6_ADDRSTRLEN];

	assert_int_equal(vr_fib_route_count(fib, family), ref_count(ref));
	for (size_t i = 0; i < n; i++) {
		uint32_t want = 0;
		bool present = ref_get(ref, &pfx[i], &want);
		int rc;

		addr_to_bytes(family, pfx[i].ip, b);
		rc = vr_fib_route_get(fib, family, b, pfx[i].depth, &info);
		if (present ? rc == 0 && info.nhg == want &&
			      info.depth == pfx[i].depth &&
			      info.origin == origin_of(want) &&
			      addr_from_bytes(family, info.ip) == pfx[i].ip
			    : rc == -ENOENT)
			continue;
		if (bad++ < MAX_REPORTS)
			print_error("route %s/%u: rc %d group %u origin %u, want %s group %u\n",
				    addr_str(family, pfx[i].ip, s, sizeof(s)),
				    pfx[i].depth, rc, rc == 0 ? info.nhg : 0,
				    rc == 0 ? info.origin : 0,
				    present ? "present" : "absent", want);
	}
	if (bad > 0)
		fail_msg("%zu of %zu IPv%d routes differ from the reference", bad,
			 n, family == AF_INET ? 4 : 6);

	assert_int_equal(vr_fib_route_walk(fib, family, zero, 0, walk_cb, &w), 0);
	assert_int_equal(w.bad, 0);
	assert_int_equal(w.n, ref_count(ref));
}

size_t
probe_addrs(int family, const struct pfx *pfx, size_t n, u128 *out)
{
	u128 top = af_mask(family, af_bits(family));
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		u128 last = pfx_last(family, &pfx[i]);
		u128 r = (u128)rnd64() << 64 | rnd64();

		out[k++] = pfx[i].ip;
		out[k++] = last;
		out[k++] = pfx[i].ip | (r & ~af_mask(family, pfx[i].depth) & top);
		if (pfx[i].ip > 0)
			out[k++] = pfx[i].ip - 1;
		if (last < top)
			out[k++] = last + 1;
	}
	return k;
}
