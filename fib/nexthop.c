/* SPDX-License-Identifier: BSD-3-Clause
 * Next hops and next-hop groups: shared, reference-counted, found by
 * content so that a million routes via one gateway share one group.
 *
 * Id 0 of both tables is reserved: group 0 holds next hop 0, a NOROUTE
 * drop, and is what rte_fib returns for an address with no route. A
 * lookup miss therefore needs no branch of its own in the data path.
 *
 * A one-path group has no entry in the group table: its id is
 * VR_NHG_SINGLE | the next hop's id (vr_fib.h), its reference count the
 * next hop's single_refcnt, and it holds one reference on the next hop.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_hash.h>
#include <rte_jhash.h>
#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>

#include "fib_priv.h"

int
fib_ids_init(struct id_pool *p, uint32_t cap, const char *what)
{
	memset(p, 0, sizeof(*p));
	p->free = rte_malloc(what, sizeof(uint32_t) * cap, 0);
	p->pending = rte_malloc(what, sizeof(struct deferred_id) * cap, 0);
	if (p->free == NULL || p->pending == NULL)
		return -ENOMEM;
	p->cap = cap;
	/* Hand out low ids first; id 0 is reserved. */
	for (uint32_t id = cap - 1; id >= 1; id--)
		p->free[p->n_free++] = id;
	return 0;
}

void
fib_ids_fini(struct id_pool *p)
{
	rte_free(p->free);
	rte_free(p->pending);
	memset(p, 0, sizeof(*p));
}

void
fib_ids_reclaim(struct vr_fib *fib, struct id_pool *p)
{
	while (p->pend_len > 0) {
		struct deferred_id *d = &p->pending[p->pend_head];
		if (fib->qsv != NULL &&
		    rte_rcu_qsbr_check(fib->qsv, d->token, false) != 1)
			break;
		p->free[p->n_free++] = d->id;
		p->pend_head = (p->pend_head + 1) % p->cap;
		p->pend_len--;
	}
}

int
fib_ids_alloc(struct vr_fib *fib, struct id_pool *p, uint32_t *id)
{
	if (p->n_free == 0)
		fib_ids_reclaim(fib, p);
	if (p->n_free == 0 && p->pend_len > 0 && fib->qsv != NULL) {
		/* Everything free is still being read: wait once. */
		rte_rcu_qsbr_synchronize(fib->qsv, RTE_QSBR_THRID_INVALID);
		fib_ids_reclaim(fib, p);
	}
	if (p->n_free == 0)
		return -ENOSPC;
	*id = p->free[--p->n_free];
	return 0;
}

void
fib_ids_release(struct vr_fib *fib, struct id_pool *p, uint32_t id,
		bool is_group)
{
	struct deferred_id *d;

	if (fib->qsv == NULL) {
		p->free[p->n_free++] = id;
		return;
	}
	d = &p->pending[(p->pend_head + p->pend_len) % p->cap];
	d->token = rte_rcu_qsbr_start(fib->qsv);
	d->id = id;
	d->is_group = is_group;
	p->pend_len++;
}

static struct rte_hash *
hash_create(struct vr_fib *fib, const char *what, uint32_t entries,
	    uint32_t key_len)
{
	char name[RTE_HASH_NAMESIZE];
	struct rte_hash_parameters hp = {
		.name = name,
		.entries = entries,
		.key_len = key_len,
		.hash_func = rte_jhash,
		.socket_id = fib->socket_id,
	};

	snprintf(name, sizeof(name), "%s_%s", fib->name, what);
	return rte_hash_create(&hp);
}

int
fib_nh_init(struct vr_fib *fib)
{
	int rc;

	fib->nh = rte_zmalloc_socket("vr_nh", sizeof(struct vr_nh) * fib->max_nh,
				     RTE_CACHE_LINE_SIZE, fib->socket_id);
	fib->nh_ctl = rte_zmalloc("vr_nh_ctl",
				  sizeof(struct nh_ctl) * fib->max_nh, 0);
	fib->nhg = rte_zmalloc_socket("vr_nhg",
				      sizeof(struct vr_nhg) * fib->max_nhg,
				      RTE_CACHE_LINE_SIZE, fib->socket_id);
	fib->nhg_ctl = rte_zmalloc("vr_nhg_ctl",
				   sizeof(struct nhg_ctl) * fib->max_nhg, 0);
	if (!fib->nh || !fib->nh_ctl || !fib->nhg || !fib->nhg_ctl)
		return -ENOMEM;
	rc = fib_ids_init(&fib->nh_ids, fib->max_nh, "vr_nh_ids");
	if (rc == 0)
		rc = fib_ids_init(&fib->nhg_ids, fib->max_nhg, "vr_nhg_ids");
	if (rc < 0)
		return rc;
	fib->nh_hash = hash_create(fib, "nh", fib->max_nh,
				   sizeof(struct vr_nh_spec));
	fib->nhg_hash = hash_create(fib, "nhg", fib->max_nhg,
				    sizeof(struct nhg_key));
	if (fib->nh_hash == NULL || fib->nhg_hash == NULL)
		return -ENOMEM;
	/* The reserved drop: next hop 0 in group 0, both permanent. */
	fib->nh[0].type = VR_NH_NOROUTE;
	fib->nh[0].port = UINT16_MAX;
	fib->nh_ctl[0].refcnt = 1;
	fib->nhg[0].n_paths = 1;
	fib->nhg[0].nh[0] = 0;
	fib->nhg[0].as_nh = fib->nh[0];
	for (uint32_t id = 1; id < fib->max_nhg; id++)
		fib->nhg[id].as_nh = (struct vr_nh){ .adj = id, .type = VR_NH_GROUP };
	fib->nhg_ctl[0].refcnt = 1;
	fib->fp.nh = fib->nh;
	fib->fp.nh_single = (uintptr_t)fib->nh -
			    (uintptr_t)VR_NHG_SINGLE * sizeof(struct vr_nh);
	fib->fp.nhg = fib->nhg;
	return 0;
}

void
fib_nh_fini(struct vr_fib *fib)
{
	rte_hash_free(fib->nh_hash);
	rte_hash_free(fib->nhg_hash);
	fib_ids_fini(&fib->nh_ids);
	fib_ids_fini(&fib->nhg_ids);
	rte_free(fib->nh);
	rte_free(fib->nh_ctl);
	rte_free(fib->nhg);
	rte_free(fib->nhg_ctl);
}

static bool
gw_is_zero(const struct vr_nh_spec *s)
{
	static const uint8_t zero[VR_IP6_LEN];
	return memcmp(s->gw, zero, VR_IP6_LEN) == 0;
}

/* The port's part of a next hop's adjacency, known or not. */
static const struct fib_port *
fib_port_of(const struct vr_fib *fib, uint16_t port)
{
	static const struct fib_port unknown;

	return port < RTE_MAX_ETHPORTS ? &fib->ports[port] : &unknown;
}

/* The fast path's limit through a port (struct vr_nh): 0 until the FIB
 * knows the port's MTU. */
static uint32_t
nh_frame_max(const struct fib_port *p)
{
	return p->mtu == 0 ? 0 : (uint32_t)p->mtu + RTE_ETHER_HDR_LEN;
}

/* Publishes a next hop's adjacency, mac NULL: unresolved. The order is
 * vr_fib.h's (struct vr_nh). */
static void
nh_set_resolved(struct vr_fib *fib, struct vr_nh *nh,
		const struct rte_ether_addr *mac)
{
	struct vr_nh v = *nh;

	if (mac == NULL) {
		__atomic_store_n(&nh->fwd_frame_max, 0, __ATOMIC_RELEASE);
		__atomic_store_n(&nh->type, VR_NH_UNRESOLVED, __ATOMIC_RELEASE);
		return;
	}
	v.dmac = *mac;
	__atomic_store_n(&nh->adj, v.adj, __ATOMIC_RELAXED);
	__atomic_store_n(&nh->type, VR_NH_FORWARD, __ATOMIC_RELEASE);
	__atomic_store_n(&nh->fwd_frame_max, nh_frame_max(fib_port_of(fib, nh->port)),
			 __ATOMIC_RELEASE);
}

/* A MAC followed by an EtherType, as 8 bytes in memory order. */
static uint64_t
eth_src_word(const struct rte_ether_addr *mac, uint16_t ether_type)
{
	uint8_t b[8];
	uint16_t et = rte_cpu_to_be_16(ether_type);
	uint64_t w;

	memcpy(b, mac, RTE_ETHER_ADDR_LEN);
	memcpy(b + RTE_ETHER_ADDR_LEN, &et, 2);
	memcpy(&w, b, 8);
	return w;
}

/* Gives a next hop its port's part: the source words, and the MTU when
 * it forwards. A worker sees either word whole, old or new. */
static void
nh_port_apply(struct vr_nh *nh, const struct fib_port *p)
{
	__atomic_store_n(&nh->eth_src_ip4, p->eth_src_ip4, __ATOMIC_RELAXED);
	__atomic_store_n(&nh->eth_src_ip6, p->eth_src_ip6, __ATOMIC_RELAXED);
	if (nh->type == VR_NH_FORWARD)
		__atomic_store_n(&nh->fwd_frame_max, nh_frame_max(p), __ATOMIC_RELEASE);
}

int
vr_fib_port_set(struct vr_fib *fib, uint16_t port,
		const struct rte_ether_addr *mac, uint16_t mtu)
{
	struct fib_port *p;

	if (port >= RTE_MAX_ETHPORTS || mtu == 0)
		return -EINVAL;
	p = &fib->ports[port];
	p->eth_src_ip4 = eth_src_word(mac, RTE_ETHER_TYPE_IPV4);
	p->eth_src_ip6 = eth_src_word(mac, RTE_ETHER_TYPE_IPV6);
	p->mtu = mtu;
	/* Next hop 0 is the reserved drop, through no port. */
	for (uint32_t id = 1; id < fib->max_nh; id++)
		if (fib->nh_ctl[id].refcnt > 0 && fib->nh[id].port == port)
			nh_port_apply(&fib->nh[id], p);
	return 0;
}

static int
spec_check(const struct vr_nh_spec *s)
{
	if (s->family != AF_INET && s->family != AF_INET6)
		return -EAFNOSUPPORT;
	switch (s->type) {
	case VR_NH_UNRESOLVED:
	case VR_NH_LOCAL:
		if (s->port == UINT16_MAX)
			return -EINVAL;
		return 0;
	case VR_NH_BLACKHOLE:
	case VR_NH_UNREACHABLE:
		return 0;
	default:
		return -EINVAL;
	}
}

static void
spec_normalize(const struct vr_nh_spec *in, struct vr_nh_spec *out)
{
	memset(out, 0, sizeof(*out));
	out->family = in->family;
	out->type = in->type;
	out->port = in->port;
	if (in->type == VR_NH_UNRESOLVED)
		memcpy(out->gw, in->gw, fib_addr_len(in->family));
	if (in->type == VR_NH_BLACKHOLE || in->type == VR_NH_UNREACHABLE)
		out->port = UINT16_MAX;
}

/* Finds or creates a next hop and takes a reference. */
static int
nh_get(struct vr_fib *fib, const struct vr_nh_spec *in, uint32_t *out)
{
	struct vr_nh_spec s;
	struct vr_nh *nh;
	void *data;
	uint32_t id;
	int rc;

	if ((rc = spec_check(in)) < 0)
		return rc;
	spec_normalize(in, &s);
	if (rte_hash_lookup_data(fib->nh_hash, &s, &data) >= 0) {
		id = (uint32_t)(uintptr_t)data;
		fib->nh_ctl[id].refcnt++;
		*out = id;
		return 0;
	}
	if ((rc = fib_ids_alloc(fib, &fib->nh_ids, &id)) < 0)
		return rc;
	rc = rte_hash_add_key_data(fib->nh_hash, &s, (void *)(uintptr_t)id);
	if (rc < 0) {
		fib->nh_ids.free[fib->nh_ids.n_free++] = id;
		return rc;
	}
	fib->nh_ctl[id].spec = s;
	fib->nh_ctl[id].refcnt = 1;
	nh = &fib->nh[id];
	/* A released id may still hold a FORWARD adjacency's MTU. */
	nh->fwd_frame_max = 0;
	nh->port = s.port;
	nh->type = s.type;
	nh_port_apply(nh, fib_port_of(fib, s.port));
	if (s.type == VR_NH_UNRESOLVED && !gw_is_zero(&s)) {
		struct neigh_key k = { .family = s.family, .port = s.port };
		const struct neigh_entry *ne;

		memcpy(k.ip, s.gw, VR_IP6_LEN);
		ne = fib_neigh_find(fib, &k);
		if (ne != NULL)
			nh_set_resolved(fib, nh, &ne->mac);
	}
	*out = id;
	return 0;
}

static void
nh_put(struct vr_fib *fib, uint32_t id)
{
	struct nh_ctl *c = &fib->nh_ctl[id];

	if (id == 0 || c->refcnt == 0 || --c->refcnt > 0)
		return;
	rte_hash_del_key(fib->nh_hash, &c->spec);
	fib_ids_release(fib, &fib->nh_ids, id, false);
}

void
fib_nh_neigh_changed(struct vr_fib *fib, const struct neigh_key *k,
		     const struct rte_ether_addr *mac)
{
	struct vr_nh_spec s = { .family = k->family, .type = VR_NH_UNRESOLVED,
				.port = k->port };
	void *data;

	memcpy(s.gw, k->ip, VR_IP6_LEN);
	if (rte_hash_lookup_data(fib->nh_hash, &s, &data) >= 0)
		nh_set_resolved(fib, &fib->nh[(uint32_t)(uintptr_t)data], mac);
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

int
vr_fib_nhg_get(struct vr_fib *fib, const struct vr_nh_spec *paths,
	       unsigned int n_paths, uint32_t *nhg_id)
{
	struct nhg_key key;
	unsigned int i;
	uint32_t id;
	void *data;
	int rc = 0;

	if (n_paths == 0 || n_paths > VR_NHG_MAX_PATHS)
		return -E2BIG;
	memset(&key, 0, sizeof(key));
	key.n_paths = n_paths;
	for (i = 0; i < n_paths; i++) {
		if (paths[i].family != paths[0].family)
			return -EINVAL;
		rc = nh_get(fib, &paths[i], &key.nh[i]);
		if (rc < 0)
			goto undo;
	}
	if (n_paths == 1) {
		struct nh_ctl *c = &fib->nh_ctl[key.nh[0]];

		/* An existing group already holds the next hop's reference. */
		if (c->single_refcnt++ > 0)
			nh_put(fib, key.nh[0]);
		*nhg_id = VR_NHG_SINGLE | key.nh[0];
		return 0;
	}
	/* Member order does not name a different group. */
	qsort(key.nh, n_paths, sizeof(key.nh[0]), cmp_u32);
	if (rte_hash_lookup_data(fib->nhg_hash, &key, &data) >= 0) {
		id = (uint32_t)(uintptr_t)data;
		fib->nhg_ctl[id].refcnt++;
		/* The group already holds its members' references. */
		for (i = 0; i < n_paths; i++)
			nh_put(fib, key.nh[i]);
		*nhg_id = id;
		return 0;
	}
	if ((rc = fib_ids_alloc(fib, &fib->nhg_ids, &id)) < 0)
		goto undo;
	rc = rte_hash_add_key_data(fib->nhg_hash, &key, (void *)(uintptr_t)id);
	if (rc < 0) {
		fib->nhg_ids.free[fib->nhg_ids.n_free++] = id;
		goto undo;
	}
	memcpy(fib->nhg[id].nh, key.nh, sizeof(key.nh));
	fib->nhg[id].n_paths = n_paths;
	fib->nhg_ctl[id].refcnt = 1;
	*nhg_id = id;
	return 0;
undo:
	while (i-- > 0)
		nh_put(fib, key.nh[i]);
	return rc;
}

uint32_t *
fib_nhg_refcnt(const struct vr_fib *fib, uint32_t id)
{
	uint32_t *rc;

	if (vr_fib_nhg_is_single(id)) {
		id &= ~VR_NHG_SINGLE;
		if (id == 0 || id >= fib->max_nh)
			return NULL;
		rc = &fib->nh_ctl[id].single_refcnt;
	} else {
		if (id >= fib->max_nhg)
			return NULL;
		rc = &fib->nhg_ctl[id].refcnt;
	}
	return *rc > 0 ? rc : NULL;
}

void
vr_fib_nhg_ref(struct vr_fib *fib, uint32_t id)
{
	uint32_t *rc = fib_nhg_refcnt(fib, id);

	if (id != 0 && rc != NULL)
		(*rc)++;
}

void
vr_fib_nhg_put(struct vr_fib *fib, uint32_t id)
{
	uint32_t *rc = fib_nhg_refcnt(fib, id);
	struct nhg_key key;

	if (id == 0 || rc == NULL || --*rc > 0)
		return;
	if (vr_fib_nhg_is_single(id)) {
		nh_put(fib, id & ~VR_NHG_SINGLE);
		return;
	}
	memset(&key, 0, sizeof(key));
	key.n_paths = fib->nhg[id].n_paths;
	memcpy(key.nh, fib->nhg[id].nh, sizeof(key.nh));
	rte_hash_del_key(fib->nhg_hash, &key);
	for (uint32_t i = 0; i < key.n_paths; i++)
		nh_put(fib, key.nh[i]);
	fib_ids_release(fib, &fib->nhg_ids, id, true);
}

/* Copies the next-hop ids of a live group; 0 for any other id. */
static unsigned int
nhg_members(const struct vr_fib *fib, uint32_t id, uint32_t nh[VR_NHG_MAX_PATHS])
{
	if (fib_nhg_refcnt(fib, id) == NULL)
		return 0;
	if (vr_fib_nhg_is_single(id)) {
		nh[0] = id & ~VR_NHG_SINGLE;
		return 1;
	}
	memcpy(nh, fib->nhg[id].nh, sizeof(fib->nhg[id].nh));
	return fib->nhg[id].n_paths;
}

int
vr_fib_nhg_paths(const struct vr_fib *fib, uint32_t id,
		 struct vr_nh_spec *paths, unsigned int max,
		 unsigned int *n_paths)
{
	uint32_t nh[VR_NHG_MAX_PATHS];
	unsigned int n = nhg_members(fib, id, nh);

	if (n == 0)
		return -ENOENT;
	*n_paths = n;
	for (uint32_t i = 0; i < n && i < max; i++) {
		paths[i] = fib->nh_ctl[nh[i]].spec;
		if (nh[i] == 0)
			paths[i].type = VR_NH_NOROUTE;
	}
	return 0;
}

const struct vr_nh *
vr_fib_nhg_member(const struct vr_fib *fib, uint32_t id, unsigned int i)
{
	uint32_t nh[VR_NHG_MAX_PATHS];

	return i < nhg_members(fib, id, nh) ? &fib->nh[nh[i]] : NULL;
}

const struct vr_nh *
vr_fib_nh_get(const struct vr_fib *fib, uint32_t id)
{
	return id < fib->max_nh ? &fib->nh[id] : NULL;
}

const char *
vr_nh_type_name(uint32_t type)
{
	switch (type) {
	case VR_NH_NOROUTE: return "noroute";
	case VR_NH_FORWARD: return "forward";
	case VR_NH_UNRESOLVED: return "unresolved";
	case VR_NH_LOCAL: return "local";
	case VR_NH_BLACKHOLE: return "blackhole";
	case VR_NH_UNREACHABLE: return "unreachable";
	case VR_NH_GROUP: return "group";
	default: return "unknown";
	}
}
