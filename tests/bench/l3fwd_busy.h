/* SPDX-License-Identifier: BSD-3-Clause
 * Included into the benchmarks' copy of DPDK's l3fwd (bench_lib.sh's
 * L3FWD_SED): its busy cycles counted as vrd counts its own, the TSC
 * around the handling of each non-empty receive burst (lookup, rewrite
 * and the transmits made there), the receive call left out. l3fwd's
 * timed drain of partial bursts (every 100 us) is not in them; at full
 * load its bursts are sent where they are handled. One lcore; printed at
 * exit as "l3fwd busy: CYCLES cycles PACKETS packets", and every 0.3 s
 * as "l3fwd interval: CYCLES cycles PACKETS packets" for that interval
 * (printed outside the timed part), so that a benchmark can sample it as
 * it samples vrd's counters (replay.sh's least-disturbed intervals).
 *
 * A benchmark that also times l3fwd's packet-type callback (replay.sh
 * wraps lpm_cb_parse_ptype: net_pcap gives no packet type, so l3fwd
 * reads each frame's EtherType there, inside the receive call, work
 * vrd does inside its timed part) adds those cycles with
 * vr_ptype_account: "PTYPE ptype" ends each interval line, and "l3fwd
 * ptype: CYCLES cycles" follows the busy line. Elsewhere they stay 0.
 *
 * With VR_L3FWD_WALL defined (replay.sh's untimed build), nothing is
 * timed per burst: vr_timed_send only counts packets, and reads the TSC
 * every 64 bursts to print "l3fwd wall: CYCLES cycles PACKETS packets"
 * every 0.3 s or so, the TSC's whole advance over that stretch, receive
 * calls, callback and all. What it adds to stock l3fwd is an add and a
 * counter test a burst: its rate as shipped, as vrd's stats answers'
 * tsc give vrd's.
 */
#include <signal.h>
#include <stdio.h>
#include <rte_cycles.h>

static uint64_t vr_busy_cycles, vr_busy_pkts;
static uint64_t vr_iv_start, vr_iv_len, vr_iv_pkts;
static __attribute__((unused)) uint64_t vr_iv_cycles;
static __attribute__((unused)) uint64_t vr_ptype_cycles, vr_iv_ptype;

static inline __attribute__((unused)) void
vr_ptype_account(uint64_t cycles)
{
	vr_ptype_cycles += cycles;
	vr_iv_ptype += cycles;
}

#ifdef VR_L3FWD_WALL
static uint64_t vr_wall_bursts;

static inline void
vr_timed_send(int nb_rx, struct rte_mbuf **pkts, uint16_t portid,
	      struct lcore_conf *qconf)
{
	uint64_t t;

	l3fwd_lpm_send_packets(nb_rx, pkts, portid, qconf);
	vr_iv_pkts += (uint64_t)nb_rx;
	vr_busy_pkts += (uint64_t)nb_rx;
	if (likely(++vr_wall_bursts % 64 != 0))
		return;
	t = rte_rdtsc();
	if (vr_iv_start == 0) {
		vr_iv_len = rte_get_tsc_hz() * 3 / 10;
		vr_iv_start = t;
		vr_iv_pkts = 0;
	} else if (t - vr_iv_start >= vr_iv_len) {
		printf("l3fwd wall: %" PRIu64 " cycles %" PRIu64 " packets\n",
		       t - vr_iv_start, vr_iv_pkts);
		fflush(stdout);
		vr_iv_start = t;
		vr_iv_pkts = 0;
	}
}
#else
static inline void
vr_timed_send(int nb_rx, struct rte_mbuf **pkts, uint16_t portid,
	      struct lcore_conf *qconf)
{
	uint64_t t0 = rte_rdtsc(), t1;

	l3fwd_lpm_send_packets(nb_rx, pkts, portid, qconf);
	t1 = rte_rdtsc();
	vr_busy_cycles += t1 - t0;
	vr_busy_pkts += (uint64_t)nb_rx;
	vr_iv_cycles += t1 - t0;
	vr_iv_pkts += (uint64_t)nb_rx;
	if (unlikely(t1 - vr_iv_start >= vr_iv_len)) {
		if (vr_iv_start != 0)
			printf("l3fwd interval: %" PRIu64 " cycles %" PRIu64
			       " packets %" PRIu64 " ptype\n", vr_iv_cycles, vr_iv_pkts,
			       vr_iv_ptype);
		fflush(stdout);
		vr_iv_len = rte_get_tsc_hz() * 3 / 10;
		vr_iv_start = rte_rdtsc();
		vr_iv_cycles = vr_iv_pkts = vr_iv_ptype = 0;
	}
}
#endif

/* The benchmarks stop vrgen (the vhost-user server) first; closing its
 * virtio-user ports then writes to a dead socket, and SIGPIPE would end
 * l3fwd before it prints. vrd ignores SIGPIPE too. */
__attribute__((constructor)) static void
vr_no_sigpipe(void)
{
	signal(SIGPIPE, SIG_IGN);
}

__attribute__((destructor)) static void
vr_busy_print(void)
{
	printf("l3fwd busy: %" PRIu64 " cycles %" PRIu64 " packets\n",
	       vr_busy_cycles, vr_busy_pkts);
	printf("l3fwd ptype: %" PRIu64 " cycles\n", vr_ptype_cycles);
	fflush(stdout);
}
