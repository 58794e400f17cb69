/* SPDX-License-Identifier: BSD-3-Clause
 * Counters: summed over workers by the control thread (or the telemetry
 * thread), minus the baseline that `stats clear` took. Workers' counters
 * are plain 64-bit words written by their owner only; reading them from
 * another thread sees a recent value, never a torn one, on x86-64. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <rte_telemetry.h>

#include "vrd.h"

#define X_NAME(id, name) name,
const char *const vrd_drop_names[VRD_DROP_MAX] = { VRD_DROP_REASONS(X_NAME) };
const char *const vrd_punt_names[VRD_PUNT_MAX] = { VRD_PUNT_REASONS(X_NAME) };
#undef X_NAME

/* Adds one port's counters into a total. */
static void
port_add_into(struct vrd_port_stats *tot, const struct vrd_port_stats *s)
{
	tot->rx_pkts += s->rx_pkts;
	tot->rx_bytes += s->rx_bytes;
	tot->tx_pkts += s->tx_pkts;
	tot->tx_bytes += s->tx_bytes;
	tot->fragmented += s->fragmented;
	tot->tx_retried += s->tx_retried;
	for (int i = 0; i < VRD_DROP_MAX; i++)
		tot->drops[i] += s->drops[i];
	for (int i = 0; i < VRD_PUNT_MAX; i++)
		tot->punts[i] += s->punts[i];
}

static void
port_raw(uint16_t port, struct vrd_port_stats *o)
{
	memset(o, 0, sizeof(*o));
	for (unsigned int w = 0; w < vrd.n_workers; w++)
		port_add_into(o, &vrd.workers[w]->ps[port]);
}

void
vrd_stats_sum_port(uint16_t port, struct vrd_port_stats *o)
{
	const struct vrd_port_stats *b = &vrd.base.ps[port];

	port_raw(port, o);
	o->rx_pkts -= b->rx_pkts;
	o->rx_bytes -= b->rx_bytes;
	o->tx_pkts -= b->tx_pkts;
	o->tx_bytes -= b->tx_bytes;
	for (int i = 0; i < VRD_DROP_MAX; i++)
		o->drops[i] -= b->drops[i];
	for (int i = 0; i < VRD_PUNT_MAX; i++)
		o->punts[i] -= b->punts[i];
	o->fragmented -= b->fragmented;
	o->tx_retried -= b->tx_retried;
}

void
vrd_stats_sum_worker(unsigned int w, struct vrd_worker_stats *o)
{
	const struct vrd_worker_stats *s = &vrd.workers[w]->ws, *b = &vrd.base.ws[w];

	o->loops = s->loops - b->loops;
	o->busy_polls = s->busy_polls - b->busy_polls;
	o->busy_pkts = s->busy_pkts - b->busy_pkts;
	o->busy_cycles = s->busy_cycles - b->busy_cycles;
	o->rx_cycles = s->rx_cycles - b->rx_cycles;
	o->rx_timed_pkts = s->rx_timed_pkts - b->rx_timed_pkts;
	o->sleeps = s->sleeps - b->sleeps;
}

void
vrd_stats_clear(void)
{
	for (uint16_t p = 0; p < RTE_MAX_ETHPORTS; p++)
		port_raw(p, &vrd.base.ps[p]);
	for (unsigned int w = 0; w < vrd.n_workers; w++)
		vrd.base.ws[w] = vrd.workers[w]->ws;
}

/* The slice's totals, for vrctl and telemetry alike: the data ports'
 * counters, plus the drops of their TAPs (punts the TAP refused). */
typedef void (*port_stats_fn)(const struct vrd_port *vp,
			      const struct vrd_port_stats *port,
			      const struct vrd_port_stats *tap, void *arg);

/* Calls fn with each port's counters and its TAP's. */
static void
ports_foreach(port_stats_fn fn, void *arg)
{
	for (uint16_t p = 0; p < RTE_MAX_ETHPORTS; p++) {
		struct vrd_port *vp = vrd_port_by_id(p);
		struct vrd_port_stats s, t;

		if (vp == NULL)
			continue;
		vrd_stats_sum_port(vp->port_id, &s);
		vrd_stats_sum_port(vp->tap_id, &t);
		fn(vp, &s, &t, arg);
	}
}

static void
total_add(const struct vrd_port *vp, const struct vrd_port_stats *s,
	  const struct vrd_port_stats *t, void *arg)
{
	struct vrd_port_stats *tot = arg;

	port_add_into(tot, s);
	for (int i = 0; i < VRD_DROP_MAX; i++)
		tot->drops[i] += t->drops[i];
}

static void
stats_totals(struct vrd_port_stats *tot, struct vrd_worker_stats *wt)
{
	memset(tot, 0, sizeof(*tot));
	memset(wt, 0, sizeof(*wt));
	ports_foreach(total_add, tot);
	for (unsigned int w = 0; w < vrd.n_workers; w++) {
		struct vrd_worker_stats s;

		vrd_stats_sum_worker(w, &s);
		wt->busy_cycles += s.busy_cycles;
		wt->busy_pkts += s.busy_pkts;
		wt->rx_cycles += s.rx_cycles;
		wt->rx_timed_pkts += s.rx_timed_pkts;
	}
}

static json_t *
reasons_json(const uint64_t *v, const char *const *names, int n)
{
	json_t *o = json_object();

	for (int i = 0; i < n; i++)
		json_object_set_new(o, names[i], json_integer((json_int_t)v[i]));
	return o;
}

static uint64_t
sum(const uint64_t *v, int n)
{
	uint64_t t = 0;

	for (int i = 0; i < n; i++)
		t += v[i];
	return t;
}

static double
per_pkt(uint64_t cycles, uint64_t pkts)
{
	return pkts ? (double)cycles / (double)pkts : 0.0;
}

void
vrd_stats_print_summary(FILE *f)
{
	struct vrd_port_stats tot;
	struct vrd_worker_stats wt;

	stats_totals(&tot, &wt);
	fprintf(f, "vrd: received %" PRIu64 ", sent %" PRIu64 ", dropped %"
		PRIu64 ", punted %" PRIu64 ", %.1f busy cycles/packet\n",
		tot.rx_pkts, tot.tx_pkts, sum(tot.drops, VRD_DROP_MAX),
		sum(tot.punts, VRD_PUNT_MAX), per_pkt(wt.busy_cycles, wt.busy_pkts));
}

/* The whole picture as JSON; the text form is rendered from it. */
static void
port_json(const struct vrd_port *vp, const struct vrd_port_stats *sp,
	  const struct vrd_port_stats *tp, void *arg)
{
	json_array_append_new(arg, json_pack(
		"{s:s,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:o,s:o,s:{s:I,s:I,s:I}}",
		"name", vp->name,
		"fragmented", (json_int_t)sp->fragmented,
		"rx_packets", (json_int_t)sp->rx_pkts,
		"rx_bytes", (json_int_t)sp->rx_bytes,
		"tx_packets", (json_int_t)sp->tx_pkts,
		"tx_bytes", (json_int_t)sp->tx_bytes,
		"tx_retried", (json_int_t)sp->tx_retried,
		"drops_total", (json_int_t)sum(sp->drops, VRD_DROP_MAX),
		"drops", reasons_json(sp->drops, vrd_drop_names, VRD_DROP_MAX),
		"punts", reasons_json(sp->punts, vrd_punt_names, VRD_PUNT_MAX),
		"exception",
		"to_kernel", (json_int_t)tp->tx_pkts,
		"from_kernel", (json_int_t)tp->rx_pkts,
		"to_kernel_dropped", (json_int_t)tp->drops[VRD_DROP_TX_FULL]));
}

/* Every VRF's FIB together. */
static void
fib_totals(struct vr_fib_mem *t)
{
	memset(t, 0, sizeof(*t));
	for (unsigned int i = 0; i < VRD_MAX_VRFS; i++) {
		struct vr_fib_mem m;

		if (!vrd.vrfs[i].used)
			continue;
		vr_fib_mem(vrd.vrfs[i].fib, &m);
		t->v4_bytes += m.v4_bytes;
		t->v6_bytes += m.v6_bytes;
		t->nh_bytes += m.nh_bytes;
		t->v4_tbl8 += m.v4_tbl8;
		t->v6_tbl8 += m.v6_tbl8;
		t->v4_max_routes += m.v4_max_routes;
		t->v6_max_routes += m.v6_max_routes;
		t->v4_rebuilds += m.v4_rebuilds;
		t->v4_lookup_rte_fib += m.v4_lookup_rte_fib;
		t->v6_rebuilds += m.v6_rebuilds;
	}
}

static json_t *
stats_json(void)
{
	struct vrd_port_stats tot;
	struct vrd_worker_stats wt;
	struct vr_fib_mem fm;
	json_t *ports = json_array(), *workers = json_array();

	uint64_t tsc;

	ports_foreach(port_json, ports);
	/* the workers' counters are read next, within microseconds */
	tsc = rte_rdtsc();
	for (unsigned int w = 0; w < vrd.n_workers; w++) {
		struct vrd_worker_stats s;

		vrd_stats_sum_worker(w, &s);
		json_array_append_new(workers, json_pack(
			"{s:i,s:i,s:I,s:I,s:I,s:I,s:I,s:I,s:f,s:f}",
			"id", w, "lcore", vrd.workers[w]->lcore,
			"loops", (json_int_t)s.loops,
			"busy_polls", (json_int_t)s.busy_polls,
			"busy_packets", (json_int_t)s.busy_pkts,
			"busy_cycles", (json_int_t)s.busy_cycles,
			"rx_cycles", (json_int_t)s.rx_cycles,
			"sleeps", (json_int_t)s.sleeps,
			"cycles_per_packet", per_pkt(s.busy_cycles, s.busy_pkts),
			"rx_cycles_per_packet", per_pkt(s.rx_cycles, s.rx_timed_pkts)));
	}
	stats_totals(&tot, &wt);
	fib_totals(&fm);
	return json_pack("{s:o,s:o,s:{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I},"
			 "s:{s:I,s:I,s:I,s:I,s:I,s:I,s:o,s:I,s:o,s:f,s:I,s:I}}",
		"ports", ports, "workers", workers,
		"fib",
		"ipv4_routes", (json_int_t)vrd_vrfs_route_count(AF_INET),
		"ipv6_routes", (json_int_t)vrd_vrfs_route_count(AF_INET6),
		"ipv4_tbl8_groups", (json_int_t)fm.v4_tbl8,
		"ipv6_tbl8_groups", (json_int_t)fm.v6_tbl8,
		"ipv4_route_capacity", (json_int_t)fm.v4_max_routes,
		"ipv6_route_capacity", (json_int_t)fm.v6_max_routes,
		"ipv4_rebuilds", (json_int_t)fm.v4_rebuilds,
		"ipv6_rebuilds", (json_int_t)fm.v6_rebuilds,
		"ipv4_bytes", (json_int_t)fm.v4_bytes,
		"ipv6_bytes", (json_int_t)fm.v6_bytes,
		"nexthop_bytes", (json_int_t)fm.nh_bytes,
		/* VRFs whose IPv4 lookup is rte_fib_lookup_bulk (vr_fib_mem) */
		"ipv4_lookup_rte_fib_vrfs", (json_int_t)fm.v4_lookup_rte_fib,
		"totals",
		"rx_packets", (json_int_t)tot.rx_pkts,
		"rx_bytes", (json_int_t)tot.rx_bytes,
		"tx_packets", (json_int_t)tot.tx_pkts,
		"tx_bytes", (json_int_t)tot.tx_bytes,
		"tx_retried", (json_int_t)tot.tx_retried,
		"drops_total", (json_int_t)sum(tot.drops, VRD_DROP_MAX),
		"drops", reasons_json(tot.drops, vrd_drop_names, VRD_DROP_MAX),
		"punts_total", (json_int_t)sum(tot.punts, VRD_PUNT_MAX),
		"punts", reasons_json(tot.punts, vrd_punt_names, VRD_PUNT_MAX),
		"cycles_per_packet", per_pkt(wt.busy_cycles, wt.busy_pkts),
		"tsc_hz", (json_int_t)rte_get_tsc_hz(),
		/* When the counters were read, so that a client's rate is
		 * exact: packets between two answers over their tsc's
		 * difference, not over its own clock's time between requests
		 * (replay.sh's wall cycles per packet). */
		"tsc", (json_int_t)tsc);
}

static void
reasons_text(FILE *f, const char *title, json_t *o)
{
	const char *k;
	json_t *v;
	bool any = false;

	json_object_foreach(o, k, v) {
		if (json_integer_value(v) == 0)
			continue;
		fprintf(f, "%s %s=%lld", any ? "" : title, k,
			json_integer_value(v));
		any = true;
	}
	if (any)
		fputc('\n', f);
}

void
vrd_stats_show(struct vr_reply *r)
{
	json_t *j = stats_json(), *p, *t;
	size_t i;

	if (r->json) {
		vr_reply_json(r, j);
		return;
	}
	json_array_foreach(json_object_get(j, "ports"), i, p) {
		json_t *e = json_object_get(p, "exception");
		fprintf(r->out, "%s: rx %lld pkts %lld bytes, tx %lld pkts %lld "
			"bytes, drops %lld; to kernel %lld, from kernel %lld\n",
			json_string_value(json_object_get(p, "name")),
			json_integer_value(json_object_get(p, "rx_packets")),
			json_integer_value(json_object_get(p, "rx_bytes")),
			json_integer_value(json_object_get(p, "tx_packets")),
			json_integer_value(json_object_get(p, "tx_bytes")),
			json_integer_value(json_object_get(p, "drops_total")),
			json_integer_value(json_object_get(e, "to_kernel")),
			json_integer_value(json_object_get(e, "from_kernel")));
		reasons_text(r->out, "  drops:", json_object_get(p, "drops"));
		reasons_text(r->out, "  punts:", json_object_get(p, "punts"));
	}
	json_array_foreach(json_object_get(j, "workers"), i, p)
		fprintf(r->out, "worker %lld (lcore %lld): %lld busy polls, %lld "
			"pkts, %.1f cycles/pkt, %lld sleeps\n",
			json_integer_value(json_object_get(p, "id")),
			json_integer_value(json_object_get(p, "lcore")),
			json_integer_value(json_object_get(p, "busy_polls")),
			json_integer_value(json_object_get(p, "busy_packets")),
			json_real_value(json_object_get(p, "cycles_per_packet")),
			json_integer_value(json_object_get(p, "sleeps")));
	t = json_object_get(j, "totals");
	fprintf(r->out, "total: rx %lld, tx %lld, drops %lld, punts %lld, "
		"%.1f cycles/pkt\n",
		json_integer_value(json_object_get(t, "rx_packets")),
		json_integer_value(json_object_get(t, "tx_packets")),
		json_integer_value(json_object_get(t, "drops_total")),
		json_integer_value(json_object_get(t, "punts_total")),
		json_real_value(json_object_get(t, "cycles_per_packet")));
	reasons_text(r->out, "  drops:", json_object_get(t, "drops"));
	reasons_text(r->out, "  punts:", json_object_get(t, "punts"));
	json_decref(j);
}

/* DPDK telemetry: /vrd/stats gives the totals and per-port counters. */
static int
telemetry_stats(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct vrd_port_stats tot;
	struct vrd_worker_stats wt;

	stats_totals(&tot, &wt);
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "rx_packets", tot.rx_pkts);
	rte_tel_data_add_dict_u64(d, "rx_bytes", tot.rx_bytes);
	rte_tel_data_add_dict_u64(d, "tx_packets", tot.tx_pkts);
	rte_tel_data_add_dict_u64(d, "tx_bytes", tot.tx_bytes);
	for (int i = 0; i < VRD_DROP_MAX; i++) {
		char k[64];
		snprintf(k, sizeof(k), "drop_%s", vrd_drop_names[i]);
		rte_tel_data_add_dict_u64(d, k, tot.drops[i]);
	}
	for (int i = 0; i < VRD_PUNT_MAX; i++) {
		char k[64];
		snprintf(k, sizeof(k), "punt_%s", vrd_punt_names[i]);
		rte_tel_data_add_dict_u64(d, k, tot.punts[i]);
	}
	rte_tel_data_add_dict_u64(d, "busy_cycles", wt.busy_cycles);
	rte_tel_data_add_dict_u64(d, "busy_packets", wt.busy_pkts);
	rte_tel_data_add_dict_u64(d, "rx_cycles", wt.rx_cycles);
	return 0;
}

void
vrd_telemetry_register(void)
{
	rte_telemetry_register_cmd("/vrd/stats", telemetry_stats,
				   "vrd counters: packets, drops and punts by "
				   "reason, busy cycles. No parameters.");
}
