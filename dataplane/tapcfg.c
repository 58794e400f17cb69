/* SPDX-License-Identifier: BSD-3-Clause
 * The kernel side of the exception path: addresses and sysctls of the
 * TAPs, through rtnetlink (libmnl) and /proc/sys. Control thread only. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <net/if.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>

#include <libmnl/libmnl.h>

#include "vrd.h"

/* Sends one request and waits for its ack; returns 0 or -errno. */
static int
nl_request(struct nlmsghdr *nlh)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct mnl_socket *nl = mnl_socket_open(NETLINK_ROUTE);
	int rc;

	if (nl == NULL)
		return -errno;
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		rc = -errno;
		mnl_socket_close(nl);
		return rc;
	}
	nlh->nlmsg_seq = (unsigned int)time(NULL);
	rc = (int)mnl_socket_sendto(nl, nlh, nlh->nlmsg_len);
	if (rc >= 0)
		rc = (int)mnl_socket_recvfrom(nl, buf, sizeof(buf));
	if (rc >= 0)
		rc = mnl_cb_run(buf, (size_t)rc, nlh->nlmsg_seq,
				mnl_socket_get_portid(nl), NULL, NULL);
	rc = rc < 0 ? -errno : 0;
	mnl_socket_close(nl);
	return rc;
}

int
vrd_tap_addr(const char *ifname, int family, const uint8_t *ip, uint8_t depth,
	     bool add, char *err, size_t errlen)
{
	char buf[512];
	struct nlmsghdr *nlh;
	struct ifaddrmsg *ifa;
	unsigned int idx = if_nametoindex(ifname);
	int rc, len = family == AF_INET ? 4 : 16;

	if (idx == 0) {
		snprintf(err, errlen, "no interface %s in vrd's namespace", ifname);
		return -ENODEV;
	}
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = add ? RTM_NEWADDR : RTM_DELADDR;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK |
			   (add ? NLM_F_CREATE | NLM_F_REPLACE : 0);
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = family;
	ifa->ifa_prefixlen = depth;
	ifa->ifa_index = idx;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	mnl_attr_put(nlh, IFA_LOCAL, len, ip);
	mnl_attr_put(nlh, IFA_ADDRESS, len, ip);
	/* The data path owns duplicate detection: vrd already holds it. */
	if (family == AF_INET6)
		mnl_attr_put_u32(nlh, IFA_FLAGS, IFA_F_NODAD);
	rc = nl_request(nlh);
	if ((add && rc == -EEXIST) || (!add && rc == -EADDRNOTAVAIL))
		rc = 0;
	if (rc < 0)
		snprintf(err, errlen, "%s address on %s: %s",
			 add ? "adding" : "removing", ifname, strerror(-rc));
	return rc;
}

int
vrd_tap_neigh(const char *ifname, int family, const uint8_t *ip,
	      const struct rte_ether_addr *mac)
{
	char buf[512];
	struct nlmsghdr *nlh;
	struct ndmsg *nd;
	unsigned int idx = if_nametoindex(ifname);

	if (idx == 0)
		return -ENODEV;
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = mac ? RTM_NEWNEIGH : RTM_DELNEIGH;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK |
			   (mac ? NLM_F_CREATE | NLM_F_REPLACE : 0);
	nd = mnl_nlmsg_put_extra_header(nlh, sizeof(*nd));
	nd->ndm_family = family;
	nd->ndm_ifindex = (int)idx;
	nd->ndm_state = NUD_PERMANENT;
	mnl_attr_put(nlh, NDA_DST, family == AF_INET ? 4 : 16, ip);
	if (mac)
		mnl_attr_put(nlh, NDA_LLADDR, RTE_ETHER_ADDR_LEN, mac);
	return nl_request(nlh);
}

static int
sysctl_write(const char *path, const char *val)
{
	FILE *f = fopen(path, "w");
	int rc = 0;

	if (f == NULL)
		return -errno;
	if (fputs(val, f) < 0)
		rc = -EIO;
	if (fclose(f) != 0 && rc == 0)
		rc = -errno;
	return rc;
}

/* The kernel answers for the data path only where vrd punts to it: on
 * the TAPs. Forwarding there lets it send ICMP time exceeded (RFC 1812
 * 5.3.1) and resolve, then forward, what vrd could not (unresolved next
 * hop); the data ports' own interfaces, if any, are not touched. */
int
vrd_tap_sysctls(const char *ifname)
{
	static const char *const knobs[][2] = {
		{ "/proc/sys/net/ipv4/conf/%s/forwarding", "1" },
		{ "/proc/sys/net/ipv4/conf/%s/rp_filter", "0" },
		{ "/proc/sys/net/ipv6/conf/%s/forwarding", "1" },
		/* Linux 6.17+: IPv6 forwarding per interface. */
		{ "/proc/sys/net/ipv6/conf/%s/force_forwarding", "1" },
	};
	char path[128];
	int rc = 0;

	for (size_t i = 0; i < RTE_DIM(knobs); i++) {
		snprintf(path, sizeof(path), knobs[i][0], ifname);
		if (access(path, F_OK) != 0)
			continue;
		if (sysctl_write(path, knobs[i][1]) < 0)
			rc = -errno;
	}
	return rc;
}

/* Removes a TAP that net_tap's persist would keep: after a failed start,
 * vrd leaves nothing behind. */
int
vrd_tap_delete(const char *ifname)
{
	char buf[512];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifinfomsg *ifi;

	nlh->nlmsg_type = RTM_DELLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, ifname);
	return nl_request(nlh);
}

int
vrd_tap_vrf_add(const char *name, uint32_t table)
{
	char buf[512];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifinfomsg *ifi;
	struct nlattr *linkinfo, *data;
	int rc;

	nlh->nlmsg_type = RTM_NEWLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_flags = IFF_UP;
	ifi->ifi_change = IFF_UP;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	linkinfo = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "vrf");
	data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
	mnl_attr_put_u32(nlh, IFLA_VRF_TABLE, table);
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, linkinfo);
	rc = nl_request(nlh);
	/* "Unknown device type": no vrf module in this kernel. */
	return rc == -EOPNOTSUPP || rc == -ENOENT ? -EOPNOTSUPP : rc;
}

int
vrd_tap_set_master(const char *ifname, const char *master)
{
	char buf[512];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifinfomsg *ifi;
	unsigned int idx = if_nametoindex(ifname), midx = 0;

	if (idx == 0 || (master != NULL && (midx = if_nametoindex(master)) == 0))
		return -ENODEV;
	nlh->nlmsg_type = RTM_NEWLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = (int)idx;
	mnl_attr_put_u32(nlh, IFLA_MASTER, midx);
	return nl_request(nlh);
}
