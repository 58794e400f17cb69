// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* A VLAN access port for kernel hosts in tests, where the kernel has
 * neither 802.1Q devices nor VLAN-filtering bridges: attached to the
 * bridge end of a host's veth, it tags what the host sends with VID (tc
 * ingress, "push") and hands the host only untagged frames of VID (tc
 * egress, "pop"). "untagged" (egress) keeps tagged frames from a host of
 * the untagged network. One program per object (iproute2 loads the "tc"
 * section): built per VID and per role, -DVID=N -DROLE_PUSH|POP|UNTAGGED.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#ifndef VID
#define VID 0
#endif

#if defined(ROLE_PUSH)
SEC("tc") int vlan_push(struct __sk_buff *skb)
{
	if (skb->vlan_present)
		return TC_ACT_SHOT;
	return bpf_skb_vlan_push(skb, bpf_htons(ETH_P_8021Q), VID) ?
	       TC_ACT_SHOT : TC_ACT_OK;
}

#elif defined(ROLE_POP)
/* The bridge's receive path moved the tag out of the frame. */
SEC("tc") int vlan_pop(struct __sk_buff *skb)
{
	if (!skb->vlan_present || (skb->vlan_tci & 0xfff) != VID)
		return TC_ACT_SHOT;
	return bpf_skb_vlan_pop(skb) ? TC_ACT_SHOT : TC_ACT_OK;
}

#else
SEC("tc") int untagged_only(struct __sk_buff *skb)
{
	return skb->vlan_present ? TC_ACT_SHOT : TC_ACT_OK;
}
#endif

char _license[] SEC("license") = "Dual BSD/GPL";
