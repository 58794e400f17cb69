/* SPDX-License-Identifier: BSD-3-Clause
 * Applies what zebra sends through FPM (ctl/fpm.c) to the slice's FIB.
 *
 * zebra's next-hop objects (RTM_NEWNEXTHOP: one path, a blackhole, or a
 * group of other objects) are kept by id; a route naming one (RTA_NH_ID)
 * is installed with the group of their flattened paths. Interfaces are
 * the TAPs, so an ifindex names a vrd port by the TAP's name.
 *
 * VRFs: a route's table id (RTA_TABLE) names the vrd VRF it goes into;
 * a table no VRF has is counted and ignored until `vrf add` gives one.
 *
 * Resync: zebra replays its whole RIB on every connection. Each session
 * has a generation, stamped on the routes it installs (the RIB tag). Once
 * the session has been quiet for VRD_FPM_SETTLE_S after coming up, routes
 * of an older generation, which zebra no longer has, are swept. Until
 * then, and while zebra is away, the FIB is kept as it is.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <net/if.h>
#include <linux/rtnetlink.h>

#include <rte_hash.h>
#include <rte_jhash.h>
#include <rte_malloc.h>

#include "vr_fpm.h"
#include "vrd.h"

#define VRD_FPM_SETTLE_S 3.0
#define FPM_MAX_NH_OBJECTS (1u << 16)

/* FRR's route protocol numbers (lib/zebra.h, RTPROT_*). */
#define FRR_PROTO_BGP 186
#define FRR_PROTO_ISIS 187
#define FRR_PROTO_OSPF 188
#define FRR_PROTO_RIP 189
#define FRR_PROTO_STATIC 196

/* zebra's next-hop object as received, and the vrd group its flattened
 * paths make in each VRF, once a route there has needed it (0: not yet).
 * The object holds one reference on each group, so routes via the same
 * object share it without flattening and hashing again. */
struct fpm_object {
	struct vr_fpm_nexthop nh;
	uint32_t nhg[VRD_MAX_VRFS];
	uint8_t nhg_family[VRD_MAX_VRFS];
};

struct fpm_state {
	struct vr_fpm *fpm;
	struct rte_hash *nh;         /* zebra nexthop id -> struct fpm_object* */
	uint8_t gen;                 /* this session's tag, 1..255 */
	uint8_t vrf_gen[VRD_MAX_VRFS]; /* the last session that sent a route
	                              * of the VRF's table */
	bool sweep_pending;
	uint64_t swept, unknown_table, unknown_ifindex, nexthop_other_vrf;
};

static struct fpm_state fs;

static uint8_t
origin_of(uint8_t proto, bool has_gw)
{
	switch (proto) {
	case FRR_PROTO_BGP: return VR_ORIGIN_BGP;
	case FRR_PROTO_OSPF: return VR_ORIGIN_OSPF;
	case FRR_PROTO_STATIC: return VR_ORIGIN_STATIC;
	case RTPROT_KERNEL:
	case RTPROT_BOOT: return has_gw ? VR_ORIGIN_KERNEL : VR_ORIGIN_CONNECTED;
	default: return VR_ORIGIN_OTHER;
	}
}

static bool
fpm_origin(uint8_t origin)
{
	return origin == VR_ORIGIN_BGP || origin == VR_ORIGIN_OSPF ||
	       origin == VR_ORIGIN_STATIC || origin == VR_ORIGIN_KERNEL ||
	       origin == VR_ORIGIN_OTHER || origin == VR_ORIGIN_CONNECTED;
}

static int
path_to_spec(unsigned int vrf, int family, const struct vr_fpm_path *p,
	     struct vr_nh_spec *s)
{
	char name[IF_NAMESIZE];
	struct vrd_port *vp;

	memset(s, 0, sizeof(*s));
	s->family = family;
	s->type = VR_NH_UNRESOLVED;
	if (p->has_gw)
		memcpy(s->gw, p->gw, VR_IP6_LEN);
	if (p->ifindex == 0 || if_indextoname(p->ifindex, name) == NULL ||
	    (vp = vrd_port_by_name(name)) == NULL) {
		fs.unknown_ifindex++;
		return -ENODEV;
	}
	/* Neighbours live in the port's VRF: a path out of another VRF
	 * would never resolve. zebra sends such paths when the kernel has
	 * no VRF devices (every connected route lands in table 254). */
	if (vp->vrf != vrf) {
		fs.nexthop_other_vrf++;
		return -EXDEV;
	}
	s->port = vp->port_id;
	return 0;
}

/* Flattens a next-hop object (and a group's members) into specs. */
static int
object_specs(unsigned int vrf, int family, uint32_t id,
	     struct vr_nh_spec *specs, unsigned int *n, int depth)
{
	struct vr_fpm_nexthop *nh;
	void *data;
	int rc;

	if (depth > 1 || rte_hash_lookup_data(fs.nh, &id, &data) < 0)
		return -ENOENT;
	nh = &((struct fpm_object *)data)->nh;
	if (nh->n_members > 0) {
		for (unsigned int i = 0; i < nh->n_members; i++)
			if ((rc = object_specs(vrf, family, nh->members[i],
					       specs, n, depth + 1)) < 0)
				return rc;
		return 0;
	}
	if (*n == VR_NHG_MAX_PATHS)
		return -E2BIG;
	if (nh->blackhole) {
		memset(&specs[*n], 0, sizeof(specs[0]));
		specs[*n].family = family;
		specs[*n].type = VR_NH_BLACKHOLE;
		specs[*n].port = UINT16_MAX;
		(*n)++;
		return 0;
	}
	if ((rc = path_to_spec(vrf, family, &nh->path, &specs[*n])) < 0)
		return rc;
	(*n)++;
	return 0;
}

static void
object_forget_group(struct fpm_object *o, unsigned int vrf)
{
	if (o->nhg[vrf] != 0)
		vr_fib_nhg_put(vrd.vrfs[vrf].fib, o->nhg[vrf]);
	o->nhg[vrf] = 0;
}

static void
object_free(struct fpm_object *o)
{
	if (o == NULL)
		return;
	for (unsigned int v = 0; v < VRD_MAX_VRFS; v++)
		object_forget_group(o, v);
	free(o);
}

/* Groups made from an object that contains this one are stale too. */
static void
objects_forget_groups(unsigned int vrf_from, unsigned int vrf_to)
{
	const void *key;
	void *data;
	uint32_t it = 0;

	while (fs.nh != NULL && rte_hash_iterate(fs.nh, &key, &data, &it) >= 0)
		for (unsigned int v = vrf_from; v < vrf_to; v++)
			object_forget_group(data, v);
}

void
vrd_fpm_vrf_release(unsigned int vrf)
{
	objects_forget_groups(vrf, vrf + 1);
	fs.vrf_gen[vrf] = 0;
}

static int
on_nexthop_add(void *arg, const struct vr_fpm_nexthop *nh)
{
	struct fpm_object *copy;
	void *old = NULL;
	int rc;

	copy = calloc(1, sizeof(*copy));
	if (copy == NULL)
		return -ENOMEM;
	copy->nh = *nh;
	if (rte_hash_lookup_data(fs.nh, &nh->id, &old) >= 0)
		/* a group may hold the old one */
		objects_forget_groups(0, VRD_MAX_VRFS);
	rc = rte_hash_add_key_data(fs.nh, &nh->id, copy);
	if (rc < 0) {
		free(copy);
		return rc;
	}
	object_free(old);
	/* Routes keep the group they were installed with; zebra re-sends
	 * the routes that use a changed object. */
	return 0;
}

static int
on_nexthop_del(void *arg, uint32_t id)
{
	void *old;

	if (rte_hash_lookup_data(fs.nh, &id, &old) < 0)
		return -ENOENT;
	rte_hash_del_key(fs.nh, &id);
	object_free(old);
	return 0;
}

/* The group for a route via object id, made once per object. Returns a
 * reference for the route. */
static int
object_group(unsigned int vrf, int family, uint32_t id, uint32_t *g)
{
	struct vr_fib *fib = vrd.vrfs[vrf].fib;
	struct vr_nh_spec specs[VR_NHG_MAX_PATHS];
	struct fpm_object *o;
	unsigned int n = 0;
	void *data;
	int rc;

	if (rte_hash_lookup_data(fs.nh, &id, &data) < 0)
		return -ENOENT;
	o = data;
	/* A group's or a blackhole's family is the route's: cache one. */
	if (o->nhg[vrf] == 0 || o->nhg_family[vrf] != family) {
		if ((rc = object_specs(vrf, family, id, specs, &n, 0)) < 0)
			return rc;
		if ((rc = vr_fib_nhg_get(fib, specs, n, g)) < 0)
			return rc;
		object_forget_group(o, vrf);
		o->nhg[vrf] = *g;          /* the object keeps this reference */
		o->nhg_family[vrf] = family;
	}
	vr_fib_nhg_ref(fib, o->nhg[vrf]);
	*g = o->nhg[vrf];
	return 0;
}

/* The VRF of a route's table, or -1: counted, and said once per table
 * in a row, since zebra may send thousands. */
static int
vrf_of_table(uint32_t table)
{
	static uint32_t last_said = UINT32_MAX;
	struct vrd_vrf *v = vrd_vrf_by_table(table);

	if (v != NULL)
		return (int)(v - vrd.vrfs);
	fs.unknown_table++;
	if (table != last_said)
		fprintf(stderr, "vrd: fpm: routes of table %u ignored: no VRF has "
			"it (vrctl vrf add NAME table %u)\n", table, table);
	last_said = table;
	return -1;
}

static bool
group_has_gw(struct vr_fib *fib, uint32_t g)
{
	static const uint8_t zero[VR_IP6_LEN];
	struct vr_nh_spec p;
	unsigned int n;

	return vr_fib_nhg_paths(fib, g, &p, 1, &n) == 0 &&
	       memcmp(p.gw, zero, VR_IP6_LEN) != 0;
}

static int
on_route_add(void *arg, const struct vr_fpm_route *r)
{
	struct vr_nh_spec specs[VR_NHG_MAX_PATHS];
	unsigned int n = 0;
	bool has_gw = false;
	struct vr_fib *fib;
	int rc = 0, vrf;
	uint32_t g;

	if ((vrf = vrf_of_table(r->table)) < 0)
		return -ENOTSUP;
	fib = vrd.vrfs[vrf].fib;
	if (r->type != VR_FPM_UNICAST) {
		memset(specs, 0, sizeof(specs[0]));
		specs[0].family = r->family;
		specs[0].type = r->type == VR_FPM_BLACKHOLE ? VR_NH_BLACKHOLE :
							      VR_NH_UNREACHABLE;
		specs[0].port = UINT16_MAX;
		n = 1;
	} else if (r->nh_id != 0) {
		if ((rc = object_group((unsigned int)vrf, r->family, r->nh_id,
				       &g)) < 0)
			return rc;
		goto install;
	} else {
		for (unsigned int i = 0; i < r->n_paths && rc == 0; i++)
			rc = path_to_spec((unsigned int)vrf, r->family,
					  &r->paths[i], &specs[n++]);
	}
	if (rc < 0 || n == 0)
		return rc < 0 ? rc : -EINVAL;
	for (unsigned int i = 0; i < n; i++) {
		static const uint8_t zero[VR_IP6_LEN];
		if (memcmp(specs[i].gw, zero, VR_IP6_LEN) != 0)
			has_gw = true;
	}
	if ((rc = vr_fib_nhg_get(fib, specs, n, &g)) < 0)
		return rc;
install:
	fs.vrf_gen[vrf] = fs.gen;
	has_gw = has_gw || group_has_gw(fib, g);
	rc = vr_fib_route_add_tagged(fib, r->family, r->dst, r->dst_len, g,
				     origin_of(r->protocol, has_gw), fs.gen);
	if (rc < 0) {
		vr_fib_nhg_put(fib, g);
		return rc;
	}
	vr_fpm_report_offload(fs.fpm, r);
	return 0;
}

static int
on_route_del(void *arg, const struct vr_fpm_route *r)
{
	struct vr_route_info ri;
	struct vr_fib *fib;
	int vrf;

	if ((vrf = vrf_of_table(r->table)) < 0)
		return -ENOTSUP;
	fib = vrd.vrfs[vrf].fib;
	/* Only what FPM put there: an address's local route stays. */
	if (vr_fib_route_get(fib, r->family, r->dst, r->dst_len, &ri) < 0 ||
	    ri.tag == 0)
		return -ENOENT;
	return vr_fib_route_del(fib, r->family, r->dst, r->dst_len);
}

static void
on_session(void *arg, bool up)
{
	if (!up)
		return;
	fs.gen = fs.gen == 255 ? 1 : fs.gen + 1;
	fs.sweep_pending = true;
}

struct stale {
	struct vr_route_info *r;
	size_t n, cap;
};

static int
collect_stale(const struct vr_route_info *ri, void *arg)
{
	struct stale *s = arg;

	if (ri->tag == 0 || ri->tag == fs.gen || !fpm_origin(ri->origin))
		return 0;
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 1024;
		struct vr_route_info *p = realloc(s->r, cap * sizeof(*p));
		if (p == NULL)
			return -ENOMEM;
		s->r = p;
		s->cap = cap;
	}
	s->r[s->n++] = *ri;
	return 0;
}

void
vrd_fpm_poll(void)
{
	static const uint8_t zero[VR_IP6_LEN];
	struct stale s = { 0 };

	if (fs.fpm == NULL || !fs.sweep_pending || !vr_fpm_connected(fs.fpm) ||
	    vr_fpm_idle_seconds(fs.fpm) < VRD_FPM_SETTLE_S)
		return;
	fs.sweep_pending = false;
	for (unsigned int v = 0; v < VRD_MAX_VRFS; v++) {
		struct vr_fib *fib = vrd.vrfs[v].fib;

		if (!vrd.vrfs[v].used)
			continue;
		/* zebra replays the main table of each of its VRFs, but not
		 * the other tables of its default VRF (`ip route ... table
		 * N`; FRR 8.4's fpm_rib_send walks VRF tables only). A VRF
		 * this session sent nothing for is kept rather than emptied. */
		if (v != VRD_VRF_DEFAULT && fs.vrf_gen[v] != fs.gen) {
			fprintf(stderr, "vrd: fpm: resync: zebra replayed no "
				"route of table %u: VRF %s kept as it is\n",
				vrd.vrfs[v].table, vrd.vrfs[v].name);
			continue;
		}
		s.n = 0;
		vr_fib_route_walk(fib, AF_INET, zero, 0, collect_stale, &s);
		vr_fib_route_walk(fib, AF_INET6, zero, 0, collect_stale, &s);
		for (size_t i = 0; i < s.n; i++)
			if (vr_fib_route_del(fib, s.r[i].family, s.r[i].ip,
					     s.r[i].depth) == 0)
				fs.swept++;
		if (s.n > 0)
			fprintf(stderr, "vrd: fpm: resync swept %zu stale routes "
				"in VRF %s\n", s.n, vrd.vrfs[v].name);
	}
	free(s.r);
}

static const struct vr_fpm_ops fpm_ops = {
	.nexthop_add = on_nexthop_add,
	.nexthop_del = on_nexthop_del,
	.route_add = on_route_add,
	.route_del = on_route_del,
	.session = on_session,
};

int
vrd_fpm_start(const char *spec)
{
	struct rte_hash_parameters hp = {
		.name = "vrd_fpm_nh",
		.entries = FPM_MAX_NH_OBJECTS,
		.key_len = sizeof(uint32_t),
		.hash_func = rte_jhash,
		.socket_id = (int)rte_socket_id(),
	};
	char addr[64];
	const char *colon;
	unsigned long port;
	int rc;

	colon = strrchr(spec, ':');
	if (colon == NULL || (size_t)(colon - spec) >= sizeof(addr))
		return -EINVAL;
	memcpy(addr, spec, (size_t)(colon - spec));
	addr[colon - spec] = '\0';
	if (addr[0] == '[') {        /* [::1]:2620 */
		memmove(addr, addr + 1, strlen(addr));
		addr[strcspn(addr, "]")] = '\0';
	}
	port = strtoul(colon + 1, NULL, 10);
	if (port == 0 || port > 65535)
		return -EINVAL;
	fs.nh = rte_hash_create(&hp);
	if (fs.nh == NULL)
		return -ENOMEM;
	rc = vr_fpm_open(vrd.loop, addr, (uint16_t)port, &fpm_ops, NULL, &fs.fpm);
	if (rc < 0) {
		rte_hash_free(fs.nh);
		fs.nh = NULL;
	}
	return rc;
}

void
vrd_fpm_stop(void)
{
	const void *key;
	void *data;
	uint32_t it = 0;

	vr_fpm_close(fs.fpm);
	fs.fpm = NULL;
	if (fs.nh == NULL)
		return;
	while (rte_hash_iterate(fs.nh, &key, &data, &it) >= 0)
		object_free(data);
	rte_hash_free(fs.nh);
	fs.nh = NULL;
}

void
vrd_fpm_show(struct vr_reply *r)
{
	const struct vr_fpm_stats *st;
	json_t *j;

	if (fs.fpm == NULL) {
		if (r->json)
			vr_reply_json(r, json_pack("{s:b}", "enabled", 0));
		else
			fprintf(r->out, "fpm: disabled\n");
		return;
	}
	st = vr_fpm_stats(fs.fpm);
	j = json_pack("{s:b,s:b,s:i,s:I,s:f,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I}",
		      "enabled", 1, "connected", vr_fpm_connected(fs.fpm),
		      "generation", fs.gen,
		      "session_frames", (json_int_t)st->session_frames,
		      "session_busy_seconds", st->session_busy_s,
		      "sessions", (json_int_t)st->sessions,
		      "frames", (json_int_t)st->frames,
		      "malformed", (json_int_t)st->malformed,
		      "errors", (json_int_t)st->errors,
		      "ignored", (json_int_t)st->ignored,
		      "nexthop_objects", (json_int_t)rte_hash_count(fs.nh),
		      "swept", (json_int_t)fs.swept,
		      "unknown_table", (json_int_t)fs.unknown_table,
		      "unknown_ifindex", (json_int_t)fs.unknown_ifindex,
		      "nexthop_other_vrf", (json_int_t)fs.nexthop_other_vrf,
		      "resync_pending", (json_int_t)fs.sweep_pending,
		      "routes", (json_int_t)(vrd_vrfs_route_count(AF_INET) +
					     vrd_vrfs_route_count(AF_INET6)));
	if (r->json) {
		vr_reply_json(r, j);
		return;
	}
	fprintf(r->out, "fpm: %s, session %lld, %lld frames, %lld malformed, "
		"%lld errors, %lld ignored, %lld swept\n",
		vr_fpm_connected(fs.fpm) ? "connected" : "waiting for zebra",
		json_integer_value(json_object_get(j, "sessions")),
		json_integer_value(json_object_get(j, "frames")),
		json_integer_value(json_object_get(j, "malformed")),
		json_integer_value(json_object_get(j, "errors")),
		json_integer_value(json_object_get(j, "ignored")),
		json_integer_value(json_object_get(j, "swept")));
	json_decref(j);
}
