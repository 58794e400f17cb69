/* SPDX-License-Identifier: BSD-3-Clause
 * Unit tests of the vr_fib library: ECMP member selection, shared and
 * reference-counted groups, neighbours, bad input; the differential and
 * full-table tests live in their own files. main() starts the EAL once,
 * because vr_fib allocates with rte_malloc.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>

#include "fib_test.h"

#define N_FLOWS 200000

static void
spec_eq(const struct vr_nh_spec *a, const struct vr_nh_spec *b)
{
	assert_int_equal(a->family, b->family);
	assert_int_equal(a->type, b->type);
	assert_int_equal(a->port, b->port);
	assert_memory_equal(a->gw, b->gw, VR_IP6_LEN);
}

/* Which member of group g the hash picks, as an index into its paths:
 * gw_spec() puts path i on its own port only for i < 4, so name members
 * by next-hop id instead. */
static unsigned int
member_of(const struct vr_fib *fib, uint32_t g, uint32_t hash)
{
	const struct vr_fib_fp *fp = vr_fib_fp(fib);
	const struct vr_nh *nh = vr_fib_nh_select(fp, g, hash);

	for (unsigned int i = 0; i < vr_fib_nhg_paths_n(fp, g); i++)
		if (nh == vr_fib_nhg_member(fib, g, i))
			return i;
	fail_msg("hash %u selects a next hop outside group %u", hash, g);
	return 0;
}

void
test_ecmp(void **state)
{
	struct vr_fib *fib = test_fib_create("ecmp", 0, 0);
	const struct vr_fib_fp *fp = vr_fib_fp(fib);
	struct vr_nh_spec paths[VR_NHG_MAX_PATHS], perm[4];
	static uint32_t hashes[N_FLOWS];
	static uint8_t first[N_FLOWS];
	unsigned int count[VR_NHG_MAX_PATHS] = { 0 };
	uint32_t g, g2, other;

	rnd_seed(test_seed());
	for (unsigned int i = 0; i < VR_NHG_MAX_PATHS; i++)
		gw_spec(AF_INET, i, &paths[i]);
	assert_int_equal(vr_fib_nhg_get(fib, paths, 4, &g), 0);
	assert_int_equal(vr_fib_nhg_paths_n(fp, g), 4);

	for (unsigned int f = 0; f < N_FLOWS; f++) {
		hashes[f] = (uint32_t)rnd64();
		first[f] = member_of(fib, g, hashes[f]);
		count[first[f]]++;
	}
	for (unsigned int i = 0; i < 4; i++) {
		print_message("  member %u: %.2f%% of flows\n", i,
			      100.0 * count[i] / N_FLOWS);
		assert_true(count[i] > N_FLOWS * 15 / 100);
		assert_true(count[i] < N_FLOWS * 35 / 100);
	}

	/* Any order of the same paths names the same group, so flows keep
	 * their members; other groups and routes coming and going do not
	 * move them either. */
	perm[0] = paths[2];
	perm[1] = paths[0];
	perm[2] = paths[3];
	perm[3] = paths[1];
	assert_int_equal(vr_fib_nhg_get(fib, perm, 4, &g2), 0);
	assert_int_equal(g2, g);
	assert_int_equal(vr_fib_nhg_get(fib, paths + 1, 3, &other), 0);
	assert_int_not_equal(other, g);
	for (unsigned int f = 0; f < N_FLOWS; f++)
		assert_int_equal(member_of(fib, g, hashes[f]), first[f]);
	vr_fib_nhg_put(fib, other);
	vr_fib_nhg_put(fib, g2);
	for (unsigned int f = 0; f < N_FLOWS; f++)
		assert_int_equal(member_of(fib, g, hashes[f]), first[f]);
	vr_fib_nhg_put(fib, g);

	/* Every group size spreads flows evenly: within 0.6..1.4 of 1/n. */
	for (unsigned int n = 1; n <= VR_NHG_MAX_PATHS; n++) {
		assert_int_equal(vr_fib_nhg_get(fib, paths, n, &g), 0);
		memset(count, 0, sizeof(count));
		for (unsigned int f = 0; f < N_FLOWS; f++)
			count[member_of(fib, g, hashes[f])]++;
		for (unsigned int i = 0; i < n; i++) {
			assert_true(count[i] * 10 * n > N_FLOWS * 6u);
			assert_true(count[i] * 10 * n < N_FLOWS * 14u);
		}
		vr_fib_nhg_put(fib, g);
	}
	vr_fib_destroy(fib);
}

/* What the forwarding loop gets from an IPv4 lookup: the next hop of a
 * one-path route, and for a multipath group or no route a stand-in that
 * its one test (fwd_frame_max) sends aside, which names the group. */
static void
test_route_stand_in(void **state)
{
	struct vr_fib *fib = test_fib_create("stand_in", 0, 0);
	const struct vr_fib_fp *fp = vr_fib_fp(fib);
	struct vr_nh_spec paths[3];
	uint8_t net[VR_IP6_LEN] = { 10, 1 }, net1[VR_IP6_LEN] = { 10, 2 };
	uint32_t g, g1, ips[3] = { 0x0a010203, 0x0a020304, 0x0b000001 };
	uintptr_t r[3];
	const struct vr_nh *nh;

	(void)state;
	for (unsigned int i = 0; i < 3; i++)
		gw_spec(AF_INET, i, &paths[i]);
	assert_int_equal(vr_fib_nhg_get(fib, paths, 3, &g), 0);
	assert_int_equal(vr_fib_nhg_get(fib, paths, 1, &g1), 0);
	assert_int_equal(vr_fib_route_add(fib, AF_INET, net, 16, g, VR_ORIGIN_BGP), 0);
	assert_int_equal(vr_fib_route_add(fib, AF_INET, net1, 16, g1, VR_ORIGIN_BGP), 0);
	vr_fib_lookup4_route_bulk(fp, ips, r, 3);

	nh = (const struct vr_nh *)r[0];              /* multipath */
	assert_true(vr_fib_nh_is_group(nh));
	assert_int_equal(vr_fib_nh_group(nh), g);
	assert_int_equal(nh->fwd_frame_max, 0);
	nh = (const struct vr_nh *)r[1];              /* one path */
	assert_ptr_equal(nh, vr_fib_nh_single(fp, g1));
	assert_false(vr_fib_nh_is_group(nh));
	nh = (const struct vr_nh *)r[2];              /* no route: group 0 */
	assert_false(vr_fib_nh_is_group(nh));
	assert_int_equal(nh->type, VR_NH_NOROUTE);
	assert_int_equal(nh->fwd_frame_max, 0);

	/* Destinations that are not unicast get no route, even with a
	 * default route: eight at once (the vector path), then the rest
	 * one by one. */
	{
		static const struct {
			uint32_t ip;
			bool routed;
		} d[] = {
			{ 0x00000000, false }, { 0x00ffffff, false }, /* 0/8 */
			{ 0x01000000, true },  { 0x7effffff, true },
			{ 0x7f000001, false }, { 0x7fffffff, false }, /* 127/8 */
			{ 0x80000000, true },  { 0xdfffffff, true },
			{ 0xe0000000, false }, { 0xe0000005, false }, /* 224/4 */
			{ 0xf0000001, false }, { 0xffffffff, false }, /* 240/4 */
			{ 0x0a010203, true },
		};
		uint8_t any[VR_IP6_LEN] = { 0 };
		uint32_t ip[RTE_DIM(d)];
		uintptr_t rd[RTE_DIM(d)];

		assert_int_equal(vr_fib_nhg_get(fib, paths + 2, 1, &g1), 0);
		assert_int_equal(vr_fib_route_add(fib, AF_INET, any, 0, g1, VR_ORIGIN_BGP), 0);
		for (unsigned int i = 0; i < RTE_DIM(d); i++)
			ip[i] = d[i].ip;
		vr_fib_lookup4_route_bulk(fp, ip, rd, RTE_DIM(d));
		for (unsigned int i = 0; i < RTE_DIM(d); i++) {
			uint32_t want = d[i].routed ? (d[i].ip >> 16 == 0x0a01 ? g : g1) : 0;

			print_message("  %08x -> %s\n", d[i].ip, d[i].routed ? "routed" : "no route");
			assert_int_equal(rd[i], vr_fib_route_of(fp, want));
		}
	}
	vr_fib_destroy(fib);
}

void
test_groups_shared(void **state)
{
	struct vr_fib *fib = test_fib_create("groups", 0, 0);
	const struct vr_fib_fp *fp = vr_fib_fp(fib);
	struct vr_nh_spec a, b, got[4];
	struct vr_route_info info;
	struct pfx p1 = { (u128)0x0a010000, 16 }, p2 = { (u128)0x0a020000, 16 };
	uint32_t g1, g2, gab, gnew;
	unsigned int n;

	gw_spec(AF_INET, 1, &a);
	gw_spec(AF_INET, 2, &b);
	assert_int_equal(vr_fib_nhg_get(fib, &a, 1, &g1), 0);
	assert_int_equal(vr_fib_nhg_get(fib, &a, 1, &g2), 0);
	assert_int_equal(g1, g2);
	assert_int_not_equal(g1, 0);

	/* Two routes via the same spec share the group; nothing else is
	 * holding it once the two references are with the routes. */
	assert_int_equal(vr_fib_route_add(fib, AF_INET, (uint8_t[]){ 10, 1, 0, 0 },
					  16, g1, VR_ORIGIN_STATIC), 0);
	assert_int_equal(vr_fib_route_add(fib, AF_INET, (uint8_t[]){ 10, 2, 0, 0 },
					  16, g2, VR_ORIGIN_STATIC), 0);
	assert_int_equal(vr_fib_route_get(fib, AF_INET, (uint8_t[]){ 10, 1, 0, 0 },
					  16, &info), 0);
	assert_int_equal(info.nhg, g1);
	assert_int_equal(info.origin, VR_ORIGIN_STATIC);
	assert_int_equal(vr_fib_route_get(fib, AF_INET, (uint8_t[]){ 10, 2, 0, 0 },
					  16, &info), 0);
	assert_int_equal(info.nhg, g1);

	/* nhg_paths returns the specs; a two-path group shares next hop a. */
	assert_int_equal(vr_fib_nhg_paths(fib, g1, got, 4, &n), 0);
	assert_int_equal(n, 1);
	spec_eq(&got[0], &a);
	assert_int_equal(vr_fib_nhg_get(fib, (struct vr_nh_spec[]){ b, a }, 2, &gab), 0);
	assert_int_not_equal(gab, g1);
	assert_int_equal(vr_fib_nhg_paths(fib, gab, got, 4, &n), 0);
	assert_int_equal(n, 2);
	/* A one-path group is its next hop: no group table entry. */
	assert_true(vr_fib_nhg_is_single(g1));
	assert_false(vr_fib_nhg_is_single(gab));
	assert_ptr_equal(vr_fib_nhg_member(fib, g1, 0), vr_fib_nh_single(fp, g1));
	assert_null(vr_fib_nhg_member(fib, g1, 1));
	assert_true(vr_fib_nhg_member(fib, gab, 0) == vr_fib_nhg_member(fib, g1, 0) ||
		    vr_fib_nhg_member(fib, gab, 1) == vr_fib_nhg_member(fib, g1, 0));
	if (got[0].gw[3] == a.gw[3]) {
		spec_eq(&got[0], &a);
		spec_eq(&got[1], &b);
	} else {
		spec_eq(&got[0], &b);
		spec_eq(&got[1], &a);
	}

	/* A replace drops the old group's reference, a delete the route's. */
	assert_int_equal(route_add(fib, AF_INET, &p1, gab, VR_ORIGIN_BGP), 0);
	assert_int_equal(vr_fib_nhg_paths(fib, g1, got, 4, &n), 0);
	assert_int_equal(route_del(fib, AF_INET, &p2), 0);
	assert_int_equal(vr_fib_nhg_paths(fib, g1, got, 4, &n), -ENOENT);
	assert_int_equal(route_del(fib, AF_INET, &p1), 0);
	assert_int_equal(vr_fib_nhg_paths(fib, gab, got, 4, &n), 0);
	vr_fib_nhg_put(fib, gab);
	assert_int_equal(vr_fib_nhg_paths(fib, gab, got, 4, &n), -ENOENT);
	assert_int_equal(vr_fib_route_count(fib, AF_INET), 0);

	/* Freed ids come back: with no readers to wait for, at once. */
	gw_spec(AF_INET, 3, &a);
	assert_int_equal(vr_fib_nhg_get(fib, &a, 1, &gnew), 0);
	assert_true(gnew == (VR_NHG_SINGLE | 1) || gnew == (VR_NHG_SINGLE | 2));
	assert_ptr_equal(vr_fib_nhg_member(fib, gnew, 0), vr_fib_nh_single(fp, gnew));
	vr_fib_nhg_put(fib, gnew);
	vr_fib_destroy(fib);
}

static const struct vr_nh *
route_nh(struct vr_fib *fib, int family, const uint8_t *ip, uint8_t depth)
{
	const struct vr_fib_fp *fp = vr_fib_fp(fib);
	struct vr_route_info info;

	assert_int_equal(vr_fib_route_get(fib, family, ip, depth, &info), 0);
	assert_int_equal(vr_fib_nhg_paths_n(fp, info.nhg), 1);
	return vr_fib_nh_select(fp, info.nhg, 0);
}

static uint64_t
data_path_group(struct vr_fib *fib, int family, const uint8_t *ip)
{
	const struct vr_fib_fp *fp = vr_fib_fp(fib);
	uint64_t g;

	if (family == AF_INET) {
		uint32_t h = (uint32_t)addr_from_bytes(AF_INET, ip), g4;

		vr_fib_lookup4_bulk(fp, &h, &g4, 1);
		g = g4;
	} else {
		uint8_t a[1][RTE_FIB6_IPV6_ADDR_SIZE];
		memcpy(a[0], ip, 16);
		vr_fib_lookup6_bulk(fp, a, &g, 1);
	}
	return g;
}

static void
neigh_family(struct vr_fib *fib, int family)
{
	const struct rte_ether_addr mac = { { 0x02, 0, 0, 0, 0, 0x42 } };
	const struct rte_ether_addr mac2 = { { 0x02, 0, 0, 0, 0, 0x43 } };
	uint8_t host = family == AF_INET ? 32 : 128;
	struct vr_nh_spec gw, gw2;
	struct vr_route_info info;
	const struct vr_nh *nh;
	uint8_t net[VR_IP6_LEN] = { 0 }, other[VR_IP6_LEN] = { 0 };
	uint32_t g, g2, routes;

	gw_spec(family, 7, &gw);           /* gateway G on port 3 */
	gw_spec(family, 8, &gw2);          /* a second gateway, port 0 */
	net[0] = family == AF_INET ? 172 : 0x20;
	other[0] = family == AF_INET ? 192 : 0x30;
	assert_int_equal(vr_fib_nhg_get(fib, &gw, 1, &g), 0);
	assert_int_equal(vr_fib_route_add(fib, family, net, 8, g, VR_ORIGIN_BGP), 0);
	nh = route_nh(fib, family, net, 8);
	assert_int_equal(nh->type, VR_NH_UNRESOLVED);
	routes = vr_fib_route_count(fib, family);

	/* The same address on another port is another neighbour. */
	assert_int_equal(vr_fib_neigh_add(fib, family, gw.gw, gw.port + 1, &mac2), 0);
	assert_int_equal(nh->type, VR_NH_UNRESOLVED);
	assert_int_equal(vr_fib_neigh_del(fib, family, gw.gw, gw.port + 1), 0);
	assert_int_equal(vr_fib_route_count(fib, family), routes);

	assert_int_equal(data_path_group(fib, family, gw.gw), 0);
	assert_int_equal(vr_fib_neigh_add(fib, family, gw.gw, gw.port, &mac), 0);
	assert_int_equal(nh->type, VR_NH_FORWARD);
	assert_int_equal(nh->port, gw.port);
	assert_true(rte_is_same_ether_addr(&nh->dmac, &mac));
	assert_int_equal(vr_fib_route_get(fib, family, gw.gw, host, &info), 0);
	assert_int_equal(info.origin, VR_ORIGIN_NEIGH);
	assert_int_equal(vr_fib_route_count(fib, family), routes + 1);
	assert_ptr_equal(route_nh(fib, family, gw.gw, host), nh);
	assert_int_equal(data_path_group(fib, family, gw.gw), info.nhg);

	/* A new MAC reaches the next hop in place. */
	assert_int_equal(vr_fib_neigh_add(fib, family, gw.gw, gw.port, &mac2), 0);
	assert_true(rte_is_same_ether_addr(&nh->dmac, &mac2));
	assert_int_equal(vr_fib_route_count(fib, family), routes + 1);

	assert_int_equal(vr_fib_neigh_del(fib, family, gw.gw, gw.port), 0);
	assert_int_equal(nh->type, VR_NH_UNRESOLVED);
	assert_int_equal(vr_fib_route_get(fib, family, gw.gw, host, &info), -ENOENT);
	assert_int_equal(data_path_group(fib, family, gw.gw), 0);
	assert_int_equal(vr_fib_route_count(fib, family), routes);
	assert_int_equal(vr_fib_neigh_del(fib, family, gw.gw, gw.port), -ENOENT);

	/* A neighbour known before its next hop resolves it at creation. */
	assert_int_equal(vr_fib_neigh_add(fib, family, gw2.gw, gw2.port, &mac), 0);
	assert_int_equal(vr_fib_nhg_get(fib, &gw2, 1, &g2), 0);
	assert_int_equal(vr_fib_route_add(fib, family, other, 8, g2, VR_ORIGIN_BGP), 0);
	nh = route_nh(fib, family, other, 8);
	assert_int_equal(nh->type, VR_NH_FORWARD);
	assert_true(rte_is_same_ether_addr(&nh->dmac, &mac));
	assert_int_equal(vr_fib_neigh_del(fib, family, gw2.gw, gw2.port), 0);
	assert_int_equal(nh->type, VR_NH_UNRESOLVED);

	/* A host route of another origin stays: the neighbour neither
	 * replaces it on add nor deletes it on delete. */
	vr_fib_nhg_ref(fib, g2);
	assert_int_equal(vr_fib_route_add(fib, family, gw.gw, host, g2,
					  VR_ORIGIN_STATIC), 0);
	assert_int_equal(vr_fib_neigh_add(fib, family, gw.gw, gw.port, &mac), 0);
	assert_int_equal(vr_fib_route_get(fib, family, gw.gw, host, &info), 0);
	assert_int_equal(info.origin, VR_ORIGIN_STATIC);
	assert_int_equal(info.nhg, g2);
	assert_int_equal(data_path_group(fib, family, gw.gw), g2);
	assert_int_equal(route_nh(fib, family, net, 8)->type, VR_NH_FORWARD);
	assert_int_equal(vr_fib_neigh_del(fib, family, gw.gw, gw.port), 0);
	assert_int_equal(vr_fib_route_get(fib, family, gw.gw, host, &info), 0);
	assert_int_equal(info.origin, VR_ORIGIN_STATIC);
	assert_int_equal(vr_fib_route_del(fib, family, gw.gw, host), 0);
	assert_int_equal(vr_fib_route_del(fib, family, net, 8), 0);
	assert_int_equal(vr_fib_route_del(fib, family, other, 8), 0);
	assert_int_equal(vr_fib_route_count(fib, family), 0);
}

void
test_neigh(void **state)
{
	struct vr_fib *fib = test_fib_create("neigh", 0, 0);

	neigh_family(fib, AF_INET);
	neigh_family(fib, AF_INET6);
	vr_fib_destroy(fib);
}

/* The frame header the forwarding loop writes for a next hop: adj, then
 * the source word over adj's last two bytes (worker.c's fwd_list). */
static void
header_of(const struct vr_nh *nh, int family, uint8_t hdr[14])
{
	uint64_t adj = nh->adj;
	uint64_t src = family == AF_INET ? nh->eth_src_ip4 : nh->eth_src_ip6;

	memcpy(hdr, &adj, 8);
	memcpy(hdr + 6, &src, 8);
}

static void
adjacency_family(struct vr_fib *fib, int family)
{
	const struct rte_ether_addr gw_mac = { { 0x02, 0, 0, 0, 0, 0x42 } };
	const struct rte_ether_addr port_mac = { { 0x02, 0xaa, 0, 0, 0, 0x03 } };
	const uint8_t want[14] = { 0x02, 0, 0, 0, 0, 0x42, 0x02, 0xaa, 0, 0, 0, 0x03,
				   family == AF_INET ? 0x08 : 0x86,
				   family == AF_INET ? 0x00 : 0xdd };
	uint8_t net[VR_IP6_LEN] = { 0 }, net2[VR_IP6_LEN] = { 0 }, hdr[14];
	struct vr_nh_spec gw, gw2;
	const struct vr_nh *nh, *nh2;
	uint32_t g, g2;

	gw_spec(family, 7, &gw);           /* port 3 */
	net[0] = family == AF_INET ? 172 : 0x20;
	net2[0] = family == AF_INET ? 173 : 0x21;
	assert_int_equal(vr_fib_nhg_get(fib, &gw, 1, &g), 0);
	assert_int_equal(vr_fib_route_add(fib, family, net, 8, g, VR_ORIGIN_BGP), 0);
	nh = route_nh(fib, family, net, 8);

	/* Resolved through a port the FIB was not told of: FORWARD, but
	 * off the fast path. */
	assert_int_equal(vr_fib_neigh_add(fib, family, gw.gw, gw.port, &gw_mac), 0);
	assert_int_equal(nh->type, VR_NH_FORWARD);
	assert_int_equal(nh->fwd_frame_max, 0);

	/* Told of the port: the MTU and the source words arrive in place. */
	assert_int_equal(vr_fib_port_set(fib, gw.port, &port_mac, 1400), 0);
	assert_int_equal(nh->fwd_frame_max, 1414);
	header_of(nh, family, hdr);
	assert_memory_equal(hdr, want, sizeof(want));
	assert_int_equal(vr_fib_port_set(fib, gw.port, &port_mac, 9000), 0);
	assert_int_equal(nh->fwd_frame_max, 9014);

	/* Unresolved: off the fast path again; resolved: back on it. */
	assert_int_equal(vr_fib_neigh_del(fib, family, gw.gw, gw.port), 0);
	assert_int_equal(nh->type, VR_NH_UNRESOLVED);
	assert_int_equal(nh->fwd_frame_max, 0);
	assert_int_equal(vr_fib_neigh_add(fib, family, gw.gw, gw.port, &gw_mac), 0);
	assert_int_equal(nh->fwd_frame_max, 9014);
	header_of(nh, family, hdr);
	assert_memory_equal(hdr, want, sizeof(want));

	/* A next hop made after the port was set has its words at once. */
	gw_spec(family, 11, &gw2);
	gw2.port = gw.port;
	assert_int_equal(vr_fib_neigh_add(fib, family, gw2.gw, gw2.port, &gw_mac), 0);
	assert_int_equal(vr_fib_nhg_get(fib, &gw2, 1, &g2), 0);
	assert_int_equal(vr_fib_route_add(fib, family, net2, 8, g2, VR_ORIGIN_BGP), 0);
	nh2 = route_nh(fib, family, net2, 8);
	assert_int_equal(nh2->fwd_frame_max, 9014);
	header_of(nh2, family, hdr);
	assert_memory_equal(hdr, want, sizeof(want));
	/* A drop has no MTU, whatever the port says. */
	gw2.type = VR_NH_BLACKHOLE;
	assert_int_equal(vr_fib_nhg_get(fib, &gw2, 1, &g2), 0);
	assert_int_equal(vr_fib_nh_single(vr_fib_fp(fib), g2)->fwd_frame_max, 0);
	vr_fib_nhg_put(fib, g2);

	assert_int_equal(vr_fib_neigh_del(fib, family, gw.gw, gw.port), 0);
	assert_int_equal(vr_fib_neigh_del(fib, family, gw2.gw, gw2.port), 0);
	assert_int_equal(vr_fib_route_del(fib, family, net, 8), 0);
	assert_int_equal(vr_fib_route_del(fib, family, net2, 8), 0);
}

void
test_adjacency(void **state)
{
	const struct rte_ether_addr mac = { { 0x02, 0, 0, 0, 0, 1 } };
	struct vr_fib *fib = test_fib_create("adj4", 0, 0);

	adjacency_family(fib, AF_INET);
	vr_fib_destroy(fib);
	fib = test_fib_create("adj6", 0, 0);
	adjacency_family(fib, AF_INET6);
	assert_int_equal(vr_fib_port_set(fib, RTE_MAX_ETHPORTS, &mac, 1500), -EINVAL);
	assert_int_equal(vr_fib_port_set(fib, 0, &mac, 0), -EINVAL);
	vr_fib_destroy(fib);
}

void
test_bad_input(void **state)
{
	struct vr_fib *fib = test_fib_create("bad", 0, 0);
	struct vr_nh_spec paths[VR_NHG_MAX_PATHS + 1];
	struct vr_route_info info;
	uint8_t ip[VR_IP6_LEN] = { 10, 9, 0, 0 };
	uint32_t g, bad_g;

	for (unsigned int i = 0; i <= VR_NHG_MAX_PATHS; i++)
		gw_spec(AF_INET, i, &paths[i]);
	assert_int_equal(vr_fib_nhg_get(fib, paths, 1, &g), 0);
	vr_fib_nhg_ref(fib, g);
	assert_int_equal(vr_fib_route_add(fib, AF_INET, ip, 16, g, VR_ORIGIN_CLI), 0);
	assert_int_equal(vr_fib_route_add(fib, AF_INET6, ip, 16, g, VR_ORIGIN_CLI), 0);

	/* More next hops than the lookup can address. */
	{
		struct vr_fib_conf conf = { .name = "bad_nh", .socket_id = SOCKET_ID_ANY,
					    .max_nh = VR_FIB_MAX_NH + 1 };
		struct vr_fib *none = NULL;

		assert_int_equal(vr_fib_create(&conf, &none), -EINVAL);
		assert_null(none);
	}
	assert_int_equal(vr_fib_route_add(fib, AF_INET, ip, 33, g, VR_ORIGIN_CLI), -EINVAL);
	assert_int_equal(vr_fib_route_add(fib, AF_INET6, ip, 129, g, VR_ORIGIN_CLI), -EINVAL);
	assert_int_equal(vr_fib_route_add(fib, AF_UNIX, ip, 8, g, VR_ORIGIN_CLI), -EINVAL);
	assert_int_equal(vr_fib_route_add(fib, AF_INET, ip, 8, g, VR_ORIGIN_MAX), -EINVAL);
	assert_int_equal(vr_fib_route_del(fib, AF_INET, ip, 33), -EINVAL);
	assert_int_equal(vr_fib_route_del(fib, AF_INET6, ip, 129), -EINVAL);
	assert_int_equal(vr_fib_route_get(fib, AF_INET, ip, 33, &info), -EINVAL);

	/* Groups that were never made, or are gone, or the reserved 0. */
	assert_int_equal(vr_fib_route_add(fib, AF_INET, ip, 8, 0, VR_ORIGIN_CLI), -ENOENT);
	bad_g = g + 1000;
	assert_int_equal(vr_fib_route_add(fib, AF_INET, ip, 8, bad_g, VR_ORIGIN_CLI), -ENOENT);
	assert_int_equal(vr_fib_route_add(fib, AF_INET6, ip, 8, bad_g, VR_ORIGIN_CLI), -ENOENT);
	assert_int_equal(vr_fib_route_add(fib, AF_INET, ip, 8, UINT32_MAX, VR_ORIGIN_CLI), -ENOENT);

	/* Missing routes: another length, another address, never added. */
	assert_int_equal(vr_fib_route_del(fib, AF_INET, ip, 17), -ENOENT);
	assert_int_equal(vr_fib_route_del(fib, AF_INET, (uint8_t[]){ 10, 8, 0, 0 }, 16), -ENOENT);
	assert_int_equal(vr_fib_route_del(fib, AF_INET6, ip, 24), -ENOENT);

	assert_int_equal(vr_fib_nhg_get(fib, paths, VR_NHG_MAX_PATHS + 1, &bad_g), -E2BIG);
	assert_int_equal(vr_fib_nhg_get(fib, paths, 0, &bad_g), -E2BIG);
	/* Mixed families are refused, and the paths taken so far let go. */
	paths[1].family = AF_INET6;
	assert_int_equal(vr_fib_nhg_get(fib, paths, 2, &bad_g), -EINVAL);
	paths[1].type = VR_NH_FORWARD;      /* not a type a spec may name */
	paths[1].family = AF_INET;
	assert_int_equal(vr_fib_nhg_get(fib, paths, 2, &bad_g), -EINVAL);

	assert_int_equal(vr_fib_route_count(fib, AF_INET), 1);
	assert_int_equal(vr_fib_route_count(fib, AF_INET6), 1);
	assert_int_equal(vr_fib_route_get(fib, AF_INET, ip, 16, &info), 0);
	assert_int_equal(info.nhg, g);
	assert_int_equal(data_path_group(fib, AF_INET, (uint8_t[]){ 10, 9, 1, 2 }), g);
	assert_int_equal(vr_fib_route_del(fib, AF_INET, ip, 16), 0);
	assert_int_equal(vr_fib_route_del(fib, AF_INET6, ip, 16), 0);
	assert_int_equal(vr_fib_nhg_paths(fib, g, paths, 1, &bad_g), -ENOENT);
	vr_fib_destroy(fib);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_groups_shared),
		cmocka_unit_test(test_ecmp),
		cmocka_unit_test(test_route_stand_in),
		cmocka_unit_test(test_neigh),
		cmocka_unit_test(test_adjacency),
		cmocka_unit_test(test_edges),
		cmocka_unit_test(test_tbl8_full),
		cmocka_unit_test(test_diff_v4),
		cmocka_unit_test(test_diff_v6),
		cmocka_unit_test(test_full_tables),
	};
	char prefix[64], rundir[PATH_MAX];
	char *eal[] = { argv[0], "--no-huge", "-m", "4096", "--no-shconf",
			"--no-pci", "--no-telemetry", prefix,
			"--log-level=*:error" };
	int rc;

	/* No hugepages: the test must not depend on, or take, the ones the
	 * data plane tests need. --no-shconf: no files in the runtime
	 * directory (with --no-huge alone EAL leaves 50 MB there). */
	snprintf(prefix, sizeof(prefix), "--file-prefix=fibtest-%d", getpid());
	if (rte_eal_init(RTE_DIM(eal), eal) < 0) {
		fprintf(stderr, "rte_eal_init failed\n");
		return 1;
	}
	snprintf(rundir, sizeof(rundir), "%s", rte_eal_get_runtime_dir());
	print_message("seed %#llx (VR_TEST_SEED to replay)\n",
		      (unsigned long long)test_seed());
	rc = cmocka_run_group_tests_name("fib", tests, NULL, NULL);
	rte_eal_cleanup();
	/* EAL makes the directory even so, and leaves it behind. */
	rmdir(rundir);
	return rc;
}
