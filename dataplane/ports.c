/* SPDX-License-Identifier: BSD-3-Clause
 * Ports: a data port named by devargs and its exception-path TAP, and the
 * workers' rx assignments, republished whenever a port is added. */
#include <ctype.h>
#include <errno.h>
#include <stdalign.h>
#include <stdio.h>
#include <string.h>

#include <rte_ethdev.h>
#include <rte_malloc.h>

#include "vr_port.h"
#include "vrd.h"

struct vrd_port *
vrd_port_by_name(const char *name)
{
	for (unsigned int i = 0; i < RTE_MAX_ETHPORTS; i++)
		if (vrd.ports[i].used && strcmp(vrd.ports[i].name, name) == 0)
			return &vrd.ports[i];
	return NULL;
}

struct vrd_port *
vrd_port_by_id(uint16_t id)
{
	return id < RTE_MAX_ETHPORTS && vrd.ports[id].used ? &vrd.ports[id] : NULL;
}

/* What a tx buffer's refusal callback needs: the queue to retry on and
 * the counters. Lives right after the buffer, in the same allocation. */
struct tx_refused_ctx {
	struct vrd_port_stats *ps;
	uint16_t port, queue;
};

/* Called from rte_eth_tx_buffer*() and the forwarding loop's whole-run
 * transmits, in the worker that owns the buffer, with what the driver
 * did not take. A virtio ring frees room in steps as its consumer, on
 * another core, takes what it holds: the driver is asked again while it
 * still takes some (as VPP's and OVS-DPDK's transmits do), at most
 * VRD_TX_RETRIES times: a port whose consumer stopped costs one call
 * more, not a wait, so that no other port's packets wait behind it.
 * What is left is dropped as tx_full. */
static void
tx_refused(struct rte_mbuf **pkts, uint16_t unsent, void *arg)
{
	const struct tx_refused_ctx *c = arg;
	struct vrd_port_stats *s = c->ps;

	for (unsigned int r = 0; r < VRD_TX_RETRIES && unsent > 0; r++) {
		uint16_t sent = rte_eth_tx_burst(c->port, c->queue, pkts, unsent);

		if (sent == 0)
			break;
		s->tx_retried += sent;
		pkts += sent;
		unsent -= sent;
	}
	s->drops[VRD_DROP_TX_FULL] += unsent;
	s->tx_pkts -= unsent;
	for (uint16_t i = 0; i < unsent; i++) {
		s->tx_bytes -= pkts[i]->pkt_len;
		rte_pktmbuf_free(pkts[i]);
	}
}

static int
tx_buffers_create(uint16_t port)
{
	const size_t buf_size = RTE_ALIGN_CEIL(RTE_ETH_TX_BUFFER_SIZE(VRD_BURST),
					       alignof(struct tx_refused_ctx));

	for (unsigned int i = 0; i < vrd.n_workers; i++) {
		struct vrd_worker *w = vrd.workers[i];
		struct rte_eth_dev_tx_buffer *b;
		struct tx_refused_ctx *c;

		if (w->txb[port] != NULL)
			continue;
		b = rte_zmalloc_socket("vrd_txb", buf_size + sizeof(*c), 0,
				       rte_lcore_to_socket_id(w->lcore));
		if (b == NULL)
			return -ENOMEM;
		rte_eth_tx_buffer_init(b, VRD_BURST);
		c = (struct tx_refused_ctx *)((char *)b + buf_size);
		c->ps = &w->ps[port];
		c->port = port;
		c->queue = (uint16_t)w->id;
		rte_eth_tx_buffer_set_err_callback(b, tx_refused, c);
		w->txb[port] = b;
	}
	return 0;
}

int
vrd_workers_publish(void)
{
	struct vrd_rx_conf *next[VRD_MAX_WORKERS], *old[VRD_MAX_WORKERS];
	unsigned int rr = 0, i;

	for (i = 0; i < vrd.n_workers; i++) {
		next[i] = rte_zmalloc("vrd_rx_conf", sizeof(*next[i]), 0);
		if (next[i] == NULL) {
			while (i-- > 0)
				rte_free(next[i]);
			return -ENOMEM;
		}
	}
	for (uint16_t p = 0; p < RTE_MAX_ETHPORTS; p++) {
		const struct vrd_port *vp = &vrd.ports[p];
		uint16_t ids[2] = { vp->port_id, vp->tap_id };

		if (!vp->used)
			continue;
		for (uint16_t q = 0; q < vp->n_rxq; q++) {
			struct vrd_rx_conf *c = next[rr++ % vrd.n_workers];
			c->rxq[c->n_rxq++] = (struct vrd_rxq){ vp->port_id, q, 0 };
		}
		for (uint16_t q = 0; q < vp->tap_n_rxq; q++) {
			struct vrd_rx_conf *c = next[rr++ % vrd.n_workers];
			c->rxq[c->n_rxq++] = (struct vrd_rxq){ vp->tap_id, q, 1 };
		}
		for (i = 0; i < vrd.n_workers; i++)
			for (int k = 0; k < 2; k++)
				next[i]->tx_ports[next[i]->n_tx_ports++] = ids[k];
	}
	for (i = 0; i < vrd.n_workers; i++)
		old[i] = __atomic_exchange_n(&vrd.workers[i]->conf, next[i],
					     __ATOMIC_ACQ_REL);
	rte_rcu_qsbr_synchronize(vrd.qsv, RTE_QSBR_THRID_INVALID);
	for (i = 0; i < vrd.n_workers; i++)
		rte_free(old[i]);
	return 0;
}

static bool
name_valid(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n >= IFNAMSIZ)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)name[i]) && name[i] != '-' &&
		    name[i] != '_' && name[i] != '.')
			return false;
	return true;
}

/* Receive rings hold their mbufs for good: a port whose rings the pools
 * cannot also fill would leave every port without buffers, so it is
 * refused, naming what to start vrd with. The data ports' rings draw from
 * the data pool, the TAPs' from theirs, a quarter of its size. (The
 * transmit rings' share is what --config sizing adds on top, main.c.) */
static int
pool_room(const char *name, struct vr_reply *r)
{
	unsigned int n = 1, need, tap_need, mbufs;

	for (uint16_t i = 0; i < RTE_MAX_ETHPORTS; i++)
		n += vrd.ports[i].used;
	need = n * VRD_DATA_DESC * vrd.n_workers +
	       rte_lcore_count() * VRD_LCORE_MBUFS;
	tap_need = n * VRD_TAP_DESC * vrd.n_workers +
		   rte_lcore_count() * VRD_TAP_LCORE_MBUFS;
	if (need <= vrd.pool->size && tap_need <= vrd.tap_pool->size)
		return 0;
	mbufs = RTE_MAX(need, tap_need * VRD_TAP_POOL_DIV);
	return vr_reply_err(r, ENOBUFS, "port %s: the packet buffer pools (%u "
			    "mbufs, %u for the TAPs) cannot fill the rings of "
			    "%u ports (%u and %u needed): start vrd with "
			    "--mbufs %u or more", name, vrd.pool->size,
			    vrd.tap_pool->size, n, need, tap_need, mbufs);
}

int
vrd_port_add(const char *name, const char *devargs, struct vr_reply *r)
{
	struct vr_port_setup setup = { .pool = vrd.pool };
	char tapargs[128], macs[RTE_ETHER_ADDR_FMT_SIZE], err[512];
	struct rte_ether_addr mac;
	struct rte_eth_dev_info info;
	uint16_t id, tap, mtu = 1500, tap_rxq = 0;
	struct vrd_port *vp;
	int rc;

	if (!name_valid(name))
		return vr_reply_err(r, EINVAL, "bad port name '%s': 1 to %d "
				    "letters, digits, '-', '_' or '.'", name,
				    IFNAMSIZ - 1);
	if (vrd_port_by_name(name) != NULL)
		return vr_reply_err(r, EEXIST, "port %s exists", name);
	if (strlen(devargs) >= sizeof(vp->devargs))
		return vr_reply_err(r, E2BIG, "devargs too long");
	if (strncmp(devargs, "net_tap", 7) == 0)
		return vr_reply_err(r, EINVAL, "net_tap is vrd's exception path; "
				    "a data port cannot be one");
	rc = vr_port_probe(devargs, &id, err, sizeof(err));
	if (rc < 0)
		return vr_reply_err(r, -rc, "port %s: %s", name, err);
	if (vrd.ports[id].used || vrd.port_fp[id].is_tap)
		return vr_reply_err(r, EBUSY, "device of '%s' is already port %s",
				    devargs, vrd.ports[id].name);
	setup.n_rxq = vrd.n_workers;
	setup.n_txq = vrd.n_workers;
	rc = pool_room(name, r);
	if (rc < 0) {
		vr_port_remove(id);
		return rc;
	}
	rc = vr_port_start(id, &setup, err, sizeof(err));
	if (rc < 0) {
		vr_port_remove(id);
		return vr_reply_err(r, -rc, "port %s: %s", name, err);
	}
	rte_eth_macaddr_get(id, &mac);
	rte_eth_dev_get_mtu(id, &mtu);
	rte_eth_dev_info_get(id, &info);

	/* The TAP wears the port's name, MAC and MTU, so the kernel's view
	 * of the slice matches vrctl's. */
	rte_ether_format_addr(macs, sizeof(macs), &mac);
	snprintf(tapargs, sizeof(tapargs), "net_tap_%s,iface=%s,mac=%s,persist", name,
		 name, macs);
	rc = vr_port_probe(tapargs, &tap, err, sizeof(err));
	if (rc == 0) {
		/* net_tap wants as many rx as tx queues; the kernel spreads
		 * what it sends over them, so every one is polled. */
		struct vr_port_setup ts = { .pool = vrd.tap_pool,
					    .n_rxq = vrd.n_workers,
					    .n_txq = vrd.n_workers,
					    .rx_desc = VRD_TAP_DESC,
					    .tx_desc = VRD_TAP_DESC,
					    .mtu = RTE_MIN(mtu, VRD_TAP_MAX_MTU) };
		rc = vr_port_start(tap, &ts, err, sizeof(err));
		if (rc < 0) {
			vr_port_remove(tap);
			vrd_tap_delete(name);
		}
		tap_rxq = ts.n_rxq;
	}
	if (rc < 0) {
		vr_port_remove(id);
		return vr_reply_err(r, -rc, "port %s: exception TAP: %s "
				    "(is there an interface named %s already?)",
				    name, err, name);
	}
	rc = vrd_tap_sysctls(name);
	if (rc < 0)
		RTE_LOG(WARNING, USER1, "port %s: cannot set the TAP's sysctls: "
			"%s\n", name, strerror(-rc));
	rc = tx_buffers_create(id);
	if (rc == 0)
		rc = tx_buffers_create(tap);
	if (rc < 0) {
		vr_port_remove(tap);
		vrd_tap_delete(name);
		vr_port_remove(id);
		return vr_reply_err(r, -rc, "port %s: no memory for tx buffers",
				    name);
	}

	/* A new port starts in the default VRF; `vrf NAME` moves it. */
	vrd.port_fp[id] = (struct vrd_port_fp){
		.mac = mac, .mtu = mtu, .tap = tap, .peer = VRD_NO_PORT,
		.fib = vr_fib_fp(vrd.vrfs[VRD_VRF_DEFAULT].fib) };
	vrd.port_fp[tap] = (struct vrd_port_fp){ .mac = mac,
						 .mtu = RTE_MIN(mtu, VRD_TAP_MAX_MTU),
						 .tap = VRD_NO_PORT, .peer = id,
						 .is_tap = 1 };
	vp = &vrd.ports[id];
	memset(vp, 0, sizeof(*vp));
	snprintf(vp->name, sizeof(vp->name), "%s", name);
	snprintf(vp->devargs, sizeof(vp->devargs), "%s", devargs);
	snprintf(vp->driver, sizeof(vp->driver), "%s", info.driver_name);
	vp->port_id = id;
	vp->tap_id = tap;
	vp->n_rxq = setup.n_rxq;
	vp->tap_n_rxq = tap_rxq;
	vp->vrf = VRD_VRF_DEFAULT;
	vrd.vrfs[VRD_VRF_DEFAULT].n_ports++;
	vp->used = true;
	rc = vrd_vrfs_port_added(id);
	if (rc < 0)
		return vr_reply_err(r, -rc, "port %s: cannot give the FIBs its "
				    "MAC and MTU", name);
	rc = vrd_workers_publish();
	if (rc < 0)
		return vr_reply_err(r, -rc, "port %s: cannot publish to workers",
				    name);
	vrd_kernel_sync_port();
	snprintf(r->msg, sizeof(r->msg), "port %s added: dpdk port %u, %s, "
		 "mac %s, mtu %u", name, id, info.driver_name, macs, mtu);
	return 0;
}

void
vrd_ports_close(bool remove_taps)
{
	for (uint16_t p = 0; p < RTE_MAX_ETHPORTS; p++) {
		struct vrd_port *vp = &vrd.ports[p];
		if (!vp->used)
			continue;
		vr_port_remove(vp->tap_id);
		vr_port_remove(vp->port_id);
		if (remove_taps)
			vrd_tap_delete(vp->name);
		vp->used = false;
	}
}
