/* SPDX-License-Identifier: BSD-3-Clause
 * fib_bench: vr_fib against a raw rte_fib on a full IPv4 table.
 *
 *   fib_bench [EAL args] -- TABLE.txt.gz
 *
 * Loads every prefix into a vr_fib (default sizes, so growing by rebuilds
 * is part of the add rate) and into a DIR-24-8 rte_fib sized for the
 * table, then times bulk lookups of addresses that hit routes, in
 * bursts of VRD's size, alternating the two so that both see the same
 * machine state. The last line printed is one JSON object.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_fib.h>
#include <rte_malloc.h>

#include "vr_fib.h"

#define N_ADDRS  (1u << 24)    /* 64 MB of addresses: no cache helps */
#define BURST    32            /* DPDK's usual burst (vrd's: VRD_BURST) */
#define ROUNDS   5             /* alternating timed rounds per table */
#define MIN_SECS 1.0           /* each round runs at least this long */
#define N_NH     8
#define N_GROUPS 12

struct table {
	uint32_t *ip;              /* host order, masked */
	uint8_t *depth;
	uint32_t *nhg;             /* the group each prefix goes to */
	uint32_t n;
};

static uint64_t rnd_state = 0x6fb0c0ffee;

static uint64_t
rnd64(void)
{
	uint64_t z = (rnd_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static double
secs(uint64_t cycles)
{
	return (double)cycles / (double)rte_get_tsc_hz();
}

static int
table_read(const char *path, struct table *t)
{
	uint32_t cap = 1u << 20;
	char line[64];
	gzFile gz = gzopen(path, "rb");

	if (gz == NULL)
		return -errno;
	t->n = 0;
	t->ip = malloc(cap * sizeof(*t->ip));
	t->depth = malloc(cap);
	while (t->ip != NULL && t->depth != NULL &&
	       gzgets(gz, line, sizeof(line)) != NULL) {
		char *slash = strchr(line, '/');
		struct in_addr a;
		unsigned long d;

		if (slash == NULL)
			continue;
		*slash = '\0';
		d = strtoul(slash + 1, NULL, 10);
		if (inet_pton(AF_INET, line, &a) != 1 || d > 32)
			continue;
		if (t->n == cap) {
			cap *= 2;
			t->ip = realloc(t->ip, cap * sizeof(*t->ip));
			t->depth = realloc(t->depth, cap);
			if (t->ip == NULL || t->depth == NULL)
				break;
		}
		t->depth[t->n] = (uint8_t)d;
		t->ip[t->n] = d == 0 ? 0 : ntohl(a.s_addr) & (~0u << (32 - d));
		t->n++;
	}
	gzclose(gz);
	if (t->ip == NULL || t->depth == NULL)
		return -ENOMEM;
	t->nhg = malloc(t->n * sizeof(*t->nhg));
	return t->nhg != NULL ? 0 : -ENOMEM;
}

static uint64_t
heap_bytes(void)
{
	struct rte_malloc_socket_stats st;
	uint64_t sum = 0;

	for (unsigned int i = 0; i < rte_socket_count(); i++)
		if (rte_malloc_get_socket_stats(rte_socket_id_by_idx(i), &st) == 0)
			sum += st.heap_allocsz_bytes;
	return sum;
}

/* A few next hops, a few groups (some ECMP), as a small router has. */
static int
make_groups(struct vr_fib *fib, uint32_t *groups)
{
	struct vr_nh_spec nh[N_NH];
	int rc;

	memset(nh, 0, sizeof(nh));
	for (unsigned int i = 0; i < N_NH; i++) {
		nh[i].family = AF_INET;
		nh[i].type = VR_NH_UNRESOLVED;
		nh[i].port = i % 2;
		nh[i].gw[0] = 192;
		nh[i].gw[1] = 0;
		nh[i].gw[2] = 2;
		nh[i].gw[3] = (uint8_t)(1 + i);
	}
	for (unsigned int i = 0; i < N_GROUPS; i++) {
		unsigned int n = i < N_NH ? 1 : 2 + i % 3;

		rc = vr_fib_nhg_get(fib, &nh[i < N_NH ? i : i % 4], n, &groups[i]);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* reserve: make room first, as vrd's bulk route load does; otherwise
 * the tables grow by rebuilds from their default sizes. */
static int
load_vr_fib(struct vr_fib *fib, struct table *t, bool reserve, double *rate)
{
	uint32_t groups[N_GROUPS];
	uint64_t t0;
	int rc;

	if ((rc = make_groups(fib, groups)) < 0)
		return rc;
	for (uint32_t i = 0; i < t->n; i++)
		t->nhg[i] = groups[(t->ip[i] * 2654435761u >> 8 ^ t->depth[i]) % N_GROUPS];
	t0 = rte_rdtsc();
	if (reserve && (rc = vr_fib_reserve(fib, AF_INET, t->n)) < 0)
		return rc;
	for (uint32_t i = 0; i < t->n; i++) {
		uint32_t be = htonl(t->ip[i]);

		vr_fib_nhg_ref(fib, t->nhg[i]);
		rc = vr_fib_route_add(fib, AF_INET, (const uint8_t *)&be,
				      t->depth[i], t->nhg[i], VR_ORIGIN_BGP);
		if (rc < 0) {
			fprintf(stderr, "vr_fib_route_add #%u: %s\n", i, strerror(-rc));
			return rc;
		}
	}
	*rate = t->n / secs(rte_rdtsc() - t0);
	return 0;
}

/* The raw table gets the same next-hop values as vr_fib's groups, so
 * the two can be checked against each other before they are timed. */
static struct rte_fib *
load_rte_fib(const struct table *t, double *rate)
{
	struct rte_fib_conf c = {
		.type = RTE_FIB_DIR24_8,
		.default_nh = 0,
		.max_routes = (int)t->n,
		.dir24_8 = { .nh_sz = RTE_FIB_DIR24_8_4B },
	};
	struct rte_fib *f;
	uint32_t long_24s = 0, last = UINT32_MAX;
	uint64_t t0;

	/* One tbl8 group per /24 holding longer prefixes (the file is
	 * sorted, so equal /24s are adjacent), with room to spare. */
	for (uint32_t i = 0; i < t->n; i++)
		if (t->depth[i] > 24 && (t->ip[i] >> 8) != last) {
			last = t->ip[i] >> 8;
			long_24s++;
		}
	c.dir24_8.num_tbl8 = long_24s * 2 < 1024 ? 1024 : long_24s * 2;
	f = rte_fib_create("bench_raw", SOCKET_ID_ANY, &c);
	if (f == NULL) {
		fprintf(stderr, "rte_fib_create: %s\n", rte_strerror(rte_errno));
		return NULL;
	}
	t0 = rte_rdtsc();
	for (uint32_t i = 0; i < t->n; i++) {
		int rc = rte_fib_add(f, t->ip[i], t->depth[i], t->nhg[i]);
		if (rc < 0) {
			fprintf(stderr, "rte_fib_add #%u: %s\n", i, strerror(-rc));
			rte_fib_free(f);
			return NULL;
		}
	}
	*rate = t->n / secs(rte_rdtsc() - t0);
	return f;
}

/* Addresses that hit: a random one inside a random prefix. */
static uint32_t *
make_addrs(const struct table *t)
{
	uint32_t *a = rte_malloc("bench_addrs", N_ADDRS * sizeof(*a), 64);

	if (a == NULL)
		return NULL;
	for (uint32_t i = 0; i < N_ADDRS; i++) {
		uint64_t r = rnd64();
		uint32_t k = (uint32_t)(((r >> 32) * t->n) >> 32);
		uint32_t host = t->depth[k] == 32 ? 0 :
				(uint32_t)r & (~0u >> t->depth[k]);

		a[i] = t->ip[k] | host;
	}
	return a;
}

/* Results land in one burst-sized buffer that stays in L1, as in a
 * worker; a table-sized array would add its write traffic to both. */
static uint64_t results[BURST];
static uint32_t results4[BURST];     /* vr_fib's group ids are 32-bit */
static uint64_t sink;

static double
time_vr_fib(const struct vr_fib_fp *fp, uint32_t *a, uint64_t *passes)
{
	uint64_t t0 = rte_rdtsc(), t1, hz = rte_get_tsc_hz();

	*passes = 0;
	do {
		for (uint32_t i = 0; i < N_ADDRS; i += BURST)
			vr_fib_lookup4_bulk(fp, a + i, results4, BURST);
		sink += results4[0];
		(*passes)++;
		t1 = rte_rdtsc();
	} while (t1 - t0 < MIN_SECS * hz);
	return *passes * (double)N_ADDRS / secs(t1 - t0);
}

static double
time_rte_fib(struct rte_fib *f, uint32_t *a, uint64_t *passes)
{
	uint64_t t0 = rte_rdtsc(), t1, hz = rte_get_tsc_hz();

	*passes = 0;
	do {
		for (uint32_t i = 0; i < N_ADDRS; i += BURST)
			rte_fib_lookup_bulk(f, a + i, results, BURST);
		sink += results[0];
		(*passes)++;
		t1 = rte_rdtsc();
	} while (t1 - t0 < MIN_SECS * hz);
	return *passes * (double)N_ADDRS / secs(t1 - t0);
}

/* Both tables must answer alike, and every address must hit. */
static int
cross_check(const struct vr_fib_fp *fp, struct rte_fib *f, uint32_t *a)
{
	static uint64_t y[BURST];
	static uint32_t x[BURST];

	for (uint32_t i = 0; i < N_ADDRS; i += BURST) {
		vr_fib_lookup4_bulk(fp, a + i, x, BURST);
		rte_fib_lookup_bulk(f, a + i, y, BURST);
		for (unsigned int k = 0; k < BURST; k++)
			if (x[k] != y[k] || x[k] == 0) {
				fprintf(stderr, "lookup of %#x: vr_fib %lu, rte_fib %lu\n",
					a[i + k], (unsigned long)x[k], (unsigned long)y[k]);
				return -1;
			}
	}
	return 0;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

int
main(int argc, char **argv)
{
	struct vr_fib_conf conf = { .name = "bench", .socket_id = SOCKET_ID_ANY };
	double vr_add, vr_add_rsv, raw_add, rsv_mb, vr_l[ROUNDS], raw_l[ROUNDS];
	uint64_t heap0, heap1, heap2, passes;
	struct vr_fib_mem mem;
	struct vr_fib *fib;
	struct rte_fib *raw;
	struct table t = { 0 };
	char rundir[PATH_MAX];
	uint32_t *addrs;
	int n, rc;

	n = rte_eal_init(argc, argv);
	if (n < 0) {
		fprintf(stderr, "rte_eal_init: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	argc -= n;
	argv += n;
	snprintf(rundir, sizeof(rundir), "%s", rte_eal_get_runtime_dir());
	if (argc < 2) {
		fprintf(stderr, "usage: fib_bench [EAL args] -- TABLE.txt.gz\n");
		return 2;
	}
	if ((rc = table_read(argv[1], &t)) < 0) {
		fprintf(stderr, "%s: %s\n", argv[1], strerror(-rc));
		return 1;
	}
	printf("table: %s, %u IPv4 prefixes\n", argv[1], t.n);

	/* The reserved load first, in a FIB of its own that is gone before
	 * the one measured is made: only one full table at a time. */
	heap0 = heap_bytes();
	if ((rc = vr_fib_create(&conf, &fib)) < 0 ||
	    (rc = load_vr_fib(fib, &t, true, &vr_add_rsv)) < 0) {
		fprintf(stderr, "vr_fib (reserved): %s\n", strerror(-rc));
		return 1;
	}
	rsv_mb = (heap_bytes() - heap0) / 1048576.0;
	vr_fib_destroy(fib);

	heap0 = heap_bytes();
	if ((rc = vr_fib_create(&conf, &fib)) < 0 ||
	    (rc = load_vr_fib(fib, &t, false, &vr_add)) < 0) {
		fprintf(stderr, "vr_fib: %s\n", strerror(-rc));
		return 1;
	}
	heap1 = heap_bytes();
	vr_fib_mem(fib, &mem);
	raw = load_rte_fib(&t, &raw_add);
	heap2 = heap_bytes();
	addrs = make_addrs(&t);
	if (raw == NULL || addrs == NULL) {
		fprintf(stderr, "out of memory\n");
		return 1;
	}
	if (cross_check(vr_fib_fp(fib), raw, addrs) < 0)
		return 1;

	/* Warm both tables up once, then alternate timed rounds. */
	time_vr_fib(vr_fib_fp(fib), addrs, &passes);
	time_rte_fib(raw, addrs, &passes);
	for (int r = 0; r < ROUNDS; r++) {
		vr_l[r] = time_vr_fib(vr_fib_fp(fib), addrs, &passes) / 1e6;
		raw_l[r] = time_rte_fib(raw, addrs, &passes) / 1e6;
		printf("round %d: vr_fib %.2f Mlookups/s, rte_fib %.2f Mlookups/s\n",
		       r, vr_l[r], raw_l[r]);
	}
	qsort(vr_l, ROUNDS, sizeof(double), cmp_double);
	qsort(raw_l, ROUNDS, sizeof(double), cmp_double);

	double fib_mb = (heap1 - heap0) / 1048576.0;
	double est_mb = (mem.v4_bytes + mem.v6_bytes + mem.nh_bytes) / 1048576.0;
	double raw_mb = (heap2 - heap1) / 1048576.0;
	double ratio = vr_l[ROUNDS / 2] / raw_l[ROUNDS / 2];

	printf("route adds: vr_fib %.0f/s from default sizes (%u rebuilds), "
	       "%.0f/s after vr_fib_reserve (%.1f MB); rte_fib %.0f/s (sized "
	       "for the table)\n", vr_add, mem.v4_rebuilds, vr_add_rsv, rsv_mb,
	       raw_add);
	printf("lookups (median of %d rounds, burst %d, %u addresses that hit): "
	       "vr_fib %.2f M/s, rte_fib %.2f M/s, ratio %.3f\n",
	       ROUNDS, BURST, N_ADDRS, vr_l[ROUNDS / 2], raw_l[ROUNDS / 2], ratio);
	printf("memory: vr_fib %.1f MB measured (rte_malloc heap, IPv4 and "
	       "IPv6 tables and next hops), %.1f MB by vr_fib_mem; "
	       "rte_fib %.1f MB; v4 max_routes %u, tbl8 %u\n",
	       fib_mb, est_mb, raw_mb, mem.v4_max_routes, mem.v4_tbl8);
	printf("{\"fib_mlookups\": %.2f, \"rte_fib_mlookups\": %.2f, "
	       "\"fib_mem_mb\": %.1f, \"fib_vs_rte_fib\": %.3f, "
	       "\"fib_mem_est_mb\": %.1f, \"rte_fib_mem_mb\": %.1f, "
	       "\"fib_adds_per_s\": %.0f, \"fib_adds_per_s_reserved\": %.0f, "
	       "\"fib_mem_mb_reserved\": %.1f, \"rte_fib_adds_per_s\": %.0f, "
	       "\"fib_v4_rebuilds\": %u, \"routes\": %u, \"burst\": %d, "
	       "\"lookups_per_round\": %u, \"rounds\": %d}\n",
	       vr_l[ROUNDS / 2], raw_l[ROUNDS / 2], fib_mb, ratio, est_mb,
	       raw_mb, vr_add, vr_add_rsv, rsv_mb, raw_add, mem.v4_rebuilds, t.n, BURST, N_ADDRS,
	       ROUNDS);

	rte_free(addrs);
	rte_fib_free(raw);
	vr_fib_destroy(fib);
	free(t.ip);
	free(t.depth);
	free(t.nhg);
	rte_eal_cleanup();
	/* EAL leaves its (with --in-memory, empty) runtime directory. */
	rmdir(rundir);
	return 0;
}
