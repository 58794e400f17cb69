/* SPDX-License-Identifier: BSD-3-Clause
 * Differential test: random prefixes, deletes and replaces, with the RIB
 * match and the data path compared against the reference after each
 * phase.
 *
 * Random prefixes are drawn around a few dozen seed addresses so that
 * they nest and overlap, which is where longest-prefix match goes wrong;
 * uniformly random prefixes would hardly ever cover one another.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "fib_test.h"

#define N_SEEDS  24
#define N_GROUPS 32
#define N_FIRST  4000          /* prefixes of the first load */
#define N_MORE   500           /* new prefixes per round */
#define N_ROUNDS 4
#define N_RANDOM 20000         /* random probe addresses per check */

struct diff {
	int family;
	struct vr_fib *fib;
	struct ref_lpm *ref;
	uint32_t groups[N_GROUPS];
	u128 seeds[N_SEEDS];
	struct pfx *pfx;           /* every prefix ever used, live or not */
	size_t n_pfx, cap;
	u128 *probe;
};

static u128
rnd128(void)
{
	return (u128)rnd64() << 64 | rnd64();
}

static u128
near_seed(struct diff *d)
{
	unsigned int bits = af_bits(d->family);
	unsigned int w = rnd_below(bits + 1);
	u128 low = w == 0 ? 0 : ~af_mask(d->family, bits - w) & af_mask(d->family, bits);

	return d->seeds[rnd_below(N_SEEDS)] ^ (rnd128() & low);
}

/* Depth mix: some short covering prefixes, most in the middle, and many
 * past the first level (/24) so that tbl8 groups are used and run out. */
static uint8_t
rnd_depth(int family)
{
	uint32_t r = rnd_below(100);

	if (family == AF_INET)
		return r < 5 ? rnd_below(9) : r < 25 ? 9 + rnd_below(8) :
		       r < 60 ? 17 + rnd_below(8) : 25 + rnd_below(8);
	return r < 5 ? rnd_below(17) : r < 30 ? 17 + rnd_below(32) :
	       r < 70 ? 49 + rnd_below(16) : 65 + rnd_below(64);
}

static uint32_t
rnd_group(struct diff *d)
{
	return d->groups[rnd_below(N_GROUPS)];
}

static void
op_add(struct diff *d, const struct pfx *p, uint32_t g)
{
	assert_int_equal(route_add(d->fib, d->family, p, g, origin_of(g)), 0);
	ref_add(d->ref, p, g, NULL);
}

static void
new_prefixes(struct diff *d, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct pfx *p = &d->pfx[d->n_pfx++];

		assert_true(d->n_pfx <= d->cap);
		p->depth = rnd_depth(d->family);
		p->ip = near_seed(d) & af_mask(d->family, p->depth);
		/* A prefix drawn twice is simply a replace. */
		op_add(d, p, rnd_group(d));
	}
}

/* Deletes, replaces (with another group), re-adds with the same group
 * and re-creates deleted prefixes, all interleaved in one pass. */
static void
churn(struct diff *d)
{
	for (size_t i = 0; i < d->n_pfx; i++) {
		const struct pfx *p = &d->pfx[i];
		uint32_t g, r = rnd_below(100);

		if (ref_get(d->ref, p, &g)) {
			if (r < 15) {
				assert_int_equal(route_del(d->fib, d->family, p), 0);
				assert_true(ref_del(d->ref, p));
			} else if (r < 30) {
				uint32_t ng;

				while ((ng = rnd_group(d)) == g)
					;
				op_add(d, p, ng);
			} else if (r < 33) {
				op_add(d, p, g);
			}
		} else if (r < 30) {
			op_add(d, p, rnd_group(d));
		} else if (r < 35) {
			assert_int_equal(route_del(d->fib, d->family, p), -ENOENT);
		}
	}
}

static void
check(struct diff *d, const char *phase)
{
	size_t n = probe_addrs(d->family, d->pfx, d->n_pfx, d->probe);

	for (size_t i = 0; i < N_RANDOM; i++)
		d->probe[n++] = i % 2 ? near_seed(d) :
			rnd128() & af_mask(d->family, af_bits(d->family));
	check_routes(d->fib, d->family, d->ref, d->pfx, d->n_pfx);
	check_addrs(d->fib, d->family, d->ref, d->probe, n, true);
	print_message("  IPv%d %-8s %u routes, %zu addresses agree\n",
		      d->family == AF_INET ? 4 : 6, phase,
		      ref_count(d->ref), n);
}

static void
diff_run(int family)
{
	struct diff d = { .family = family };
	struct vr_fib_mem mem;
	struct vr_nh_spec spec;
	struct pfx def = { 0, 0 };

	rnd_seed(test_seed() + family);
	d.cap = N_FIRST + N_ROUNDS * N_MORE + 1;
	d.pfx = calloc(d.cap, sizeof(*d.pfx));
	d.probe = calloc(d.cap * 5 + N_RANDOM, sizeof(*d.probe));
	assert_non_null(d.pfx);
	assert_non_null(d.probe);
	/* Default hints: the first loads must grow the tables. */
	d.fib = test_fib_create(family == AF_INET ? "diff4" : "diff6", 0, 0);
	d.ref = ref_create(family, d.cap);
	for (unsigned int i = 0; i < N_GROUPS; i++) {
		gw_spec(family, i, &spec);
		assert_int_equal(vr_fib_nhg_get(d.fib, &spec, 1, &d.groups[i]), 0);
	}
	for (unsigned int i = 0; i < N_SEEDS; i++)
		d.seeds[i] = rnd128() & af_mask(family, af_bits(family));

	/* The default route is a prefix like any other: in, then churned. */
	d.pfx[d.n_pfx++] = def;
	op_add(&d, &def, d.groups[0]);
	new_prefixes(&d, N_FIRST);
	check(&d, "load");
	for (int round = 0; round < N_ROUNDS; round++) {
		churn(&d);
		new_prefixes(&d, N_MORE);
		check(&d, "churn");
	}

	for (size_t i = 0; i < d.n_pfx; i++)
		if (ref_del(d.ref, &d.pfx[i]))
			assert_int_equal(route_del(d.fib, family, &d.pfx[i]), 0);
	check(&d, "empty");
	assert_int_equal(vr_fib_route_count(d.fib, family), 0);

	/* With every route gone only the tests' own references remain. */
	for (unsigned int i = 0; i < N_GROUPS; i++) {
		struct vr_nh_spec got;
		unsigned int n;

		assert_int_equal(vr_fib_nhg_paths(d.fib, d.groups[i], &got, 1, &n), 0);
		vr_fib_nhg_put(d.fib, d.groups[i]);
		assert_int_equal(vr_fib_nhg_paths(d.fib, d.groups[i], &got, 1, &n),
				 -ENOENT);
	}
	vr_fib_mem(d.fib, &mem);
	print_message("  IPv%d rebuilds %u (v4) %u (v6)\n", family == AF_INET ? 4 : 6,
		      mem.v4_rebuilds, mem.v6_rebuilds);
	vr_fib_destroy(d.fib);
	ref_free(d.ref);
	free(d.pfx);
	free(d.probe);
}

void
test_diff_v4(void **state)
{
	diff_run(AF_INET);
}

void
test_diff_v6(void **state)
{
	diff_run(AF_INET6);
}
