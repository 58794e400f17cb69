/* SPDX-License-Identifier: BSD-3-Clause
 * vr_fpm: the receiving end of FRR zebra's Forwarding Plane Manager
 * (dplane_fpm_nl). zebra connects over TCP and streams netlink messages,
 * each behind a 4-byte FPM header {version 1, type 1 = netlink, length
 * including the header, network order}: RTM_NEWNEXTHOP/RTM_DELNEXTHOP and
 * RTM_NEWROUTE/RTM_DELROUTE. This module frames and parses them (libmnl)
 * and hands the results to the data plane's callbacks; it knows nothing of
 * the FIB. A malformed frame gets a log line naming the problem and the
 * connection is closed: zebra reconnects and replays everything, and the
 * FIB is kept meanwhile.
 */
#ifndef VR_FPM_H
#define VR_FPM_H

#include <stdbool.h>
#include <stdint.h>

#include "vr_api.h"

#define VR_FPM_MAX_PATHS 16

struct vr_fpm_path {
	uint32_t ifindex;            /* 0: none given */
	uint8_t gw[16];              /* zero: on-link */
	bool has_gw;
};

struct vr_fpm_nexthop {
	uint32_t id;
	uint8_t family;              /* AF_INET, AF_INET6, or AF_UNSPEC for
	                              * a group or a blackhole */
	bool blackhole;
	struct vr_fpm_path path;     /* a single next hop */
	unsigned int n_members;      /* a group: member ids */
	uint32_t members[VR_FPM_MAX_PATHS];
};

enum vr_fpm_route_type {
	VR_FPM_UNICAST,
	VR_FPM_BLACKHOLE,
	VR_FPM_UNREACHABLE,          /* unreachable and prohibit */
};

struct vr_fpm_route {
	uint8_t family;
	uint8_t dst_len;
	uint8_t dst[16];
	uint32_t table;
	uint8_t protocol;            /* RTPROT_*: zebra's route source */
	uint8_t type;                /* enum vr_fpm_route_type */
	uint32_t nh_id;              /* RTA_NH_ID; 0 when paths are inline */
	unsigned int n_paths;
	struct vr_fpm_path paths[VR_FPM_MAX_PATHS];
};

/* Callbacks, run on the control thread. Return 0 or a negative errno; a
 * failure is logged and counted, not fatal to the session. */
struct vr_fpm_ops {
	int (*nexthop_add)(void *arg, const struct vr_fpm_nexthop *nh);
	int (*nexthop_del)(void *arg, uint32_t id);
	int (*route_add)(void *arg, const struct vr_fpm_route *r);
	int (*route_del)(void *arg, const struct vr_fpm_route *r);
	/* A session came up (zebra will replay) or went down. */
	void (*session)(void *arg, bool up);
};

struct vr_fpm_stats {
	uint64_t sessions, frames, routes_added, routes_deleted;
	uint64_t nexthops_added, nexthops_deleted, errors, malformed;
	uint64_t ignored;            /* valid but not for us (other types) */
	/* The current session: frames applied and the time between the
	 * first and the last of them, as this process saw it. */
	uint64_t session_frames;
	double session_busy_s;
};

struct vr_fpm;

/* Listens on addr:port (IPv4 or IPv6 literal). */
int vr_fpm_open(struct vr_evloop *l, const char *addr, uint16_t port,
		const struct vr_fpm_ops *ops, void *arg, struct vr_fpm **out);
void vr_fpm_close(struct vr_fpm *f);
const struct vr_fpm_stats *vr_fpm_stats(const struct vr_fpm *f);
bool vr_fpm_connected(const struct vr_fpm *f);
/* Seconds since the last frame of the current session (or since it came
 * up); used to tell when zebra's replay is over. */
double vr_fpm_idle_seconds(const struct vr_fpm *f);
/* Tells zebra a route is in the data plane (RTM_F_OFFLOAD). */
void vr_fpm_report_offload(struct vr_fpm *f, const struct vr_fpm_route *r);

/* Parses one netlink message (exposed for the unit tests). Returns 0 and
 * calls the ops, -ENOTSUP for a message type we do not handle, or
 * -EBADMSG with a reason in err. */
int vr_fpm_parse(const void *nlmsg, size_t len, const struct vr_fpm_ops *ops,
		 void *arg, char *err, size_t errlen);

#endif
