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
#ifdef RTE_ARCH_X86_64
#include <emmintrin.h>
#endif

#include "vr_pkt.h"
#include "vrd.h"
#include "worker_rx.h"

/* Headers prefetched this many packets ahead (measured against 8 and
 * against the whole burst at once: 4 costs the fewest cycles on
 * virtio-user, where another core wrote the data; in session 8 the
 * whole burst at once took about 3 cycles off replay.sh, whose data the
 * same core has just written, and added about 8 in forward.sh). */
#define PREFETCH_AHEAD 4
/* Where a received frame most likely starts, for a prefetch: drivers
 * receive at the buffer's headroom (virtio, net_pcap, af_packet, ring,
 * tap). One load fewer than rte_pktmbuf_mtod(), which reads data_off;
 * a driver that receives elsewhere only makes the hint useless. */
static inline const void *
pkt_head_guess(const struct rte_mbuf *m)
{
	return (const char *)m->buf_addr + RTE_PKTMBUF_HEADROOM;
}

/* Whether the frame's EtherType is type, compared in memory: read into
 * a register once for both tests, it cost a load, a compare and a branch
 * where a compare with the memory and a branch do. */
#ifdef RTE_ARCH_X86_64
#define eth_type_is(eth, type) ({ \
	bool eq_; \
	asm("cmpw %[t], %[e]" : "=@cce"(eq_) \
	    : [e] "m"((eth)->ether_type), [t] "i"(RTE_BE16(type))); \
	eq_; })
#else
#define eth_type_is(eth, type) ((eth)->ether_type == RTE_BE16(type))
#endif

/* Empty polls before the first sleep, and the sleep's bounds in us. */
#define IDLE_POLLS 256
#define SLEEP_MIN_US 5
#define SLEEP_MAX_US 500

/* A forwarded packet's rewrite: TTL or hop limit down by one (IPv4's
 * checksum with it, vr_ip4_ttl_dec), and the Ethernet header from the
 * next hop: adj (the next hop's MAC) at byte 0, then the source word
 * (the port's MAC and the EtherType) over adj's last two bytes. IPv4's two words are adjacent in struct vr_nh:
 * one aligned 16-byte load reads both, each 8-byte half as one access
 * (as each word is written whole), and its halves are stored: three
 * instructions where two loads and two stores took four. */
static __rte_always_inline void
fwd_rewrite(uint8_t *eth, const struct vr_nh *nh, bool v4)
{
	uint64_t adj, src_type;

	if (v4)
		vr_ip4_ttl_dec((struct rte_ipv4_hdr *)(eth + RTE_ETHER_HDR_LEN));
	else
		((struct rte_ipv6_hdr *)(eth + RTE_ETHER_HDR_LEN))->hop_limits--;

#ifdef RTE_ARCH_X86_64
	RTE_BUILD_BUG_ON(offsetof(struct vr_nh, eth_src_ip4) != 8 ||
			 sizeof(struct vr_nh) % 16 != 0);
	if (v4) {
		__m128i w;

		/* In asm: GCC turns the intrinsic's load back into two. */
#ifdef __AVX__
		asm("vmovdqa %1, %0" : "=x"(w) : "m"(*(const __m128i *)(const void *)nh));
#else
		asm("movdqa %1, %0" : "=x"(w) : "m"(*(const __m128i *)(const void *)nh));
#endif

		_mm_storel_epi64((__m128i *)(void *)eth, w);
		_mm_storeh_pd((double *)(void *)(eth + 6), _mm_castsi128_pd(w));
		return;
	}
#endif
	adj = nh->adj;
	src_type = v4 ? nh->eth_src_ip4 : nh->eth_src_ip6;
	memcpy(eth, &adj, 8);
	memcpy(eth + 6, &src_type, 8);
}

/* Forwards one packet that the forwarding loop's test sent here but
 * that fits its next hop after all (route_pkt): the fast path's rewrite,
 * through the port's tx buffer. */
static void
fwd_one(struct burst_ctx *c, struct rte_mbuf *m, const struct vr_nh *nh, bool v4)
{
	uint8_t *eth = rte_pktmbuf_mtod(m, uint8_t *);
	uint16_t out = nh->port;

	fwd_rewrite(eth, nh, v4);
	c->w->ps[out].tx_pkts++;
	c->w->ps[out].tx_bytes += m->pkt_len;
	rte_eth_tx_buffer(out, c->w->id, c->w->txb[out], m);
}

/* Everything but the fast path: a packet whose frame is longer than its
 * next hop's fwd_frame_max as the forwarding loop read it. IP checks are
 * done; TTL is > 1. Judged on a fresh read of fwd_frame_max: not 0, the
 * next hop forwards, and the packet's IP length says whether it fits
 * the MTU (it may, when the frame has bytes after the IP packet, or when
 * the MTU grew since the loop's read); 0, the type says what to do. */
static inline void
route_pkt(struct burst_ctx *c, struct rte_mbuf *m, const struct vr_nh *nh, bool v4)
{
	uint32_t max = __atomic_load_n(&nh->fwd_frame_max, __ATOMIC_ACQUIRE);
	uint8_t *l3 = rte_pktmbuf_mtod_offset(m, uint8_t *, RTE_ETHER_HDR_LEN);
	uint32_t l3_len;

	if (max != 0) {
		/* The receive checks made sure the frame holds these. */
		if (v4)
			l3_len = vr_be16_to_cpu(((const struct rte_ipv4_hdr *)l3)->total_length);
		else
			l3_len = vr_be16_to_cpu(((const struct rte_ipv6_hdr *)l3)->payload_len) +
				 sizeof(struct rte_ipv6_hdr);
		if (l3_len + RTE_ETHER_HDR_LEN <= max)
			fwd_one(c, m, nh, v4);
		else
			vrd_mtu_exceeded(c->w, c->in, nh, m, v4);
		return;
	}
	switch (__atomic_load_n(&nh->type, __ATOMIC_ACQUIRE)) {
	case VR_NH_FORWARD:
		/* Resolved after the fresh read (or through a port the FIB
		 * was not told of): the kernel forwards this one. */
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
		/* No route, or an IPv4 destination that is not unicast, which
		 * the lookup gives no route and the fast receive checks leave
		 * untested (ip4_fast): the full checks say what it is (they
		 * punt or drop it, frames to the port's MAC being unicast). */
		if (v4 && vr_fib_ip4_unroutable(vr_be32_to_cpu(
				((const struct rte_ipv4_hdr *)l3)->dst_addr)) &&
		    !ip4_accept(c, m, (struct rte_ipv4_hdr *)l3, false))
			return;
		drop(c, m, VRD_DROP_NO_ROUTE);
		return;
	}
}

/* What the forwarding loops keep in registers: the packet's stores
 * (char-typed, so they may alias anything as far as the compiler knows)
 * would otherwise make it reload these from the context per packet. */
struct fwd_ctx {
	const struct vr_fib_fp *fib;
	struct vrd_port_stats *ps;
	struct rte_eth_dev_tx_buffer *const *txb;
	uint16_t qid;
};

/* The forwarding case: a resolved adjacency whose port the frame fits,
 * in one test (struct vr_nh says why fwd_frame_max is 0 otherwise).
 * What the loop then reads of the next hop must come after this read, as
 * after an acquire load. On x86-64 the limit is compared in memory, and
 * the asm's memory clobber keeps the compiler from moving loads above
 * it (x86 keeps loads in order itself); it costs no instruction there,
 * where the loop holds nothing read from memory across it. */
static inline bool
nh_fast(const struct vr_nh *nh, uint32_t frame_len)
{
#ifdef RTE_ARCH_X86_64
	bool over;

	asm("cmpl %[max], %[len]" : "=@cca"(over)
	    : [max] "m"(nh->fwd_frame_max), [len] "r"(frame_len) : "memory");
	return likely(!over);
#else
	return likely(frame_len <= __atomic_load_n(&nh->fwd_frame_max, __ATOMIC_ACQUIRE));
#endif
}

/* Whether the next hop's output port is port. On x86-64 compared in
 * memory: the port is read into a register only when a run ends. */
static inline bool
nh_port_is(const struct vr_nh *nh, uint16_t port)
{
#ifdef RTE_ARCH_X86_64
	bool eq;

	asm("cmpw %[p], %[m]" : "=@cce"(eq) : [m] "m"(nh->port), [p] "r"(port));
	return eq;
#else
	return nh->port == port;
#endif
}

/* A run that does not go to the driver as it is (tx_run_send): into the
 * port's tx buffer, as rte_eth_tx_buffer() per packet, a full buffer
 * sent. Out of line: it is what a run costs when the burst was split
 * (several ports, slow packets), and its loop's registers would
 * otherwise be saved and restored for every run. */
static __attribute__((noinline)) void
tx_run_buffer(const struct fwd_ctx *f, uint16_t port, struct rte_eth_dev_tx_buffer *b,
	      struct rte_mbuf **run, unsigned int n)
{
	unsigned int done = 0;

	while (done < n) {
		unsigned int k = RTE_MIN(n - done, (unsigned int)(b->size - b->length));

		memcpy(&b->pkts[b->length], &run[done], k * sizeof(run[0]));
		b->length += k;
		done += k;
		if (b->length == b->size)
			rte_eth_tx_buffer_flush(port, f->qid, b);
	}
}

/* Forwarded packets leave in runs: consecutive packets of a lookup list
 * to one port go into the port's tx buffer and counters once per run,
 * straight from the list (a run is a slice of it). Doing that per packet
 * chained every packet to the one before through memory (the buffer's
 * length, the counters): a store-to-load forwarding latency per packet,
 * which perf put at the top of the profile of tests/bench/replay.sh. */
static __rte_always_inline void
tx_run_send(const struct fwd_ctx *f, uint16_t port, struct rte_mbuf **run,
	    unsigned int n, uint64_t bytes)   /* n > 0: runs are never empty */
{
	struct rte_eth_dev_tx_buffer *b = f->txb[port];

	f->ps[port].tx_pkts += n;
	f->ps[port].tx_bytes += bytes;
	/* A run as long as the buffer, with nothing buffered before it,
	 * goes to the driver as it is (as l3fwd's send_packetsx4 does): the
	 * buffer would be filled only to be sent at once. What the driver
	 * refuses goes where a flush sends it (the buffer's callback). */
	if (likely(n >= b->size && b->length == 0)) {
		uint16_t sent = rte_eth_tx_burst(port, f->qid, run, (uint16_t)n);

		if (unlikely(sent < n))
			b->error_callback(&run[sent], (uint16_t)(n - sent),
					  b->error_userdata);
		return;
	}
	tx_run_buffer(f, port, b, run, n);
}

/* A family's packets to look up, in lookup order, and what the lookup
 * found for each. One struct, so that the forwarding loop indexes both
 * from one base register. */
struct lookup_list {
	struct rte_mbuf *m[VRD_BURST];
	/* Each packet's frame (rte_pktmbuf_mtod), as the receive loop had
	 * it: the forwarding loop reads it here rather than through the
	 * mbuf (data_off, buf_addr), a chain of loads less per packet for
	 * one store more (replay.sh: about 0.5 cycles a packet less). */
	uint8_t *eth[VRD_BURST];
	union {                      /* as the family's lookup gives them */
		uintptr_t route4[VRD_BURST];  /* vr_fib_lookup4_route_bulk */
		uint64_t nhg6[VRD_BURST];
	};
};

/* A multipath group's member for the packet's flow. Out of line: its
 * hash would otherwise keep the IP header's address in a register of
 * the forwarding loop. */
static __attribute__((noinline)) const struct vr_nh *
fwd_nh_multi(const struct vr_fib_fp *fib, uint32_t g, const uint8_t *eth, bool v4)
{
	const void *ip = eth + RTE_ETHER_HDR_LEN;

	return vr_fib_nh_select(fib, g, v4 ? vr_flow_hash4(ip) : vr_flow_hash6(ip));
}

/* The next hop of a looked-up packet. x is the lookup's answer: an
 * IPv4 route (vr_fib_route_of: a multipath group's member is chosen
 * only once the forwarding loop's test has sent it aside,
 * fwd_nh_member), an IPv6 group id. */
static __rte_always_inline const struct vr_nh *
fwd_nh(const struct vr_fib_fp *fib, uintptr_t nh_single, uint8_t *eth,
       uint64_t x, bool v4)
{
	if (v4)
		return (const struct vr_nh *)x;
	/* vr_fib_nh_single, from the loop's copy of nh_single */
	if (likely(vr_fib_nhg_is_single(x)))
		return (const struct vr_nh *)(nh_single + x * sizeof(struct vr_nh));
	return fwd_nh_multi(fib, (uint32_t)x, eth, v4);
}

/* An IPv4 route's next hop that the forwarding loop's test sent aside:
 * a multipath group's member for the packet's flow, or nh itself. */
static inline const struct vr_nh *
fwd_nh_member(const struct vr_fib_fp *fib, const struct vr_nh *nh, uint8_t *eth)
{
	if (vr_fib_nh_is_group(nh))
		return fwd_nh_multi(fib, vr_fib_nh_group(nh), eth, true);
	return nh;
}

/* What the forwarding loop leaves for after it, in packet order: a run
 * of packets to one port, or one packet for route_pkt with its next hop. */
struct fwd_event {
	uint16_t port;               /* a run's; VRD_NO_PORT: route_pkt */
	uint16_t first;              /* the run's first packet, or the packet */
	uint16_t n;                  /* the run's packets */
	union {
		uint64_t bytes;      /* the run's */
		const struct vr_nh *nh;  /* route_pkt's */
	};
};

/* Records the run l->m[first, end) to port, when it holds packets. */
static __rte_always_inline void
fwd_run_close(struct fwd_event *ev, size_t *nev, uint16_t port, size_t first,
	      size_t end, uint64_t bytes)
{
	if (end > first)
		ev[(*nev)++] = (struct fwd_event){ .port = port, .first = first,
						   .n = end - first, .bytes = bytes };
}

/* Forwards a looked-up list of one family (v4 is a constant at each
 * call, so the compiler makes two copies and no packet branches on it).
 * The fast path: one path, a resolved adjacency whose port's MTU the
 * packet fits; TTL or hop limit down by one and the Ethernet header
 * rewritten with two 8-byte stores, the second overlapping the first's
 * last two bytes: the next hop's MAC, then the port's MAC with the
 * EtherType (vr_nh.eth_src_ip4/6).
 *
 * The loop makes no calls: it records runs and slow packets as events,
 * and a second loop sends the runs and hands the slow packets to
 * route_pkt, in packet order. With the calls in it, every value the loop
 * carries had to survive them, there are more of those than callee-saved
 * registers, and GCC kept them on the stack, reloaded per packet. */
static __rte_always_inline uint64_t
fwd_list(struct burst_ctx *c, const struct fwd_ctx *f, struct lookup_list *l,
	 size_t n, bool v4)
{
	/* At most a run and a slow packet per packet, and the last run. */
	struct fwd_event ev[2 * VRD_BURST + 1];
	const struct vr_fib_fp *fib = f->fib;
	/* A local: the packet's stores are char-typed and may alias anything
	 * as far as the compiler knows, which would reload it per packet. */
	const uintptr_t nh_single = fib->nh_single;
	uint16_t port = VRD_NO_PORT;    /* the open run's */
	size_t first = 0, nev = 0, i, e;  /* the open run: l->m[first, i) */
	uint64_t bytes = 0;             /* the open run's */
	uint64_t all_bytes = 0;         /* the list's, returned */
	/* The loop counts k from -n up to 0 (i = n + k): the increment's
	 * flags end it, with no compare. */
	struct rte_mbuf *const *m_end = l->m + n;
	uint8_t *const *eth_end = l->eth + n;
	const uint64_t *x_end = (v4 ? (const uint64_t *)l->route4 : l->nhg6) + n;
	ptrdiff_t k;

	asm("" : "+r"(m_end), "+r"(x_end), "+r"(eth_end));
	for (k = -(ptrdiff_t)n; k != 0; k++) {
		struct rte_mbuf *m;
		uint8_t *eth;
		const struct vr_nh *nh;
		uint32_t len;

		/* (GCC would count i up again and compare it with n.) */
		asm("" : "+r"(k));
		m = m_end[k];
		eth = eth_end[k];
		len = m->pkt_len;

		nh = fwd_nh(fib, nh_single, eth, x_end[k], v4);
		/* IPv4: a multipath group's member, when it fits, goes on. */
		if (unlikely(!nh_fast(nh, len)) &&
		    (!v4 || (nh = fwd_nh_member(fib, nh, eth), !nh_fast(nh, len)))) {
			i = n + k;
			/* What leaves through route_pkt goes after the run. */
			fwd_run_close(ev, &nev, port, first, i, bytes);
			ev[nev++] = (struct fwd_event){ .port = VRD_NO_PORT, .first = i,
							.nh = nh };
			all_bytes += len;
			first = i + 1;
			bytes = 0;
			continue;
		}
		fwd_rewrite(eth, nh, v4);
		if (unlikely(!nh_port_is(nh, port))) {
			i = n + k;
			fwd_run_close(ev, &nev, port, first, i, bytes);
			port = nh->port;
			first = i;
			bytes = 0;
		}
		bytes += len;
	}
	/* The usual list: nothing recorded, one run of all n packets. */
	if (likely(nev == 0)) {
		tx_run_send(f, port, l->m, n, bytes);
		return bytes;
	}
	fwd_run_close(ev, &nev, port, first, n, bytes);
	for (e = 0; e < nev; e++) {
		if (ev[e].port != VRD_NO_PORT) {
			all_bytes += ev[e].bytes;
			tx_run_send(f, ev[e].port, &l->m[ev[e].first], ev[e].n, ev[e].bytes);
		} else {
			route_pkt(c, l->m[ev[e].first], ev[e].nh, v4);
		}
	}
	return all_bytes;
}

/* Out of line (one call per burst) so that a profiler can count what
 * forwarding costs per packet apart from the drivers' receive calls
 * (tests/bench/instr.sh counts it under callgrind). pkts holds n packets
 * and then PREFETCH_AHEAD more pointers to any of them, so that the loop
 * prefetches without testing whether there is a packet to prefetch. */
static __attribute__((noinline)) void
data_burst(struct burst_ctx *c, struct rte_mbuf **pkts, uint16_t n)
{
	uint32_t ip4[VRD_BURST];
	uint8_t ip6[VRD_BURST][RTE_FIB6_IPV6_ADDR_SIZE];
	/* The packets to look up, in lookup order. */
	struct lookup_list l4, l6;
	/* The port's MAC as the low 48 bits of a little-endian load, so that
	 * a frame's destination is checked with one load and one compare
	 * (IPv6 and rx_slow); IPv4's test takes it with the EtherType (l2). */
	const uint64_t mac48 = mac_bits(&c->pfp[c->in].mac);
	const struct l2_ip4 l2 = l2_ip4_want(mac48);
	const struct fwd_ctx f = { .fib = c->fib, .ps = c->w->ps,
				   .txb = c->w->txb, .qid = (uint16_t)c->w->id };
	size_t n4 = 0, n6 = 0, i;
	/* The burst's bytes, summed where lengths are read anyway: by
	 * fwd_list for what it is given (its runs need them), here for
	 * what rx_slow drops or punts. A sum in the receive loop cost two
	 * instructions a packet. */
	uint64_t bytes = 0;

	for (i = 0; i < PREFETCH_AHEAD; i++)
		rte_prefetch0(pkt_head_guess(pkts[i]));

	/* The slow packets wait in a list until the fast loop is done:
	 * with rx_slow's call in the loop, GCC kept the loop's values on
	 * the stack (as in fwd_list). rx_slow's packets are dropped or
	 * punted: every one it would pass to a lookup (the same tests, one
	 * at a time) has passed ip4_fast or ip6_fast before it, so no
	 * lookup list changes order. */
	{
		/* k from -n up to 0, as in fwd_list. */
		struct rte_mbuf **end = pkts + n;
		struct rte_mbuf *slow[VRD_BURST];
		unsigned int ns = 0;
		ptrdiff_t k;

		for (k = -(ptrdiff_t)n; k != 0; k++) {
			struct rte_mbuf *m;
			struct rte_ether_hdr *eth;

			asm("" : "+r"(k));
			m = end[k];
			eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
			rte_prefetch0(pkt_head_guess(end[k + PREFETCH_AHEAD]));
			/* (Read before data_len is known to hold it: the
			 * buffer does, and the fast tests check data_len.)
			 * IPv4 to another MAC is not IPv6 either: rx_slow. */
			if (likely(l2_ip4_to_port(eth, &l2))) {
				if (likely(ip4_fast(m, eth, &ip4[n4]))) {
					l4.eth[n4] = (uint8_t *)eth;
					l4.m[n4++] = m;
					continue;
				}
			} else if (eth_type_is(eth, RTE_ETHER_TYPE_IPV6)) {
				if (likely(ip6_fast(m, eth, mac48, ip6[n6]))) {
					l6.eth[n6] = (uint8_t *)eth;
					l6.m[n6++] = m;
					continue;
				}
			}
			slow[ns++] = m;
		}
		for (i = 0; i < ns; i++) {
			uint32_t len = slow[i]->pkt_len;   /* rx_slow may free it */

			switch (rx_slow(c, slow[i], mac48, &ip4[n4], ip6[n6])) {
			case RX_IP4:
				l4.eth[n4] = rte_pktmbuf_mtod(slow[i], uint8_t *);
				l4.m[n4++] = slow[i];
				break;
			case RX_IP6:
				l6.eth[n6] = rte_pktmbuf_mtod(slow[i], uint8_t *);
				l6.m[n6++] = slow[i];
				break;
			default:
				bytes += len;
				break;
			}
		}
	}
	c->ps->rx_pkts += n;

	if (n4 > 0)
		vr_fib_lookup4_route_bulk(f.fib, ip4, l4.route4, n4);
	if (n6 > 0)
		vr_fib_lookup6_bulk(f.fib, ip6, l6.nhg6, n6);
	if (n4 > 0)
		bytes += fwd_list(c, &f, &l4, n4, true);
	if (n6 > 0)
		bytes += fwd_list(c, &f, &l6, n6, false);
	c->ps->rx_bytes += bytes;
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
	/* PREFETCH_AHEAD more for data_burst's padding */
	struct rte_mbuf *pkts[VRD_BURST + PREFETCH_AHEAD];
	struct burst_ctx c = { .w = w, .pfp = vrd.port_fp };
	unsigned int idle = 0, sleep_us = SLEEP_MIN_US;
	const bool busy_poll = vrd.busy_poll;
	/* The TSC when the last handling ended, 0 after a loop that received
	 * nothing. A read costs about 23 cycles here: the TSC is read twice
	 * for each receive that returns packets and never for one that does
	 * not. (A worker polls its ports' TAPs and mostly idle ports every
	 * loop: with two ports, their TAPs and a read before every poll,
	 * three reads a loop more, a cycle a packet in 64-packet bursts.) */
	uint64_t t_end = 0;

	/* Short sleeps must be short: the default 50 us slack is not. */
	prctl(PR_SET_TIMERSLACK, 1000UL);
	rte_rcu_qsbr_thread_register(vrd.qsv, w->id);
	rte_rcu_qsbr_thread_online(vrd.qsv, w->id);

	while (!__atomic_load_n(&vrd.stop, __ATOMIC_RELAXED)) {
		const struct vrd_rx_conf *rc =
			__atomic_load_n(&w->conf, __ATOMIC_ACQUIRE);
		unsigned int got = 0;

		for (uint16_t q = 0; q < rc->n_rxq; q++) {
			const struct vrd_rxq *rq = &rc->rxq[q];
			uint64_t t0;
			uint16_t n;

			n = rte_eth_rx_burst(rq->port, rq->queue, pkts, VRD_BURST);
			if (n == 0)
				continue;
			t0 = rte_rdtsc();
			/* Receive work since the last handling ended: this
			 * call and the empty ones before it in this loop or
			 * the last (the driver's, reported apart: busy cycles
			 * are vrd's own work plus transmit). */
			if (t_end != 0) {
				w->ws.rx_cycles += t0 - t_end;
				w->ws.rx_timed_pkts += n;
			}
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
				for (uint16_t k = 0; k < PREFETCH_AHEAD; k++)
					pkts[n + k] = pkts[n - 1];
				data_burst(&c, pkts, n);
			}
			t_end = rte_rdtsc();
			w->ws.busy_cycles += t_end - t0;
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
				uint64_t t_flush = rte_rdtsc();

				for (uint16_t t = 0; t < rc->n_tx_ports; t++)
					rte_eth_tx_buffer_flush(rc->tx_ports[t], w->id,
								w->txb[rc->tx_ports[t]]);
				t_end = rte_rdtsc();
				w->ws.busy_cycles += t_end - t_flush;
			}
		} else {
			/* The next receive's time would hold the empty
			 * loop's polls: idle time, not receive work. */
			t_end = 0;
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
