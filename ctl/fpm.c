/* SPDX-License-Identifier: BSD-3-Clause
 * The FPM server: TCP framing, netlink parsing (libmnl), session state.
 * One session at a time: a new connection from zebra replaces the old.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <linux/nexthop.h>
#include <linux/rtnetlink.h>

#include <libmnl/libmnl.h>

#include "vr_fpm.h"

#define FPM_HDR_LEN 4
#define FPM_VERSION 1
#define FPM_TYPE_NETLINK 1
#define FPM_MAX_FRAME 65535
#define FPM_RXBUF (1 << 20)
#define FPM_TXBUF (1 << 18)

struct vr_fpm {
	struct vr_evloop *loop;
	int lfd, cfd;
	const struct vr_fpm_ops *ops;
	void *arg;
	uint8_t *buf;                /* received, not yet framed */
	size_t len;
	uint8_t *obuf;               /* offload reports, sent per batch */
	size_t olen;
	struct timespec last;        /* last frame or session start */
	struct timespec first;       /* first frame of the session */
	struct vr_fpm_stats st;
};

static void
now(struct timespec *t)
{
	clock_gettime(CLOCK_MONOTONIC, t);
}

/* ---------- parsing ---------- */

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

struct attrs {
	const struct nlattr *tb[64];
};

static int
attr_cb(const struct nlattr *a, void *data)
{
	struct attrs *t = data;
	unsigned int type = mnl_attr_get_type(a);

	if (type < ARRAY_LEN(t->tb))
		t->tb[type] = a;
	return MNL_CB_OK;
}

static int
addr_attr(const struct nlattr *a, int family, uint8_t *out, char *err,
	  size_t errlen, const char *what)
{
	size_t want = family == AF_INET ? 4 : 16;

	if (family != AF_INET && family != AF_INET6) {
		snprintf(err, errlen, "%s for address family %d", what, family);
		return -EBADMSG;
	}
	if (mnl_attr_get_payload_len(a) != want) {
		snprintf(err, errlen, "%s of %u bytes for family %d", what,
			 mnl_attr_get_payload_len(a), family);
		return -EBADMSG;
	}
	memset(out, 0, 16);
	memcpy(out, mnl_attr_get_payload(a), want);
	return 0;
}

static int
u32_attr(const struct nlattr *a, uint32_t *v, char *err, size_t errlen,
	 const char *what)
{
	if (mnl_attr_validate(a, MNL_TYPE_U32) < 0) {
		snprintf(err, errlen, "%s is not a 32-bit value", what);
		return -EBADMSG;
	}
	*v = mnl_attr_get_u32(a);
	return 0;
}

static int
parse_nexthop(const struct nlmsghdr *nlh, struct vr_fpm_nexthop *nh, char *err,
	      size_t errlen)
{
	const struct nhmsg *m;
	struct attrs t = { 0 };

	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*m))) {
		snprintf(err, errlen, "nexthop message shorter than its header");
		return -EBADMSG;
	}
	m = mnl_nlmsg_get_payload(nlh);
	if (mnl_attr_parse(nlh, sizeof(*m), attr_cb, &t) < 0) {
		snprintf(err, errlen, "nexthop attributes overrun the message");
		return -EBADMSG;
	}
	memset(nh, 0, sizeof(*nh));
	nh->family = m->nh_family;
	if (t.tb[NHA_ID] == NULL) {
		snprintf(err, errlen, "nexthop without NHA_ID");
		return -EBADMSG;
	}
	if (u32_attr(t.tb[NHA_ID], &nh->id, err, errlen, "NHA_ID") < 0)
		return -EBADMSG;
	if (nh->id == 0) {
		snprintf(err, errlen, "nexthop id 0");
		return -EBADMSG;
	}
	if (nlh->nlmsg_type == RTM_DELNEXTHOP)
		return 0;
	if (t.tb[NHA_GROUP] != NULL) {
		const struct nexthop_grp *g = mnl_attr_get_payload(t.tb[NHA_GROUP]);
		size_t n = mnl_attr_get_payload_len(t.tb[NHA_GROUP]) / sizeof(*g);

		if (n == 0 || mnl_attr_get_payload_len(t.tb[NHA_GROUP]) % sizeof(*g)) {
			snprintf(err, errlen, "NHA_GROUP of %u bytes",
				 mnl_attr_get_payload_len(t.tb[NHA_GROUP]));
			return -EBADMSG;
		}
		if (n > VR_FPM_MAX_PATHS) {
			snprintf(err, errlen, "group %u has %zu members (at most %d)",
				 nh->id, n, VR_FPM_MAX_PATHS);
			return -E2BIG;
		}
		for (size_t i = 0; i < n; i++)
			nh->members[i] = g[i].id;
		nh->n_members = (unsigned int)n;
		return 0;
	}
	if (t.tb[NHA_BLACKHOLE] != NULL) {
		nh->blackhole = true;
		return 0;
	}
	if (t.tb[NHA_OIF] != NULL &&
	    u32_attr(t.tb[NHA_OIF], &nh->path.ifindex, err, errlen, "NHA_OIF") < 0)
		return -EBADMSG;
	if (t.tb[NHA_GATEWAY] != NULL) {
		if (addr_attr(t.tb[NHA_GATEWAY], nh->family, nh->path.gw, err,
			      errlen, "NHA_GATEWAY") < 0)
			return -EBADMSG;
		nh->path.has_gw = true;
	}
	if (nh->path.ifindex == 0 && !nh->path.has_gw) {
		snprintf(err, errlen, "nexthop %u has no gateway, interface, "
			 "group or blackhole", nh->id);
		return -EBADMSG;
	}
	return 0;
}

static int
parse_multipath(const struct nlattr *a, int family, struct vr_fpm_route *r,
		char *err, size_t errlen)
{
	const uint8_t *p = mnl_attr_get_payload(a);
	size_t left = mnl_attr_get_payload_len(a);

	while (left >= sizeof(struct rtnexthop)) {
		const struct rtnexthop *rtnh = (const struct rtnexthop *)p;
		struct vr_fpm_path *path;

		if (rtnh->rtnh_len < sizeof(*rtnh) || rtnh->rtnh_len > left) {
			snprintf(err, errlen, "RTA_MULTIPATH entry of %u bytes "
				 "with %zu left", rtnh->rtnh_len, left);
			return -EBADMSG;
		}
		if (r->n_paths == VR_FPM_MAX_PATHS) {
			snprintf(err, errlen, "more than %d paths", VR_FPM_MAX_PATHS);
			return -E2BIG;
		}
		path = &r->paths[r->n_paths++];
		memset(path, 0, sizeof(*path));
		path->ifindex = (uint32_t)rtnh->rtnh_ifindex;
		for (size_t off = RTNH_ALIGN(sizeof(*rtnh));
		     off + sizeof(struct nlattr) <= rtnh->rtnh_len;) {
			const struct nlattr *na = (const struct nlattr *)(p + off);
			if (na->nla_len < sizeof(*na) || off + na->nla_len > rtnh->rtnh_len) {
				snprintf(err, errlen, "bad attribute in RTA_MULTIPATH");
				return -EBADMSG;
			}
			if (mnl_attr_get_type(na) == RTA_GATEWAY) {
				if (addr_attr(na, family, path->gw, err, errlen,
					      "RTA_GATEWAY") < 0)
					return -EBADMSG;
				path->has_gw = true;
			}
			off += MNL_ALIGN(na->nla_len);
		}
		if ((size_t)RTNH_ALIGN(rtnh->rtnh_len) >= left)
			break;
		left -= (size_t)RTNH_ALIGN(rtnh->rtnh_len);
		p += RTNH_ALIGN(rtnh->rtnh_len);
	}
	return 0;
}

static int
parse_route(const struct nlmsghdr *nlh, struct vr_fpm_route *r, char *err,
	    size_t errlen)
{
	const struct rtmsg *m;
	struct attrs t = { 0 };

	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*m))) {
		snprintf(err, errlen, "route message shorter than its header");
		return -EBADMSG;
	}
	m = mnl_nlmsg_get_payload(nlh);
	if (mnl_attr_parse(nlh, sizeof(*m), attr_cb, &t) < 0) {
		snprintf(err, errlen, "route attributes overrun the message");
		return -EBADMSG;
	}
	memset(r, 0, sizeof(*r));
	r->family = m->rtm_family;
	if (r->family != AF_INET && r->family != AF_INET6)
		return -ENOTSUP;     /* MPLS and others: not ours */
	r->dst_len = m->rtm_dst_len;
	if (r->dst_len > (r->family == AF_INET ? 32 : 128)) {
		snprintf(err, errlen, "prefix length %u", r->dst_len);
		return -EBADMSG;
	}
	r->table = m->rtm_table;
	if (t.tb[RTA_TABLE] != NULL &&
	    u32_attr(t.tb[RTA_TABLE], &r->table, err, errlen, "RTA_TABLE") < 0)
		return -EBADMSG;
	r->protocol = m->rtm_protocol;
	/* zebra's deletes carry no meaningful type: a delete is a delete. */
	switch (nlh->nlmsg_type == RTM_DELROUTE ? RTN_UNICAST : m->rtm_type) {
	case RTN_UNICAST: r->type = VR_FPM_UNICAST; break;
	case RTN_BLACKHOLE: r->type = VR_FPM_BLACKHOLE; break;
	case RTN_UNREACHABLE:
	case RTN_PROHIBIT: r->type = VR_FPM_UNREACHABLE; break;
	default:
		return -ENOTSUP;     /* local, broadcast, multicast: the kernel's */
	}
	if (t.tb[RTA_DST] != NULL) {
		if (addr_attr(t.tb[RTA_DST], r->family, r->dst, err, errlen,
			      "RTA_DST") < 0)
			return -EBADMSG;
	} else if (r->dst_len != 0) {
		snprintf(err, errlen, "/%u route without RTA_DST", r->dst_len);
		return -EBADMSG;
	}
	if (nlh->nlmsg_type == RTM_DELROUTE || r->type != VR_FPM_UNICAST)
		return 0;
	if (t.tb[RTA_NH_ID] != NULL)
		return u32_attr(t.tb[RTA_NH_ID], &r->nh_id, err, errlen, "RTA_NH_ID");
	if (t.tb[RTA_MULTIPATH] != NULL)
		return parse_multipath(t.tb[RTA_MULTIPATH], r->family, r, err, errlen);
	r->n_paths = 1;
	if (t.tb[RTA_OIF] != NULL &&
	    u32_attr(t.tb[RTA_OIF], &r->paths[0].ifindex, err, errlen, "RTA_OIF") < 0)
		return -EBADMSG;
	if (t.tb[RTA_GATEWAY] != NULL) {
		if (addr_attr(t.tb[RTA_GATEWAY], r->family, r->paths[0].gw, err,
			      errlen, "RTA_GATEWAY") < 0)
			return -EBADMSG;
		r->paths[0].has_gw = true;
	}
	if (r->paths[0].ifindex == 0 && !r->paths[0].has_gw) {
		snprintf(err, errlen, "unicast route without next hop");
		return -EBADMSG;
	}
	return 0;
}

int
vr_fpm_parse(const void *msg, size_t len, const struct vr_fpm_ops *ops,
	     void *arg, char *err, size_t errlen)
{
	const struct nlmsghdr *nlh = msg;
	struct vr_fpm_nexthop nh;
	struct vr_fpm_route r;
	int rc;

	if (len < sizeof(*nlh) || !mnl_nlmsg_ok(nlh, (int)len) ||
	    nlh->nlmsg_len != len) {
		snprintf(err, errlen, "netlink length %u in a frame of %zu bytes",
			 len >= sizeof(*nlh) ? nlh->nlmsg_len : 0, len);
		return -EBADMSG;
	}
	switch (nlh->nlmsg_type) {
	case RTM_NEWNEXTHOP:
	case RTM_DELNEXTHOP:
		if ((rc = parse_nexthop(nlh, &nh, err, errlen)) < 0)
			return rc;
		return nlh->nlmsg_type == RTM_NEWNEXTHOP ?
			       ops->nexthop_add(arg, &nh) :
			       ops->nexthop_del(arg, nh.id);
	case RTM_NEWROUTE:
	case RTM_DELROUTE:
		if ((rc = parse_route(nlh, &r, err, errlen)) < 0)
			return rc;
		return nlh->nlmsg_type == RTM_NEWROUTE ? ops->route_add(arg, &r) :
							 ops->route_del(arg, &r);
	default:
		return -ENOTSUP;
	}
}

/* ---------- session ---------- */

/* Best effort: a full socket buffer loses reports, never routes. */
static void
reports_flush(struct vr_fpm *f)
{
	if (f->olen > 0 && f->cfd >= 0)
		(void)!send(f->cfd, f->obuf, f->olen, MSG_NOSIGNAL | MSG_DONTWAIT);
	f->olen = 0;
}

static void
session_end(struct vr_fpm *f, const char *why)
{
	if (f->cfd < 0)
		return;
	fprintf(stderr, "vrd: fpm: session closed: %s\n", why);
	vr_evloop_del(f->loop, f->cfd);
	close(f->cfd);
	f->cfd = -1;
	f->len = 0;
	f->olen = 0;
	f->ops->session(f->arg, false);
}

/* Frames and applies what arrived; false when the session must end. */
static bool
frames_consume(struct vr_fpm *f)
{
	if (f->st.session_frames == 0)
		now(&f->first);
	size_t off = 0, n_frames = 0;
	char err[256];

	while (f->len - off >= FPM_HDR_LEN) {
		const uint8_t *h = f->buf + off;
		uint16_t flen = (uint16_t)(h[2] << 8 | h[3]);
		int rc;

		if (h[0] != FPM_VERSION || h[1] != FPM_TYPE_NETLINK ||
		    flen < FPM_HDR_LEN + sizeof(struct nlmsghdr)) {
			fprintf(stderr, "vrd: fpm: malformed frame header "
				"(version %u, type %u, length %u)\n", h[0], h[1], flen);
			f->st.malformed++;
			return false;
		}
		if (f->len - off < flen)
			break;
		rc = vr_fpm_parse(h + FPM_HDR_LEN, flen - FPM_HDR_LEN, f->ops,
				  f->arg, err, sizeof(err));
		f->st.frames++;
		n_frames++;
		if (rc == -EBADMSG) {
			fprintf(stderr, "vrd: fpm: malformed message: %s\n", err);
			f->st.malformed++;
			return false;
		}
		if (rc == -ENOTSUP)
			f->st.ignored++;
		else if (rc < 0)
			f->st.errors++;
		off += flen;
	}
	memmove(f->buf, f->buf + off, f->len - off);
	f->len -= off;
	if (off > 0) {
		now(&f->last);
		f->st.session_frames += n_frames;
		f->st.session_busy_s =
			(double)(f->last.tv_sec - f->first.tv_sec) +
			(f->last.tv_nsec - f->first.tv_nsec) / 1e9;
	}
	return true;
}

static void
session_event(int fd, unsigned int events, void *arg)
{
	struct vr_fpm *f = arg;

	/* At most a few buffers per wake-up: the socket stays readable and
	 * the loop comes back, after serving vrctl and the kernel. */
	for (int budget = 4; budget > 0; budget--) {
		ssize_t n = recv(fd, f->buf + f->len, FPM_RXBUF - f->len, 0);

		if (n > 0) {
			f->len += (size_t)n;
			if (!frames_consume(f)) {
				session_end(f, "malformed input (the FIB is kept; "
					    "zebra will reconnect and replay)");
				return;
			}
			continue;
		}
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			break;
		session_end(f, n == 0 ? "zebra disconnected" : strerror(errno));
		return;
	}
	reports_flush(f);
}

static void
listen_event(int fd, unsigned int events, void *arg)
{
	struct vr_fpm *f = arg;
	int c = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

	if (c < 0)
		return;
	session_end(f, "replaced by a new connection");
	if (vr_evloop_add(f->loop, c, EPOLLIN, session_event, f) < 0) {
		close(c);
		return;
	}
	f->cfd = c;
	f->len = 0;
	f->st.sessions++;
	f->st.session_frames = 0;
	f->st.session_busy_s = 0;
	now(&f->last);
	fprintf(stderr, "vrd: fpm: zebra connected\n");
	f->ops->session(f->arg, true);
}

int
vr_fpm_open(struct vr_evloop *l, const char *addr, uint16_t port,
	    const struct vr_fpm_ops *ops, void *arg, struct vr_fpm **out)
{
	struct sockaddr_storage ss = { 0 };
	struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
	socklen_t sl;
	struct vr_fpm *f;
	int one = 1, rc;

	if (inet_pton(AF_INET, addr, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		sl = sizeof(*s4);
	} else if (inet_pton(AF_INET6, addr, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		sl = sizeof(*s6);
	} else {
		return -EINVAL;
	}
	f = calloc(1, sizeof(*f));
	if (f == NULL || (f->buf = malloc(FPM_RXBUF)) == NULL ||
	    (f->obuf = malloc(FPM_TXBUF)) == NULL) {
		if (f != NULL)
			free(f->buf);
		free(f);
		return -ENOMEM;
	}
	f->loop = l;
	f->ops = ops;
	f->arg = arg;
	f->cfd = -1;
	f->lfd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (f->lfd < 0 ||
	    setsockopt(f->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(f->lfd, (struct sockaddr *)&ss, sl) < 0 || listen(f->lfd, 4) < 0) {
		rc = -errno;
		goto fail;
	}
	rc = vr_evloop_add(l, f->lfd, EPOLLIN, listen_event, f);
	if (rc < 0)
		goto fail;
	*out = f;
	return 0;
fail:
	if (f->lfd >= 0)
		close(f->lfd);
	free(f->buf);
	free(f->obuf);
	free(f);
	return rc;
}

void
vr_fpm_close(struct vr_fpm *f)
{
	if (f == NULL)
		return;
	if (f->cfd >= 0) {
		vr_evloop_del(f->loop, f->cfd);
		close(f->cfd);
	}
	vr_evloop_del(f->loop, f->lfd);
	close(f->lfd);
	free(f->buf);
	free(f->obuf);
	free(f);
}

const struct vr_fpm_stats *
vr_fpm_stats(const struct vr_fpm *f)
{
	return &f->st;
}

bool
vr_fpm_connected(const struct vr_fpm *f)
{
	return f->cfd >= 0;
}

double
vr_fpm_idle_seconds(const struct vr_fpm *f)
{
	struct timespec t;

	now(&t);
	return (double)(t.tv_sec - f->last.tv_sec) +
	       (t.tv_nsec - f->last.tv_nsec) / 1e9;
}

void
vr_fpm_report_offload(struct vr_fpm *f, const struct vr_fpm_route *r)
{
	uint8_t *buf;
	struct nlmsghdr *nlh;
	struct rtmsg *m;

	if (f->cfd < 0)
		return;
	if (f->olen + 256 > FPM_TXBUF)
		reports_flush(f);
	buf = f->obuf + f->olen;
	nlh = mnl_nlmsg_put_header(buf + FPM_HDR_LEN);
	nlh->nlmsg_type = RTM_NEWROUTE;
	m = mnl_nlmsg_put_extra_header(nlh, sizeof(*m));
	m->rtm_family = r->family;
	m->rtm_dst_len = r->dst_len;
	m->rtm_table = r->table < 256 ? (uint8_t)r->table : RT_TABLE_UNSPEC;
	m->rtm_protocol = r->protocol;
	m->rtm_type = RTN_UNICAST;
	m->rtm_flags = RTM_F_OFFLOAD;
	mnl_attr_put(nlh, RTA_DST, r->family == AF_INET ? 4 : 16, r->dst);
	mnl_attr_put_u32(nlh, RTA_TABLE, r->table);
	buf[0] = FPM_VERSION;
	buf[1] = FPM_TYPE_NETLINK;
	buf[2] = (uint8_t)((nlh->nlmsg_len + FPM_HDR_LEN) >> 8);
	buf[3] = (uint8_t)(nlh->nlmsg_len + FPM_HDR_LEN);
	f->olen += nlh->nlmsg_len + FPM_HDR_LEN;
}
