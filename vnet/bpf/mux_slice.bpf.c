// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* vrmux XDP, slice side: runs on the driver domain's end of each slice
 * veth, i.e. on every frame the slice sends.
 *
 * Anti-spoofing first: the source MAC must be one the slice owns in its
 * VLAN, and a tag, if the slice sends one, must be its own VLAN. Then the
 * slice's send rate. The frame is then put in its wire form (tagged with
 * the slice's VLAN) and switched like a bridge would: group frames to the
 * VLAN's flood domain (the uplink and the other slices of the VLAN),
 * unicast to the slice owning the destination in the same VLAN (hairpin,
 * never touching the wire), anything else to the uplink. The egress
 * program (mux_uplink.bpf.c) strips the tag again for a receiving slice.
 *
 * One copy of this object is loaded per slice, all sharing the uplink
 * object's maps; the program finds its port from ctx->ingress_ifindex.
 */
#include "mux_common.bpf.h"

/* Inserts the slice's 802.1Q tag after the MACs. */
static __always_inline int mux_vlan_push(struct xdp_md *ctx, __u16 vlan)
{
	void *data, *end;
	__be16 *tag;
	__u8 macs[12];

	data = (void *)(long)ctx->data;
	end = (void *)(long)ctx->data_end;
	if (data + sizeof(macs) > end)
		return -1;
	__builtin_memcpy(macs, data, sizeof(macs));
	if (bpf_xdp_adjust_head(ctx, -(int)sizeof(struct mux_vlan_hdr)))
		return -1;
	data = (void *)(long)ctx->data;
	end = (void *)(long)ctx->data_end;
	if (data + sizeof(macs) + 2 * sizeof(*tag) > end)
		return -1;
	__builtin_memcpy(data, macs, sizeof(macs));
	/* TPID where the EtherType was, then the TCI; the original
	 * EtherType is now the tag's inner protocol. */
	tag = data + sizeof(macs);
	tag[0] = ETH_P_8021Q_BE;
	tag[1] = bpf_htons(vlan & VLAN_VID_MASK);
	return 0;
}

/* The port owning mac in vlan, or -1. */
static __always_inline long mux_mac_owner(const __u8 *mac, __u16 vlan)
{
	struct mux_mac_key key = {};
	__u32 *port;

	__builtin_memcpy(key.mac, mac, 6);
	key.vlan = vlan;
	port = bpf_map_lookup_elem(&mux_macs, &key);
	return port ? (long)*port : -1;
}

/* Why the slice on port may not send this frame, or -1 if it may. */
static __always_inline int mux_slice_check(__u32 port,
		const struct mux_port_info *pi, const struct mux_frame *f,
		long *dst_owner)
{
	/* An untagged slice sends untagged; a tagged one may tag itself, once.
	 * An S-tag or a second tag would reach VLANs that are not its own. */
	if (f->stacked || (f->tagged && (pi->vlan == 0 || f->vlan != pi->vlan)))
		return MUX_DROP_WRONG_VLAN;
	if (mux_mac_owner(f->eth->h_source, pi->vlan) != (long)port)
		return MUX_DROP_SPOOFED_SRC_MAC;
	*dst_owner = -1;
	if (!mux_mac_is_group(f->eth->h_dest)) {
		*dst_owner = mux_mac_owner(f->eth->h_dest, pi->vlan);
		if (*dst_owner == (long)port)
			return MUX_DROP_DST_IS_SELF;
	}
	return -1;
}

static __always_inline long mux_slice_redirect(const struct mux_frame *f,
		__u16 vlan, long dst_owner)
{
	__u32 key = vlan;
	void *dom;

	if (dst_owner >= 0)
		return bpf_redirect_map(&mux_ports, (__u32)dst_owner, 0);
	if (!mux_mac_is_group(f->eth->h_dest))
		return bpf_redirect_map(&mux_ports, MUX_UPLINK_PORT, 0);
	dom = bpf_map_lookup_elem(&mux_flood, &key);
	if (!dom)
		return XDP_ABORTED;
	return bpf_redirect_map(dom, 0, BPF_F_BROADCAST | BPF_F_EXCLUDE_INGRESS);
}

SEC("xdp")
int mux_slice(struct xdp_md *ctx)
{
	__u32 ifindex = ctx->ingress_ifindex;
	const struct mux_port_info *pi;
	struct mux_frame f;
	long dst_owner;
	__u32 *pport, port, sent;
	int why;

	pport = bpf_map_lookup_elem(&mux_ifindex, &ifindex);
	if (!pport)
		return mux_drop(MUX_UPLINK_PORT, MUX_DROP_UNKNOWN_PORT);
	port = *pport;
	pi = bpf_map_lookup_elem(&mux_port_info, &port);
	if (!pi)
		return mux_drop(MUX_UPLINK_PORT, MUX_DROP_UNKNOWN_PORT);
	if (mux_parse(ctx, &f))
		return mux_drop(port, MUX_DROP_MALFORMED);
	why = mux_slice_check(port, pi, &f, &dst_owner);
	if (why >= 0)
		return mux_drop(port, why);
	if (!mux_rate_ok(port, MUX_DIR_FROM_SLICE, f.len))
		return mux_drop(port, MUX_DROP_RATE_LIMITED);

	sent = f.len;
	if (pi->vlan && !f.tagged) {
		if (mux_vlan_push(ctx, pi->vlan))
			return mux_drop(port, MUX_DROP_NO_HEADROOM);
		/* The push moved the frame: parse it again for the redirect. */
		if (mux_parse(ctx, &f))
			return mux_drop(port, MUX_DROP_MALFORMED);
	}
	if (mux_slice_redirect(&f, pi->vlan, dst_owner) != XDP_REDIRECT)
		return mux_drop(port, MUX_DROP_REDIRECT_FAILED);
	mux_count_tx(port, sent);
	return XDP_REDIRECT;
}

char _license[] SEC("license") = "Dual BSD/GPL";
