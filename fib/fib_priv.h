/* SPDX-License-Identifier: BSD-3-Clause
 * vr_fib internals, shared by the files of fib/ only. */
#ifndef VR_FIB_PRIV_H
#define VR_FIB_PRIV_H

#include "vr_fib.h"

struct rte_hash;

/* Stored in every RIB node (rib_ext_sz). */
struct vr_route_ext {
	uint8_t origin;
	uint8_t tag;
	uint8_t reserved[2];
};

/* What a port gives the adjacencies through it (vr_fib_port_set). */
struct fib_port {
	uint64_t eth_src_ip4, eth_src_ip6;
	uint16_t mtu;                /* 0: not told of the port */
};

struct nh_ctl {
	struct vr_nh_spec spec;
	uint32_t refcnt;             /* groups using it; 0 = free */
	uint32_t single_refcnt;      /* routes using the one-path group
	                              * VR_NHG_SINGLE | id (which holds one
	                              * of refcnt while this is > 0) */
};

struct nhg_key {
	uint32_t n_paths;
	uint32_t nh[VR_NHG_MAX_PATHS];  /* sorted, unused slots zero */
};

struct nhg_ctl {
	uint32_t refcnt;             /* routes using it; 0 = free */
};

struct neigh_key {
	uint8_t family;
	uint8_t pad;
	uint16_t port;
	uint8_t ip[VR_IP6_LEN];
};

struct neigh_entry {
	struct neigh_key key;
	struct rte_ether_addr mac;
};

/* An id released while workers may still read it. */
struct deferred_id {
	uint64_t token;
	uint32_t id;
	uint8_t is_group;
};

/* A stack of free ids plus the ids still waiting for readers. */
struct id_pool {
	uint32_t *free;
	uint32_t n_free;
	struct deferred_id *pending;  /* ring */
	uint32_t pend_head, pend_len, cap;
};

struct fib_af_state {
	uint32_t routes;             /* prefixes in the RIB */
	uint32_t max_routes;         /* RIB node budget of the current table */
	uint32_t num_tbl8;
	uint32_t rebuilds;
};

struct vr_fib {
	struct vr_fib_fp fp;         /* read by workers; pointers owned by ctl */

	/* Everything below: control thread only. */
	char name[32];
	int socket_id;
	struct rte_rcu_qsbr *qsv;
	uint32_t generation;         /* suffix for rebuilt tables' names */

	struct vr_nh *nh;            /* fp.nh, writable */
	struct nh_ctl *nh_ctl;
	uint32_t max_nh;
	struct id_pool nh_ids;
	struct rte_hash *nh_hash;    /* struct vr_nh_spec -> id */

	struct vr_nhg *nhg;          /* fp.nhg, writable */
	struct nhg_ctl *nhg_ctl;
	uint32_t max_nhg;
	struct id_pool nhg_ids;
	struct rte_hash *nhg_hash;   /* struct nhg_key -> id */

	struct rte_hash *neigh_hash; /* struct neigh_key -> struct neigh_entry* */
	struct fib_port ports[RTE_MAX_ETHPORTS];

	struct fib_af_state v4, v6;
};

int fib_ids_init(struct id_pool *p, uint32_t cap, const char *what);
void fib_ids_fini(struct id_pool *p);
int fib_ids_alloc(struct vr_fib *fib, struct id_pool *p, uint32_t *id);
void fib_ids_release(struct vr_fib *fib, struct id_pool *p, uint32_t id,
		     bool is_group);
void fib_ids_reclaim(struct vr_fib *fib, struct id_pool *p);

/* A live group's reference count, or NULL for an id that names none. */
uint32_t *fib_nhg_refcnt(const struct vr_fib *fib, uint32_t nhg_id);

int fib_nh_init(struct vr_fib *fib);
void fib_nh_fini(struct vr_fib *fib);
/* Called by the neighbour table when (family, ip, port) resolves or stops
 * resolving; mac NULL means unresolved. */
void fib_nh_neigh_changed(struct vr_fib *fib, const struct neigh_key *k,
			  const struct rte_ether_addr *mac);
const struct neigh_entry *fib_neigh_find(struct vr_fib *fib,
					 const struct neigh_key *k);
int fib_neigh_init(struct vr_fib *fib);
void fib_neigh_fini(struct vr_fib *fib);

static inline uint8_t
fib_addr_len(int family)
{
	return family == AF_INET ? 4 : 16;
}

#endif
