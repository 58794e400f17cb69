/* SPDX-License-Identifier: BSD-3-Clause
 * The DPDK backend's worker: demultiplexes the uplink to the slices by
 * (destination MAC, VLAN), multiplexes the slices back onto the uplink,
 * and switches slice to slice inside a VLAN, as a learning-free bridge
 * whose forwarding table is the slice configuration.
 *
 * Per burst: receive 32, check and classify, one bulk hash lookup, buffer
 * per output port; flush once per loop. Group frames (ARP, ND, OSPF) are
 * shared by reference count among the slices of their VLAN, never copied,
 * except the one copy the uplink needs when it must carry a tag. Every
 * drop is counted under a reason on the slot where it happened.
 */
#include <sys/prctl.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_prefetch.h>

#include "mux_dpdk.h"

#define IDLE_POLLS 256
#define SLEEP_MIN_US 5
#define SLEEP_MAX_US 500

#define X_NAME(id, name) [MUX_DROP_##id] = name,
static const char *const mux_drop_names[MUX_DROP_MAX] = { MUX_DROP_REASONS(X_NAME) };
#undef X_NAME

const char *
mux_drop_name(unsigned int i)
{
	return i < MUX_DROP_MAX ? mux_drop_names[i] : NULL;
}

static inline void
drop(struct mux_worker *w, uint16_t slot, enum mux_drop why, struct rte_mbuf *m)
{
	w->c[slot].drops[why]++;
	rte_pktmbuf_free(m);
}

/* Token buckets in fixed point (<< 16) TSC cycles: an unlimited slice
 * has costs of 0, so the check is the same arithmetic for every slice. */
static inline bool
bucket_take(struct mux_bucket *b, const struct mux_fp_slice *s, uint64_t now,
	    uint32_t len)
{
	uint64_t bit_cost = (uint64_t)len * 8 * s->bit_cost;

	if (unlikely(b->gen != s->gen)) {
		b->gen = s->gen;
		b->last_tsc = now;
		b->pkt_credit = s->credit_max;
		b->bit_credit = s->credit_max;
	}
	if (now != b->last_tsc) {
		uint64_t add = (now - b->last_tsc) << 16;
		b->pkt_credit = RTE_MIN(b->pkt_credit + add, s->credit_max);
		b->bit_credit = RTE_MIN(b->bit_credit + add, s->credit_max);
		b->last_tsc = now;
	}
	if (b->pkt_credit < s->pkt_cost || b->bit_credit < bit_cost)
		return false;
	b->pkt_credit -= s->pkt_cost;
	b->bit_credit -= bit_cost;
	return true;
}

static inline void
to_slice(struct mux_worker *w, const struct mux_table *t, uint16_t slot,
	 struct rte_mbuf *m, uint64_t now)
{
	const struct mux_fp_slice *s = &t->s[slot];

	if (!bucket_take(&w->bucket[slot][0], s, now, m->pkt_len)) {
		drop(w, slot, MUX_DROP_RATE_LIMITED, m);
		return;
	}
	w->c[slot].rx_pkts++;
	w->c[slot].rx_bytes += m->pkt_len;
	rte_eth_tx_buffer(s->port, 0, w->txb[s->port], m);
}

/* from: the slot the frame came from, for a copy that cannot be made. */
static inline void
to_uplink(struct mux_worker *w, struct rte_mbuf *m, uint16_t vlan,
	  uint16_t from)
{
	struct mux_counters *uc = &w->c[MUX_UPLINK_SLOT];

	if (vlan != 0) {
		m->vlan_tci = vlan;
		if (rte_vlan_insert(&m) < 0) {
			drop(w, from, MUX_DROP_NO_MBUF, m);
			return;
		}
	}
	uc->tx_pkts++;
	uc->tx_bytes += m->pkt_len;
	rte_eth_tx_buffer(w->uplink, 0, w->txb[w->uplink], m);
}

/* A group frame to every slice of the VLAN but its sender, and to the
 * wire when a slice sent it. */
static void
flood(struct mux_worker *w, const struct mux_table *t, struct rte_mbuf *m,
      uint16_t vlan, uint16_t from, uint64_t now)
{
	uint16_t dst[MUX_SLICES_MAX], n = 0, refs;
	const bool to_wire = from != MUX_UPLINK_SLOT;
	struct rte_mbuf *wire = NULL;

	for (uint64_t u = t->used; u != 0; u &= u - 1) {
		uint16_t slot = (uint16_t)__builtin_ctzll(u);
		if (slot != from && t->s[slot].vlan == vlan)
			dst[n++] = slot;
	}
	if (n == 0 && !to_wire) {
		drop(w, MUX_UPLINK_SLOT, MUX_DROP_UNKNOWN_VLAN, m);
		return;
	}
	refs = n;
	if (to_wire) {
		/* A tag changes the frame: the wire gets its own copy. */
		if (vlan != 0 && n > 0) {
			wire = rte_pktmbuf_copy(m, w->pool, 0, UINT32_MAX);
			if (wire == NULL)
				w->c[from].drops[MUX_DROP_NO_MBUF]++;
		} else {
			wire = m;
			refs++;
		}
	}
	/* References first: the first transmit may free the frame. */
	if (refs > 1)
		rte_mbuf_refcnt_update(m, (int16_t)(refs - 1));
	if (wire != NULL)
		to_uplink(w, wire, vlan, from);
	for (uint16_t i = 0; i < n; i++)
		to_slice(w, t, dst[i], m, now);
}

/* The unicast frames of a burst, looked up together by (MAC, VLAN). */
struct l2_batch {
	uint16_t n;
	struct mux_l2_key key[MUX_BURST];
	const void *kp[MUX_BURST];
	struct rte_mbuf *m[MUX_BURST];
	void *slot[MUX_BURST];
	uint64_t hits;
};

static inline void
batch_add(struct l2_batch *b, struct rte_mbuf *m,
	  const struct rte_ether_hdr *eth, uint16_t vlan)
{
	rte_ether_addr_copy(&eth->dst_addr, &b->key[b->n].mac);
	b->key[b->n].vlan = vlan;
	b->kp[b->n] = &b->key[b->n];
	b->m[b->n++] = m;
}

static inline void
batch_lookup(struct l2_batch *b, const struct mux_table *t)
{
	b->hits = 0;
	if (b->n > 0)
		rte_hash_lookup_bulk_data(t->l2, b->kp, b->n, &b->hits, b->slot);
}

static void
uplink_burst(struct mux_worker *w, const struct mux_table *t,
	     struct rte_mbuf **pkts, uint16_t n, uint64_t now)
{
	struct mux_counters *uc = &w->c[MUX_UPLINK_SLOT];
	struct l2_batch b;
	uint64_t bytes = 0;

	b.n = 0;
	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		struct rte_ether_hdr *eth;
		uint16_t vlan = 0;

		if (i + 2 < n)
			rte_prefetch0(rte_pktmbuf_mtod(pkts[i + 2], void *));
		bytes += m->pkt_len;
		if (unlikely(m->data_len < RTE_ETHER_HDR_LEN)) {
			drop(w, MUX_UPLINK_SLOT, MUX_DROP_MALFORMED, m);
			continue;
		}
		eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
		if (m->ol_flags & RTE_MBUF_F_RX_VLAN_STRIPPED) {
			/* The driver (af_packet) took the tag off already. */
			vlan = m->vlan_tci & 0xfff;
		} else if (eth->ether_type == RTE_BE16(RTE_ETHER_TYPE_VLAN)) {
			if (unlikely(m->data_len < RTE_ETHER_HDR_LEN +
						   sizeof(struct rte_vlan_hdr))) {
				drop(w, MUX_UPLINK_SLOT, MUX_DROP_MALFORMED, m);
				continue;
			}
			rte_vlan_strip(m);
			vlan = m->vlan_tci & 0xfff;
			eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
		} else if (eth->ether_type == RTE_BE16(RTE_ETHER_TYPE_QINQ)) {
			drop(w, MUX_UPLINK_SLOT, MUX_DROP_UNKNOWN_VLAN, m);
			continue;
		}
		/* Slices see plain frames: no VLAN offload flags left. */
		m->ol_flags &= ~(RTE_MBUF_F_RX_VLAN | RTE_MBUF_F_RX_VLAN_STRIPPED);
		if (rte_is_multicast_ether_addr(&eth->dst_addr))
			flood(w, t, m, vlan, MUX_UPLINK_SLOT, now);
		else
			batch_add(&b, m, eth, vlan);
	}
	/* Counters once per burst, not per packet. */
	uc->rx_pkts += n;
	uc->rx_bytes += bytes;
	batch_lookup(&b, t);
	for (uint16_t j = 0; j < b.n; j++) {
		if (!(b.hits & (1ULL << j)))
			drop(w, MUX_UPLINK_SLOT, MUX_DROP_UNKNOWN_UNICAST, b.m[j]);
		else
			to_slice(w, t, (uint16_t)(uintptr_t)b.slot[j], b.m[j], now);
	}
}

static inline bool
src_owned(const struct mux_fp_slice *s, const struct rte_ether_addr *src)
{
	for (uint32_t k = 0; k < s->n_macs; k++)
		if (rte_is_same_ether_addr(&s->macs[k], src))
			return true;
	return false;
}

static void
slice_burst(struct mux_worker *w, const struct mux_table *t, uint16_t from,
	    struct rte_mbuf **pkts, uint16_t n, uint64_t now)
{
	const struct mux_fp_slice *s = &t->s[from];
	struct mux_counters *sc = &w->c[from];
	struct l2_batch b;
	uint64_t bytes = 0;

	b.n = 0;
	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		struct rte_ether_hdr *eth;

		if (i + 2 < n)
			rte_prefetch0(rte_pktmbuf_mtod(pkts[i + 2], void *));
		bytes += m->pkt_len;
		if (unlikely(m->data_len < RTE_ETHER_HDR_LEN)) {
			drop(w, from, MUX_DROP_MALFORMED, m);
			continue;
		}
		eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
		/* Anti-spoofing: the virtual networks stay apart only if a
		 * slice can neither wear another's MAC nor pick a VLAN. */
		if (unlikely(!src_owned(s, &eth->src_addr))) {
			drop(w, from, MUX_DROP_SPOOFED_SRC_MAC, m);
			continue;
		}
		if (unlikely(eth->ether_type == RTE_BE16(RTE_ETHER_TYPE_VLAN) ||
			     eth->ether_type == RTE_BE16(RTE_ETHER_TYPE_QINQ) ||
			     (m->ol_flags & RTE_MBUF_F_RX_VLAN_STRIPPED))) {
			drop(w, from, MUX_DROP_WRONG_VLAN, m);
			continue;
		}
		if (!bucket_take(&w->bucket[from][1], s, now, m->pkt_len)) {
			drop(w, from, MUX_DROP_RATE_LIMITED, m);
			continue;
		}
		if (rte_is_multicast_ether_addr(&eth->dst_addr))
			flood(w, t, m, s->vlan, from, now);
		else
			batch_add(&b, m, eth, s->vlan);
	}
	sc->tx_pkts += n;
	sc->tx_bytes += bytes;
	batch_lookup(&b, t);
	for (uint16_t j = 0; j < b.n; j++) {
		uint16_t to = (uint16_t)(uintptr_t)b.slot[j];

		if (!(b.hits & (1ULL << j)))
			to_uplink(w, b.m[j], s->vlan, from);
		else if (unlikely(to == from))
			drop(w, from, MUX_DROP_DST_IS_SELF, b.m[j]);
		else
			to_slice(w, t, to, b.m[j], now);   /* hairpin */
	}
}

int
mux_worker_main(void *arg)
{
	struct mux_worker *w = arg;
	struct rte_mbuf *pkts[MUX_BURST];
	unsigned int idle = 0, sleep_us = SLEEP_MIN_US;

	prctl(PR_SET_TIMERSLACK, 1000UL);
	rte_rcu_qsbr_thread_register(w->qsv, 0);
	rte_rcu_qsbr_thread_online(w->qsv, 0);
	while (!__atomic_load_n(&w->stop, __ATOMIC_RELAXED)) {
		const struct mux_table *t =
			__atomic_load_n(&w->table, __ATOMIC_ACQUIRE);
		unsigned int got = 0;

		for (uint16_t q = 0; q < t->n_rx; q++) {
			const struct mux_rx *rx = &t->rx[q];
			/* A full burst from the uplink spreads over many
			 * slices, a few frames each: take up to
			 * MUX_UPLINK_BURSTS of them before the flush, so
			 * that each slice's transmit carries more. */
			unsigned int rounds = rx->slot == MUX_UPLINK_SLOT ?
					      MUX_UPLINK_BURSTS : 1;

			for (unsigned int r = 0; r < rounds; r++) {
				uint64_t t_rx = rte_rdtsc(), t0;
				uint16_t n = rte_eth_rx_burst(rx->port, 0, pkts,
							      MUX_BURST);

				if (n == 0)
					break;
				t0 = rte_rdtsc();
				/* The driver's receive work (a vhost dequeue
				 * copies), kept apart as in vrd. */
				w->rx_cycles += t0 - t_rx;
				if (rx->slot == MUX_UPLINK_SLOT)
					uplink_burst(w, t, pkts, n, t0);
				else
					slice_burst(w, t, rx->slot, pkts, n, t0);
				w->busy_cycles += rte_rdtsc() - t0;
				w->busy_pkts += n;
				got += n;
				if (n < MUX_BURST)
					break;
			}
		}
		if (got != 0) {
			uint64_t t0 = rte_rdtsc();
			for (uint16_t q = 0; q < t->n_rx; q++)
				rte_eth_tx_buffer_flush(t->rx[q].port, 0,
							w->txb[t->rx[q].port]);
			w->busy_cycles += rte_rdtsc() - t0;
		}
		w->loops++;
		rte_rcu_qsbr_quiescent(w->qsv, 0);
		if (got != 0) {
			idle = 0;
			sleep_us = SLEEP_MIN_US;
		} else if (!w->busy_poll && ++idle >= IDLE_POLLS) {
			rte_rcu_qsbr_thread_offline(w->qsv, 0);
			rte_delay_us_sleep(sleep_us);
			rte_rcu_qsbr_thread_online(w->qsv, 0);
			w->sleeps++;
			if (sleep_us < SLEEP_MAX_US)
				sleep_us *= 2;
		}
	}
	rte_rcu_qsbr_thread_offline(w->qsv, 0);
	rte_rcu_qsbr_thread_unregister(w->qsv, 0);
	return 0;
}
