// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* XDP_PASS, nothing else. Native XDP redirect into a veth delivers only
 * when the veth's peer runs an XDP program (otherwise veth_xdp_xmit drops
 * the frames), so the peers of the uplink and slice veths in tests run this
 * one: `ip link set dev X xdp obj mux_pass.bpf.o sec xdp`. A tiny object of
 * its own, so iproute2 loads no maps for it.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int mux_pass(struct xdp_md *ctx)
{
	return XDP_PASS;
}

char _license[] SEC("license") = "Dual BSD/GPL";
