/* SPDX-License-Identifier: BSD-3-Clause
 * The reference longest-prefix match the FIB is compared with.
 *
 * Deliberately naive so that it is obviously right: every prefix sits in
 * one open-addressing hash table keyed by (masked address, length), and a
 * lookup tries each length from the longest down to 0, skipping lengths
 * that hold no prefix. No tree, no shared code with rte_rib.
 */
#include <stdlib.h>
#include <string.h>

#include "fib_test.h"

enum { SLOT_EMPTY = 0, SLOT_USED, SLOT_DELETED };

struct slot {
	u128 ip;
	uint32_t val;
	uint8_t depth;
	uint8_t state;
};

struct ref_lpm {
	int family;
	uint32_t mask;               /* slots - 1, a power of two */
	uint32_t used, deleted;
	uint32_t per_depth[129];
	struct slot *slots;
};

static uint64_t
mix64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	return x ^ (x >> 33);
}

static uint32_t
slot_hash(const struct ref_lpm *r, u128 ip, uint8_t depth)
{
	uint64_t h = mix64((uint64_t)(ip >> 64) ^ mix64((uint64_t)ip ^ depth));
	return (uint32_t)h & r->mask;
}

struct ref_lpm *
ref_create(int family, uint32_t capacity)
{
	struct ref_lpm *r = calloc(1, sizeof(*r));
	uint32_t n = 1024;

	assert_non_null(r);
	/* Tombstones count against the load, so leave plenty of room. */
	while (n < 4 * capacity)
		n <<= 1;
	r->family = family;
	r->mask = n - 1;
	r->slots = calloc(n, sizeof(*r->slots));
	assert_non_null(r->slots);
	return r;
}

void
ref_free(struct ref_lpm *r)
{
	if (r == NULL)
		return;
	free(r->slots);
	free(r);
}

/* The slot holding the prefix, or NULL. */
static struct slot *
find(const struct ref_lpm *r, u128 ip, uint8_t depth)
{
	for (uint32_t i = slot_hash(r, ip, depth);; i = (i + 1) & r->mask) {
		struct slot *s = &r->slots[i];
		if (s->state == SLOT_EMPTY)
			return NULL;
		if (s->state == SLOT_USED && s->ip == ip && s->depth == depth)
			return s;
	}
}

bool
ref_add(struct ref_lpm *r, const struct pfx *p, uint32_t val, uint32_t *old)
{
	u128 ip = p->ip & af_mask(r->family, p->depth);
	struct slot *s = find(r, ip, p->depth);
	uint32_t i;

	if (s != NULL) {
		if (old != NULL)
			*old = s->val;
		s->val = val;
		return true;
	}
	/* Keep probe chains finite: the table must never fill up. */
	assert_true((uint64_t)(r->used + r->deleted + 1) * 4 <= (uint64_t)r->mask * 3);
	for (i = slot_hash(r, ip, p->depth);
	     r->slots[i].state == SLOT_USED; i = (i + 1) & r->mask)
		;
	if (r->slots[i].state == SLOT_DELETED)
		r->deleted--;
	r->slots[i] = (struct slot){ .ip = ip, .depth = p->depth, .val = val,
				     .state = SLOT_USED };
	r->used++;
	r->per_depth[p->depth]++;
	return false;
}

bool
ref_del(struct ref_lpm *r, const struct pfx *p)
{
	struct slot *s = find(r, p->ip & af_mask(r->family, p->depth), p->depth);

	if (s == NULL)
		return false;
	s->state = SLOT_DELETED;
	r->used--;
	r->deleted++;
	r->per_depth[p->depth]--;
	return true;
}

bool
ref_get(const struct ref_lpm *r, const struct pfx *p, uint32_t *val)
{
	struct slot *s = find(r, p->ip & af_mask(r->family, p->depth), p->depth);

	if (s != NULL && val != NULL)
		*val = s->val;
	return s != NULL;
}

bool
ref_match(const struct ref_lpm *r, u128 a, uint32_t *val, uint8_t *depth)
{
	for (int d = (int)af_bits(r->family); d >= 0; d--) {
		struct slot *s;

		if (r->per_depth[d] == 0)
			continue;
		s = find(r, a & af_mask(r->family, d), (uint8_t)d);
		if (s != NULL) {
			*val = s->val;
			*depth = (uint8_t)d;
			return true;
		}
	}
	return false;
}

uint32_t
ref_count(const struct ref_lpm *r)
{
	return r->used;
}
