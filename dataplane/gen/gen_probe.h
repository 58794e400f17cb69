/* SPDX-License-Identifier: BSD-3-Clause
 * vrgen --cpu-latency: what the machine's memory costs right now. On a VM
 * the host decides where the vCPUs run and who shares their caches, and
 * that moves every packet rate; benchmarks print these figures beside
 * theirs (tests/bench/forward.sh, before and after).
 */
#ifndef GEN_PROBE_H
#define GEN_PROBE_H

/* Measures a cache line's round trip between CPUs a and b, and on CPU b a
 * dependent load in a 256 KB and in a 16 MB ring of random lines; prints
 * a line of text and one JSON object. Returns 0, or 1 when a CPU or the
 * memory is not available (said on stderr). */
int gen_cpu_probe(int a, int b);

#endif
