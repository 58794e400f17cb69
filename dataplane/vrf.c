/* SPDX-License-Identifier: BSD-3-Clause
 * VRFs: each one a FIB (routes, next hops, neighbours) of its own; every
 * port belongs to one. A route's table id (FPM's RTA_TABLE, the kernel's
 * `table N`) names its VRF. VRF 0, "default", is table 254 (main).
 *
 * The kernel side: when the kernel has VRF devices (l3mdev), a VRF gets
 * one of its name and table in vrd's namespace and the TAPs of its ports
 * are enslaved to it, so FRR sees the same VRFs and interfaces as vrd.
 * Without them (this project's CI kernel), the TAPs stay in the kernel's
 * default VRF, which is said once, and routes still reach vrd's VRFs by
 * table id (FRR's `ip route ... table N`).
 *
 * Control thread only. Workers find a port's FIB in vrd_port_fp.fib.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/rtnetlink.h>

#include "cmd.h"
#include "vrd.h"

static unsigned int vrf_fib_serial;   /* unique DPDK names per FIB */

/* Gives a FIB a port's MAC and MTU (vr_fib_port_set). */
static int
vrf_fib_port_set(struct vr_fib *fib, uint16_t port)
{
	return vr_fib_port_set(fib, port, &vrd.port_fp[port].mac, vrd.port_fp[port].mtu);
}

static int
vrf_fib_create(struct vrd_vrf *v)
{
	struct vr_fib_conf fc = { .socket_id = (int)rte_socket_id(),
				  .qsv = vrd.qsv };
	char name[24];
	int rc;

	snprintf(name, sizeof(name), "vrf%u", vrf_fib_serial++);
	fc.name = name;
	rc = vr_fib_create(&fc, &v->fib);
	/* A next hop in any VRF may name any port. */
	for (uint16_t p = 0; rc == 0 && p < RTE_MAX_ETHPORTS; p++)
		if (vrd.ports[p].used)
			rc = vrf_fib_port_set(v->fib, p);
	return rc;
}

int
vrd_vrfs_port_added(uint16_t port)
{
	for (unsigned int i = 0; i < VRD_MAX_VRFS; i++) {
		int rc;

		if (!vrd.vrfs[i].used)
			continue;
		rc = vrf_fib_port_set(vrd.vrfs[i].fib, port);
		if (rc < 0)
			return rc;
	}
	return 0;
}

int
vrd_vrfs_init(void)
{
	struct vrd_vrf *v = &vrd.vrfs[VRD_VRF_DEFAULT];
	int rc;

	snprintf(v->name, sizeof(v->name), "default");
	v->table = RT_TABLE_MAIN;
	rc = vrf_fib_create(v);
	if (rc < 0) {
		fprintf(stderr, "vrd: cannot create the FIB: %s\n", strerror(-rc));
		return rc;
	}
	v->used = true;
	return 0;
}

void
vrd_vrfs_destroy(void)
{
	for (unsigned int i = 0; i < VRD_MAX_VRFS; i++) {
		if (!vrd.vrfs[i].used)
			continue;
		vr_fib_destroy(vrd.vrfs[i].fib);
		vrd.vrfs[i].used = false;
	}
}

void
vrd_vrfs_reclaim(void)
{
	for (unsigned int i = 0; i < VRD_MAX_VRFS; i++)
		if (vrd.vrfs[i].used)
			vr_fib_reclaim(vrd.vrfs[i].fib);
}

uint64_t
vrd_vrfs_route_count(int family)
{
	uint64_t n = 0;

	for (unsigned int i = 0; i < VRD_MAX_VRFS; i++)
		if (vrd.vrfs[i].used)
			n += vr_fib_route_count(vrd.vrfs[i].fib, family);
	return n;
}

struct vrd_vrf *
vrd_vrf_by_name(const char *name)
{
	for (unsigned int i = 0; i < VRD_MAX_VRFS; i++)
		if (vrd.vrfs[i].used && strcmp(vrd.vrfs[i].name, name) == 0)
			return &vrd.vrfs[i];
	return NULL;
}

struct vrd_vrf *
vrd_vrf_by_table(uint32_t table)
{
	/* zebra says "unspecified" for the main table on some paths. */
	if (table == RT_TABLE_UNSPEC)
		table = RT_TABLE_MAIN;
	for (unsigned int i = 0; i < VRD_MAX_VRFS; i++)
		if (vrd.vrfs[i].used && vrd.vrfs[i].table == table)
			return &vrd.vrfs[i];
	return NULL;
}

struct vrd_vrf *
vrd_vrf_of_port(uint16_t port_id)
{
	struct vrd_port *vp = vrd_port_by_id(port_id);

	return &vrd.vrfs[vp != NULL ? vp->vrf : VRD_VRF_DEFAULT];
}

static void
kernel_vrf_missing(const char *what, int rc)
{
	static bool said;

	if (said)
		return;
	said = true;
	fprintf(stderr, "vrd: %s: the kernel has no VRF devices (%s); the TAPs "
		"stay in the kernel's default VRF, vrd's VRFs are reached by "
		"table id only\n", what, strerror(-rc));
}

struct neigh_collect {
	uint16_t port;
	struct vr_neigh_info *n;
	size_t len, cap;
};

static int
neigh_collect_one(const struct vr_neigh_info *n, void *arg)
{
	struct neigh_collect *c = arg;

	if (n->port != c->port)
		return 0;
	if (c->len == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 64;
		struct vr_neigh_info *p = realloc(c->n, cap * sizeof(*p));
		if (p == NULL)
			return -ENOMEM;
		c->n = p;
		c->cap = cap;
	}
	c->n[c->len++] = *n;
	return 0;
}

int
vrd_vrf_port_set(struct vrd_port *vp, struct vrd_vrf *v, struct vr_reply *r)
{
	struct vrd_vrf *old = &vrd.vrfs[vp->vrf];
	struct neigh_collect c = { .port = vp->port_id };
	unsigned int idx = (unsigned int)(v - vrd.vrfs);
	int rc;

	if (old == v)
		return 0;
	/* Addresses made connected and local routes in the old VRF. */
	if (vp->n_addrs > 0)
		return vr_reply_err(r, EBUSY, "port %s has addresses: delete them "
				    "before moving it to VRF %s", vp->name,
				    v->name);
	vr_fib_neigh_walk(old->fib, neigh_collect_one, &c);
	for (size_t i = 0; i < c.len; i++)
		vr_fib_neigh_del(old->fib, c.n[i].family, c.n[i].ip, vp->port_id);
	free(c.n);
	old->n_ports--;
	v->n_ports++;
	vp->vrf = idx;
	__atomic_store_n(&vrd.port_fp[vp->port_id].fib, vr_fib_fp(v->fib),
			 __ATOMIC_RELEASE);
	/* The kernel side only moves where a VRF device is involved. */
	if (!v->kernel_dev && !old->kernel_dev)
		return 0;
	rc = vrd_tap_set_master(vp->name, v->kernel_dev ? v->name : NULL);
	if (rc < 0)
		snprintf(r->msg, sizeof(r->msg), "port %s is in VRF %s, but its "
			 "TAP could not follow in the kernel: %s", vp->name,
			 v->name, strerror(-rc));
	return 0;
}

/* ---------- commands ---------- */

static int
parse_table(const char *s, uint32_t *table, struct vr_reply *r)
{
	char *end;
	unsigned long t;

	errno = 0;
	t = strtoul(s, &end, 10);
	if (*s == '\0' || *end != '\0' || errno || t == 0 || t > UINT32_MAX ||
	    t == RT_TABLE_MAIN || t == RT_TABLE_LOCAL || t == RT_TABLE_DEFAULT ||
	    t == RT_TABLE_COMPAT)
		return vr_reply_err(r, EINVAL, "bad table id '%s': 1 to %u, not "
				    "the kernel's reserved 252 to 255", s,
				    UINT32_MAX);
	*table = (uint32_t)t;
	return 0;
}

static int
vrf_add(const char *name, const char *table_s, struct vr_reply *r,
	bool dry_run)
{
	struct vrd_vrf *v = NULL;
	uint32_t table = 0;
	int rc;

	if (strlen(name) == 0 || strlen(name) >= VRD_VRF_NAMESIZE ||
	    strcmp(name, "all") == 0)
		return vr_reply_err(r, EINVAL, "bad VRF name '%s' (1 to %d "
				    "characters, not 'all')", name,
				    VRD_VRF_NAMESIZE - 1);
	if (parse_table(table_s, &table, r) < 0 || dry_run)
		return -r->err;
	if (vrd_vrf_by_name(name) != NULL)
		return vr_reply_err(r, EEXIST, "VRF %s exists", name);
	if ((v = vrd_vrf_by_table(table)) != NULL)
		return vr_reply_err(r, EEXIST, "table %u is VRF %s's", table,
				    v->name);
	for (unsigned int i = 0; i < VRD_MAX_VRFS && v == NULL; i++)
		if (!vrd.vrfs[i].used)
			v = &vrd.vrfs[i];
	if (v == NULL)
		return vr_reply_err(r, ENOSPC, "%d VRFs already", VRD_MAX_VRFS);
	memset(v, 0, sizeof(*v));
	snprintf(v->name, sizeof(v->name), "%s", name);
	v->table = table;
	if ((rc = vrf_fib_create(v)) < 0)
		return vr_reply_err(r, -rc, "cannot create VRF %s's FIB: %s",
				    name, strerror(-rc));
	v->used = true;
	rc = vrd_tap_vrf_add(name, table);
	if (rc == 0)
		v->kernel_dev = true;
	else if (rc == -EOPNOTSUPP)
		kernel_vrf_missing(name, rc);
	else
		snprintf(r->msg, sizeof(r->msg), "VRF %s added to vrd, but not to "
			 "the kernel: %s", name, strerror(-rc));
	return 0;
}

static int
vrf_del(const char *name, struct vr_reply *r, bool dry_run)
{
	struct vrd_vrf *v;

	if (dry_run)
		return 0;
	v = vrd_vrf_by_name(name);
	if (v == NULL)
		return vr_reply_err(r, ENOENT, "no VRF %s", name);
	if (v == &vrd.vrfs[VRD_VRF_DEFAULT])
		return vr_reply_err(r, EPERM, "the default VRF stays");
	if (v->n_ports > 0)
		return vr_reply_err(r, EBUSY, "VRF %s still has %u port(s)", name,
				    v->n_ports);
	vrd_fpm_vrf_release((unsigned int)(v - vrd.vrfs));
	/* A worker may still hold the FIB from a burst that began before
	 * its last port left. */
	rte_rcu_qsbr_synchronize(vrd.qsv, RTE_QSBR_THRID_INVALID);
	vr_fib_destroy(v->fib);
	if (v->kernel_dev)
		vrd_tap_delete(v->name);
	memset(v, 0, sizeof(*v));
	return 0;
}

static void
vrf_show(struct vr_reply *r)
{
	json_t *a = json_array();

	for (unsigned int i = 0; i < VRD_MAX_VRFS; i++) {
		struct vrd_vrf *v = &vrd.vrfs[i];
		json_t *ports = json_array();

		if (!v->used)
			continue;
		for (uint16_t p = 0; p < RTE_MAX_ETHPORTS; p++) {
			struct vrd_port *vp = vrd_port_by_id(p);
			if (vp != NULL && vp->vrf == i)
				json_array_append_new(ports, json_string(vp->name));
		}
		json_array_append_new(a, json_pack(
			"{s:s,s:I,s:o,s:I,s:I,s:b}", "name", v->name,
			"table", (json_int_t)v->table, "ports", ports,
			"ipv4_routes", (json_int_t)vr_fib_route_count(v->fib, AF_INET),
			"ipv6_routes", (json_int_t)vr_fib_route_count(v->fib, AF_INET6),
			"kernel_device", v->kernel_dev));
	}
	if (r->json) {
		vr_reply_json(r, a);
		return;
	}
	for (size_t i = 0; i < json_array_size(a); i++) {
		json_t *v = json_array_get(a, i), *p;
		size_t k;

		fprintf(r->out, "%s table %lld: %lld IPv4 and %lld IPv6 routes, "
			"ports:", json_string_value(json_object_get(v, "name")),
			json_integer_value(json_object_get(v, "table")),
			json_integer_value(json_object_get(v, "ipv4_routes")),
			json_integer_value(json_object_get(v, "ipv6_routes")));
		json_array_foreach(json_object_get(v, "ports"), k, p)
			fprintf(r->out, " %s", json_string_value(p));
		fputc('\n', r->out);
	}
	json_decref(a);
}

int
vrd_cmd_vrf(int argc, char **argv, struct vr_reply *r, bool dry_run)
{
	if (argc == 4 && strcmp(argv[0], "add") == 0 &&
	    strcmp(argv[2], "table") == 0)
		return vrf_add(argv[1], argv[3], r, dry_run);
	if (argc == 2 && strcmp(argv[0], "del") == 0)
		return vrf_del(argv[1], r, dry_run);
	if (argc == 1 && strcmp(argv[0], "show") == 0) {
		if (!dry_run)
			vrf_show(r);
		return 0;
	}
	return vr_reply_err(r, EINVAL, "usage: vrf add NAME table ID | vrf del "
			    "NAME | vrf show");
}

/* `... vrf NAME` at the end of a command: takes the two words off and
 * gives the VRF (the default when absent). In dry-run mode the VRF may
 * be one that an earlier line of the same file adds. */
int
cmd_take_vrf(int *argc, char **argv, bool dry_run, bool allow_all,
	     struct vrd_vrf **v, struct vr_reply *r)
{
	const char *name;

	*v = &vrd.vrfs[VRD_VRF_DEFAULT];
	if (*argc < 2 || strcmp(argv[*argc - 2], "vrf") != 0)
		return 0;
	name = argv[*argc - 1];
	*argc -= 2;
	if (allow_all && strcmp(name, "all") == 0) {
		*v = NULL;
		return 0;
	}
	if (strlen(name) == 0 || strlen(name) >= VRD_VRF_NAMESIZE)
		return vr_reply_err(r, EINVAL, "bad VRF name '%s'", name);
	if (dry_run)
		return 0;
	*v = vrd_vrf_by_name(name);
	if (*v == NULL)
		return vr_reply_err(r, ENOENT, "no VRF %s (vrf add NAME table ID "
				    "first)", name);
	return 0;
}
