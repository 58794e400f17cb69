/* SPDX-License-Identifier: BSD-3-Clause
 * The forwarding loop. Per burst: receive up to 32, check headers with
 * the next packets' data prefetched (worker_rx.h), one bulk FIB lookup
 * per family, rewrite, send in runs per output port through the ports'
 * tx buffers, flush what they hold once per loop.
 *
 * No locks, no allocation, no syscalls while packets flow; an idle worker
 * sleeps (adaptive polling) unless vrd runs with --busy-poll.
 */
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_prefetch.h>

#include "vr_pkt.h"
#include "vrd.h"
#include "worker_rx.h"

/* Headers prefetched this many packets ahead (measured against 8 and
 * against the whole burst at once: 4 costs the fewest cycles on
 * virtio-user, where another core wrote the data; in session 8 the
 * whole burst at once took about 3 cycles off replay.sh, whose data the
 * same core has just written, and added about 8 in forward.sh). */
#define PREFETCH_AHEAD 4
/* Empty polls before the first sleep, and the sleep's bounds in us. */
#define IDLE_POLLS 256
#define SLEEP_MIN_US 5
#define SLEEP_MAX_US 500

/* Everything but the fast path, by the next hop's type as nh_fast read
 * it: a FORWARD next hop comes here only when the packet is over the
 * output port's MTU. IP checks are done; TTL is > 1. */
static inline void
route_pkt(struct burst_ctx *c, struct rte_mbuf *m, const struct vr_nh *nh,
	  uint32_t type, bool v4)
{
	switch (type) {
	case VR_NH_FORWARD:
		vrd_mtu_exceeded(c->w, c->in, nh, m, v4);
		return;
	case VR_NH_UNRESOLVED:
		punt(c, m, VRD_PUNT_UNRESOLVED);
		return;
	case VR_NH_LOCAL:
		punt(c, m, VRD_PUNT_LOCAL);
		return;
	case VR_NH_BLACKHOLE:
		drop(c, m, VRD_DROP_BLACKHOLE);
		return;
	case VR_NH_UNREACHABLE:
		drop(c, m, VRD_DROP_UNREACHABLE);
		return;
	default:
		drop(c, m, VRD_DROP_NO_ROUTE);
		return;
	}
}

/* What the forwarding loops keep in registers: the packet's stores
 * (char-typed, so they may alias anything as far as the compiler knows)
 * would otherwise make it reload these from the context per packet. */
struct fwd_ctx {
	const struct vr_fib_fp *fib;
	const struct vrd_port_fp *pfp;
	struct vrd_port_stats *ps;
	struct rte_eth_dev_tx_buffer *const *txb;
	uint16_t qid;
};

/* The forwarding case: a resolved adjacency whose port's MTU the packet
 * fits. type is loaded once, before the adjacency (struct vr_nh says
 * why), and handed to route_pkt when this says no. */
static inline bool
nh_fast(const struct fwd_ctx *f, const struct vr_nh *nh, uint16_t l3_len,
	uint32_t *type)
{
	*type = __atomic_load_n(&nh->type, __ATOMIC_ACQUIRE);
	/* Only a FORWARD next hop's port is a port (drop types have none). */
	return likely(*type == VR_NH_FORWARD) && l3_len <= f->pfp[nh->port].mtu;
}

/* Forwarded packets leave in runs: consecutive packets to one port are
 * collected in a local array, their count and bytes in registers, and
 * go into the port's tx buffer and counters once per run. Doing that
 * per packet chained every packet to the one before through memory (the
 * buffer's length, the counters): a store-to-load forwarding latency per
 * packet, which perf put at the top of the profile of tests/bench/replay.sh. */
struct tx_run {
	uint16_t port;               /* VRD_NO_PORT: no run yet */
	uint16_t n;
	uint64_t bytes;
};

static inline void
tx_run_send(const struct fwd_ctx *f, struct tx_run *r, struct rte_mbuf **pkts)
{
	struct rte_eth_dev_tx_buffer *b;
	uint16_t done = 0;

	if (r->n == 0)
		return;
	f->ps[r->port].tx_pkts += r->n;
	f->ps[r->port].tx_bytes += r->bytes;
	b = f->txb[r->port];
	/* As rte_eth_tx_buffer() per packet: a full buffer is sent. */
	while (done < r->n) {
		uint16_t k = RTE_MIN((uint16_t)(r->n - done),
				     (uint16_t)(b->size - b->length));

		memcpy(&b->pkts[b->length], &pkts[done], k * sizeof(pkts[0]));
		b->length += k;
		done += k;
		if (b->length == b->size)
			rte_eth_tx_buffer_flush(r->port, f->qid, b);
	}
	r->n = 0;
	r->bytes = 0;
}

/* Rewrites the Ethernet header with two 8-byte stores, the second
 * overlapping the first's last two bytes: the next hop's MAC, then the
 * port's MAC with the EtherType (vrd_port_fp.eth_src_ip4/6). The run's
 * state is a local of the caller, in registers once this is inlined;
 * its packets are in a separate array, which is not. */
static inline void
send_fast(const struct fwd_ctx *f, struct tx_run *r, struct rte_mbuf **run,
	  const struct vr_nh *nh, struct rte_mbuf *m, uint8_t *eth,
	  uint64_t src_type)
{
	uint16_t out = nh->port;
	uint64_t adj = nh->adj;

	memcpy(eth, &adj, 8);
	memcpy(eth + 6, &src_type, 8);
	if (unlikely(out != r->port)) {
		tx_run_send(f, r, run);
		r->port = out;
	}
	run[r->n++] = m;
	r->bytes += m->pkt_len;
}

/* One looked-up packet of either family (v4 is a constant at each call,
 * so the compiler makes two copies and no packet branches on it). */
static inline void
fwd_pkt(struct burst_ctx *c, const struct fwd_ctx *f, struct tx_run *tr,
	struct rte_mbuf **run, struct rte_mbuf *m, uint32_t g, uint16_t len,
	bool v4)
{
	const struct vr_fib_fp *fib = f->fib;
	uint8_t *eth = rte_pktmbuf_mtod(m, uint8_t *);
	void *ip = eth + RTE_ETHER_HDR_LEN;
	const struct vr_nh *nh;
	uint32_t type;

	if (likely(vr_fib_nhg_paths_n(fib, g) == 1))
		nh = vr_fib_nh_select(fib, g, 0);
	else
		nh = vr_fib_nh_select(fib, g, v4 ? vr_flow_hash4(ip) : vr_flow_hash6(ip));
	if (likely(nh_fast(f, nh, len, &type))) {
		const struct vrd_port_fp *pp = &f->pfp[nh->port];

		if (v4)
			vr_ip4_ttl_dec(ip);
		else
			((struct rte_ipv6_hdr *)ip)->hop_limits--;
		send_fast(f, tr, run, nh, m, eth, v4 ? pp->eth_src_ip4 : pp->eth_src_ip6);
	} else {
		/* What leaves here goes after the run, in order. */
		tx_run_send(f, tr, run);
		route_pkt(c, m, nh, type, v4);
	}
}

/* Out of line (one call per burst) so that a profiler can count what
 * forwarding costs per packet apart from the drivers' receive calls
 * (tests/bench/instr.sh counts it under callgrind). */
static __attribute__((noinline)) void
data_burst(struct burst_ctx *c, struct rte_mbuf **pkts, uint16_t n)
{
	uint32_t ip4[VRD_BURST];
	uint8_t ip6[VRD_BURST][RTE_FIB6_IPV6_ADDR_SIZE];
	uint64_t nhg4[VRD_BURST], nhg6[VRD_BURST];
	/* The packets to look up, in lookup order, with IPv4's lengths. */
	struct rte_mbuf *m4[VRD_BURST], *m6[VRD_BURST];
	uint16_t len4[VRD_BURST];
	/* The port's MAC as the low 48 bits of a little-endian load, so that
	 * a frame's destination is checked with one load and one compare. */
	const uint64_t mac48 = mac_bits(&c->pfp[c->in].mac);
	const struct fwd_ctx f = { .fib = c->fib, .pfp = c->pfp, .ps = c->w->ps,
				   .txb = c->w->txb, .qid = (uint16_t)c->w->id };
	struct rte_mbuf *run[VRD_BURST];
	struct tx_run tr = { .port = VRD_NO_PORT };
	uint16_t n4 = 0, n6 = 0, i;
	uint64_t bytes = 0;

	/* The byte count apart: one accumulator fewer in the loop below,
	 * which has more values live than the registers hold. */
	for (i = 0; i < n; i++)
		bytes += pkts[i]->pkt_len;
	for (i = 0; i < n && i < PREFETCH_AHEAD; i++)
		rte_prefetch0(rte_pktmbuf_mtod(pkts[i], void *));

	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);

		if (i + PREFETCH_AHEAD < n)
			rte_prefetch0(rte_pktmbuf_mtod(pkts[i + PREFETCH_AHEAD],
						       void *));
		/* (Read before data_len is known to hold it: the buffer
		 * does, and the fast tests check data_len.) */
		if (likely(eth->ether_type == RTE_BE16(RTE_ETHER_TYPE_IPV4))) {
			if (likely(ip4_fast(m, eth, mac48, &ip4[n4], &len4[n4]))) {
				m4[n4++] = m;
				continue;
			}
		} else if (eth->ether_type == RTE_BE16(RTE_ETHER_TYPE_IPV6)) {
			if (likely(ip6_fast(m, eth, mac48, ip6[n6]))) {
				m6[n6++] = m;
				continue;
			}
		}
		switch (rx_slow(c, m, mac48, &ip4[n4], &len4[n4], ip6[n6])) {
		case RX_IP4:
			m4[n4++] = m;
			break;
		case RX_IP6:
			m6[n6++] = m;
			break;
		default:
			break;
		}
	}
	c->ps->rx_pkts += n;
	c->ps->rx_bytes += bytes;

	if (n4 > 0)
		vr_fib_lookup4_bulk(f.fib, ip4, nhg4, n4);
	if (n6 > 0)
		vr_fib_lookup6_bulk(f.fib, ip6, nhg6, n6);

	for (i = 0; i < n4; i++)
		fwd_pkt(c, &f, &tr, run, m4[i], (uint32_t)nhg4[i], len4[i], true);
	for (i = 0; i < n6; i++) {
		const struct rte_ipv6_hdr *ip = rte_pktmbuf_mtod_offset(
			m6[i], const struct rte_ipv6_hdr *, RTE_ETHER_HDR_LEN);

		fwd_pkt(c, &f, &tr, run, m6[i], (uint32_t)nhg6[i],
			rte_be_to_cpu_16(ip->payload_len) + sizeof(*ip), false);
	}
	tx_run_send(&f, &tr, run);
}

/* What the kernel sends on a TAP leaves through the port it stands for. */
static void
tap_burst(struct vrd_worker *w, const struct vrd_port_fp *pfp, uint16_t tap,
	  struct rte_mbuf **pkts, uint16_t n)
{
	uint16_t out = pfp[tap].peer;
	struct vrd_port_stats *ts = &w->ps[tap], *os = &w->ps[out];

	for (uint16_t i = 0; i < n; i++) {
		ts->rx_pkts++;
		ts->rx_bytes += pkts[i]->pkt_len;
		os->tx_pkts++;
		os->tx_bytes += pkts[i]->pkt_len;
		rte_eth_tx_buffer(out, w->id, w->txb[out], pkts[i]);
	}
}

static void
idle_sleep(struct vrd_worker *w, unsigned int *sleep_us)
{
	rte_rcu_qsbr_thread_offline(vrd.qsv, w->id);
	rte_delay_us_sleep(*sleep_us);
	rte_rcu_qsbr_thread_online(vrd.qsv, w->id);
	w->ws.sleeps++;
	if (*sleep_us < SLEEP_MAX_US)
		*sleep_us *= 2;
}

int
vrd_worker_main(void *arg)
{
	struct vrd_worker *w = arg;
	struct rte_mbuf *pkts[VRD_BURST];
	struct burst_ctx c = { .w = w, .pfp = vrd.port_fp };
	unsigned int idle = 0, sleep_us = SLEEP_MIN_US;
	const bool busy_poll = vrd.busy_poll;

	/* Short sleeps must be short: the default 50 us slack is not. */
	prctl(PR_SET_TIMERSLACK, 1000UL);
	rte_rcu_qsbr_thread_register(vrd.qsv, w->id);
	rte_rcu_qsbr_thread_online(vrd.qsv, w->id);

	while (!__atomic_load_n(&vrd.stop, __ATOMIC_RELAXED)) {
		const struct vrd_rx_conf *rc =
			__atomic_load_n(&w->conf, __ATOMIC_ACQUIRE);
		unsigned int got = 0;
		/* Start of the handling whose end is the next TSC read, 0 when
		 * none is open. The TSC costs about 30 cycles a read here, so
		 * the reads are shared: the one before a queue's receive call
		 * ends the previous queue's handling. */
		uint64_t t_busy = 0;

		for (uint16_t q = 0; q < rc->n_rxq; q++) {
			const struct vrd_rxq *rq = &rc->rxq[q];
			uint64_t t_rx = rte_rdtsc(), t0;
			uint16_t n;

			if (t_busy != 0) {
				w->ws.busy_cycles += t_rx - t_busy;
				t_busy = 0;
			}
			n = rte_eth_rx_burst(rq->port, rq->queue, pkts, VRD_BURST);
			if (n == 0)
				continue;
			t0 = rte_rdtsc();
			/* The driver's receive work, reported apart: busy
			 * cycles are vrd's own work plus transmit. */
			w->ws.rx_cycles += t0 - t_rx;
			if (rq->is_tap) {
				tap_burst(w, vrd.port_fp, rq->port, pkts, n);
			} else {
				c.in = rq->port;
				c.tap = vrd.port_fp[rq->port].tap;
				/* One FIB per burst: a burst comes from one
				 * port, and a port is in one VRF. */
				c.fib = __atomic_load_n(&vrd.port_fp[rq->port].fib,
							__ATOMIC_ACQUIRE);
				c.ps = &w->ps[rq->port];
				data_burst(&c, pkts, n);
			}
			t_busy = t0;
			w->ws.busy_polls++;
			w->ws.busy_pkts += n;
			got += n;
		}
		/* Once per loop: what all queues produced leaves in as few
		 * bursts as possible. */
		if (got != 0) {
			uint16_t pending = 0;

			/* Full buffers have left already: the flush is timed
			 * only when some buffer holds packets. */
			for (uint16_t t = 0; t < rc->n_tx_ports; t++)
				pending |= w->txb[rc->tx_ports[t]]->length;
			if (pending != 0) {
				if (t_busy == 0)
					t_busy = rte_rdtsc();
				for (uint16_t t = 0; t < rc->n_tx_ports; t++)
					rte_eth_tx_buffer_flush(rc->tx_ports[t], w->id,
								w->txb[rc->tx_ports[t]]);
			}
			if (t_busy != 0)
				w->ws.busy_cycles += rte_rdtsc() - t_busy;
		}
		w->ws.loops++;
		rte_rcu_qsbr_quiescent(vrd.qsv, w->id);
		if (got != 0) {
			idle = 0;
			sleep_us = SLEEP_MIN_US;
		} else if (!busy_poll && ++idle >= IDLE_POLLS) {
			idle_sleep(w, &sleep_us);
		}
	}
	rte_rcu_qsbr_thread_offline(vrd.qsv, w->id);
	rte_rcu_qsbr_thread_unregister(vrd.qsv, w->id);
	return 0;
}
