/* SPDX-License-Identifier: BSD-3-Clause */
/* vrmux XDP backend: shares one uplink among router slices without a
 * DPDK core. BPF programs switch frames between the uplink and the
 * driver-domain ends of the slices' veths through devmaps:
 *
 *   uplink -> slice  by destination (MAC, VLAN); group frames are copied to
 *                    every slice of the frame's VLAN; unknown unicast dropped
 *   slice -> *       source MAC and VLAN checked (anti-spoofing), tagged with
 *                    the slice's VLAN; unicast to another slice of the same
 *                    VLAN goes straight to it (hairpin), the rest to the
 *                    uplink, group frames to the uplink and the VLAN's other
 *                    slices
 *
 * Slices see untagged frames; the tag lives only on the uplink. Programs
 * attach through libxdp (its multi-program dispatcher where the kernel and
 * a bpffs allow it), so other XDP programs can share the interfaces.
 * Adding or removing a slice only updates maps in place and attaches or
 * detaches that slice's own program: other slices' traffic is untouched.
 *
 * Native XDP redirect into a veth only delivers when the veth's peer runs
 * an XDP program (mux_pass.bpf.o, built beside the library, is one).
 *
 * Not thread-safe: call everything from one thread (vrmux's control
 * thread). Functions return 0 or a negative errno and, given err, say why.
 */
#ifndef VR_MUX_XDP_H
#define VR_MUX_XDP_H

#include <stddef.h>
#include <stdint.h>

#define MUX_SLICE_MACS_MAX 8
#define MUX_XDP_SLICES_MAX 64
/* Default rate burst: a slice may run this far ahead of its rate. */
#define MUX_XDP_BURST_US_DEFAULT 50000

/* Drop reasons, the index into mux_xdp_slice_stats.drop. */
enum mux_xdp_drop {
	MUX_XDP_DROP_MALFORMED,        /* truncated Ethernet / 802.1Q header */
	MUX_XDP_DROP_UNKNOWN_UNICAST,  /* uplink: no slice owns dst MAC in the VLAN */
	MUX_XDP_DROP_UNKNOWN_VLAN,     /* uplink: group frame in a VLAN with no slice,
	                                  or an 802.1ad (S-tagged) frame */
	MUX_XDP_DROP_SPOOFED_SRC_MAC,  /* slice sent with a source MAC not its own */
	MUX_XDP_DROP_WRONG_VLAN,       /* slice sent into a VLAN not its own (or
	                                  S-tagged, or double-tagged) */
	MUX_XDP_DROP_RATE_LIMITED,     /* over the slice's rate (either direction) */
	MUX_XDP_DROP_REDIRECT_FAILED,  /* target entry gone (port being removed) */
	MUX_XDP_DROP_DST_IS_SELF,      /* slice sent unicast to its own MAC */
	MUX_XDP_DROP_UNKNOWN_PORT,     /* frame on an interface no longer a port */
	MUX_XDP_DROP_NO_HEADROOM,      /* no room to push the VLAN tag */
	MUX_XDP_DROP_MAX
};

struct mux_xdp; /* opaque */

struct mux_xdp_slice_cfg {
	char name[32];
	char ifname[16];                 /* driver-domain end of the slice veth */
	uint8_t macs[MUX_SLICE_MACS_MAX][6];
	unsigned int n_macs;             /* 1 .. MUX_SLICE_MACS_MAX unicast MACs */
	uint16_t vlan;                   /* 1..4094 on the uplink; 0 = untagged */
	/* Per-slice rate, 0 = unlimited: rate_pps in frames per second,
	 * rate_bps in BITS per second (>= 8000) of Ethernet frame (no tag, FCS
	 * or preamble). Each direction has its own bucket with this rate:
	 * what the slice sends (tx) and what is delivered to it (rx), so
	 * neither a slice nor the wire on its behalf can starve the others.
	 * Shared by all CPUs (one locked bucket, not one per CPU). */
	uint64_t rate_pps, rate_bps;
	uint32_t burst_us;               /* 0 = MUX_XDP_BURST_US_DEFAULT */
};

/* For a slice: rx = frames delivered to it, tx = frames it sent that were
 * forwarded. For the uplink: rx = frames from the wire that were forwarded
 * (once, however many slices a broadcast reached), tx = frames sent to the
 * wire. Every frame is counted once, in rx/tx or under one drop reason, on
 * the port where it was dropped; drops on a frame's way into a slice (its
 * rx rate, its VLAN) are the slice's. Bytes are frame lengths as seen on
 * that port (tagged on the uplink, untagged on slices). */
struct mux_xdp_slice_stats {
	uint64_t rx_pkts, rx_bytes, tx_pkts, tx_bytes;
	uint64_t drop[MUX_XDP_DROP_MAX];
};

/* "unknown_unicast", ...; NULL when i is out of range. */
const char *mux_xdp_drop_name(unsigned int i);

/* Loads the programs and attaches the uplink program (native XDP, or
 * generic when the driver has none). */
int mux_xdp_open(const char *uplink_ifname, struct mux_xdp **out,
		char *err, size_t errlen);

int mux_xdp_slice_add(struct mux_xdp *m, const struct mux_xdp_slice_cfg *c,
		char *err, size_t errlen);
int mux_xdp_slice_del(struct mux_xdp *m, const char *name,
		char *err, size_t errlen);

/* Counters since the slice was added; -ENOENT for no such slice. */
int mux_xdp_slice_stats(struct mux_xdp *m, const char *name,
		struct mux_xdp_slice_stats *s);
/* Uplink counters, plus drops no slice can be blamed for (unknown
 * unicast/VLAN, malformed frames from the wire, unknown port). */
int mux_xdp_uplink_stats(struct mux_xdp *m, struct mux_xdp_slice_stats *s);

/* "native" or "skb": the XDP mode the programs run in. */
const char *mux_xdp_mode_name(const struct mux_xdp *m);

/* Removes every slice, detaches every program it attached and frees all
 * maps: nothing stays attached or pinned. NULL is fine. */
void mux_xdp_close(struct mux_xdp *m);

#endif
