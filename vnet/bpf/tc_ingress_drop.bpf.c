// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* Attached at tc ingress of an interface that a DPDK af_packet port
 * owns. AF_PACKET sockets receive a frame before tc ingress runs, so the
 * port still sees everything while the kernel stack of that namespace
 * sees nothing: it cannot answer ARP for, reply to, or forward what is
 * vrd's to handle. (The matchall classifier and gact action would do the
 * same, but not every kernel has them; cls_bpf is there wherever XDP is.)
 */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>

__attribute__((section("tc"), used))
int vr_tc_ingress_drop(struct __sk_buff *skb)
{
	return TC_ACT_SHOT;
}

char _license[] __attribute__((section("license"), used)) = "Dual BSD/GPL";
