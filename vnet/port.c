/* SPDX-License-Identifier: BSD-3-Clause
 * Probing, configuring and removing DPDK ports named by devargs. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_bus.h>
#include <rte_dev.h>
#include <rte_errno.h>
#include <net/if.h>
#include <bpf/libbpf.h>
#include <rte_devargs.h>
#include <rte_ethdev.h>

#include "vr_port.h"

void
vr_port_devname(const char *devargs, char *name, size_t len)
{
	size_t n = strcspn(devargs, ",");

	if (n >= len)
		n = len - 1;
	memcpy(name, devargs, n);
	name[n] = '\0';
}

int
vr_port_probe(const char *devargs, uint16_t *port_id, char *err,
	      size_t errlen)
{
	char name[RTE_DEV_NAME_MAX_LEN];
	int rc;

	vr_port_devname(devargs, name, sizeof(name));
	if (name[0] == '\0') {
		snprintf(err, errlen, "empty device name in devargs '%s'", devargs);
		return -EINVAL;
	}
	if (rte_eth_dev_get_port_by_name(name, port_id) == 0) {
		/* Probed at EAL start (PCI) and not yet claimed: use it. */
		return 0;
	}
	rc = rte_dev_probe(devargs);
	if (rc < 0) {
		snprintf(err, errlen, "cannot probe device '%s': %s (see vrd's "
			 "log for the driver's reason)", devargs, strerror(-rc));
		return rc;
	}
	if (rte_eth_dev_get_port_by_name(name, port_id) != 0) {
		snprintf(err, errlen, "device '%s' probed but is not an "
			 "ethernet port", name);
		return -ENODEV;
	}
	return 0;
}

int
vr_port_start(uint16_t port, struct vr_port_setup *s, char *err,
	      size_t errlen)
{
	struct rte_eth_conf conf;
	struct rte_eth_dev_info info;
	uint16_t rxd = s->rx_desc ? s->rx_desc : 1024;
	uint16_t txd = s->tx_desc ? s->tx_desc : 1024;
	int socket = rte_eth_dev_socket_id(port);
	int rc;

	if (socket < 0)
		socket = (int)rte_socket_id();
	rc = rte_eth_dev_info_get(port, &info);
	if (rc < 0) {
		snprintf(err, errlen, "port %u: no device info: %s", port,
			 strerror(-rc));
		return rc;
	}
	if (s->n_rxq > info.max_rx_queues)
		s->n_rxq = info.max_rx_queues;
	if (s->n_rxq == 0 || s->n_txq > info.max_tx_queues) {
		snprintf(err, errlen, "port %u (%s) has %u rx and %u tx queues; "
			 "%u tx queues are needed, one per worker", port,
			 info.driver_name, info.max_rx_queues,
			 info.max_tx_queues, s->n_txq);
		return -ENOTSUP;
	}
	memset(&conf, 0, sizeof(conf));
	if (s->n_rxq > 1 && info.flow_type_rss_offloads != 0) {
		conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		conf.rx_adv_conf.rss_conf.rss_hf =
			(RTE_ETH_RSS_IP | RTE_ETH_RSS_UDP | RTE_ETH_RSS_TCP) &
			info.flow_type_rss_offloads;
	}
	rc = rte_eth_dev_configure(port, s->n_rxq, s->n_txq, &conf);
	if (rc == 0)
		rc = rte_eth_dev_adjust_nb_rx_tx_desc(port, &rxd, &txd);
	for (uint16_t q = 0; rc == 0 && q < s->n_rxq; q++)
		rc = rte_eth_rx_queue_setup(port, q, rxd, socket, NULL, s->pool);
	for (uint16_t q = 0; rc == 0 && q < s->n_txq; q++)
		rc = rte_eth_tx_queue_setup(port, q, txd, socket, NULL);
	if (rc == 0 && s->mtu != 0)
		rc = rte_eth_dev_set_mtu(port, s->mtu);
	if (rc == 0)
		rc = rte_eth_dev_start(port);
	if (rc < 0) {
		snprintf(err, errlen, "port %u (%s): cannot configure and "
			 "start: %s", port, info.driver_name, strerror(-rc));
		return rc;
	}
	/* Multicast is control traffic (OSPF hellos, ND): let it in. Not
	 * every PMD can filter; those that cannot receive it anyway. */
	rte_eth_allmulticast_enable(port);
	return 0;
}

/* The iface= of an af_xdp device's devargs. */
static void
af_xdp_iface(const struct rte_device *dev, char *iface, size_t len)
{
	const struct rte_devargs *da = rte_dev_devargs(dev);
	const char *p = da != NULL && da->args != NULL ?
			strstr(da->args, "iface=") : NULL;

	if (p == NULL)
		return;
	p += 6;
	snprintf(iface, len, "%.*s", (int)strcspn(p, ","), p);
}

void
vr_port_remove(uint16_t port)
{
	struct rte_eth_dev_info info;
	char iface[IF_NAMESIZE] = "";

	if (rte_eth_dev_info_get(port, &info) < 0)
		return;
	if (info.driver_name != NULL &&
	    strcmp(info.driver_name, "net_af_xdp") == 0 && info.device != NULL)
		af_xdp_iface(info.device, iface, sizeof(iface));
	rte_eth_dev_stop(port);
	rte_eth_dev_close(port);
	if (info.device != NULL)
		rte_dev_remove(info.device);
	/* Without a bpffs, libxdp cannot tell that the XSK program it
	 * attached is no longer used and leaves it on the interface, where
	 * it makes the next af_xdp port on it fail: take it off. */
	if (iface[0] != '\0') {
		unsigned int idx = if_nametoindex(iface);
		__u32 id = 0;

		if (idx != 0 && bpf_xdp_query_id((int)idx, 0, &id) == 0 && id != 0)
			bpf_xdp_detach((int)idx, 0, NULL);
	}
}
