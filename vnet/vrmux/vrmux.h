/* SPDX-License-Identifier: BSD-3-Clause
 * vrmux internals: the slice table the control thread keeps, and the two
 * backends that carry frames (DPDK poll mode, or XDP in the kernel).
 *
 * The control thread owns everything here. A backend turns a slice into
 * its own data-path state: the DPDK backend publishes immutable tables
 * for its worker (mux_dpdk.c), the XDP backend updates BPF maps
 * (mux_xdp.c).
 */
#ifndef VRMUX_H
#define VRMUX_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "vr_api.h"

#define MUX_SLICES_MAX 64
#define MUX_MACS_MAX 8
#define MUX_NAME_MAX 32

enum mux_attach {
	MUX_ATTACH_VHOST_USER,       /* vrmux is the vhost-user client */
	MUX_ATTACH_AF_XDP,           /* host end of the slice's veth */
	MUX_ATTACH_AF_PACKET,
	MUX_ATTACH_VETH,             /* XDP backend: the veth itself */
};

struct mux_slice_conf {
	char name[MUX_NAME_MAX];
	uint8_t macs[MUX_MACS_MAX][6];
	unsigned int n_macs;
	uint16_t vlan;               /* 0: untagged on the uplink */
	enum mux_attach attach;
	char attach_arg[108];        /* socket path or interface name */
	uint64_t rate_pps;           /* 0: unlimited; both directions */
	uint64_t rate_bps;           /* bits per second of frames */
};

/* What a backend does for the control thread. Each returns 0 or a
 * negative errno with a message in err. */
struct mux_backend {
	const char *name;
	bool (*attach_ok)(enum mux_attach a);
	int (*slice_add)(const struct mux_slice_conf *c, char *err, size_t len);
	int (*slice_del)(const char *name, char *err, size_t len);
	/* {"rx_packets", "rx_bytes", "tx_packets", "tx_bytes", "drops": {}} */
	json_t *(*slice_stats)(const char *name);
	json_t *(*uplink_stats)(void);
	/* Zeroes what show reports: a slice's, or the uplink's (NULL). */
	void (*clear_stats)(const char *name);
	void (*close)(void);
};

extern const struct mux_backend mux_dpdk_backend;
extern const struct mux_backend mux_xdp_backend;

struct mux_opts {
	const char *uplink;          /* devargs (DPDK) or interface (XDP) */
	bool busy_poll;
	unsigned int mbufs;
};

/* mux_dpdk.c: after EAL init. */
int mux_dpdk_open(const struct mux_opts *o, char *err, size_t len);
/* mux_xdp.c */
int mux_xdp_backend_open(const struct mux_opts *o, char *err, size_t len);

/* A slot's counters as vrctl shows them:
 * {"rx_packets", "rx_bytes", "tx_packets", "tx_bytes", "drops": {NAME: N}}.
 * drop_name(i) names drops[i]. */
json_t *mux_stats_json(uint64_t rx_pkts, uint64_t rx_bytes, uint64_t tx_pkts,
		       uint64_t tx_bytes, const uint64_t *drops,
		       unsigned int n_drops, const char *(*drop_name)(unsigned int));

/* mux_cmd.c */
void mux_api_handler(int argc, char **argv, struct vr_reply *r, void *arg);
void mux_cmd_init(const struct mux_backend *b, const char *uplink);
void mux_cmd_close(void);

/* Frame-level helpers shared by both backends' control code. */
static inline bool
mux_mac_is_unicast(const uint8_t *mac)
{
	static const uint8_t zero[6];
	return (mac[0] & 1) == 0 && __builtin_memcmp(mac, zero, 6) != 0;
}

#endif
