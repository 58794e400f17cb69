/* SPDX-License-Identifier: BSD-3-Clause
 * The neighbour table: (family, address, port) -> MAC.
 *
 * A neighbour resolves the gateway next hops that name it, and gets a host
 * route (/32, /128) of origin NEIGH so that traffic to directly connected
 * hosts, which matches the connected prefix's glean next hop otherwise,
 * is forwarded without a trip to the kernel. The host route is not
 * installed over a route of another origin for the same prefix.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_hash.h>
#include <rte_jhash.h>
#include <rte_malloc.h>

#include "fib_priv.h"

#define MAX_NEIGH (1u << 16)

int
fib_neigh_init(struct vr_fib *fib)
{
	char name[RTE_HASH_NAMESIZE];
	struct rte_hash_parameters hp = {
		.name = name,
		.entries = MAX_NEIGH,
		.key_len = sizeof(struct neigh_key),
		.hash_func = rte_jhash,
		.socket_id = fib->socket_id,
	};

	snprintf(name, sizeof(name), "%s_neigh", fib->name);
	fib->neigh_hash = rte_hash_create(&hp);
	return fib->neigh_hash ? 0 : -ENOMEM;
}

void
fib_neigh_fini(struct vr_fib *fib)
{
	const void *key;
	void *data;
	uint32_t it = 0;

	if (fib->neigh_hash == NULL)
		return;
	while (rte_hash_iterate(fib->neigh_hash, &key, &data, &it) >= 0)
		rte_free(data);
	rte_hash_free(fib->neigh_hash);
	fib->neigh_hash = NULL;
}

const struct neigh_entry *
fib_neigh_find(struct vr_fib *fib, const struct neigh_key *k)
{
	void *data;

	if (rte_hash_lookup_data(fib->neigh_hash, k, &data) < 0)
		return NULL;
	return data;
}

static void
neigh_key_make(struct neigh_key *k, int family, const uint8_t *ip,
	       uint16_t port)
{
	memset(k, 0, sizeof(*k));
	k->family = family;
	k->port = port;
	memcpy(k->ip, ip, fib_addr_len(family));
}

static int
host_route_add(struct vr_fib *fib, const struct neigh_key *k)
{
	struct vr_nh_spec s = { .family = k->family, .type = VR_NH_UNRESOLVED,
				.port = k->port };
	uint8_t depth = 8 * fib_addr_len(k->family);
	struct vr_route_info cur;
	uint32_t g;
	int rc;

	if (vr_fib_route_get(fib, k->family, k->ip, depth, &cur) == 0 &&
	    cur.origin != VR_ORIGIN_NEIGH)
		return 0;
	memcpy(s.gw, k->ip, VR_IP6_LEN);
	if ((rc = vr_fib_nhg_get(fib, &s, 1, &g)) < 0)
		return rc;
	rc = vr_fib_route_add(fib, k->family, k->ip, depth, g, VR_ORIGIN_NEIGH);
	if (rc < 0)
		vr_fib_nhg_put(fib, g);
	return rc;
}

int
vr_fib_neigh_add(struct vr_fib *fib, int family, const uint8_t *ip,
		 uint16_t port, const struct rte_ether_addr *mac)
{
	struct neigh_entry *e;
	struct neigh_key k;
	void *data;
	int rc;

	if (family != AF_INET && family != AF_INET6)
		return -EAFNOSUPPORT;
	if (rte_is_zero_ether_addr(mac) || rte_is_multicast_ether_addr(mac))
		return -EINVAL;
	neigh_key_make(&k, family, ip, port);
	if (rte_hash_lookup_data(fib->neigh_hash, &k, &data) >= 0) {
		/* Known: the MAC may change; entry and next hops move
		 * together, and the host route is put back if it went. */
		e = data;
		e->mac = *mac;
		fib_nh_neigh_changed(fib, &k, mac);
		return host_route_add(fib, &k);
	} else {
		e = rte_zmalloc("vr_neigh", sizeof(*e), 0);
		if (e == NULL)
			return -ENOMEM;
		e->key = k;
		rc = rte_hash_add_key_data(fib->neigh_hash, &k, e);
		if (rc < 0) {
			rte_free(e);
			return rc;
		}
	}
	e->mac = *mac;
	rc = host_route_add(fib, &k);
	if (rc < 0) {
		rte_hash_del_key(fib->neigh_hash, &k);
		rte_free(e);
		return rc;
	}
	fib_nh_neigh_changed(fib, &k, mac);
	return 0;
}

int
vr_fib_neigh_del(struct vr_fib *fib, int family, const uint8_t *ip,
		 uint16_t port)
{
	uint8_t depth = 8 * fib_addr_len(family);
	struct vr_route_info cur;
	struct neigh_key k;
	void *data;

	if (family != AF_INET && family != AF_INET6)
		return -EAFNOSUPPORT;
	neigh_key_make(&k, family, ip, port);
	if (rte_hash_lookup_data(fib->neigh_hash, &k, &data) < 0)
		return -ENOENT;
	fib_nh_neigh_changed(fib, &k, NULL);
	/* The host route is this neighbour's only if it goes out of this
	 * port: the same address may be a neighbour on another port too. */
	if (vr_fib_route_get(fib, family, ip, depth, &cur) == 0 &&
	    cur.origin == VR_ORIGIN_NEIGH) {
		struct vr_nh_spec p;
		unsigned int n;

		if (vr_fib_nhg_paths(fib, cur.nhg, &p, 1, &n) == 0 && p.port == port)
			vr_fib_route_del(fib, family, ip, depth);
	}
	rte_hash_del_key(fib->neigh_hash, &k);
	rte_free(data);
	return 0;
}

int
vr_fib_neigh_walk(struct vr_fib *fib, vr_fib_neigh_walk_fn fn, void *arg)
{
	const void *key;
	void *data;
	uint32_t it = 0;
	int rc;

	while (rte_hash_iterate(fib->neigh_hash, &key, &data, &it) >= 0) {
		const struct neigh_entry *e = data;
		struct vr_neigh_info n = { .family = e->key.family,
					   .port = e->key.port, .mac = e->mac };

		memcpy(n.ip, e->key.ip, VR_IP6_LEN);
		if ((rc = fn(&n, arg)) != 0)
			return rc;
	}
	return 0;
}
