/* SPDX-License-Identifier: BSD-3-Clause
 * The DPDK backend's control side: ports for the uplink and the slices'
 * attachments, and the tables the worker reads (see mux_dpdk.h).
 *
 * vhost-user: vrmux is the client (net_vhost client=1), so either side
 * may restart; DPDK's vhost library reconnects by itself. The slice's
 * vrd runs virtio-user in server mode (server=1) on the same path, or a
 * VM's qemu has a `server=on` chardev there.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_hash_crc.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "mux_dpdk.h"
#include "vr_port.h"

/* How far a slice may run ahead of its rate. */
#define MUX_BURST_MS 50

static struct {
	struct mux_worker *w;
	struct mux_table *table;      /* what the worker reads now */
	uint16_t uplink;
	unsigned int worker_lcore;
	struct mux_slice_conf conf[MUX_SLICES_MAX];
	uint16_t port[MUX_SLICES_MAX];
	bool used[MUX_SLICES_MAX];
	uint32_t gen;
	unsigned int hash_serial;
	struct mux_counters base[MUX_SLICES_MAX + 1];  /* stats clear */
	uint64_t base_busy_cycles, base_busy_pkts, base_rx_cycles;
	/* af_xdp ports of deleted slices, kept open: DPDK 22.11's af_xdp
	 * close leaves the XSK bound to the queue (bind: EBUSY), so the
	 * interface could not be attached again. Reused by the next slice
	 * on the same interface; removed at exit. */
	struct {
		bool used;
		char iface[16];
		uint16_t port;
	} idle_xdp[MUX_SLICES_MAX];
} md;

static void
tx_error(struct rte_mbuf **unsent, uint16_t count, void *arg)
{
	struct mux_txcb *cb = arg;
	uint64_t bytes = 0;

	for (uint16_t i = 0; i < count; i++) {
		bytes += unsent[i]->pkt_len;
		rte_pktmbuf_free(unsent[i]);
	}
	if (cb->to_wire) {
		cb->c->tx_pkts -= count;
		cb->c->tx_bytes -= bytes;
	} else {
		cb->c->rx_pkts -= count;
		cb->c->rx_bytes -= bytes;
	}
	cb->c->drops[MUX_DROP_TX_FULL] += count;
}

/* Before the port appears in a table, so the worker finds it ready. */
static int
port_tx_setup(uint16_t port, uint16_t slot)
{
	struct mux_worker *w = md.w;

	if (w->txb[port] == NULL) {
		w->txb[port] = rte_zmalloc("mux_txb",
					   RTE_ETH_TX_BUFFER_SIZE(MUX_BURST), 0);
		if (w->txb[port] == NULL)
			return -ENOMEM;
	}
	rte_eth_tx_buffer_init(w->txb[port], MUX_BURST);
	w->txcb[port].c = &w->c[slot];
	w->txcb[port].to_wire = slot == MUX_UPLINK_SLOT;
	rte_eth_tx_buffer_set_err_callback(w->txb[port], tx_error,
					   &w->txcb[port]);
	return 0;
}

static int
port_open(const char *devargs, uint16_t slot, uint16_t *port, char *err,
	  size_t len)
{
	struct vr_port_setup s = { .pool = md.w->pool, .n_rxq = 1, .n_txq = 1 };
	int rc;

	if ((rc = vr_port_probe(devargs, port, err, len)) < 0)
		return rc;
	if ((rc = vr_port_start(*port, &s, err, len)) < 0 ||
	    (rc = port_tx_setup(*port, slot)) < 0) {
		if (rc == -ENOMEM)
			snprintf(err, len, "no memory for a tx buffer");
		vr_port_remove(*port);
		return rc;
	}
	/* Frames for several MACs reach a slice port and the uplink. */
	rte_eth_promiscuous_enable(*port);
	return 0;
}

static void
slice_costs(const struct mux_slice_conf *c, struct mux_fp_slice *s)
{
	uint64_t hz = rte_get_tsc_hz();

	s->pkt_cost = c->rate_pps ? (hz << 16) / c->rate_pps : 0;
	s->bit_cost = c->rate_bps ? (hz << 16) / c->rate_bps : 0;
	s->credit_max = ((hz * MUX_BURST_MS) / 1000) << 16;
	/* A bucket must hold at least one frame, however slow the rate. */
	s->credit_max = RTE_MAX(s->credit_max, s->pkt_cost);
	s->credit_max = RTE_MAX(s->credit_max, 1518 * 8 * s->bit_cost);
}

static void
table_free(struct mux_table *t)
{
	if (t == NULL)
		return;
	rte_hash_free(t->l2);
	rte_free(t);
}

/* A table from md.conf; NULL on no memory. */
static struct mux_table *
table_build(void)
{
	struct rte_hash_parameters hp = {
		.entries = MUX_SLICES_MAX * MUX_MACS_MAX * 2,
		.key_len = sizeof(struct mux_l2_key),
		.hash_func = rte_hash_crc,
		.socket_id = (int)rte_socket_id(),
	};
	struct mux_table *t = rte_zmalloc("mux_table", sizeof(*t),
					  RTE_CACHE_LINE_SIZE);
	char name[32];

	if (t == NULL)
		return NULL;
	snprintf(name, sizeof(name), "mux_l2_%u", md.hash_serial++);
	hp.name = name;
	t->l2 = rte_hash_create(&hp);
	if (t->l2 == NULL) {
		rte_free(t);
		return NULL;
	}
	t->rx[t->n_rx++] = (struct mux_rx){ .port = md.uplink,
					    .slot = MUX_UPLINK_SLOT };
	for (uint16_t i = 0; i < MUX_SLICES_MAX; i++) {
		const struct mux_slice_conf *c = &md.conf[i];
		struct mux_fp_slice *s = &t->s[i];

		if (!md.used[i])
			continue;
		t->used |= 1ULL << i;
		s->port = md.port[i];
		s->vlan = c->vlan;
		s->gen = md.table ? md.table->s[i].gen : 0;
		slice_costs(c, s);
		s->n_macs = c->n_macs;
		for (unsigned int k = 0; k < c->n_macs; k++) {
			struct mux_l2_key key = { .vlan = c->vlan };
			memcpy(&key.mac, c->macs[k], 6);
			memcpy(&s->macs[k], c->macs[k], 6);
			if (rte_hash_add_key_data(t->l2, &key,
						  (void *)(uintptr_t)i) < 0) {
				table_free(t);
				return NULL;
			}
		}
		t->rx[t->n_rx++] = (struct mux_rx){ .port = s->port, .slot = i };
	}
	return t;
}

/* Publishes a new table; the old one goes once the worker has moved on. */
static int
table_publish(int new_slot)
{
	struct mux_table *t = table_build(), *old = md.table;

	if (t == NULL)
		return -ENOMEM;
	if (new_slot >= 0)
		t->s[new_slot].gen = ++md.gen;  /* fresh token buckets */
	__atomic_store_n(&md.w->table, t, __ATOMIC_RELEASE);
	md.table = t;
	rte_rcu_qsbr_synchronize(md.w->qsv, RTE_QSBR_THRID_INVALID);
	table_free(old);
	return 0;
}

static void
devargs_for(const struct mux_slice_conf *c, char *buf, size_t len)
{
	switch (c->attach) {
	case MUX_ATTACH_VHOST_USER:
		snprintf(buf, len, "net_vhost_%s,iface=%s,client=1,queues=1",
			 c->name, c->attach_arg);
		break;
	case MUX_ATTACH_AF_XDP:
		snprintf(buf, len, "net_af_xdp_%s,iface=%s,start_queue=0,"
			 "queue_count=1", c->name, c->attach_arg);
		break;
	default:
		snprintf(buf, len, "net_af_packet_%s,iface=%s,qpairs=1", c->name,
			 c->attach_arg);
		break;
	}
}

static int
idle_xdp_take(const struct mux_slice_conf *c, uint16_t slot, uint16_t *port)
{
	if (c->attach != MUX_ATTACH_AF_XDP)
		return -ENOENT;
	for (int i = 0; i < MUX_SLICES_MAX; i++) {
		if (!md.idle_xdp[i].used ||
		    strcmp(md.idle_xdp[i].iface, c->attach_arg) != 0)
			continue;
		*port = md.idle_xdp[i].port;
		md.idle_xdp[i].used = false;
		return port_tx_setup(*port, slot);
	}
	return -ENOENT;
}

static void
port_release(const struct mux_slice_conf *c, uint16_t port)
{
	if (c->attach == MUX_ATTACH_AF_XDP)
		for (int i = 0; i < MUX_SLICES_MAX; i++)
			if (!md.idle_xdp[i].used) {
				md.idle_xdp[i].used = true;
				md.idle_xdp[i].port = port;
				snprintf(md.idle_xdp[i].iface,
					 sizeof(md.idle_xdp[i].iface), "%s",
					 c->attach_arg);
				return;
			}
	vr_port_remove(port);
}

static bool
dpdk_attach_ok(enum mux_attach a)
{
	return a != MUX_ATTACH_VETH;
}

static int
dpdk_slice_add(const struct mux_slice_conf *c, char *err, size_t len)
{
	char devargs[256];
	uint16_t port;
	int slot, rc;

	for (slot = 0; slot < MUX_SLICES_MAX && md.used[slot]; slot++)
		;
	if (slot == MUX_SLICES_MAX) {
		snprintf(err, len, "no free slot");
		return -ENOSPC;
	}
	devargs_for(c, devargs, sizeof(devargs));
	rc = idle_xdp_take(c, (uint16_t)slot, &port);
	if (rc == -ENOENT)
		rc = port_open(devargs, (uint16_t)slot, &port, err, len);
	if (rc < 0) {
		if (rc == -ENOMEM)
			snprintf(err, len, "no memory for a tx buffer");
		return rc;
	}
	/* The new slot's counters start from what the worker has there. */
	md.base[slot] = md.w->c[slot];
	md.conf[slot] = *c;
	md.port[slot] = port;
	md.used[slot] = true;
	if ((rc = table_publish(slot)) < 0) {
		md.used[slot] = false;
		port_release(c, port);
		snprintf(err, len, "no memory for the slice table");
	}
	return rc;
}

static int
slot_of(const char *name)
{
	for (int i = 0; i < MUX_SLICES_MAX; i++)
		if (md.used[i] && strcmp(md.conf[i].name, name) == 0)
			return i;
	return -1;
}

static int
dpdk_slice_del(const char *name, char *err, size_t len)
{
	int slot = slot_of(name), rc;
	uint16_t port;

	if (slot < 0) {
		snprintf(err, len, "no such slice");
		return -ENOENT;
	}
	md.used[slot] = false;
	if ((rc = table_publish(-1)) < 0) {
		md.used[slot] = true;
		snprintf(err, len, "no memory for the slice table");
		return rc;
	}
	/* The worker has moved on: it no longer polls or sends there, and
	 * it flushed what it buffered in the loop that saw the old table. */
	port = md.port[slot];
	{
		struct mux_slice_conf c = md.conf[slot];
		port_release(&c, port);
	}
	return 0;
}

static json_t *
counters_json(unsigned int slot)
{
	const struct mux_counters *c = &md.w->c[slot], *b = &md.base[slot];
	uint64_t drops[MUX_DROP_MAX];

	for (unsigned int i = 0; i < MUX_DROP_MAX; i++)
		drops[i] = c->drops[i] - b->drops[i];
	return mux_stats_json(c->rx_pkts - b->rx_pkts, c->rx_bytes - b->rx_bytes,
			      c->tx_pkts - b->tx_pkts, c->tx_bytes - b->tx_bytes,
			      drops, MUX_DROP_MAX, mux_drop_name);
}

static json_t *
dpdk_slice_stats(const char *name)
{
	int slot = slot_of(name);
	json_t *j;
	struct rte_eth_link link = { 0 };

	if (slot < 0)
		return json_object();
	j = counters_json((unsigned int)slot);
	rte_eth_link_get_nowait(md.port[slot], &link);
	json_object_set_new(j, "link", json_string(link.link_status ? "up" :
						   "down"));
	json_object_set_new(j, "port_id", json_integer(md.port[slot]));
	return j;
}

static json_t *
dpdk_uplink_stats(void)
{
	json_t *j = counters_json(MUX_UPLINK_SLOT);
	uint64_t pkts = md.w->busy_pkts - md.base_busy_pkts;
	uint64_t busy = md.w->busy_cycles - md.base_busy_cycles;
	uint64_t rx = md.w->rx_cycles - md.base_rx_cycles;

	json_object_set_new(j, "busy_packets", json_integer((json_int_t)pkts));
	json_object_set_new(j, "cycles_per_packet",
			    json_real(pkts ? (double)busy / pkts : 0));
	json_object_set_new(j, "rx_cycles_per_packet",
			    json_real(pkts ? (double)rx / pkts : 0));
	json_object_set_new(j, "tsc_hz", json_integer((json_int_t)rte_get_tsc_hz()));
	return j;
}

static void
dpdk_clear_stats(const char *name)
{
	int slot = name ? slot_of(name) : MUX_UPLINK_SLOT;

	if (slot >= 0)
		md.base[slot] = md.w->c[slot];
	if (name == NULL) {
		md.base_busy_cycles = md.w->busy_cycles;
		md.base_busy_pkts = md.w->busy_pkts;
		md.base_rx_cycles = md.w->rx_cycles;
	}
}

static void
dpdk_close(void)
{
	if (md.w == NULL)
		return;
	__atomic_store_n(&md.w->stop, true, __ATOMIC_RELAXED);
	rte_eal_wait_lcore(md.worker_lcore);
	for (int i = 0; i < MUX_SLICES_MAX; i++) {
		if (md.used[i])
			vr_port_remove(md.port[i]);
		if (md.idle_xdp[i].used)
			vr_port_remove(md.idle_xdp[i].port);
	}
	vr_port_remove(md.uplink);
	table_free(md.table);
	md.table = NULL;
}

const struct mux_backend mux_dpdk_backend = {
	.name = "dpdk",
	.attach_ok = dpdk_attach_ok,
	.slice_add = dpdk_slice_add,
	.slice_del = dpdk_slice_del,
	.slice_stats = dpdk_slice_stats,
	.uplink_stats = dpdk_uplink_stats,
	.clear_stats = dpdk_clear_stats,
	.close = dpdk_close,
};

int
mux_dpdk_open(const struct mux_opts *o, char *err, size_t len)
{
	struct mux_worker *w;
	size_t sz;
	int rc;

	md.worker_lcore = rte_get_next_lcore(-1, 1, 0);
	if (md.worker_lcore >= RTE_MAX_LCORE) {
		snprintf(err, len, "no worker lcore: give EAL two lcores "
			 "(e.g. -- --lcores=0@0,1@1)");
		return -EINVAL;
	}
	w = rte_zmalloc("mux_worker", sizeof(*w), RTE_CACHE_LINE_SIZE);
	sz = rte_rcu_qsbr_get_memsize(1);
	if (w == NULL || (w->qsv = rte_zmalloc("mux_qsbr", sz,
					       RTE_CACHE_LINE_SIZE)) == NULL) {
		snprintf(err, len, "no memory for the worker");
		return -ENOMEM;
	}
	rte_rcu_qsbr_init(w->qsv, 1);
	w->busy_poll = o->busy_poll;
	w->pool = rte_pktmbuf_pool_create("mux_mbufs", o->mbufs, 256, 0,
					  RTE_MBUF_DEFAULT_BUF_SIZE,
					  (int)rte_socket_id());
	if (w->pool == NULL) {
		snprintf(err, len, "no memory for %u mbufs", o->mbufs);
		return -ENOMEM;
	}
	md.w = w;
	if ((rc = port_open(o->uplink, MUX_UPLINK_SLOT, &md.uplink, err, len)) < 0)
		return rc;
	w->uplink = md.uplink;
	if ((rc = table_publish(-1)) < 0) {
		snprintf(err, len, "no memory for the slice table");
		return rc;
	}
	/* The first table is in place before the worker starts: it never
	 * sees NULL. */
	rte_eal_remote_launch(mux_worker_main, w, md.worker_lcore);
	return 0;
}
