/* SPDX-License-Identifier: BSD-3-Clause
 * Shared helpers of the vr_fib unit tests: a reference longest-prefix
 * match, a seeded PRNG, prefix arithmetic and the comparison of a vr_fib
 * against the reference.
 *
 * Addresses are unsigned __int128 in host order, IPv4 in the low 32 bits,
 * so that one piece of arithmetic (masks, first-1, last+1) serves both
 * families; they become bytes only at the vr_fib API.
 */
#ifndef FIB_TEST_H
#define FIB_TEST_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "vr_fib.h"

typedef unsigned __int128 u128;

/* ---- PRNG: splitmix64, so a failure can be replayed from its seed ---- */

uint64_t rnd64(void);
uint32_t rnd_below(uint32_t n);
void rnd_seed(uint64_t seed);
uint64_t test_seed(void);

/* ---- prefixes ---- */

struct pfx {
	u128 ip;                     /* masked */
	uint8_t depth;
};

static inline unsigned int
af_bits(int family)
{
	return family == AF_INET ? 32 : 128;
}

static inline u128
af_mask(int family, unsigned int depth)
{
	unsigned int bits = af_bits(family);
	u128 all = bits == 128 ? ~(u128)0 : (((u128)1 << bits) - 1);

	if (depth == 0)
		return 0;
	return (all << (bits - depth)) & all;
}

/* Last address covered by the prefix. */
static inline u128
pfx_last(int family, const struct pfx *p)
{
	return p->ip | (~af_mask(family, p->depth) & af_mask(family, af_bits(family)));
}

void addr_to_bytes(int family, u128 a, uint8_t out[VR_IP6_LEN]);
u128 addr_from_bytes(int family, const uint8_t *b);
const char *addr_str(int family, u128 a, char *buf, size_t len);

/* ---- reference LPM: one exact-match hash table of all prefixes; a
 * lookup probes every prefix length from the longest down. ---- */

struct ref_lpm;

struct ref_lpm *ref_create(int family, uint32_t capacity);
void ref_free(struct ref_lpm *r);
/* Returns true if the prefix existed (its old value in *old). */
bool ref_add(struct ref_lpm *r, const struct pfx *p, uint32_t val,
	     uint32_t *old);
bool ref_del(struct ref_lpm *r, const struct pfx *p);
bool ref_get(const struct ref_lpm *r, const struct pfx *p, uint32_t *val);
/* Longest match: value and depth, false when nothing covers a. */
bool ref_match(const struct ref_lpm *r, u128 a, uint32_t *val, uint8_t *depth);
uint32_t ref_count(const struct ref_lpm *r);

/* ---- vr_fib helpers ---- */

/* The origin a test gives routes via group g: replacing a route with
 * another group then also changes its origin, which checks that the
 * RIB's extension follows replaces and rebuilds. */
static inline uint8_t
origin_of(uint32_t g)
{
	return (uint8_t)(g % VR_ORIGIN_MAX);
}

struct vr_fib *test_fib_create(const char *name, uint32_t v4_hint,
			       uint32_t v6_hint);

/* Adds a route holding one more reference on the live group g. */
int route_add(struct vr_fib *fib, int family, const struct pfx *p,
	      uint32_t g, uint8_t origin);
int route_del(struct vr_fib *fib, int family, const struct pfx *p);

/* A gateway next-hop spec: gateway number i on port i % 4. */
void gw_spec(int family, unsigned int i, struct vr_nh_spec *s);

/* Checks, for every address, that the RIB match (vr_fib_route_match) and
 * the data path (bulk lookup) agree with the reference. rib=false skips
 * the RIB match (slower) and checks the data path only. */
void check_addrs(struct vr_fib *fib, int family, const struct ref_lpm *ref,
		 const u128 *addrs, size_t n, bool rib);
/* Checks that every reference prefix is in the FIB with its group, that
 * the counts agree and that a full walk returns exactly those routes. */
void check_routes(struct vr_fib *fib, int family, const struct ref_lpm *ref,
		  const struct pfx *pfx, size_t n);
/* Addresses to probe around each prefix: first, last, a random one
 * inside, and the neighbours just outside. Returns how many were written
 * (at most 5 per prefix). */
size_t probe_addrs(int family, const struct pfx *pfx, size_t n, u128 *out);

/* ---- test cases, one file each ---- */

void test_ecmp(void **state);
void test_groups_shared(void **state);
void test_neigh(void **state);
void test_adjacency(void **state);
void test_bad_input(void **state);
void test_edges(void **state);
void test_tbl8_full(void **state);
void test_diff_v4(void **state);
void test_diff_v6(void **state);
void test_full_tables(void **state);

#endif
