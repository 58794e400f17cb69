/* SPDX-License-Identifier: BSD-3-Clause
 * Prefixes at the ends of the address space: the default route, the
 * halves 0/1 and 128/1 (as VPN clients install them), host routes at the
 * very top. rte_fib walks a prefix's range up to its last address, and a
 * walk that ends at the top of the space wraps around to 0: every add,
 * replace and delete here is checked right away, not after a phase.
 */
#include <errno.h>

#include "fib_test.h"

#define N_GROUPS 8
#define N_OPS    600
#define MAX_POOL 64

struct edges {
	int family;
	struct vr_fib *fib;
	struct ref_lpm *ref;
	uint32_t groups[N_GROUPS];
	struct pfx pool[MAX_POOL];
	size_t n_pool;
	u128 probe[MAX_POOL * 5 + 2];
	size_t n_probe;
};

static void
pool_add(struct edges *e, u128 ip, unsigned int depth)
{
	struct pfx p = { ip & af_mask(e->family, depth), (uint8_t)depth };

	assert_true(e->n_pool < MAX_POOL);
	e->pool[e->n_pool++] = p;
}

/* Every op is checked at once: a wrong table is caught by the op that
 * made it, which is the one a failure message should name. */
static void
verify(struct edges *e)
{
	check_addrs(e->fib, e->family, e->ref, e->probe, e->n_probe, true);
	check_routes(e->fib, e->family, e->ref, e->pool, e->n_pool);
}

static void
op_add(struct edges *e, const struct pfx *p, uint32_t g)
{
	assert_int_equal(route_add(e->fib, e->family, p, g, origin_of(g)), 0);
	ref_add(e->ref, p, g, NULL);
	verify(e);
}

static void
op_del(struct edges *e, const struct pfx *p)
{
	bool had = ref_del(e->ref, p);

	assert_int_equal(route_del(e->fib, e->family, p), had ? 0 : -ENOENT);
	verify(e);
}

/* 0/1 and 128/1 with a default route coming, changing and going. */
static void
halves(struct edges *e)
{
	u128 top = af_mask(e->family, af_bits(e->family));
	struct pfx def = { 0, 0 }, lo = { 0, 1 }, hi = { top & af_mask(e->family, 1), 1 };

	op_add(e, &lo, e->groups[1]);
	op_add(e, &hi, e->groups[2]);
	op_add(e, &def, e->groups[3]);
	op_add(e, &def, e->groups[4]);
	op_del(e, &def);
	op_add(e, &def, e->groups[3]);
	op_del(e, &hi);
	op_del(e, &lo);
	op_del(e, &def);
}

static void
edges_run(int family)
{
	unsigned int bits = af_bits(family);
	u128 top = af_mask(family, bits);
	static const unsigned int d4[] = { 0, 1, 2, 3, 7, 8, 9, 16, 23, 24, 25, 26, 31, 32 };
	static const unsigned int d6[] = { 0, 1, 2, 3, 8, 16, 23, 24, 25, 32, 48, 64, 127, 128 };
	const unsigned int *depths = family == AF_INET ? d4 : d6;
	struct edges e = { .family = family };
	struct vr_nh_spec spec;

	rnd_seed(test_seed() + 3 * family);
	e.fib = test_fib_create(family == AF_INET ? "edges4" : "edges6", 0, 0);
	e.ref = ref_create(family, MAX_POOL);
	for (unsigned int i = 0; i < N_GROUPS; i++) {
		gw_spec(family, i, &spec);
		assert_int_equal(vr_fib_nhg_get(e.fib, &spec, 1, &e.groups[i]), 0);
	}
	/* For each length: the prefix holding the top address, its lower
	 * sibling, and the prefix holding address 0. */
	for (unsigned int i = 0; i < 14; i++) {
		unsigned int d = depths[i];

		pool_add(&e, top, d);
		if (d > 0) {
			pool_add(&e, top ^ ((u128)1 << (bits - d)), d);
			pool_add(&e, 0, d);
		}
	}
	e.n_probe = probe_addrs(family, e.pool, e.n_pool, e.probe);

	halves(&e);
	for (unsigned int i = 0; i < N_OPS; i++) {
		const struct pfx *p = &e.pool[rnd_below((uint32_t)e.n_pool)];

		if (rnd_below(4) == 0)
			op_del(&e, p);
		else
			op_add(&e, p, e.groups[rnd_below(N_GROUPS)]);
	}
	for (size_t i = 0; i < e.n_pool; i++)
		if (ref_get(e.ref, &e.pool[i], NULL))
			op_del(&e, &e.pool[i]);
	assert_int_equal(vr_fib_route_count(e.fib, family), 0);
	for (unsigned int i = 0; i < N_GROUPS; i++)
		vr_fib_nhg_put(e.fib, e.groups[i]);
	vr_fib_destroy(e.fib);
	ref_free(e.ref);
}

void
test_edges(void **state)
{
	edges_run(AF_INET);
	edges_run(AF_INET6);
}

/* DIR-24-8 gives no tbl8 group to a prefix longer than /24 that has its
 * parent's next hop (nothing to write); replacing or deleting the parent
 * must then find one for it. With every group taken, rte_fib fails such
 * a delete with -ENOSPC and, worse, returns 0 from such a replace while
 * keeping the old next hop: vr_fib must grow and retry both. */
static void
tbl8_full(bool del)
{
	struct edges e = { .family = AF_INET };
	struct pfx parent = { 0x0a000000, 16 }, child = { 0x0a000580, 25 };
	struct vr_fib_mem m0, m1;
	struct vr_nh_spec spec;

	e.fib = test_fib_create("tbl8", 0, 0);
	e.ref = ref_create(AF_INET, 4096);
	for (unsigned int i = 0; i < 3; i++) {
		gw_spec(AF_INET, i, &spec);
		assert_int_equal(vr_fib_nhg_get(e.fib, &spec, 1, &e.groups[i]), 0);
	}
	pool_add(&e, parent.ip, parent.depth);
	pool_add(&e, child.ip, child.depth);
	e.n_probe = probe_addrs(AF_INET, e.pool, e.n_pool, e.probe);
	op_add(&e, &parent, e.groups[0]);
	op_add(&e, &child, e.groups[0]);

	/* One /25 in each of as many /24s as there are tbl8 groups. */
	vr_fib_mem(e.fib, &m0);
	for (uint32_t i = 0; i < m0.v4_tbl8; i++) {
		struct pfx p = { 0x14000000 | i << 8, 25 };

		assert_int_equal(route_add(e.fib, AF_INET, &p, e.groups[1],
					   origin_of(e.groups[1])), 0);
		ref_add(e.ref, &p, e.groups[1], NULL);
	}
	vr_fib_mem(e.fib, &m1);
	assert_int_equal(m1.v4_rebuilds, m0.v4_rebuilds);

	if (del)
		op_del(&e, &parent);
	else
		op_add(&e, &parent, e.groups[2]);
	vr_fib_mem(e.fib, &m1);
	assert_true(m1.v4_rebuilds > m0.v4_rebuilds);
	for (unsigned int i = 0; i < 3; i++)
		vr_fib_nhg_put(e.fib, e.groups[i]);
	vr_fib_destroy(e.fib);
	ref_free(e.ref);
}

void
test_tbl8_full(void **state)
{
	tbl8_full(false);
	tbl8_full(true);
}
