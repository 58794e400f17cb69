// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* vrmux XDP, uplink side.
 *
 * mux_uplink runs on the substrate port and hands each frame to the slice
 * that owns its destination (MAC, VLAN), or floods group frames to the
 * VLAN's flood domain. Nothing is passed to the driver domain's own stack:
 * a frame for no slice is dropped and counted.
 *
 * mux_egress is the devmap program of every port entry (unicast and flood
 * maps alike). It runs once per copy with ctx->egress_ifindex set, which
 * makes it the one place where a frame is delivered to a slice: it checks
 * the VLAN, applies the slice's receive rate, strips the tag (slices see
 * untagged frames) and counts. For the uplink entry it only counts.
 */
#include "mux_common.bpf.h"

static __always_inline int mux_redirect_failed(__u32 port)
{
	return mux_drop(port, MUX_DROP_REDIRECT_FAILED);
}

static __always_inline int mux_uplink_flood(const struct mux_frame *f)
{
	__u32 vlan = f->vlan;
	void *dom = bpf_map_lookup_elem(&mux_flood, &vlan);
	long rc;

	if (!dom)
		return mux_drop(MUX_UPLINK_PORT, MUX_DROP_UNKNOWN_VLAN);
	rc = bpf_redirect_map(dom, 0, BPF_F_BROADCAST | BPF_F_EXCLUDE_INGRESS);
	if (rc != XDP_REDIRECT)
		return mux_redirect_failed(MUX_UPLINK_PORT);
	mux_count_rx(MUX_UPLINK_PORT, f->len);
	return XDP_REDIRECT;
}

SEC("xdp")
int mux_uplink(struct xdp_md *ctx)
{
	struct mux_frame f;
	struct mux_mac_key key = {};
	__u32 *port;

	if (mux_parse(ctx, &f))
		return mux_drop(MUX_UPLINK_PORT, MUX_DROP_MALFORMED);
	/* Slices live in C-VLANs (or untagged): an 802.1ad outer tag is a
	 * VLAN space no slice is in. */
	if (f.eth->h_proto == ETH_P_8021AD_BE)
		return mux_drop(MUX_UPLINK_PORT, MUX_DROP_UNKNOWN_VLAN);
	if (mux_mac_is_group(f.eth->h_dest))
		return mux_uplink_flood(&f);

	__builtin_memcpy(key.mac, f.eth->h_dest, 6);
	key.vlan = f.vlan;
	port = bpf_map_lookup_elem(&mux_macs, &key);
	if (!port)
		return mux_drop(MUX_UPLINK_PORT, MUX_DROP_UNKNOWN_UNICAST);
	if (bpf_redirect_map(&mux_ports, *port, 0) != XDP_REDIRECT)
		return mux_redirect_failed(MUX_UPLINK_PORT);
	mux_count_rx(MUX_UPLINK_PORT, f.len);
	return XDP_REDIRECT;
}

/* Removes the 802.1Q tag: the MACs move 4 bytes up over it. */
static __always_inline int mux_vlan_pop(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	__u8 macs[12];

	if (data + sizeof(struct ethhdr) + sizeof(struct mux_vlan_hdr) > end)
		return -1;
	__builtin_memcpy(macs, data, sizeof(macs));
	if (bpf_xdp_adjust_head(ctx, (int)sizeof(struct mux_vlan_hdr)))
		return -1;
	data = (void *)(long)ctx->data;
	end = (void *)(long)ctx->data_end;
	if (data + sizeof(macs) > end)
		return -1;
	__builtin_memcpy(data, macs, sizeof(macs));
	return 0;
}

static __always_inline int mux_deliver_to_slice(struct xdp_md *ctx, __u32 port,
		const struct mux_frame *f)
{
	const struct mux_port_info *pi = bpf_map_lookup_elem(&mux_port_info, &port);
	__u32 len = f->tagged ? f->len - sizeof(struct mux_vlan_hdr) : f->len;

	if (!pi)
		return mux_drop(port, MUX_DROP_UNKNOWN_PORT);
	/* Flood domains and the MAC table already match VLANs; this guards
	 * the moment a port is re-added with another VLAN. */
	if (f->vlan != pi->vlan)
		return mux_drop(port, MUX_DROP_WRONG_VLAN);
	if (!mux_rate_ok(port, MUX_DIR_TO_SLICE, len))
		return mux_drop(port, MUX_DROP_RATE_LIMITED);
	if (f->tagged && mux_vlan_pop(ctx))
		return mux_drop(port, MUX_DROP_MALFORMED);
	mux_count_rx(port, len);
	return XDP_PASS;
}

SEC("xdp/devmap")
int mux_egress(struct xdp_md *ctx)
{
	__u32 ifindex = ctx->egress_ifindex;
	struct mux_frame f;
	__u32 *port = bpf_map_lookup_elem(&mux_ifindex, &ifindex);

	if (!port)
		return mux_drop(MUX_UPLINK_PORT, MUX_DROP_UNKNOWN_PORT);
	if (mux_parse(ctx, &f))
		return mux_drop(*port, MUX_DROP_MALFORMED);
	if (*port == MUX_UPLINK_PORT) {
		mux_count_tx(MUX_UPLINK_PORT, f.len);
		return XDP_PASS;
	}
	return mux_deliver_to_slice(ctx, *port, &f);
}

char _license[] SEC("license") = "Dual BSD/GPL";
