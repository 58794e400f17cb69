/* SPDX-License-Identifier: BSD-3-Clause
 * Routes: the rte_fib/rte_fib6 tables, their RIBs, and growing them.
 *
 * DIR-24-8 and the IPv6 trie need their tbl8 group count and RIB node
 * budget at creation. Rather than hard-code sizes, a table that runs out
 * (-ENOSPC) is rebuilt twice as large from its own RIB and swapped in under
 * RCU: workers keep reading the old one until they pass a quiescent state.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>
#include <rte_rib.h>
#include <rte_rib6.h>

#include "fib_priv.h"

/* Inside this file a route's attributes travel as one value: the origin
 * in the low byte, the control plane's tag in the high byte. */
static inline uint16_t
ext_attr(const struct vr_route_ext *e)
{
	return (uint16_t)(e->origin | e->tag << 8);
}

static inline void
ext_store(void *ext, uint16_t attr)
{
	struct vr_route_ext *e = ext;

	e->origin = (uint8_t)attr;
	e->tag = (uint8_t)(attr >> 8);
}

#define MIN_ROUTES   (1u << 16)
#define MIN_TBL8_V4  (1u << 10)
#define MIN_TBL8_V6  (1u << 12)
/* Each prefix costs at most two RIB nodes (itself and one branch). */
#define NODES_PER_ROUTE 2u

static const char *const origin_names[VR_ORIGIN_MAX] = {
	[VR_ORIGIN_CLI] = "cli",         [VR_ORIGIN_CONNECTED] = "connected",
	[VR_ORIGIN_LOCAL] = "local",     [VR_ORIGIN_NEIGH] = "neigh",
	[VR_ORIGIN_STATIC] = "static",   [VR_ORIGIN_OSPF] = "ospf",
	[VR_ORIGIN_BGP] = "bgp",         [VR_ORIGIN_KERNEL] = "kernel",
	[VR_ORIGIN_OTHER] = "other",
};

const char *
vr_route_origin_name(uint8_t origin)
{
	return origin < VR_ORIGIN_MAX ? origin_names[origin] : "other";
}

int
vr_route_origin_parse(const char *name)
{
	for (int i = 0; i < VR_ORIGIN_MAX; i++)
		if (strcmp(name, origin_names[i]) == 0)
			return i;
	return -EINVAL;
}

static uint32_t
round_pow2(uint32_t v, uint32_t min)
{
	uint32_t r = min;
	while (r < v && r < (1u << 30))
		r <<= 1;
	return r;
}

/* Whether rte_fib's new, empty table t is laid out as vr_fib_lookup4.h's
 * VR_FIB_DIR24_* say (DPDK's internals, not its API): its header must
 * hold the conf's tbl8 count and next-hop size, and a probe route
 * 0.0.0.0/32 must show as an extended tbl24[0] whose tbl8 group holds the
 * probe's value at index 0 and the default at index 1, where
 * rte_fib_lookup_bulk finds them too. The probe is deleted again and the
 * default must be back. Returns the table to read, or NULL: then the
 * data path calls rte_fib_lookup_bulk. */
static const void *
fib4_dir_probe(struct rte_fib *t, uint32_t tbl8)
{
	const uint32_t probe = 0x2bad1e5;
	const uint8_t *dir = rte_fib_get_dp(t);
	uint32_t ips[2] = { 0, 1 }, head[4];
	uint64_t nh[2] = { 1, 1 };
	bool ok;

	if (dir == NULL)
		return NULL;
	memcpy(head, dir, sizeof(head));   /* tbl8 count, reserved, used, nh size */
	/* (vr_fib_lookup4_route_bulk's gather indexes tbl8 with signed
	 * 32-bit indices: group << 8 | byte.) */
	if (head[0] != tbl8 || head[3] != RTE_FIB_DIR24_8_4B || tbl8 >= 1u << 23)
		return NULL;
	if (rte_fib_add(t, 0, 32, probe) != 0)
		return NULL;
	rte_fib_lookup_bulk(t, ips, nh, 2);
	ok = (*(const uint32_t *)(dir + VR_FIB_DIR24_TBL24_OFF) & VR_FIB_DIR24_EXT) &&
	     *(const uint32_t *const *)(dir + VR_FIB_DIR24_TBL8_PTR_OFF) != NULL &&
	     nh[0] == probe && nh[1] == 0 &&
	     vr_fib_dir24_lookup1(dir, 0) == probe && vr_fib_dir24_lookup1(dir, 1) == 0;
	if (rte_fib_delete(t, 0, 32) != 0)
		return NULL;
	ok = ok && vr_fib_dir24_lookup1(dir, 0) == 0;
	return ok ? dir : NULL;
}

/* A new IPv4 table, and in *dir what vr_fib_fp.v4_dir is to be with it. */
static struct rte_fib *
fib4_table_create(struct vr_fib *fib, uint32_t max_routes, uint32_t tbl8,
		  const void **dir)
{
	struct rte_fib_conf c = {
		.type = RTE_FIB_DIR24_8,
		.default_nh = 0,          /* group 0: no route */
		/* rte_fib gives its RIB two nodes per route: max_routes is
		 * already a node budget. */
		.max_routes = (int)(max_routes / NODES_PER_ROUTE),
		.rib_ext_sz = sizeof(struct vr_route_ext),
		.dir24_8 = { .nh_sz = RTE_FIB_DIR24_8_4B, .num_tbl8 = tbl8 },
	};
	char name[64];
	struct rte_fib *t;

	snprintf(name, sizeof(name), "%s4_%u", fib->name, fib->generation++);
	t = rte_fib_create(name, fib->socket_id, &c);
	if (t != NULL)
		*dir = fib4_dir_probe(t, tbl8);
	return t;
}

static struct rte_fib6 *
fib6_table_create(struct vr_fib *fib, uint32_t max_routes, uint32_t tbl8)
{
	struct rte_fib6_conf c = {
		.type = RTE_FIB6_TRIE,
		.default_nh = 0,
		.max_routes = (int)(max_routes / NODES_PER_ROUTE),
		.rib_ext_sz = sizeof(struct vr_route_ext),
		.trie = { .nh_sz = RTE_FIB6_TRIE_4B, .num_tbl8 = tbl8 },
	};
	char name[64];

	snprintf(name, sizeof(name), "%s6_%u", fib->name, fib->generation++);
	return rte_fib6_create(name, fib->socket_id, &c);
}

/* Waits until no worker can still hold a pointer read before now. */
static void
fib_wait_readers(struct vr_fib *fib)
{
	if (fib->qsv != NULL)
		rte_rcu_qsbr_synchronize(fib->qsv, RTE_QSBR_THRID_INVALID);
}

/* Sets the origin of a route just added, after checking that its next
 * hop took: when rte_fib/rte_fib6 replace a route's next hop and run out
 * of tbl8 groups on the way, they return 0 and keep the old one in the
 * RIB. -ENOSPC then makes the caller grow the table and try again. */
static int
ext4_set(struct rte_fib *t, uint32_t ip, uint8_t depth, uint64_t nh,
	 uint16_t origin)
{
	struct rte_rib_node *n = rte_rib_lookup_exact(rte_fib_get_rib(t), ip, depth);
	uint64_t cur;

	if (n == NULL || rte_rib_get_nh(n, &cur) < 0 || cur != nh)
		return -ENOSPC;
	ext_store(rte_rib_get_ext(n), origin);
	return 0;
}

static int
ext6_set(struct rte_fib6 *t, const uint8_t *ip, uint8_t depth, uint64_t nh,
	 uint16_t origin)
{
	struct rte_rib6_node *n =
		rte_rib6_lookup_exact(rte_fib6_get_rib(t), ip, depth);
	uint64_t cur;

	if (n == NULL || rte_rib6_get_nh(n, &cur) < 0 || cur != nh)
		return -ENOSPC;
	ext_store(rte_rib6_get_ext(n), origin);
	return 0;
}

static int
copy4_route(struct rte_fib *dst, struct rte_rib_node *n)
{
	uint32_t ip;
	uint8_t depth;
	uint64_t nh;
	const struct vr_route_ext *e = rte_rib_get_ext(n);
	int rc;

	rte_rib_get_ip(n, &ip);
	rte_rib_get_depth(n, &depth);
	rte_rib_get_nh(n, &nh);
	rc = rte_fib_add(dst, ip, depth, nh);
	if (rc == 0)
		rc = ext4_set(dst, ip, depth, nh, ext_attr(e));
	return rc;
}

/* Copies the routes under ip/depth, each before the routes it covers
 * (the COVER walk yields the outermost ones): a prefix added before its
 * sub-prefixes never meets the wrap-around of top_hazard(), and each
 * range is written once. */
static int
copy4_under(struct rte_fib *dst, struct rte_rib *rib, uint32_t ip,
	    uint8_t depth)
{
	struct rte_rib_node *n = NULL;
	uint32_t sub_ip;
	uint8_t sub_depth;
	int rc = 0;

	while (rc == 0 && (n = rte_rib_get_nxt(rib, ip, depth, n,
					       RTE_RIB_GET_NXT_COVER)) != NULL) {
		rc = copy4_route(dst, n);
		rte_rib_get_ip(n, &sub_ip);
		rte_rib_get_depth(n, &sub_depth);
		if (rc == 0)
			rc = copy4_under(dst, rib, sub_ip, sub_depth);
	}
	return rc;
}

static int
copy6_route(struct rte_fib6 *dst, struct rte_rib6_node *n)
{
	uint8_t ip[VR_IP6_LEN];
	uint8_t depth;
	uint64_t nh;
	const struct vr_route_ext *e = rte_rib6_get_ext(n);
	int rc;

	rte_rib6_get_ip(n, ip);
	rte_rib6_get_depth(n, &depth);
	rte_rib6_get_nh(n, &nh);
	rc = rte_fib6_add(dst, ip, depth, nh);
	if (rc == 0)
		rc = ext6_set(dst, ip, depth, nh, ext_attr(e));
	return rc;
}

static int
copy6_under(struct rte_fib6 *dst, struct rte_rib6 *rib, const uint8_t *ip,
	    uint8_t depth)
{
	struct rte_rib6_node *n = NULL;
	uint8_t sub_ip[VR_IP6_LEN];
	uint8_t sub_depth;
	int rc = 0;

	while (rc == 0 && (n = rte_rib6_get_nxt(rib, ip, depth, n,
						RTE_RIB6_GET_NXT_COVER)) != NULL) {
		rc = copy6_route(dst, n);
		rte_rib6_get_ip(n, sub_ip);
		rte_rib6_get_depth(n, &sub_depth);
		if (rc == 0)
			rc = copy6_under(dst, rib, sub_ip, sub_depth);
	}
	return rc;
}

/* Rebuilds the IPv4 table with the given sizes, retrying larger while the
 * copy itself runs out, and swaps it in. */
static int
fib4_rebuild(struct vr_fib *fib, uint32_t max_routes, uint32_t tbl8)
{
	struct rte_fib *old = fib->fp.v4, *t;
	struct rte_rib *rib = rte_fib_get_rib(old);
	const void *dir = NULL;
	struct rte_rib_node *n;
	int rc = 0;

	for (int attempt = 0; attempt < 8; attempt++) {
		t = fib4_table_create(fib, max_routes, tbl8, &dir);
		if (t == NULL)
			return -rte_errno ? -rte_errno : -ENOMEM;
		rc = 0;
		n = rte_rib_lookup_exact(rib, 0, 0);
		if (n != NULL)
			rc = copy4_route(t, n);
		if (rc == 0)
			rc = copy4_under(t, rib, 0, 0);
		if (rc == 0)
			break;
		rte_fib_free(t);
		t = NULL;
		if (rc != -ENOSPC)
			return rc;
		max_routes *= 2;
		tbl8 *= 2;
	}
	if (t == NULL)
		return -ENOSPC;
	__atomic_store_n(&fib->fp.v4, t, __ATOMIC_RELEASE);
	__atomic_store_n(&fib->fp.v4_dir, dir, __ATOMIC_RELEASE);
	fib_wait_readers(fib);
	rte_fib_free(old);
	fib->v4.max_routes = max_routes;
	fib->v4.num_tbl8 = tbl8;
	fib->v4.rebuilds++;
	return 0;
}

static int
fib6_rebuild(struct vr_fib *fib, uint32_t max_routes, uint32_t tbl8)
{
	static const uint8_t zero[VR_IP6_LEN];
	struct rte_fib6 *old = fib->fp.v6, *t;
	struct rte_rib6 *rib = rte_fib6_get_rib(old);
	struct rte_rib6_node *n;
	int rc = 0;

	for (int attempt = 0; attempt < 8; attempt++) {
		t = fib6_table_create(fib, max_routes, tbl8);
		if (t == NULL)
			return -rte_errno ? -rte_errno : -ENOMEM;
		rc = 0;
		n = rte_rib6_lookup_exact(rib, zero, 0);
		if (n != NULL)
			rc = copy6_route(t, n);
		if (rc == 0)
			rc = copy6_under(t, rib, zero, 0);
		if (rc == 0)
			break;
		rte_fib6_free(t);
		t = NULL;
		if (rc != -ENOSPC)
			return rc;
		max_routes *= 2;
		tbl8 *= 2;
	}
	if (t == NULL)
		return -ENOSPC;
	__atomic_store_n(&fib->fp.v6, t, __ATOMIC_RELEASE);
	fib_wait_readers(fib);
	rte_fib6_free(old);
	fib->v6.max_routes = max_routes;
	fib->v6.num_tbl8 = tbl8;
	fib->v6.rebuilds++;
	return 0;
}

/* After -ENOSPC: grow whichever budget ran out. The RIB's node count is
 * not public, so the route count bounds it. */
static int
fib_grow(struct vr_fib *fib, int family, uint32_t extra_routes)
{
	struct fib_af_state *s = family == AF_INET ? &fib->v4 : &fib->v6;
	uint32_t need = (s->routes + extra_routes + 1) * NODES_PER_ROUTE;
	uint32_t max_routes = s->max_routes, tbl8 = s->num_tbl8;

	if (need > max_routes)
		max_routes = round_pow2(need, max_routes * 2);
	else
		tbl8 *= 2;
	if (family == AF_INET)
		return fib4_rebuild(fib, max_routes, tbl8);
	return fib6_rebuild(fib, max_routes, tbl8);
}

int
vr_fib_reserve(struct vr_fib *fib, int family, uint32_t n)
{
	struct fib_af_state *s = family == AF_INET ? &fib->v4 : &fib->v6;
	uint32_t need = (s->routes + n + 1) * NODES_PER_ROUTE;
	uint32_t tbl8 = s->num_tbl8;

	/* IPv6 prefixes mostly end below the trie's first 24 bits: the full
	 * table of 2024 (160k, /32../48) takes about 0.6 tbl8 groups each.
	 * IPv4's tbl8 need (prefixes past /24) cannot be told from a count. */
	if (family == AF_INET6)
		tbl8 = round_pow2((s->routes + n) / 4 * 3, tbl8);
	if (need <= s->max_routes && tbl8 == s->num_tbl8)
		return 0;
	need = round_pow2(need, s->max_routes);
	if (family == AF_INET)
		return fib4_rebuild(fib, need, tbl8);
	return fib6_rebuild(fib, need, tbl8);
}

static void
mask_prefix(int family, const uint8_t *in, uint8_t depth, uint8_t *out)
{
	uint8_t len = fib_addr_len(family);

	memset(out, 0, VR_IP6_LEN);
	for (uint8_t i = 0; i < len; i++) {
		int bits = (int)depth - 8 * i;
		if (bits >= 8)
			out[i] = in[i];
		else if (bits > 0)
			out[i] = in[i] & (uint8_t)(0xff << (8 - bits));
	}
}

static uint32_t
ip4_host(const uint8_t *ip)
{
	return (uint32_t)ip[0] << 24 | (uint32_t)ip[1] << 16 |
	       (uint32_t)ip[2] << 8 | ip[3];
}

static void
ip4_bytes(uint32_t h, uint8_t *ip)
{
	ip[0] = h >> 24;
	ip[1] = h >> 16;
	ip[2] = h >> 8;
	ip[3] = h;
}

/* Reads the exact route, if any: its group id. */
static bool
route_exact(struct vr_fib *fib, int family, const uint8_t *ip, uint8_t depth,
	    uint64_t *nhg, uint16_t *origin)
{
	const struct vr_route_ext *e;

	if (family == AF_INET) {
		struct rte_rib_node *n = rte_rib_lookup_exact(
			rte_fib_get_rib(fib->fp.v4), ip4_host(ip), depth);
		if (n == NULL)
			return false;
		rte_rib_get_nh(n, nhg);
		e = rte_rib_get_ext(n);
	} else {
		struct rte_rib6_node *n = rte_rib6_lookup_exact(
			rte_fib6_get_rib(fib->fp.v6), ip, depth);
		if (n == NULL)
			return false;
		rte_rib6_get_nh(n, nhg);
		e = rte_rib6_get_ext(n);
	}
	if (origin != NULL)
		*origin = ext_attr(e);
	return true;
}

/* rte_fib and rte_fib6 (DPDK 22.11) write a prefix's next hop into its
 * range by walking its sub-prefixes in address order; when the last one
 * ends at the top of the address space the walk wraps around to 0 and
 * writes the next hop over the whole table. 0/1 and 128/1 (as VPN
 * clients install them) and any change of 0/0 are enough. Only a prefix
 * that holds the top address, with a longer prefix holding it too, can
 * meet this. */
static bool
top_hazard(struct vr_fib *fib, int family, const uint8_t *ip, uint8_t depth)
{
	uint8_t top[VR_IP6_LEN], first[VR_IP6_LEN], d;

	memset(top, 0xff, sizeof(top));
	mask_prefix(family, top, depth, first);
	if (memcmp(ip, first, fib_addr_len(family)) != 0)
		return false;
	if (family == AF_INET) {
		struct rte_rib_node *n =
			rte_rib_lookup(rte_fib_get_rib(fib->fp.v4), UINT32_MAX);
		return n != NULL && rte_rib_get_depth(n, &d) == 0 && d > depth;
	}
	struct rte_rib6_node *n = rte_rib6_lookup(rte_fib6_get_rib(fib->fp.v6), top);
	return n != NULL && rte_rib6_get_depth(n, &d) == 0 && d > depth;
}

/* Makes a change top_hazard() forbids in the live table in its RIB only,
 * which workers do not read, and rebuilds the data path from that RIB
 * (parents first, so safely). Puts the RIB back if the rebuild fails. */
static int
rib4_change(struct vr_fib *fib, uint32_t ip, uint8_t depth, bool del,
	    uint32_t nhg, uint16_t origin)
{
	struct rte_rib *rib = rte_fib_get_rib(fib->fp.v4);
	struct rte_rib_node *n = rte_rib_lookup_exact(rib, ip, depth);
	struct vr_route_ext old = { 0 };
	uint64_t old_nh = 0;
	bool existed = n != NULL;
	int rc;

	if (existed) {
		rte_rib_get_nh(n, &old_nh);
		old = *(struct vr_route_ext *)rte_rib_get_ext(n);
	}
	if (del) {
		rte_rib_remove(rib, ip, depth);
	} else {
		if (!existed && (n = rte_rib_insert(rib, ip, depth)) == NULL)
			return -rte_errno;
		rte_rib_set_nh(n, nhg);
		ext_store(rte_rib_get_ext(n), origin);
		if (existed && old_nh == nhg)
			return 0;
	}
	rc = fib4_rebuild(fib, fib->v4.max_routes, fib->v4.num_tbl8);
	if (rc == 0)
		return 0;
	if (!existed) {
		rte_rib_remove(rib, ip, depth);
		return rc;
	}
	n = rte_rib_lookup_exact(rib, ip, depth);
	if (n == NULL && (n = rte_rib_insert(rib, ip, depth)) == NULL)
		return rc;
	rte_rib_set_nh(n, old_nh);
	*(struct vr_route_ext *)rte_rib_get_ext(n) = old;
	return rc;
}

static int
rib6_change(struct vr_fib *fib, const uint8_t *ip, uint8_t depth, bool del,
	    uint32_t nhg, uint16_t origin)
{
	struct rte_rib6 *rib = rte_fib6_get_rib(fib->fp.v6);
	struct rte_rib6_node *n = rte_rib6_lookup_exact(rib, ip, depth);
	struct vr_route_ext old = { 0 };
	uint64_t old_nh = 0;
	bool existed = n != NULL;
	int rc;

	if (existed) {
		rte_rib6_get_nh(n, &old_nh);
		old = *(struct vr_route_ext *)rte_rib6_get_ext(n);
	}
	if (del) {
		rte_rib6_remove(rib, ip, depth);
	} else {
		if (!existed && (n = rte_rib6_insert(rib, ip, depth)) == NULL)
			return -rte_errno;
		rte_rib6_set_nh(n, nhg);
		ext_store(rte_rib6_get_ext(n), origin);
		if (existed && old_nh == nhg)
			return 0;
	}
	rc = fib6_rebuild(fib, fib->v6.max_routes, fib->v6.num_tbl8);
	if (rc == 0)
		return 0;
	if (!existed) {
		rte_rib6_remove(rib, ip, depth);
		return rc;
	}
	n = rte_rib6_lookup_exact(rib, ip, depth);
	if (n == NULL && (n = rte_rib6_insert(rib, ip, depth)) == NULL)
		return rc;
	rte_rib6_set_nh(n, old_nh);
	*(struct vr_route_ext *)rte_rib6_get_ext(n) = old;
	return rc;
}

static int
table_add(struct vr_fib *fib, int family, const uint8_t *ip, uint8_t depth,
	  uint32_t nhg, uint16_t origin)
{
	int rc;

	if (top_hazard(fib, family, ip, depth))
		return family == AF_INET ?
			rib4_change(fib, ip4_host(ip), depth, false, nhg, origin) :
			rib6_change(fib, ip, depth, false, nhg, origin);
	if (family == AF_INET) {
		rc = rte_fib_add(fib->fp.v4, ip4_host(ip), depth, nhg);
		if (rc == 0)
			rc = ext4_set(fib->fp.v4, ip4_host(ip), depth, nhg, origin);
	} else {
		rc = rte_fib6_add(fib->fp.v6, ip, depth, nhg);
		if (rc == 0)
			rc = ext6_set(fib->fp.v6, ip, depth, nhg, origin);
	}
	return rc;
}

static int
table_del(struct vr_fib *fib, int family, const uint8_t *ip, uint8_t depth)
{
	if (top_hazard(fib, family, ip, depth))
		return family == AF_INET ?
			rib4_change(fib, ip4_host(ip), depth, true, 0, 0) :
			rib6_change(fib, ip, depth, true, 0, 0);
	if (family == AF_INET)
		return rte_fib_delete(fib->fp.v4, ip4_host(ip), depth);
	return rte_fib6_delete(fib->fp.v6, ip, depth);
}

int
vr_fib_route_add(struct vr_fib *fib, int family, const uint8_t *ip,
		 uint8_t depth, uint32_t nhg, uint8_t origin)
{
	return vr_fib_route_add_tagged(fib, family, ip, depth, nhg, origin, 0);
}

int
vr_fib_route_add_tagged(struct vr_fib *fib, int family, const uint8_t *ip_in,
			uint8_t depth, uint32_t nhg, uint8_t origin_in,
			uint8_t tag)
{
	uint16_t origin = (uint16_t)(origin_in | tag << 8);
	uint8_t ip[VR_IP6_LEN];
	uint64_t old = 0;
	bool replace;
	int rc;

	if ((family != AF_INET && family != AF_INET6) ||
	    depth > 8 * fib_addr_len(family) || origin_in >= VR_ORIGIN_MAX)
		return -EINVAL;
	if (nhg == 0 || fib_nhg_refcnt(fib, nhg) == NULL)
		return -ENOENT;
	mask_prefix(family, ip_in, depth, ip);
	replace = route_exact(fib, family, ip, depth, &old, NULL);

	rc = table_add(fib, family, ip, depth, nhg, origin);
	/* Out of tbl8 groups is -ENOSPC, out of RIB nodes -ENOMEM. A
	 * rebuild can itself be short once; two tries cover a doubling of
	 * either budget. */
	for (int i = 0; (rc == -ENOSPC || rc == -ENOMEM) && i < 2; i++) {
		rc = fib_grow(fib, family, 1);
		if (rc == 0)
			rc = table_add(fib, family, ip, depth, nhg, origin);
	}
	if (rc < 0)
		return rc;
	if (replace)
		vr_fib_nhg_put(fib, (uint32_t)old);
	else if (family == AF_INET)
		fib->v4.routes++;
	else
		fib->v6.routes++;
	return 0;
}

int
vr_fib_route_del(struct vr_fib *fib, int family, const uint8_t *ip_in,
		 uint8_t depth)
{
	uint8_t ip[VR_IP6_LEN];
	uint64_t old;
	int rc;

	if ((family != AF_INET && family != AF_INET6) ||
	    depth > 8 * fib_addr_len(family))
		return -EINVAL;
	mask_prefix(family, ip_in, depth, ip);
	if (!route_exact(fib, family, ip, depth, &old, NULL))
		return -ENOENT;
	rc = table_del(fib, family, ip, depth);
	/* A delete can need a tbl8 group as well: a sub-prefix that has its
	 * parent's next hop was never written and must now be kept apart. */
	for (int i = 0; rc == -ENOSPC && i < 2; i++) {
		rc = fib_grow(fib, family, 0);
		if (rc == 0)
			rc = table_del(fib, family, ip, depth);
	}
	if (rc < 0)
		return rc;
	if (family == AF_INET)
		fib->v4.routes--;
	else
		fib->v6.routes--;
	vr_fib_nhg_put(fib, (uint32_t)old);
	return 0;
}

int
vr_fib_route_get(struct vr_fib *fib, int family, const uint8_t *ip_in,
		 uint8_t depth, struct vr_route_info *info)
{
	uint8_t ip[VR_IP6_LEN];
	uint64_t nhg;
	uint16_t attr;

	if ((family != AF_INET && family != AF_INET6) ||
	    depth > 8 * fib_addr_len(family))
		return -EINVAL;
	mask_prefix(family, ip_in, depth, ip);
	if (!route_exact(fib, family, ip, depth, &nhg, &attr))
		return -ENOENT;
	info->family = family;
	info->depth = depth;
	info->origin = (uint8_t)attr;
	info->tag = (uint8_t)(attr >> 8);
	info->nhg = (uint32_t)nhg;
	memcpy(info->ip, ip, VR_IP6_LEN);
	return 0;
}

static void
info4_from_node(struct rte_rib_node *n, struct vr_route_info *info)
{
	uint32_t ip;
	uint64_t nh;

	memset(info, 0, sizeof(*info));
	rte_rib_get_ip(n, &ip);
	rte_rib_get_depth(n, &info->depth);
	rte_rib_get_nh(n, &nh);
	info->family = AF_INET;
	info->nhg = (uint32_t)nh;
	info->origin = ((const struct vr_route_ext *)rte_rib_get_ext(n))->origin;
	info->tag = ((const struct vr_route_ext *)rte_rib_get_ext(n))->tag;
	ip4_bytes(ip, info->ip);
}

static void
info6_from_node(struct rte_rib6_node *n, struct vr_route_info *info)
{
	uint64_t nh;

	memset(info, 0, sizeof(*info));
	rte_rib6_get_ip(n, info->ip);
	rte_rib6_get_depth(n, &info->depth);
	rte_rib6_get_nh(n, &nh);
	info->family = AF_INET6;
	info->nhg = (uint32_t)nh;
	info->origin = ((const struct vr_route_ext *)rte_rib6_get_ext(n))->origin;
	info->tag = ((const struct vr_route_ext *)rte_rib6_get_ext(n))->tag;
}

int
vr_fib_route_match(struct vr_fib *fib, int family, const uint8_t *ip,
		   struct vr_route_info *info)
{
	if (family == AF_INET) {
		struct rte_rib_node *n =
			rte_rib_lookup(rte_fib_get_rib(fib->fp.v4), ip4_host(ip));
		if (n == NULL)
			return -ENOENT;
		info4_from_node(n, info);
		return 0;
	}
	if (family == AF_INET6) {
		struct rte_rib6_node *n =
			rte_rib6_lookup(rte_fib6_get_rib(fib->fp.v6), ip);
		if (n == NULL)
			return -ENOENT;
		info6_from_node(n, info);
		return 0;
	}
	return -EINVAL;
}

int
vr_fib_route_walk(struct vr_fib *fib, int family, const uint8_t *ip_in,
		  uint8_t depth, vr_fib_walk_fn fn, void *arg)
{
	struct vr_route_info info;
	uint8_t ip[VR_IP6_LEN];
	int rc;

	if ((family != AF_INET && family != AF_INET6) ||
	    depth > 8 * fib_addr_len(family))
		return -EINVAL;
	mask_prefix(family, ip_in, depth, ip);
	if (family == AF_INET) {
		struct rte_rib *rib = rte_fib_get_rib(fib->fp.v4);
		struct rte_rib_node *n = rte_rib_lookup_exact(rib, ip4_host(ip), depth);
		if (n != NULL) {
			info4_from_node(n, &info);
			if ((rc = fn(&info, arg)) != 0)
				return rc;
		}
		for (n = NULL; (n = rte_rib_get_nxt(rib, ip4_host(ip), depth, n,
						    RTE_RIB_GET_NXT_ALL)) != NULL;) {
			info4_from_node(n, &info);
			if ((rc = fn(&info, arg)) != 0)
				return rc;
		}
	} else {
		struct rte_rib6 *rib = rte_fib6_get_rib(fib->fp.v6);
		struct rte_rib6_node *n = rte_rib6_lookup_exact(rib, ip, depth);
		if (n != NULL) {
			info6_from_node(n, &info);
			if ((rc = fn(&info, arg)) != 0)
				return rc;
		}
		for (n = NULL; (n = rte_rib6_get_nxt(rib, ip, depth, n,
						     RTE_RIB6_GET_NXT_ALL)) != NULL;) {
			info6_from_node(n, &info);
			if ((rc = fn(&info, arg)) != 0)
				return rc;
		}
	}
	return 0;
}

uint32_t
vr_fib_route_count(const struct vr_fib *fib, int family)
{
	return family == AF_INET ? fib->v4.routes : fib->v6.routes;
}

const struct vr_fib_fp *
vr_fib_fp(const struct vr_fib *fib)
{
	return &fib->fp;
}

void
vr_fib_mem(const struct vr_fib *fib, struct vr_fib_mem *m)
{
	/* DIR-24-8: 2^24 tbl24 entries and 256 per tbl8 group, 4 bytes each;
	 * the trie likewise. A RIB node is a cache-aligned mempool object
	 * with its header and trailer: 192 bytes as measured on the full
	 * IPv4 table (tests/bench/fib.sh compares this estimate with the
	 * heap's own count). */
	const uint64_t node4 = 192;
	const uint64_t node6 = 192;

	memset(m, 0, sizeof(*m));
	m->v4_tbl8 = fib->v4.num_tbl8;
	m->v6_tbl8 = fib->v6.num_tbl8;
	m->v4_max_routes = fib->v4.max_routes;
	m->v6_max_routes = fib->v6.max_routes;
	m->v4_rebuilds = fib->v4.rebuilds;
	m->v6_rebuilds = fib->v6.rebuilds;
	m->v4_lookup_rte_fib = fib->fp.v4_dir == NULL;
	m->v4_bytes = (1ull << 24) * 4 + (uint64_t)fib->v4.num_tbl8 * 256 * 4 +
		      (uint64_t)fib->v4.max_routes * node4;
	m->v6_bytes = (1ull << 24) * 4 + (uint64_t)fib->v6.num_tbl8 * 256 * 4 +
		      (uint64_t)fib->v6.max_routes * node6;
	m->nh_bytes = (uint64_t)fib->max_nh *
			      (sizeof(struct vr_nh) + sizeof(struct nh_ctl)) +
		      (uint64_t)fib->max_nhg *
			      (sizeof(struct vr_nhg) + sizeof(struct nhg_ctl));
}

void
vr_fib_reclaim(struct vr_fib *fib)
{
	fib_ids_reclaim(fib, &fib->nh_ids);
	fib_ids_reclaim(fib, &fib->nhg_ids);
}

int
vr_fib_create(const struct vr_fib_conf *conf, struct vr_fib **out)
{
	struct vr_fib *fib;
	int rc;

	if (conf->name == NULL || strlen(conf->name) > 20 ||
	    conf->max_nh > VR_FIB_MAX_NH || conf->max_nhg > VR_NHG_SINGLE)
		return -EINVAL;
	fib = rte_zmalloc_socket("vr_fib", sizeof(*fib), RTE_CACHE_LINE_SIZE,
				 conf->socket_id);
	if (fib == NULL)
		return -ENOMEM;
	snprintf(fib->name, sizeof(fib->name), "%s", conf->name);
	fib->socket_id = conf->socket_id;
	fib->qsv = conf->qsv;
	fib->max_nh = conf->max_nh ? conf->max_nh : 1u << 16;
	fib->max_nhg = conf->max_nhg ? conf->max_nhg : 1u << 16;
	fib->v4.max_routes = round_pow2(conf->v4_routes_hint * NODES_PER_ROUTE,
					MIN_ROUTES);
	fib->v6.max_routes = round_pow2(conf->v6_routes_hint * NODES_PER_ROUTE,
					MIN_ROUTES);
	fib->v4.num_tbl8 = MIN_TBL8_V4;
	/* IPv6 prefixes are mostly /32../48: two to three tbl8 groups each
	 * below the trie's 24-bit first level. */
	fib->v6.num_tbl8 = round_pow2(conf->v6_routes_hint * 2, MIN_TBL8_V6);

	fib->fp.v4 = fib4_table_create(fib, fib->v4.max_routes, fib->v4.num_tbl8,
				       &fib->fp.v4_dir);
	fib->fp.v6 = fib6_table_create(fib, fib->v6.max_routes, fib->v6.num_tbl8);
	if (fib->fp.v4 == NULL || fib->fp.v6 == NULL) {
		rc = -(rte_errno ? rte_errno : ENOMEM);
		goto fail;
	}
	rc = fib_nh_init(fib);
	if (rc == 0)
		rc = fib_neigh_init(fib);
	if (rc < 0)
		goto fail;
	*out = fib;
	return 0;
fail:
	vr_fib_destroy(fib);
	return rc;
}

void
vr_fib_destroy(struct vr_fib *fib)
{
	if (fib == NULL)
		return;
	fib_neigh_fini(fib);
	fib_nh_fini(fib);
	rte_fib_free(fib->fp.v4);
	rte_fib6_free(fib->fp.v6);
	rte_free(fib);
}
