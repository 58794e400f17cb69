/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* Maps and helpers of the vrmux XDP programs (BPF side only).
 *
 * Both objects declare the same maps: the uplink object creates them and
 * each slice object reuses them (bpf_map__reuse_fd in mux_xdp.c), so a
 * change here changes both at once.
 */
#ifndef VR_MUX_COMMON_BPF_H
#define VR_MUX_COMMON_BPF_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "mux_maps.h"

/* Who owns a MAC in a VLAN: value is the slice's port. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MUX_SLICES_MAX * MUX_MACS_PER_SLICE);
	__type(key, struct mux_mac_key);
	__type(value, __u32);
} mux_macs SEC(".maps");

/* Which port an interface is: ingress of a slice veth, egress of any. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MUX_PORTS_MAX);
	__type(key, __u32);
	__type(value, __u32);
} mux_ifindex SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, MUX_PORTS_MAX);
	__type(key, __u32);
	__type(value, struct mux_port_info);
} mux_port_info SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, MUX_PORTS_MAX);
	__type(key, __u32);
	__type(value, struct mux_rate);
} mux_rate SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, MUX_PORTS_MAX);
	__type(key, __u32);
	__type(value, struct mux_counters);
} mux_stats SEC(".maps");

/* Unicast targets, by port; each entry carries the egress program. */
struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP);
	__uint(max_entries, MUX_PORTS_MAX);
	__type(key, __u32);
	__type(value, struct bpf_devmap_val);
} mux_ports SEC(".maps");

/* Flood domains: one devmap per VLAN holding the uplink and the slices of
 * that VLAN, so a broadcast is only ever copied to ports that want it. */
struct mux_flood_inner {
	__uint(type, BPF_MAP_TYPE_DEVMAP);
	__uint(max_entries, MUX_PORTS_MAX);
	__type(key, __u32);
	__type(value, struct bpf_devmap_val);
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH_OF_MAPS);
	__uint(max_entries, MUX_SLICES_MAX);
	__type(key, __u32);
	__array(values, struct mux_flood_inner);
} mux_flood SEC(".maps");

#define ETH_P_8021Q_BE bpf_htons(ETH_P_8021Q)
#define ETH_P_8021AD_BE bpf_htons(ETH_P_8021AD)
#define VLAN_VID_MASK 0x0fff

/* The 4 bytes after an ethhdr whose h_proto is the 802.1Q TPID. */
struct mux_vlan_hdr {
	__be16 tci;
	__be16 proto;
};

/* What the programs need to know of a frame's L2 header. */
struct mux_frame {
	struct ethhdr *eth;
	__u32 len;
	__u16 vlan;      /* VID of the 802.1Q tag, 0 when untagged */
	__u8 tagged;
	__u8 stacked;    /* an 802.1ad tag, or a second tag: not ours to carry */
};

static __always_inline int mux_is_tpid(__be16 proto)
{
	return proto == ETH_P_8021Q_BE || proto == ETH_P_8021AD_BE;
}

/* Returns 0, or -1 for a frame too short for its Ethernet/802.1Q header. */
static __always_inline int mux_parse(struct xdp_md *ctx, struct mux_frame *f)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct mux_vlan_hdr *vh;

	f->len = (__u32)(end - data);
	f->eth = eth;
	f->vlan = 0;
	f->tagged = 0;
	f->stacked = 0;
	if ((void *)(eth + 1) > end)
		return -1;
	if (eth->h_proto == ETH_P_8021AD_BE)
		f->stacked = 1;
	if (eth->h_proto != ETH_P_8021Q_BE)
		return 0;
	vh = (void *)(eth + 1);
	if ((void *)(vh + 1) > end)
		return -1;
	f->tagged = 1;
	f->vlan = bpf_ntohs(vh->tci) & VLAN_VID_MASK;
	f->stacked = mux_is_tpid(vh->proto);
	return 0;
}

static __always_inline int mux_mac_is_group(const __u8 *mac)
{
	return mac[0] & 1;
}

static __always_inline struct mux_counters *mux_counters(__u32 port)
{
	return bpf_map_lookup_elem(&mux_stats, &port);
}

/* Per-CPU counters: XDP runs with migration disabled, so plain adds. */
static __always_inline int mux_drop(__u32 port, enum mux_drop why)
{
	struct mux_counters *c = mux_counters(port);

	if (c && why < MUX_DROP_MAX)
		c->drop[why]++;
	return XDP_DROP;
}

static __always_inline void mux_count_rx(__u32 port, __u32 len)
{
	struct mux_counters *c = mux_counters(port);

	if (c) {
		c->rx_pkts++;
		c->rx_bytes += len;
	}
}

static __always_inline void mux_count_tx(__u32 port, __u32 len)
{
	struct mux_counters *c = mux_counters(port);

	if (c) {
		c->tx_pkts++;
		c->tx_bytes += len;
	}
}

static __always_inline __u64 mux_max(__u64 a, __u64 b)
{
	return a > b ? a : b;
}

/* GCRA step for one frame of len bytes; the caller holds the lock. A frame
 * passes only if both the frame and the byte schedule allow it, and only a
 * passing frame advances them, so drops cost no credit. */
static __always_inline int mux_gcra_take(struct mux_gcra *g,
		const struct mux_port_info *pi, __u64 now, __u32 len)
{
	__u64 tf = mux_max(g->tat_frames, now);
	__u64 tb = mux_max(g->tat_bytes, now);

	if (pi->frame_cost_ns && tf - now > pi->burst_ns)
		return 0;
	if (pi->byte_cost && tb - now > pi->burst_ns)
		return 0;
	g->tat_frames = tf + pi->frame_cost_ns;
	g->tat_bytes = tb + ((len * pi->byte_cost) >> MUX_COST_SHIFT);
	return 1;
}

/* 1 if the port's rate in direction dir admits a frame of len bytes. The
 * spin lock makes the check-and-advance atomic across CPUs: a per-CPU
 * bucket would let a slice send its rate once per CPU. */
static __always_inline int mux_rate_ok(__u32 port, enum mux_dir dir, __u32 len)
{
	const struct mux_port_info *pi = bpf_map_lookup_elem(&mux_port_info, &port);
	struct mux_rate *r;
	__u64 now;
	int ok;

	if (!pi || (!pi->frame_cost_ns && !pi->byte_cost))
		return 1;
	r = bpf_map_lookup_elem(&mux_rate, &port);
	if (!r)
		return 1;
	now = bpf_ktime_get_ns();
	bpf_spin_lock(&r->lock);
	if (dir == MUX_DIR_TO_SLICE)
		ok = mux_gcra_take(&r->dir[MUX_DIR_TO_SLICE], pi, now, len);
	else
		ok = mux_gcra_take(&r->dir[MUX_DIR_FROM_SLICE], pi, now, len);
	bpf_spin_unlock(&r->lock);
	return ok;
}

#endif
