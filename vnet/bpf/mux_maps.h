/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* Layout of the vrmux XDP maps, shared by the BPF programs
 * (mux_uplink.bpf.c, mux_slice.bpf.c) and the loader (vnet/vrmux/mux_xdp.c).
 * Only fixed-width kernel types here: both sides include it.
 *
 * Ports: every map indexed by "port" uses 0 .. MUX_SLICES_MAX-1 for slices
 * and MUX_UPLINK_PORT for the uplink, so counters, rate state and devmap
 * entries of one port share one index.
 */
#ifndef VR_MUX_MAPS_H
#define VR_MUX_MAPS_H

#include <linux/types.h>
#include <linux/bpf.h>

#define MUX_SLICES_MAX 64
#define MUX_UPLINK_PORT MUX_SLICES_MAX
#define MUX_PORTS_MAX (MUX_SLICES_MAX + 1)
#define MUX_MACS_PER_SLICE 8
#define MUX_VLAN_MAX 4094

/* Drop reasons: the index into mux_counters.drop. The public names are in
 * mux_xdp.h (enum mux_xdp_drop); mux_xdp.c checks both agree. */
enum mux_drop {
	MUX_DROP_MALFORMED,        /* truncated Ethernet or 802.1Q header */
	MUX_DROP_UNKNOWN_UNICAST,  /* uplink: dst MAC+VLAN owned by no slice */
	MUX_DROP_UNKNOWN_VLAN,     /* uplink: group frame in a VLAN without slices, or 802.1ad */
	MUX_DROP_SPOOFED_SRC_MAC,  /* slice: source MAC not its own */
	MUX_DROP_WRONG_VLAN,       /* slice: tagged with a VLAN not its own, or stacked tags */
	MUX_DROP_RATE_LIMITED,     /* over the slice's pps or bps rate */
	MUX_DROP_REDIRECT_FAILED,  /* bpf_redirect_map refused (entry just removed) */
	MUX_DROP_DST_IS_SELF,      /* slice: unicast to one of its own MACs */
	MUX_DROP_UNKNOWN_PORT,     /* program ran on an interface no longer a port */
	MUX_DROP_NO_HEADROOM,      /* no room to push the 802.1Q tag */
	MUX_DROP_MAX
};

/* mux_macs key: one MAC in one VLAN (0 = untagged) belongs to one slice. */
struct mux_mac_key {
	__u8 mac[6];
	__u16 vlan;
};

/* Rates are enforced with GCRA (virtual scheduling), the exact equivalent
 * of a token bucket: a port's "theoretical arrival time" advances by each
 * frame's cost and a frame conforms while it is at most burst_ns ahead of
 * now. Costs are nanoseconds per frame and, in 1/2^MUX_COST_SHIFT ns,
 * per byte; 0 means no limit of that kind. */
#define MUX_COST_SHIFT 16

/* mux_port_info: per-port configuration, written by the loader only while
 * the port is unreachable (before it is published, after it is withdrawn). */
struct mux_port_info {
	__u32 ifindex;
	__u16 vlan;
	__u16 pad;
	__u64 frame_cost_ns;
	__u64 byte_cost;       /* ns << MUX_COST_SHIFT per byte */
	__u64 burst_ns;
};

/* Directions of the per-port rate state. */
enum mux_dir {
	MUX_DIR_TO_SLICE,      /* delivered to the slice (its rx) */
	MUX_DIR_FROM_SLICE,    /* sent by the slice (its tx) */
	MUX_DIR_MAX
};

struct mux_gcra {
	__u64 tat_frames;
	__u64 tat_bytes;
};

/* mux_rate: per-port rate state, shared by all CPUs under the lock. */
struct mux_rate {
	struct bpf_spin_lock lock;
	__u32 pad;
	struct mux_gcra dir[MUX_DIR_MAX];
};

/* mux_stats: per-CPU counters of one port. For a slice, rx is what was
 * delivered to it and tx what it sent that was forwarded; for the uplink,
 * rx is what came in from the wire and was forwarded, tx what went out to
 * it. Every frame the mux handles is counted once: in rx/tx or under one
 * drop reason. */
struct mux_counters {
	__u64 rx_pkts;
	__u64 rx_bytes;
	__u64 tx_pkts;
	__u64 tx_bytes;
	__u64 drop[MUX_DROP_MAX];
};

#endif
