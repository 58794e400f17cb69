/* SPDX-License-Identifier: BSD-3-Clause
 * vr_port: DPDK ports named by devargs, for vrd and vrmux alike.
 * Control thread only: probing and configuring are not thread-safe. */
#ifndef VR_PORT_H
#define VR_PORT_H

#include <stddef.h>
#include <stdint.h>

#include <rte_ethdev.h>
#include <rte_mempool.h>

struct vr_port_setup {
	struct rte_mempool *pool;
	uint16_t n_rxq;              /* wanted; capped at what the PMD has */
	uint16_t n_txq;              /* needed: one per worker, not capped */
	uint16_t rx_desc, tx_desc;   /* 0: 1024 each */
	uint16_t mtu;                /* 0: leave as the PMD set it */
};

/* Probes a device by its devargs ("net_af_packet0,iface=veth0", a PCI
 * address, ...) and returns its port id. A device that EAL probed already
 * (a PCI device at start) is found rather than probed twice. On failure a
 * message naming the problem is written to err. */
int vr_port_probe(const char *devargs, uint16_t *port_id, char *err,
		  size_t errlen);

/* Configures queues and starts the port; n_rxq is updated to the number
 * actually configured. */
int vr_port_start(uint16_t port_id, struct vr_port_setup *s, char *err,
		  size_t errlen);

/* Stops, closes and removes the device behind the port. */
void vr_port_remove(uint16_t port_id);

/* The device name in devargs: what precedes the first comma. */
void vr_port_devname(const char *devargs, char *name, size_t len);

#endif
