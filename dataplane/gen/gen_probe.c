/* SPDX-License-Identifier: BSD-3-Clause
 * vrgen --cpu-latency (gen_probe.h). Timed with the TSC: there are no
 * performance counters on the machines this runs on.
 */
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_pause.h>

#include "gen_probe.h"

#define LAT_ROUNDS 20000
#define LAT_BATCHES 7
/* Loads per batch of the pointer chase. */
#define CHASE_STEPS 200000
#define CHASE_SMALL (256u << 10)     /* beyond L1, within L2 */
#define CHASE_LARGE (16u << 20)      /* beyond L2: L3 or memory */

static struct {
	volatile uint64_t ping __rte_cache_aligned;
	volatile uint64_t pong __rte_cache_aligned;
	volatile int failed;
	int cpu;
} lat;

static int
pin_self(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

static void *
lat_peer(void *arg)
{
	uint64_t n = (uint64_t)LAT_ROUNDS * LAT_BATCHES;

	(void)arg;
	if (pin_self(lat.cpu) != 0) {
		lat.failed = 1;
		return (void *)1;
	}
	for (uint64_t i = 1; i <= n; i++) {
		while (lat.ping != i)
			rte_pause();
		lat.pong = i;
	}
	return NULL;
}

static volatile uint64_t probe_sink;

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* A round trip's median over the batches, in TSC cycles and ns, and the
 * batches' range in cycles. */
struct rt_result {
	double cyc, ns, lo, hi;
};

/* Ping-pong on two cache lines: each round trip moves a line each way. */
static int
round_trip(int a, int b, struct rt_result *res)
{
	double cyc[LAT_BATCHES], ns[LAT_BATCHES];
	struct timespec t0, t1;
	pthread_t th;
	uint64_t i = 0;
	void *ret = NULL;

	lat.cpu = b;
	lat.ping = lat.pong = 0;
	lat.failed = 0;
	if (pin_self(a) != 0) {
		fprintf(stderr, "vrgen: cannot run on CPU %d\n", a);
		return 1;
	}
	if (pthread_create(&th, NULL, lat_peer, NULL) != 0) {
		fprintf(stderr, "vrgen: cannot start a thread\n");
		return 1;
	}
	for (int k = 0; k < LAT_BATCHES; k++) {
		uint64_t c0, c1;

		clock_gettime(CLOCK_MONOTONIC, &t0);
		c0 = rte_rdtsc();
		for (int r = 0; r < LAT_ROUNDS; r++) {
			lat.ping = ++i;
			while (lat.pong != i) {
				if (lat.failed)
					goto out;
				rte_pause();
			}
		}
		c1 = rte_rdtsc();
		clock_gettime(CLOCK_MONOTONIC, &t1);
		cyc[k] = (double)(c1 - c0) / LAT_ROUNDS;
		ns[k] = ((t1.tv_sec - t0.tv_sec) * 1e9 +
			 (t1.tv_nsec - t0.tv_nsec)) / LAT_ROUNDS;
	}
out:
	pthread_join(th, &ret);
	if (ret != NULL) {
		fprintf(stderr, "vrgen: cannot run on CPU %d\n", b);
		return 1;
	}
	qsort(cyc, LAT_BATCHES, sizeof(cyc[0]), cmp_double);
	qsort(ns, LAT_BATCHES, sizeof(ns[0]), cmp_double);
	*res = (struct rt_result){ .cyc = cyc[LAT_BATCHES / 2],
				   .ns = ns[LAT_BATCHES / 2], .lo = cyc[0],
				   .hi = cyc[LAT_BATCHES - 1] };
	return 0;
}

/* TSC cycles per load of a pointer chase through a ring of `bytes` of
 * cache lines in random order (Sattolo's shuffle: one cycle through all
 * of them), so that neither the prefetchers nor out-of-order execution
 * hide a load's latency. Median of the batches; -1 without memory. */
static double
load_latency(size_t bytes)
{
	size_t n = bytes / RTE_CACHE_LINE_SIZE, stride = RTE_CACHE_LINE_SIZE /
							sizeof(uint64_t);
	uint64_t *ring = aligned_alloc(RTE_CACHE_LINE_SIZE, bytes);
	uint32_t *order = malloc(n * sizeof(*order));
	double cyc[LAT_BATCHES];
	uint64_t at = 0;

	if (ring == NULL || order == NULL) {
		free(ring);
		free(order);
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		order[i] = (uint32_t)i;
	srand(1);
	for (size_t i = n - 1; i > 0; i--) {
		size_t j = (size_t)rand() % i, t = order[i];

		order[i] = order[j];
		order[j] = (uint32_t)t;
	}
	for (size_t i = 0; i < n; i++)
		ring[order[i] * stride] = (uint64_t)order[(i + 1) % n] * stride;
	for (size_t i = 0; i < n; i++)  /* once round: pages mapped, warm */
		at = ring[at];
	for (int k = 0; k < LAT_BATCHES; k++) {
		uint64_t c0 = rte_rdtsc();

		for (int i = 0; i < CHASE_STEPS; i++)
			at = ring[at];
		cyc[k] = (double)(rte_rdtsc() - c0) / CHASE_STEPS;
	}
	/* Stored where the compiler must assume it is read: the chase is
	 * not optimised away. */
	probe_sink = at;
	free(ring);
	free(order);
	qsort(cyc, LAT_BATCHES, sizeof(cyc[0]), cmp_double);
	return cyc[LAT_BATCHES / 2];
}

int
gen_cpu_probe(int a, int b)
{
	struct rt_result rt;
	double small, large;

	if (round_trip(a, b, &rt) != 0)
		return 1;
	/* round_trip() left this thread on CPU a. */
	if (pin_self(b) != 0) {
		fprintf(stderr, "vrgen: cannot run on CPU %d\n", b);
		return 1;
	}
	small = load_latency(CHASE_SMALL);
	large = load_latency(CHASE_LARGE);
	if (small < 0 || large < 0) {
		fprintf(stderr, "vrgen: no memory for the load latency rings\n");
		return 1;
	}
	printf("vrgen: cache line round trip CPU %d <-> CPU %d: %.0f TSC cycles, "
	       "%.0f ns (median of %d batches; %.0f to %.0f cycles)\n", a, b,
	       rt.cyc, rt.ns, LAT_BATCHES, rt.lo, rt.hi);
	printf("vrgen: a dependent load on CPU %d: %.1f TSC cycles in a 256 KB "
	       "ring, %.1f in a 16 MB ring\n", b, small, large);
	printf("{\"cpu_a\": %d, \"cpu_b\": %d, \"round_trip_cycles\": %.0f, "
	       "\"round_trip_ns\": %.1f, \"load_256k_cycles\": %.1f, "
	       "\"load_16m_cycles\": %.1f}\n", a, b, rt.cyc, rt.ns, small, large);
	return 0;
}
