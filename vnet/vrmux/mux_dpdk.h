/* SPDX-License-Identifier: BSD-3-Clause
 * The DPDK backend's data-path state.
 *
 * One worker lcore polls the uplink and every slice port. The control
 * thread never changes what the worker reads in place: it builds a new
 * struct mux_table (slices, the (MAC, VLAN) hash, the ports to poll),
 * publishes it with a release store, waits for the worker's quiescent
 * state (QSBR), then frees the old one. A slice's slot index is stable
 * while it lives, so counters and token buckets, which the worker owns,
 * follow it from one table to the next.
 */
#ifndef MUX_DPDK_H
#define MUX_DPDK_H

#include <stdint.h>

#include <rte_ethdev.h>
#include <rte_ether.h>
#include <rte_hash.h>
#include <rte_rcu_qsbr.h>

#include "vrmux.h"

#define MUX_BURST 32
#define MUX_UPLINK_BURSTS 4      /* uplink bursts per loop, at most */
#define MUX_UPLINK_SLOT MUX_SLICES_MAX   /* counters index of the uplink */

/* Why vrmux dropped a frame. */
#define MUX_DROP_REASONS(X)                                               \
	X(MALFORMED, "malformed")          /* shorter than its L2 headers */\
	X(UNKNOWN_UNICAST, "unknown_unicast") /* no slice owns the MAC    \
	                                    * in that VLAN */                \
	X(UNKNOWN_VLAN, "unknown_vlan")    /* group frame of a VLAN with no \
	                                    * slice, or an 802.1ad tag */    \
	X(SPOOFED_SRC_MAC, "spoofed_src_mac") /* slice sent with a source  \
	                                    * MAC not its own */             \
	X(WRONG_VLAN, "wrong_vlan")        /* slice sent a tagged frame */  \
	X(RATE_LIMITED, "rate_limited")    /* over the slice's rate */      \
	X(DST_IS_SELF, "dst_is_self")      /* slice sent to its own MAC */  \
	X(NO_MBUF, "no_mbuf")              /* no buffer for a copy */       \
	X(TX_FULL, "tx_full")              /* the port refused it */

#define X_ENUM(id, name) MUX_DROP_##id,
enum mux_drop { MUX_DROP_REASONS(X_ENUM) MUX_DROP_MAX };
#undef X_ENUM

/* Counters of one slot (a slice, or the uplink). Written by the worker
 * only. For a slice, rx is what vrmux delivered to it and tx what it
 * sent; for the uplink, rx is what came from the wire and tx what went
 * to it. Drops are counted on the slot where the frame was dropped. */
struct mux_counters {
	uint64_t rx_pkts, rx_bytes, tx_pkts, tx_bytes;
	uint64_t drops[MUX_DROP_MAX];
};

/* A slice as the worker sees it; immutable inside a published table. */
struct mux_fp_slice {
	uint16_t port;               /* its DPDK port */
	uint16_t vlan;               /* 0: untagged on the uplink */
	uint32_t gen;                /* new per slice add: resets buckets */
	/* Token-bucket costs in TSC cycles << 16 (0: unlimited) and the
	 * bucket's depth, from the slice's rate_pps and rate_bps. */
	uint64_t pkt_cost;           /* per frame */
	uint64_t bit_cost;           /* per bit of frame */
	uint64_t credit_max;
	uint32_t n_macs;
	struct rte_ether_addr macs[MUX_MACS_MAX];
};

struct mux_rx {
	uint16_t port;
	uint16_t slot;               /* MUX_UPLINK_SLOT for the uplink */
};

struct mux_table {
	struct rte_hash *l2;         /* struct mux_l2_key -> slot */
	uint64_t used;               /* bit per slot */
	uint16_t n_rx;
	struct mux_rx rx[MUX_SLICES_MAX + 1];
	struct mux_fp_slice s[MUX_SLICES_MAX];
};

struct mux_l2_key {
	struct rte_ether_addr mac;
	uint16_t vlan;
};

/* A token bucket, worker-owned: credit is elapsed TSC cycles << 16,
 * up to credit_max; a frame costs pkt_cost and len * 8 * bit_cost. */
struct mux_bucket {
	uint32_t gen;
	uint64_t last_tsc;
	uint64_t pkt_credit;
	uint64_t bit_credit;
};

/* What a tx buffer's error callback needs: the counters to correct. */
struct mux_txcb {
	struct mux_counters *c;
	bool to_wire;                /* the uplink: tx, else a slice's rx */
};

struct mux_worker {
	struct mux_table *table;     /* published by ctl (release store) */
	struct rte_mempool *pool;    /* for copies of group frames */
	uint16_t uplink;
	bool busy_poll;
	volatile bool stop;
	/* Allocated by ctl before a port appears in a table. */
	struct rte_eth_dev_tx_buffer *txb[RTE_MAX_ETHPORTS];
	struct mux_txcb txcb[RTE_MAX_ETHPORTS];
	/* Worker-owned. */
	struct mux_counters c[MUX_SLICES_MAX + 1];
	struct mux_bucket bucket[MUX_SLICES_MAX][2];   /* [slot][rx, tx] */
	uint64_t busy_cycles, busy_pkts, loops, sleeps;
	uint64_t rx_cycles;          /* in receive calls that returned packets */
	struct rte_rcu_qsbr *qsv;
} __rte_cache_aligned;

const char *mux_drop_name(unsigned int i);

int mux_worker_main(void *arg);

#endif
