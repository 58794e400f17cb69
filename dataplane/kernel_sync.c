/* SPDX-License-Identifier: BSD-3-Clause
 * The kernel behind the TAPs is where addresses and neighbours live: FRR
 * and iproute2 configure addresses there, and the kernel resolves ARP and
 * ND for what vrd punts to it. vrd follows it through rtnetlink: a dump at
 * start, then RTM_NEWADDR/RTM_DELADDR and RTM_NEWNEIGH/RTM_DELNEIGH for
 * interfaces that are vrd's TAPs. Control thread only.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <net/if.h>
#include <sys/epoll.h>
#include <linux/if_addr.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>

#include <libmnl/libmnl.h>

#include "cmd.h"
#include "vrd.h"

static struct mnl_socket *ks;

static struct vrd_port *
tap_port(unsigned int ifindex)
{
	char name[IF_NAMESIZE];

	if (if_indextoname(ifindex, name) == NULL)
		return NULL;
	return vrd_port_by_name(name);
}

struct attrs {
	const struct nlattr *tb[32];
};

static int
attr_cb(const struct nlattr *a, void *data)
{
	struct attrs *t = data;

	if (mnl_attr_get_type(a) < 32)
		t->tb[mnl_attr_get_type(a)] = a;
	return MNL_CB_OK;
}

static void
on_addr(const struct nlmsghdr *nlh)
{
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *a;
	struct attrs t = { 0 };
	struct vr_reply r = { 0 };
	struct vrd_prefix p = { 0 };
	struct vrd_port *vp;
	size_t len = ifa->ifa_family == AF_INET ? 4 : 16;

	if ((ifa->ifa_family != AF_INET && ifa->ifa_family != AF_INET6) ||
	    (vp = tap_port(ifa->ifa_index)) == NULL ||
	    mnl_attr_parse(nlh, sizeof(*ifa), attr_cb, &t) < 0)
		return;
	a = t.tb[IFA_LOCAL] ? t.tb[IFA_LOCAL] : t.tb[IFA_ADDRESS];
	if (a == NULL || mnl_attr_get_payload_len(a) != len)
		return;
	p.family = ifa->ifa_family;
	p.depth = ifa->ifa_prefixlen;
	memcpy(p.ip, mnl_attr_get_payload(a), len);
	/* Link-local addresses stay the kernel's: vrd punts fe80::/10. */
	if (p.family == AF_INET6 && p.ip[0] == 0xfe && (p.ip[1] & 0xc0) == 0x80)
		return;
	if (vrd_addr_set(vp, &p, nlh->nlmsg_type == RTM_NEWADDR, false, &r) < 0 &&
	    r.err != EEXIST && r.err != ENOENT)
		fprintf(stderr, "vrd: kernel address on %s: %s\n", vp->name, r.msg);
}

static void
on_neigh(const struct nlmsghdr *nlh)
{
	const struct ndmsg *nd = mnl_nlmsg_get_payload(nlh);
	struct attrs t = { 0 };
	struct vrd_port *vp;
	uint8_t ip[VR_IP6_LEN] = { 0 };
	size_t len = nd->ndm_family == AF_INET ? 4 : 16;
	bool usable;

	if ((nd->ndm_family != AF_INET && nd->ndm_family != AF_INET6) ||
	    (vp = tap_port((unsigned int)nd->ndm_ifindex)) == NULL ||
	    mnl_attr_parse(nlh, sizeof(*nd), attr_cb, &t) < 0 ||
	    t.tb[NDA_DST] == NULL || mnl_attr_get_payload_len(t.tb[NDA_DST]) != len)
		return;
	memcpy(ip, mnl_attr_get_payload(t.tb[NDA_DST]), len);
	/* A MAC the kernel has confirmed or still holds; FAILED and
	 * INCOMPLETE entries have none to give. */
	usable = nlh->nlmsg_type == RTM_NEWNEIGH && t.tb[NDA_LLADDR] != NULL &&
		 mnl_attr_get_payload_len(t.tb[NDA_LLADDR]) == RTE_ETHER_ADDR_LEN &&
		 (nd->ndm_state & (NUD_REACHABLE | NUD_STALE | NUD_DELAY |
				   NUD_PROBE | NUD_PERMANENT | NUD_NOARP));
	if (usable) {
		struct rte_ether_addr mac;
		memcpy(&mac, mnl_attr_get_payload(t.tb[NDA_LLADDR]), sizeof(mac));
		if (!rte_is_multicast_ether_addr(&mac) && !rte_is_zero_ether_addr(&mac))
			vr_fib_neigh_add(vrd.vrfs[vp->vrf].fib, nd->ndm_family, ip, vp->port_id, &mac);
	} else if (nlh->nlmsg_type == RTM_DELNEIGH ||
		   (nd->ndm_state & (NUD_FAILED | NUD_INCOMPLETE))) {
		vr_fib_neigh_del(vrd.vrfs[vp->vrf].fib, nd->ndm_family, ip, vp->port_id);
	}
}

static int
msg_cb(const struct nlmsghdr *nlh, void *arg)
{
	switch (nlh->nlmsg_type) {
	case RTM_NEWADDR:
	case RTM_DELADDR:
		if (nlh->nlmsg_len >= mnl_nlmsg_size(sizeof(struct ifaddrmsg)))
			on_addr(nlh);
		break;
	case RTM_NEWNEIGH:
	case RTM_DELNEIGH:
		if (nlh->nlmsg_len >= mnl_nlmsg_size(sizeof(struct ndmsg)))
			on_neigh(nlh);
		break;
	}
	return MNL_CB_OK;
}

static void
ks_event(int fd, unsigned int events, void *arg)
{
	char buf[1 << 16];
	ssize_t n;

	while ((n = mnl_socket_recvfrom(ks, buf, sizeof(buf))) > 0)
		mnl_cb_run(buf, (size_t)n, 0, 0, msg_cb, NULL);
	if (n < 0 && errno == ENOBUFS)
		fprintf(stderr, "vrd: rtnetlink events overran; re-reading "
			"addresses and neighbours\n");
}

/* Reads the kernel's current addresses or neighbours on a separate
 * socket, so that dump replies do not mix with events. */
static void
dump(uint16_t type)
{
	char buf[1 << 16];
	struct mnl_socket *nl = mnl_socket_open(NETLINK_ROUTE);
	struct nlmsghdr *nlh;
	struct rtgenmsg *g;
	unsigned int seq = (unsigned int)time(NULL);
	ssize_t n;
	int rc = MNL_CB_OK;

	if (nl == NULL || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		if (nl)
			mnl_socket_close(nl);
		return;
	}
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = seq;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->rtgen_family = AF_UNSPEC;
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) >= 0)
		while (rc > MNL_CB_STOP &&
		       (n = mnl_socket_recvfrom(nl, buf, sizeof(buf))) > 0)
			rc = mnl_cb_run(buf, (size_t)n, seq,
					mnl_socket_get_portid(nl), msg_cb, NULL);
	mnl_socket_close(nl);
}

int
vrd_kernel_sync_start(void)
{
	unsigned int groups = RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR |
			      RTMGRP_NEIGH;
	int rc;

	ks = mnl_socket_open2(NETLINK_ROUTE, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (ks == NULL)
		return -errno;
	if (mnl_socket_bind(ks, groups, MNL_SOCKET_AUTOPID) < 0) {
		rc = -errno;
		mnl_socket_close(ks);
		ks = NULL;
		return rc;
	}
	rc = vr_evloop_add(vrd.loop, mnl_socket_get_fd(ks), EPOLLIN, ks_event, NULL);
	if (rc < 0) {
		mnl_socket_close(ks);
		ks = NULL;
		return rc;
	}
	return 0;
}

/* After a port is added: what the kernel already has on its TAP. */
void
vrd_kernel_sync_port(void)
{
	if (ks == NULL)
		return;
	dump(RTM_GETADDR);
	dump(RTM_GETNEIGH);
}

void
vrd_kernel_sync_stop(void)
{
	if (ks == NULL)
		return;
	vr_evloop_del(vrd.loop, mnl_socket_get_fd(ks));
	mnl_socket_close(ks);
	ks = NULL;
}
