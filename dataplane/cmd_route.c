/* SPDX-License-Identifier: BSD-3-Clause
 * route, addr and neigh commands. Each parses all its words before it
 * changes anything, so a bad command changes nothing. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>

#include <zlib.h>

#include "cmd.h"
#include "vr_pkt.h"
#include "vrd.h"

/* ---------- next hops from words ---------- */

struct path_words {
	const char *via;
	const char *dev;
};

/* Resolves `via NH [dev PORT]` into a spec. Without dev, NH must lie in a
 * connected prefix, which names the port (as `ip route` does). */
static int
path_spec(struct vrd_vrf *v, const struct path_words *pw, int family,
	  bool dry_run, struct vr_nh_spec *s, struct vr_reply *r)
{
	int fam;

	memset(s, 0, sizeof(*s));
	s->type = VR_NH_UNRESOLVED;
	s->family = family;
	if (pw->via != NULL) {
		if (cmd_parse_addr(pw->via, &fam, s->gw, r) < 0)
			return -r->err;
		if (fam != family)
			return vr_reply_err(r, EINVAL, "next hop %s is not of "
					    "the prefix's family", pw->via);
	}
	if (pw->dev != NULL) {
		if (cmd_port_id(pw->dev, dry_run, &s->port, r) < 0)
			return -r->err;
		/* Neighbours live in the port's VRF: a next hop through a
		 * port of another VRF would never resolve here. */
		if (!dry_run && vrd_vrf_of_port(s->port) != v)
			return vr_reply_err(r, EXDEV, "port %s is in VRF %s, "
					    "not %s", pw->dev,
					    vrd_vrf_of_port(s->port)->name,
					    v->name);
		return 0;
	}
	if (dry_run)
		return 0;
	{
		struct vr_route_info ri;
		struct vr_nh_spec conn;
		unsigned int n;

		/* The covering connected prefix, or the neighbour's own host
		 * route: both name the port the next hop is on. */
		if (vr_fib_route_match(v->fib, family, s->gw, &ri) < 0 ||
		    (ri.origin != VR_ORIGIN_CONNECTED &&
		     ri.origin != VR_ORIGIN_NEIGH) ||
		    vr_fib_nhg_paths(v->fib, ri.nhg, &conn, 1, &n) < 0)
			return vr_reply_err(r, ENETUNREACH, "next hop %s is not "
					    "on a connected network; add 'dev "
					    "PORT' or an address first", pw->via);
		s->port = conn.port;
	}
	return 0;
}

static json_t *
paths_json(const struct vr_fib *fib, uint32_t nhg)
{
	struct vr_nh_spec paths[VR_NHG_MAX_PATHS];
	json_t *a = json_array();
	unsigned int n = 0;

	if (vr_fib_nhg_paths(fib, nhg, paths, VR_NHG_MAX_PATHS, &n) < 0)
		return a;
	for (unsigned int i = 0; i < n && i < VR_NHG_MAX_PATHS; i++) {
		const struct vr_nh *nh = vr_fib_nhg_member(fib, nhg, i);
		json_t *o = json_object();
		char ip[INET6_ADDRSTRLEN];

		if (paths[i].type == VR_NH_UNRESOLVED) {
			static const uint8_t zero[VR_IP6_LEN];
			if (memcmp(paths[i].gw, zero, VR_IP6_LEN) != 0) {
				cmd_format_ip(paths[i].family, paths[i].gw, ip,
					      sizeof(ip));
				json_object_set_new(o, "via", json_string(ip));
			}
		}
		if (paths[i].port != UINT16_MAX)
			json_object_set_new(o, "dev",
					    json_string(cmd_port_name(paths[i].port)));
		json_object_set_new(o, "type",
				    json_string(vr_nh_type_name(nh->type)));
		json_array_append_new(a, o);
	}
	return a;
}

static json_t *
route_json(const struct vrd_vrf *v, const struct vr_route_info *ri)
{
	char ip[INET6_ADDRSTRLEN], pfx[INET6_ADDRSTRLEN + 4];

	cmd_format_ip(ri->family, ri->ip, ip, sizeof(ip));
	snprintf(pfx, sizeof(pfx), "%s/%u", ip, ri->depth);
	return json_pack("{s:s,s:s,s:s,s:o}", "prefix", pfx, "vrf", v->name,
			 "origin", vr_route_origin_name(ri->origin), "nexthops",
			 paths_json(v->fib, ri->nhg));
}

static void
route_text(FILE *f, const struct vrd_vrf *v, const struct vr_route_info *ri)
{
	json_t *j = route_json(v, ri), *nhs = json_object_get(j, "nexthops"), *nh;
	size_t i;

	fprintf(f, "%s", json_string_value(json_object_get(j, "prefix")));
	json_array_foreach(nhs, i, nh) {
		const char *via = json_string_value(json_object_get(nh, "via"));
		const char *dev = json_string_value(json_object_get(nh, "dev"));
		const char *type = json_string_value(json_object_get(nh, "type"));
		fprintf(f, "%s%s%s%s%s (%s)", i ? "," : "", via ? " via " : "",
			via ? via : "", dev ? " dev " : "", dev ? dev : "", type);
	}
	fprintf(f, " [%s]%s%s\n", json_string_value(json_object_get(j, "origin")),
		v == &vrd.vrfs[VRD_VRF_DEFAULT] ? "" : " vrf ",
		v == &vrd.vrfs[VRD_VRF_DEFAULT] ? "" : v->name);
	json_decref(j);
}

struct show_ctx {
	struct vr_reply *r;
	const struct vrd_vrf *v;
	size_t n;
};

static int
show_one(const struct vr_route_info *ri, void *arg)
{
	struct show_ctx *c = arg;

	if (c->r->json) {
		fputs(c->n ? ",\n" : "\n", c->r->out);
		json_t *j = route_json(c->v, ri);
		json_dumpf(j, c->r->out, JSON_COMPACT);
		json_decref(j);
	} else {
		route_text(c->r->out, c->v, ri);
	}
	c->n++;
	return 0;
}

static int
route_show(int argc, char **argv, struct vr_reply *r)
{
	struct show_ctx c = { .r = r };
	struct vrd_vrf *only;
	struct vrd_prefix p;
	static const uint8_t zero[VR_IP6_LEN];

	if (cmd_take_vrf(&argc, argv, false, true, &only, r) < 0)
		return -r->err;
	if (argc > 1)
		return vr_reply_err(r, EINVAL, "usage: route show [PREFIX] "
				    "[vrf NAME|all]");
	if (argc == 1 && cmd_parse_prefix(argv[0], false, &p, r) < 0)
		return -r->err;
	if (r->json)
		fputc('[', r->out);
	/* Routes are streamed one at a time: a full table is a million. */
	for (unsigned int i = 0; i < VRD_MAX_VRFS; i++) {
		struct vrd_vrf *v = &vrd.vrfs[i];
		if (!v->used || (only != NULL && only != v))
			continue;
		c.v = v;
		if (argc == 1) {
			vr_fib_route_walk(v->fib, p.family, p.ip, p.depth,
					  show_one, &c);
		} else {
			vr_fib_route_walk(v->fib, AF_INET, zero, 0, show_one, &c);
			vr_fib_route_walk(v->fib, AF_INET6, zero, 0, show_one, &c);
		}
	}
	if (r->json)
		fputs(c.n ? "\n]\n" : "]\n", r->out);
	return 0;
}

static int
route_lookup(int argc, char **argv, struct vr_reply *r)
{
	struct vr_route_info ri;
	uint8_t ip[VR_IP6_LEN] = { 0 };
	uint64_t dp_nhg;
	struct vrd_vrf *v;
	int family;
	json_t *j;

	if (cmd_take_vrf(&argc, argv, false, false, &v, r) < 0)
		return -r->err;
	if (argc != 1)
		return vr_reply_err(r, EINVAL, "usage: route lookup ADDRESS "
				    "[vrf NAME]");
	if (cmd_parse_addr(argv[0], &family, ip, r) < 0)
		return -r->err;
	/* What the data path itself returns, next to the RIB's answer. */
	if (family == AF_INET) {
		uint32_t h = (uint32_t)ip[0] << 24 | ip[1] << 16 | ip[2] << 8 | ip[3];
		uint32_t g4;

		vr_fib_lookup4_bulk(vr_fib_fp(v->fib), &h, &g4, 1);
		dp_nhg = g4;
	} else {
		uint8_t a[1][RTE_FIB6_IPV6_ADDR_SIZE];
		memcpy(a[0], ip, 16);
		vr_fib_lookup6_bulk(vr_fib_fp(v->fib), a, &dp_nhg, 1);
	}
	if (vr_fib_route_match(v->fib, family, ip, &ri) < 0) {
		if (r->json)
			vr_reply_json(r, json_pack("{s:s,s:n}", "address", argv[0],
						   "route"));
		else
			fprintf(r->out, "%s: no route (dropped as no_route)\n",
				argv[0]);
		return 0;
	}
	if (ri.nhg != (uint32_t)dp_nhg)
		return vr_reply_err(r, EPROTO, "RIB and data path disagree for %s "
				    "(group %u vs %lu): report this", argv[0],
				    ri.nhg, (unsigned long)dp_nhg);
	if (r->json) {
		j = json_pack("{s:s,s:o}", "address", argv[0], "route",
			      route_json(v, &ri));
		vr_reply_json(r, j);
	} else {
		fprintf(r->out, "%s: ", argv[0]);
		route_text(r->out, v, &ri);
	}
	return 0;
}

/* Parses `via NH [dev PORT] ...`, `dev PORT`, `blackhole`, `unreachable`. */
static int
parse_paths(struct vrd_vrf *v, int argc, char **argv, int family, bool dry_run,
	    struct vr_nh_spec *specs, unsigned int *n, struct vr_reply *r)
{
	struct path_words pw[VR_NHG_MAX_PATHS] = { 0 };
	const char *only_dev = NULL;
	unsigned int np = 0, ndev = 0;
	int i;

	if (argc == 1 && (strcmp(argv[0], "blackhole") == 0 ||
			  strcmp(argv[0], "unreachable") == 0)) {
		memset(specs, 0, sizeof(*specs));
		specs->family = family;
		specs->type = argv[0][0] == 'b' ? VR_NH_BLACKHOLE : VR_NH_UNREACHABLE;
		specs->port = UINT16_MAX;
		*n = 1;
		return 0;
	}
	for (i = 0; i < argc; i++) {
		if (strcmp(argv[i], "via") == 0 && i + 1 < argc) {
			if (np == VR_NHG_MAX_PATHS)
				return vr_reply_err(r, E2BIG, "more than %d next "
						    "hops", VR_NHG_MAX_PATHS);
			pw[np++].via = argv[++i];
		} else if (strcmp(argv[i], "dev") == 0 && i + 1 < argc) {
			i++;
			ndev++;
			only_dev = argv[i];
			if (np == 0)
				pw[np++].dev = argv[i];    /* on-link route */
			else if (pw[np - 1].dev == NULL)
				pw[np - 1].dev = argv[i];
			else
				return vr_reply_err(r, EINVAL, "'dev %s' follows "
						    "another dev", argv[i]);
		} else {
			return vr_reply_err(r, EINVAL, "unexpected '%s': expected "
					    "via NH [dev PORT]..., dev PORT, "
					    "blackhole or unreachable", argv[i]);
		}
	}
	if (np == 0)
		return vr_reply_err(r, EINVAL, "no next hop: give via NH, dev "
				    "PORT, blackhole or unreachable");
	/* `via A via B dev P`: one trailing dev serves every via. */
	for (unsigned int k = 0; k < np && ndev == 1; k++)
		if (pw[k].dev == NULL)
			pw[k].dev = only_dev;
	for (unsigned int k = 0; k < np; k++)
		if (path_spec(v, &pw[k], family, dry_run, &specs[k], r) < 0)
			return -r->err;
	*n = np;
	return 0;
}

static int
route_install(struct vr_fib *fib, const struct vrd_prefix *p,
	      const struct vr_nh_spec *specs, unsigned int n, uint8_t origin,
	      struct vr_reply *r)
{
	uint32_t g;
	int rc = vr_fib_nhg_get(fib, specs, n, &g);

	if (rc < 0)
		return vr_reply_err(r, -rc, "cannot create the next-hop group: %s",
				    strerror(-rc));
	rc = vr_fib_route_add(fib, p->family, p->ip, p->depth, g, origin);
	if (rc < 0) {
		vr_fib_nhg_put(fib, g);
		return vr_reply_err(r, -rc, "cannot add the route: %s%s",
				    strerror(-rc), rc == -ENOSPC ?
				    " (the FIB could not grow: memory?)" : "");
	}
	return 0;
}

static int
route_add(int argc, char **argv, struct vr_reply *r, bool dry_run)
{
	struct vr_nh_spec specs[VR_NHG_MAX_PATHS];
	struct vrd_prefix p;
	struct vrd_vrf *v;
	unsigned int n;

	if (cmd_take_vrf(&argc, argv, dry_run, false, &v, r) < 0)
		return -r->err;
	if (argc < 2)
		return vr_reply_err(r, EINVAL, "usage: route add PREFIX via NH "
				    "[dev PORT] [via NH ...] | dev PORT | "
				    "blackhole | unreachable [vrf NAME]");
	if (cmd_parse_prefix(argv[0], true, &p, r) < 0 ||
	    parse_paths(v, argc - 1, argv + 1, p.family, dry_run, specs, &n, r) < 0)
		return -r->err;
	if (dry_run)
		return 0;
	return route_install(v->fib, &p, specs, n, VR_ORIGIN_CLI, r);
}

static int
route_del(int argc, char **argv, struct vr_reply *r, bool dry_run)
{
	struct vrd_prefix p;
	struct vrd_vrf *v;
	int rc;

	if (cmd_take_vrf(&argc, argv, dry_run, false, &v, r) < 0)
		return -r->err;
	if (argc != 1)
		return vr_reply_err(r, EINVAL, "usage: route del PREFIX [vrf NAME]");
	if (cmd_parse_prefix(argv[0], true, &p, r) < 0)
		return -r->err;
	if (dry_run)
		return 0;
	rc = vr_fib_route_del(v->fib, p.family, p.ip, p.depth);
	if (rc == -ENOENT)
		return vr_reply_err(r, ENOENT, "no route %s", argv[0]);
	if (rc < 0)
		return vr_reply_err(r, -rc, "route del %s: %s", argv[0],
				    strerror(-rc));
	return 0;
}

/* route load FILE via NH [dev PORT]: every line is checked before the
 * first route goes in, so a bad file changes nothing. */
static int
route_load(int argc, char **argv, struct vr_reply *r, bool dry_run)
{
	struct vr_nh_spec spec;
	struct vrd_prefix *pfx = NULL;
	size_t n = 0, cap = 0, lineno = 0, done = 0;
	char line[512];
	struct timespec t0, t1;
	unsigned int np;
	gzFile f;
	uint32_t g;
	int family, rc = 0;
	struct vrd_vrf *v;
	double secs;

	if (cmd_take_vrf(&argc, argv, dry_run, false, &v, r) < 0)
		return -r->err;
	if (argc < 3 || strcmp(argv[1], "via") != 0)
		return vr_reply_err(r, EINVAL, "usage: route load FILE via NH "
				    "[dev PORT] [vrf NAME]");
	{
		int fam;
		uint8_t ip[VR_IP6_LEN];
		if (cmd_parse_addr(argv[2], &fam, ip, r) < 0)
			return -r->err;
		family = fam;
	}
	if (parse_paths(v, argc - 1, argv + 1, family, dry_run, &spec, &np, r) < 0)
		return -r->err;
	if (np != 1)
		return vr_reply_err(r, EINVAL, "route load takes one next hop");
	f = gzopen(argv[0], "r");
	if (f == NULL)
		return vr_reply_err(r, errno ? errno : EIO, "cannot open %s: %s",
				    argv[0], strerror(errno));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (gzgets(f, line, sizeof(line)) != NULL) {
		char *w[2];
		int nw;

		lineno++;
		if (strchr(line, '\n') == NULL && !gzeof(f)) {
			rc = vr_reply_err(r, EINVAL, "%s line %zu: line too long",
					  argv[0], lineno);
			goto out;
		}
		nw = vr_cmd_split(line, w, 1);
		if (nw == 0)
			continue;
		if (nw < 0) {
			rc = vr_reply_err(r, EINVAL, "%s line %zu: expected one "
					  "prefix", argv[0], lineno);
			goto out;
		}
		if (n == cap) {
			struct vrd_prefix *np2;
			cap = cap ? cap * 2 : 65536;
			np2 = realloc(pfx, cap * sizeof(*pfx));
			if (np2 == NULL) {
				rc = vr_reply_err(r, ENOMEM, "out of memory");
				goto out;
			}
			pfx = np2;
		}
		if (cmd_parse_prefix(w[0], true, &pfx[n], r) < 0) {
			char msg[sizeof(r->msg)];
			snprintf(msg, sizeof(msg), "%s", r->msg);
			rc = vr_reply_err(r, r->err, "%s line %zu: %s", argv[0],
					  lineno, msg);
			goto out;
		}
		if (pfx[n].family != family) {
			rc = vr_reply_err(r, EINVAL, "%s line %zu: %s is not of "
					  "the next hop's family", argv[0],
					  lineno, w[0]);
			goto out;
		}
		n++;
	}
	if (!gzeof(f)) {
		int e;
		rc = vr_reply_err(r, EIO, "%s: read error: %s", argv[0],
				  gzerror(f, &e));
		goto out;
	}
	if (dry_run || n == 0)
		goto out;
	if ((rc = vr_fib_reserve(v->fib, family, (uint32_t)n)) < 0) {
		rc = vr_reply_err(r, -rc, "cannot size the FIB for %zu routes: %s",
				  n, strerror(-rc));
		goto out;
	}
	if ((rc = vr_fib_nhg_get(v->fib, &spec, 1, &g)) < 0) {
		rc = vr_reply_err(r, -rc, "cannot create the next hop: %s",
				  strerror(-rc));
		goto out;
	}
	for (done = 0; done < n; done++) {
		vr_fib_nhg_ref(v->fib, g);
		rc = vr_fib_route_add(v->fib, family, pfx[done].ip,
				      pfx[done].depth, g, VR_ORIGIN_CLI);
		if (rc < 0) {
			vr_fib_nhg_put(v->fib, g);
			rc = vr_reply_err(r, -rc, "loaded %zu of %zu routes; "
					  "then: %s", done, n, strerror(-rc));
			break;
		}
	}
	vr_fib_nhg_put(v->fib, g);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	if (rc == 0) {
		snprintf(r->msg, sizeof(r->msg), "loaded %zu routes from %s in "
			 "%.3f s (%.0f routes/s, parsing included)", n, argv[0],
			 secs, n / (secs > 0 ? secs : 1e-9));
		if (r->json)
			vr_reply_json(r, json_pack("{s:I,s:f,s:f}", "routes",
						   (json_int_t)n, "seconds", secs,
						   "routes_per_s", n / secs));
	}
out:
	gzclose(f);
	free(pfx);
	return rc;
}

int
cmd_route(int argc, char **argv, struct vr_reply *r, bool dry_run)
{
	if (argc >= 1 && strcmp(argv[0], "add") == 0)
		return route_add(argc - 1, argv + 1, r, dry_run);
	if (argc >= 1 && strcmp(argv[0], "del") == 0)
		return route_del(argc - 1, argv + 1, r, dry_run);
	if (argc >= 1 && strcmp(argv[0], "load") == 0)
		return route_load(argc - 1, argv + 1, r, dry_run);
	if (dry_run)
		return 0;
	if (argc >= 1 && strcmp(argv[0], "show") == 0)
		return route_show(argc - 1, argv + 1, r);
	if (argc >= 1 && strcmp(argv[0], "lookup") == 0)
		return route_lookup(argc - 1, argv + 1, r);
	return vr_reply_err(r, EINVAL, "usage: route add|del|show|lookup|load ...");
}

/* ---------- addresses ---------- */

/* The workers' ICMP source addresses follow the port's address list. */
static void
port_fp_addrs_update(const struct vrd_port *vp)
{
	struct vrd_port_fp *fp = &vrd.port_fp[vp->port_id];
	uint32_t a4 = 0;
	uint8_t a6[16] = { 0 };
	bool have6 = false;

	for (unsigned int i = vp->n_addrs; i-- > 0;) {
		if (vp->addrs[i].family == AF_INET)
			memcpy(&a4, vp->addrs[i].ip, 4);
		else if (!have6 || !vr_ip6_is_linklocal(vp->addrs[i].ip)) {
			memcpy(a6, vp->addrs[i].ip, 16);
			have6 = true;
		}
	}
	__atomic_store_n(&fp->addr4, a4, __ATOMIC_RELAXED);
	memcpy(fp->addr6, a6, 16);
}

/* addr add 10.0.1.1/24 dev p0: the address (local, punted) and its
 * connected prefix (glean: unknown hosts go to the kernel, which
 * resolves them), and the same address on the port's TAP. */
static int
addr_change(int argc, char **argv, struct vr_reply *r, bool dry_run, bool add)
{
	struct vrd_prefix a;
	uint16_t port;

	if (argc != 3 || strcmp(argv[1], "dev") != 0)
		return vr_reply_err(r, EINVAL, "usage: addr %s PREFIX dev PORT",
				    add ? "add" : "del");
	if (cmd_parse_prefix(argv[0], false, &a, r) < 0 ||
	    cmd_port_id(argv[2], dry_run, &port, r) < 0)
		return -r->err;
	if (dry_run)
		return 0;
	return vrd_addr_set(vrd_port_by_id(port), &a, add, true, r);
}

/* Adds or removes an address of a port: vrd's routes for it, the
 * workers' ICMP source, and (to_kernel) the same address on the TAP.
 * Addresses the kernel reports (kernel_sync.c) come with to_kernel off. */
int
vrd_addr_set(struct vrd_port *vp, const struct vrd_prefix *pa, bool add,
	     bool to_kernel, struct vr_reply *r)
{
	struct vrd_prefix a = *pa, net;
	struct vr_nh_spec spec = { 0 };
	char err[256], ip[INET6_ADDRSTRLEN];
	struct vr_fib *fib = vrd.vrfs[vp->vrf].fib;
	unsigned int i;
	int rc;

	cmd_format_ip(a.family, a.ip, ip, sizeof(ip));
	for (i = 0; i < vp->n_addrs; i++)
		if (vp->addrs[i].family == a.family &&
		    memcmp(vp->addrs[i].ip, a.ip, VR_IP6_LEN) == 0)
			break;
	if (add && i < vp->n_addrs)
		return vr_reply_err(r, EEXIST, "%s/%u is already on %s", ip,
				    a.depth, vp->name);
	if (!add && i == vp->n_addrs)
		return vr_reply_err(r, ENOENT, "%s/%u is not on %s", ip, a.depth,
				    vp->name);
	if (add && vp->n_addrs == VRD_MAX_ADDRS)
		return vr_reply_err(r, ENOSPC, "%s has %d addresses already",
				    vp->name, VRD_MAX_ADDRS);
	/* net: the address as a host prefix; a: its connected prefix (the
	 * FIB clears the host bits). */
	net = a;
	net.depth = 8 * (a.family == AF_INET ? 4 : 16);
	if (!add) {
		a.depth = vp->addrs[i].depth;
		vr_fib_route_del(fib, a.family, a.ip, net.depth);
		if (a.depth < net.depth)
			vr_fib_route_del(fib, a.family, a.ip, a.depth);
		vp->addrs[i] = vp->addrs[--vp->n_addrs];
		port_fp_addrs_update(vp);
		if (to_kernel)
			vrd_tap_addr(vp->name, a.family, a.ip, a.depth, false,
				     err, sizeof(err));
		return 0;
	}
	spec.family = a.family;
	spec.port = vp->port_id;
	spec.type = VR_NH_LOCAL;
	rc = route_install(fib, &net, &spec, 1, VR_ORIGIN_LOCAL, r);
	if (rc < 0)
		return rc;
	if (a.depth < net.depth) {
		spec.type = VR_NH_UNRESOLVED;  /* gw zero: glean */
		rc = route_install(fib, &a, &spec, 1, VR_ORIGIN_CONNECTED, r);
		if (rc < 0) {
			vr_fib_route_del(fib, a.family, a.ip, net.depth);
			return rc;
		}
	}
	vp->addrs[vp->n_addrs++] = (struct vrd_addr){ .family = a.family,
						      .depth = a.depth };
	memcpy(vp->addrs[vp->n_addrs - 1].ip, a.ip, VR_IP6_LEN);
	port_fp_addrs_update(vp);
	if (to_kernel && vrd_tap_addr(vp->name, a.family, a.ip, a.depth, true,
				      err, sizeof(err)) < 0)
		snprintf(r->msg, sizeof(r->msg), "address added to vrd, but not "
			 "to the kernel's %s: %s", vp->name, err);
	return 0;
}

static int
addr_show(struct vr_reply *r)
{
	json_t *a = json_array();
	char ip[INET6_ADDRSTRLEN];

	for (uint16_t p = 0; p < RTE_MAX_ETHPORTS; p++) {
		struct vrd_port *vp = vrd_port_by_id(p);
		for (unsigned int i = 0; vp && i < vp->n_addrs; i++) {
			cmd_format_ip(vp->addrs[i].family, vp->addrs[i].ip, ip,
				      sizeof(ip));
			if (r->json)
				json_array_append_new(a, json_pack(
					"{s:s,s:i,s:s}", "address", ip, "prefixlen",
					vp->addrs[i].depth, "dev", vp->name));
			else
				fprintf(r->out, "%s/%u dev %s\n", ip,
					vp->addrs[i].depth, vp->name);
		}
	}
	if (r->json)
		vr_reply_json(r, a);
	else
		json_decref(a);
	return 0;
}

int
cmd_addr(int argc, char **argv, struct vr_reply *r, bool dry_run)
{
	if (argc >= 1 && strcmp(argv[0], "add") == 0)
		return addr_change(argc - 1, argv + 1, r, dry_run, true);
	if (argc >= 1 && strcmp(argv[0], "del") == 0)
		return addr_change(argc - 1, argv + 1, r, dry_run, false);
	if (argc >= 1 && strcmp(argv[0], "show") == 0)
		return dry_run ? 0 : addr_show(r);
	return vr_reply_err(r, EINVAL, "usage: addr add|del PREFIX dev PORT | "
			    "addr show");
}

/* ---------- neighbours ---------- */

struct neigh_show_ctx {
	struct vr_reply *r;
	json_t *a;
};

static int
neigh_show_one(const struct vr_neigh_info *n, void *arg)
{
	struct neigh_show_ctx *c = arg;
	char ip[INET6_ADDRSTRLEN], mac[RTE_ETHER_ADDR_FMT_SIZE];

	cmd_format_ip(n->family, n->ip, ip, sizeof(ip));
	rte_ether_format_addr(mac, sizeof(mac), &n->mac);
	if (c->r->json)
		json_array_append_new(c->a, json_pack("{s:s,s:s,s:s}", "address",
						      ip, "lladdr", mac, "dev",
						      cmd_port_name(n->port)));
	else
		fprintf(c->r->out, "%s lladdr %s dev %s\n", ip, mac,
			cmd_port_name(n->port));
	return 0;
}

int
cmd_neigh(int argc, char **argv, struct vr_reply *r, bool dry_run)
{
	struct rte_ether_addr mac;
	uint8_t ip[VR_IP6_LEN] = { 0 };
	uint16_t port;
	int family, rc;

	if (argc == 1 && strcmp(argv[0], "show") == 0) {
		struct neigh_show_ctx c = { .r = r, .a = json_array() };
		if (dry_run)
			goto done;
		for (unsigned int i = 0; i < VRD_MAX_VRFS; i++)
			if (vrd.vrfs[i].used)
				vr_fib_neigh_walk(vrd.vrfs[i].fib, neigh_show_one,
						  &c);
		if (r->json) {
			vr_reply_json(r, c.a);
			return 0;
		}
done:
		json_decref(c.a);
		return 0;
	}
	if (argc == 6 && strcmp(argv[0], "add") == 0 &&
	    strcmp(argv[2], "lladdr") == 0 && strcmp(argv[4], "dev") == 0) {
		if (cmd_parse_addr(argv[1], &family, ip, r) < 0)
			return -r->err;
		if (rte_ether_unformat_addr(argv[3], &mac) < 0)
			return vr_reply_err(r, EINVAL, "bad MAC address '%s'",
					    argv[3]);
		if (rte_is_zero_ether_addr(&mac) || rte_is_multicast_ether_addr(&mac))
			return vr_reply_err(r, EINVAL, "%s is not a unicast MAC",
					    argv[3]);
		if (cmd_port_id(argv[5], dry_run, &port, r) < 0)
			return -r->err;
		if (dry_run)
			return 0;
		rc = vr_fib_neigh_add(vrd_vrf_of_port(port)->fib, family, ip,
				      port, &mac);
		if (rc < 0)
			return vr_reply_err(r, -rc, "neigh add %s: %s", argv[1],
					    strerror(-rc));
		/* The kernel behind the TAP learns it too, as permanent. */
		vrd_tap_neigh(argv[5], family, ip, &mac);
		return 0;
	}
	if (argc == 4 && strcmp(argv[0], "del") == 0 &&
	    strcmp(argv[2], "dev") == 0) {
		if (cmd_parse_addr(argv[1], &family, ip, r) < 0 ||
		    cmd_port_id(argv[3], dry_run, &port, r) < 0)
			return -r->err;
		if (dry_run)
			return 0;
		vrd_tap_neigh(argv[3], family, ip, NULL);
		rc = vr_fib_neigh_del(vrd_vrf_of_port(port)->fib, family, ip,
				      port);
		if (rc < 0)
			return vr_reply_err(r, -rc, "neigh del %s dev %s: %s",
					    argv[1], argv[3], strerror(-rc));
		return 0;
	}
	return vr_reply_err(r, EINVAL, "usage: neigh add IP lladdr MAC dev PORT"
			    " | neigh del IP dev PORT | neigh show");
}
