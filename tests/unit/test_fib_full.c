/* SPDX-License-Identifier: BSD-3-Clause
 * The real Internet tables (../shared/data) through a FIB that starts at
 * its default sizes: everything must load, the tables must have grown by
 * rebuilds without losing a route, and lookups must match the reference
 * before and after deleting and replacing a tenth of the routes each.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

#include "fib_test.h"

#define N_NH      48           /* distinct gateways */
#define N_GROUPS  32           /* 24 single-path groups, 8 ECMP groups */
#define N_RANDOM  1000000      /* random probe addresses per check */

struct table {
	int family;
	struct pfx *pfx;
	size_t n;
};

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static const char *
shared_dir(void)
{
	const char *s = getenv("VR_SHARED");

	return s != NULL && *s != '\0' ? s : VR_SOURCE_ROOT "/../shared";
}

/* Reads one CIDR prefix per line; returns false if the file is missing. */
static bool
table_read(struct table *t, int family, const char *file)
{
	char path[4096], line[128];
	size_t cap = 1u << 16;
	gzFile gz;

	snprintf(path, sizeof(path), "%s/data/%s", shared_dir(), file);
	gz = gzopen(path, "rb");
	if (gz == NULL)
		return false;
	t->family = family;
	t->n = 0;
	t->pfx = malloc(cap * sizeof(*t->pfx));
	assert_non_null(t->pfx);
	while (gzgets(gz, line, sizeof(line)) != NULL) {
		uint8_t b[VR_IP6_LEN];
		char *slash = strchr(line, '/');
		unsigned long depth;

		if (slash == NULL)
			continue;
		*slash = '\0';
		depth = strtoul(slash + 1, NULL, 10);
		if (inet_pton(family, line, b) != 1 || depth > af_bits(family))
			fail_msg("%s: bad line '%s/%lu'", path, line, depth);
		if (t->n == cap) {
			cap *= 2;
			t->pfx = realloc(t->pfx, cap * sizeof(*t->pfx));
			assert_non_null(t->pfx);
		}
		t->pfx[t->n].depth = (uint8_t)depth;
		t->pfx[t->n].ip = addr_from_bytes(family, b) &
				  af_mask(family, (unsigned int)depth);
		t->n++;
	}
	gzclose(gz);
	return true;
}

/* A group per prefix from a hash of it, so reruns assign the same. */
static uint32_t
group_of(const uint32_t *groups, const struct pfx *p)
{
	uint64_t h = (uint64_t)(p->ip >> 64) * 0x9e3779b97f4a7c15ULL ^
		     (uint64_t)p->ip * 0xc2b2ae3d27d4eb4fULL ^ p->depth;

	h ^= h >> 29;
	h *= 0xbf58476d1ce4e5b9ULL;
	return groups[(h >> 32) % N_GROUPS];
}

static void
make_groups(struct vr_fib *fib, int family, uint32_t *groups)
{
	struct vr_nh_spec nh[N_NH];

	for (unsigned int i = 0; i < N_NH; i++)
		gw_spec(family, i, &nh[i]);
	for (unsigned int i = 0; i < 24; i++)
		assert_int_equal(vr_fib_nhg_get(fib, &nh[i], 1, &groups[i]), 0);
	for (unsigned int i = 24; i < N_GROUPS; i++)
		assert_int_equal(vr_fib_nhg_get(fib, &nh[24 + 3 * (i - 24)],
						2 + i % 3, &groups[i]), 0);
}

static void
check_all(struct vr_fib *fib, const struct table *t, const struct ref_lpm *ref,
	  const char *phase)
{
	u128 *a = malloc((5 * t->n + N_RANDOM) * sizeof(*a));
	size_t n, k;
	double t0 = now();

	assert_non_null(a);
	check_routes(fib, t->family, ref, t->pfx, t->n);
	/* Every prefix's edges and inside through the data path... */
	n = probe_addrs(t->family, t->pfx, t->n, a);
	check_addrs(fib, t->family, ref, a, n, false);
	/* ...and random addresses through both the data path and the RIB:
	 * uniform over IPv4, inside random prefixes at any depth for IPv6
	 * (uniform IPv6 addresses would all miss). */
	for (k = 0; k < N_RANDOM; k++) {
		u128 r = (u128)rnd64() << 64 | rnd64();

		if (t->family == AF_INET) {
			a[k] = (uint32_t)r;
		} else {
			const struct pfx *p = &t->pfx[rnd_below((uint32_t)t->n)];
			unsigned int d = rnd_below(p->depth + 1);

			a[k] = (p->ip & af_mask(AF_INET6, d)) | (r & ~af_mask(AF_INET6, d));
		}
	}
	check_addrs(fib, t->family, ref, a, k, true);
	print_message("  IPv%d %-7s %u routes, %zu addresses agree (%.1f s)\n",
		      t->family == AF_INET ? 4 : 6, phase, ref_count(ref),
		      n + k, now() - t0);
	free(a);
}

static void
full_run(struct vr_fib *fib, struct table *t)
{
	struct ref_lpm *ref = ref_create(t->family, (uint32_t)t->n);
	uint32_t groups[N_GROUPS];
	size_t dels = 0, reps = 0;
	double t0;

	make_groups(fib, t->family, groups);
	t0 = now();
	for (size_t i = 0; i < t->n; i++) {
		uint32_t g = group_of(groups, &t->pfx[i]);
		int rc = route_add(fib, t->family, &t->pfx[i], g, origin_of(g));

		if (rc != 0) {
			char s[INET6_ADDRSTRLEN];
			fail_msg("route %zu (%s/%u) of %zu: %s", i,
				 addr_str(t->family, t->pfx[i].ip, s, sizeof(s)),
				 t->pfx[i].depth, t->n, strerror(-rc));
		}
		ref_add(ref, &t->pfx[i], g, NULL);
	}
	print_message("  IPv%d loaded %zu prefixes in %.2f s\n",
		      t->family == AF_INET ? 4 : 6, t->n, now() - t0);
	check_all(fib, t, ref, "loaded");

	for (size_t i = 0; i < t->n; i++) {
		uint32_t r = rnd_below(10), g, ng;

		if (!ref_get(ref, &t->pfx[i], &g))
			continue;
		if (r == 0) {
			assert_int_equal(route_del(fib, t->family, &t->pfx[i]), 0);
			ref_del(ref, &t->pfx[i]);
			dels++;
		} else if (r == 1) {
			while ((ng = groups[rnd_below(N_GROUPS)]) == g)
				;
			assert_int_equal(route_add(fib, t->family, &t->pfx[i],
						   ng, origin_of(ng)), 0);
			ref_add(ref, &t->pfx[i], ng, NULL);
			reps++;
		}
	}
	print_message("  IPv%d deleted %zu, replaced %zu\n",
		      t->family == AF_INET ? 4 : 6, dels, reps);
	check_all(fib, t, ref, "churned");
	for (unsigned int i = 0; i < N_GROUPS; i++)
		vr_fib_nhg_put(fib, groups[i]);
	ref_free(ref);
}

void
test_full_tables(void **state)
{
	struct table t4, t6;
	struct vr_fib_mem mem;
	struct vr_fib *fib;

	if (!table_read(&t4, AF_INET, "fullview-2024-v4.txt.gz") ||
	    !table_read(&t6, AF_INET6, "fullview-2024-v6.txt.gz")) {
		print_message("full tables not found under %s/data (VR_SHARED)\n",
			      shared_dir());
		skip();
	}
	/* The files' own counts: a short read would make the test easy. */
	assert_int_equal(t4.n, 901899);
	assert_int_equal(t6.n, 160147);
	rnd_seed(test_seed() + 7);
	fib = test_fib_create("full", 0, 0);
	full_run(fib, &t4);
	full_run(fib, &t6);
	vr_fib_mem(fib, &mem);
	print_message("  rebuilds: v4 %u (max_routes %u, tbl8 %u), v6 %u (max_routes %u, tbl8 %u)\n",
		      mem.v4_rebuilds, mem.v4_max_routes, mem.v4_tbl8,
		      mem.v6_rebuilds, mem.v6_max_routes, mem.v6_tbl8);
	assert_true(mem.v4_rebuilds > 0);
	assert_true(mem.v6_rebuilds > 0);
	/* Every rebuilt table was probed: DPDK 22.11's is read directly
	 * (a DPDK whose layout differs makes this fail, and vr_fib fall
	 * back to rte_fib_lookup_bulk, which check_addrs compares too). */
	assert_int_equal(mem.v4_lookup_rte_fib, 0);
	vr_fib_destroy(fib);
	free(t4.pfx);
	free(t6.pfx);
}
