/* SPDX-License-Identifier: BSD-3-Clause */
/* State of the vrmux XDP backend, shared by mux_xdp.c (programs, uplink,
 * counters) and mux_xdp_slice.c (slices, MACs, flood domains). */
#ifndef VR_MUX_XDP_INTERNAL_H
#define VR_MUX_XDP_INTERNAL_H

#include <net/if.h>
#include <stdbool.h>
#include <xdp/libxdp.h>

#include "mux_xdp.h"
#include "mux_maps.h"

struct mux_uplink_bpf;
struct mux_slice_bpf;

/* What mux_xdp_slice_add has set up so far, so that a failed add and a
 * del undo exactly that, in reverse order. */
enum mux_slice_step {
	MUX_STEP_INFO = 1 << 0,    /* port info, rate state, counters */
	MUX_STEP_IFINDEX = 1 << 1, /* mux_ifindex entry */
	MUX_STEP_PORT = 1 << 2,    /* mux_ports devmap entry */
	MUX_STEP_FLOOD = 1 << 3,   /* member of its VLAN's flood domain */
	MUX_STEP_PROG = 1 << 4,    /* slice program attached */
};

struct mux_slice {
	bool used;
	struct mux_xdp_slice_cfg cfg;
	int ifindex;
	unsigned int steps;       /* enum mux_slice_step bits */
	unsigned int n_macs_in;   /* cfg.macs[0..n_macs_in) are in mux_macs */
	struct mux_slice_bpf *skel;
	struct xdp_program *prog;
};

/* One VLAN's flood devmap: the uplink plus the VLAN's slices. */
struct mux_flood_dom {
	int fd;                   /* -1: slot free */
	uint16_t vlan;
	unsigned int n_slices;
};

/* The maps' fds, owned by the uplink object. */
struct mux_fds {
	int macs, ifindex, port_info, rate, stats, ports, flood;
};

struct mux_xdp {
	char uplink[IF_NAMESIZE];
	int uplink_ifindex;
	enum xdp_attach_mode mode;
	struct mux_uplink_bpf *skel;
	struct bpf_object *obj;   /* skel's; slice objects reuse its maps */
	struct mux_fds fd;
	struct xdp_program *uplink_prog;
	int egress_fd;            /* mux_egress, the program of every devmap entry */
	int ncpus;
	struct mux_slice slices[MUX_SLICES_MAX];
	struct mux_flood_dom floods[MUX_SLICES_MAX];
};

/* mux_xdp.c */
int mux_errf(char *err, size_t errlen, int rc, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
int mux_port_reset(struct mux_xdp *m, uint32_t port, const struct mux_port_info *pi);
int mux_prog_attach(struct bpf_object *obj, const char *prog, int ifindex,
		enum xdp_attach_mode mode, struct xdp_program **out);
void mux_prog_detach(struct xdp_program **prog, int ifindex, enum xdp_attach_mode mode);

/* mux_xdp_slice.c */
void mux_slices_init(struct mux_xdp *m);
void mux_slices_close(struct mux_xdp *m);
struct mux_slice *mux_slice_find(struct mux_xdp *m, const char *name);

#endif
