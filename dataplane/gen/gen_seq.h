/* SPDX-License-Identifier: BSD-3-Clause
 * vrgen's stamps: every packet carries a sequence number and the TSC at
 * which it was filled, right after its UDP header (gen_flows.h: offset 42
 * of an IPv4 frame, whatever --ip-size: a small IP packet's stamp runs
 * into the Ethernet padding, which a forwarder keeps; 62 over IPv6). The receiver counts unique
 * packets, duplicates and reordering exactly, and keeps a latency
 * histogram (TSC cycles, 16 linear steps per power of two: about 6%).
 */
#ifndef GEN_SEQ_H
#define GEN_SEQ_H

#include <stdbool.h>
#include <stdint.h>

#define GEN_STAMP_LEN 16
/* Sequence numbers a duplicate is told from a late packet within. */
#define GEN_SEQ_WINDOW (1u << 24)
#define GEN_LAT_BUCKETS (61 * 16)

struct gen_rx_seq {
	uint64_t unique;             /* distinct sequence numbers received */
	uint64_t duplicates;
	uint64_t reordered;          /* arrived after a higher number */
	uint64_t too_late;           /* older than the window: not checked
	                              * for duplicates (in unique) */
	uint64_t max_seq;
	bool any;
	uint64_t *seen;              /* GEN_SEQ_WINDOW bits */
	bool lat_on;                 /* measuring window: latency counts */
	uint64_t lat_n, lat_max;
	uint64_t lat[GEN_LAT_BUCKETS];
};

int gen_rx_seq_init(struct gen_rx_seq *s);
void gen_rx_seq_reset(struct gen_rx_seq *s);
void gen_rx_seq_free(struct gen_rx_seq *s);
/* One received stamp; now: the receiver's TSC. */
void gen_rx_seq_account(struct gen_rx_seq *s, uint64_t seq, uint64_t tsc,
			uint64_t now);
/* The latency below which a fraction p of the window's packets were, in
 * TSC cycles (a bucket's upper bound); 0 with no samples. */
uint64_t gen_rx_seq_lat_pct(const struct gen_rx_seq *s, double p);

/* Sender side: how sequence numbers are handed out, with the faults the
 * tests inject (every Nth: 0 off). */
struct gen_tx_seq {
	uint64_t next;               /* numbers used so far */
	unsigned int drop_every, dup_every, swap_every;
	unsigned int n_drop, n_dup, n_swap;  /* counters towards every */
	bool swap_pending;           /* the next packet takes the skipped number */
	uint64_t swap_seq;
	uint64_t dropped, duplicated, swapped;  /* faults injected */
};

/* The number for the next packet sent. */
uint64_t gen_tx_seq_next(struct gen_tx_seq *t);

#endif
