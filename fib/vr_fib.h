/* SPDX-License-Identifier: BSD-3-Clause
 * vr_fib: one slice VRF's IPv4 and IPv6 forwarding tables.
 *
 * Layers, as in VPP's FIB: a route (prefix) points at a next-hop group,
 * a group holds 1..VR_NHG_MAX_PATHS next hops (ECMP), a next hop is an
 * adjacency (output port and destination MAC) or an action (punt, drop).
 *
 *   rte_fib (DIR-24-8) / rte_fib6 (trie)   prefix -> group id (4 bytes)
 *   rte_rib / rte_rib6 inside them          the RIB: prefix, group id and
 *                                           struct vr_route_ext, for show,
 *                                           replace, delete and rebuilds
 *   vr_fib.nhg[]                            group id -> next-hop ids
 *   vr_fib.nh[]                             next-hop id -> adjacency
 *
 * A group of one path, what nearly every route has, is not in the group
 * table: its id is VR_NHG_SINGLE | its next hop's id, so that the data
 * path goes from a route's value to the adjacency with no group read.
 *
 * Ownership: one control thread calls every function here that changes
 * state. Workers only call the inline lookup helpers at the bottom, and
 * must be registered readers of the QSBR variable given to
 * vr_fib_create(): tables that shrink, grow or are rebuilt are freed only
 * once every reader has passed a quiescent state.
 */
#ifndef VR_FIB_H
#define VR_FIB_H

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>
#include <netinet/in.h>

#include <rte_branch_prediction.h>
#include <rte_common.h>
#include <rte_ether.h>
#include <rte_fib.h>
#include <rte_fib6.h>

struct rte_rcu_qsbr;

#define VR_NHG_MAX_PATHS 16
/* Marks the id of a one-path group (see above). rte_fib's 4-byte next
 * hops hold 31 bits, so next-hop ids stay below this bit. */
#define VR_NHG_SINGLE (1u << 30)
#define VR_IP6_LEN 16
/* The most next hops a FIB holds: their offsets in the table fit 32 bits
 * (vr_fib_lookup4_route_bulk computes them so). */
#define VR_FIB_MAX_NH (1u << 27)

/* What a next hop does with a packet. The data path switches on this. */
enum vr_nh_type {
	VR_NH_NOROUTE = 0,  /* no route: drop, counted as no_route */
	VR_NH_FORWARD,      /* resolved adjacency: rewrite MACs, send on port */
	VR_NH_UNRESOLVED,   /* neighbour unknown: punt to the kernel (it resolves) */
	VR_NH_LOCAL,        /* for the router itself: punt to the kernel */
	VR_NH_BLACKHOLE,    /* drop silently for the sender, counted */
	VR_NH_UNREACHABLE,  /* drop, counted; the kernel route says unreachable */
	VR_NH_GROUP,        /* not a next hop: a group's stand-in (struct vr_nhg) */
};

/* Where a route came from; shown by `route show`, kept in the RIB. */
enum vr_route_origin {
	VR_ORIGIN_CLI = 0,
	VR_ORIGIN_CONNECTED,
	VR_ORIGIN_LOCAL,
	VR_ORIGIN_NEIGH,
	VR_ORIGIN_STATIC,
	VR_ORIGIN_OSPF,
	VR_ORIGIN_BGP,
	VR_ORIGIN_KERNEL,
	VR_ORIGIN_OTHER,
	VR_ORIGIN_MAX,
};

/* Fast-path view of a next hop: an adjacency as VPP has them, all that
 * the forwarding loop writes into a frame and tests, so that it reads no
 * port table: 32 bytes, two to a cache line.
 *
 * Written by the control thread only, each field with one store, so a
 * worker never sees half a MAC. fwd_frame_max is the fast path's one
 * test: a frame of up to that many bytes is forwarded with adj and the
 * source word; 0 sends everything to the slow path, which reads type.
 * Order: when a next hop becomes FORWARD, adj, then type, then
 * fwd_frame_max, each with release order; when it stops, fwd_frame_max
 * goes to 0 before type changes. A worker that loads fwd_frame_max with
 * acquire order and sees it non-zero therefore sees a complete
 * adjacency. */
struct vr_nh {
	union {
		uint64_t adj;
		struct {
			struct rte_ether_addr dmac;
			uint16_t port;       /* output DPDK port */
		};
	};
	/* Bytes 6..13 of a frame sent through port for an IPv4 or IPv6
	 * packet: the port's MAC, then the EtherType. Stored over adj's
	 * last two bytes, it completes the Ethernet header in two 8-byte
	 * stores. Set from vr_fib_port_set(). */
	uint64_t eth_src_ip4, eth_src_ip6;
	uint32_t type;                /* enum vr_nh_type */
	/* When FORWARD, the port's IP MTU + the Ethernet header (14): the
	 * longest frame (pkt_len) the fast path sends as it is; else 0.
	 * A frame's length, not its IP length, because the forwarding loop
	 * reads the frame's length anyway, for the byte counters: a frame
	 * with bytes after its IP packet may be longer and still fit, and
	 * the slow path, which reads the IP length, sends it. 32 bits, as
	 * pkt_len, so that they are compared in one instruction. */
	uint32_t fwd_frame_max;
};

/* A next-hop group of the group table: two paths or more (one-path groups
 * are their next hop, VR_NHG_SINGLE), but for group 0, the one drop.
 *
 * as_nh is what an IPv4 lookup gives for the group in place of a next
 * hop (vr_fib_route_of): fwd_frame_max 0, so that the forwarding loop's
 * one test sends it aside, type VR_NH_GROUP and the group's id in adj
 * (group 0's type is VR_NH_NOROUTE). Set once for every id when the
 * table is made, never changed. */
struct vr_nhg {
	struct vr_nh as_nh;
	uint32_t n_paths;
	uint32_t nh[VR_NHG_MAX_PATHS];
} __rte_cache_aligned;

/* Next-hop key: what the control plane names. */
struct vr_nh_spec {
	uint8_t family;              /* AF_INET, AF_INET6 */
	uint8_t type;                /* UNRESOLVED for a gateway (resolved by
	                              * neighbours), LOCAL, BLACKHOLE, UNREACHABLE */
	uint16_t port;               /* output port; UINT16_MAX for drop types */
	uint8_t gw[VR_IP6_LEN];      /* IPv4 in the first 4 bytes (network
	                              * order); all zero for an on-link (glean)
	                              * next hop: resolved per destination */
};

struct vr_route_info {
	uint8_t family;
	uint8_t depth;
	uint8_t origin;              /* enum vr_route_origin */
	uint8_t tag;                 /* the control plane's mark (FPM resync) */
	uint8_t ip[VR_IP6_LEN];      /* IPv4 in the first 4 bytes, network order */
	uint32_t nhg;
};

struct vr_fib_conf {
	const char *name;            /* unique per process, used for DPDK names */
	int socket_id;
	uint32_t max_nh;             /* next-hop table size (0: 65536; at
	                              * most VR_FIB_MAX_NH) */
	uint32_t max_nhg;            /* group table size (0: 65536) */
	uint32_t v4_routes_hint;     /* initial sizes; tables grow as routes */
	uint32_t v6_routes_hint;     /* arrive, these only save rebuilds */
	struct rte_rcu_qsbr *qsv;    /* readers to wait for; NULL: none */
};

struct vr_fib_mem {
	uint64_t v4_bytes, v6_bytes, nh_bytes;
	uint32_t v4_tbl8, v6_tbl8, v4_max_routes, v6_max_routes;
	uint32_t v4_rebuilds, v6_rebuilds;
	/* FIBs whose IPv4 lookup calls rte_fib_lookup_bulk, because the
	 * table's layout was not the one vr_fib.h reads (fib4_dir_probe):
	 * 0 or 1 for one FIB, summed over FIBs by their users. */
	uint32_t v4_lookup_rte_fib;
};

/* Defined in fib_priv.h; the fast-path part is reached through the
 * accessors below. */
struct vr_fib;

int vr_fib_create(const struct vr_fib_conf *conf, struct vr_fib **out);
void vr_fib_destroy(struct vr_fib *fib);

/* Next hops and groups. vr_fib_nhg_get() finds or creates the group for a
 * set of next-hop specs and takes a reference on it for the caller; a
 * route holds that reference until it is deleted or replaced. */
int vr_fib_nhg_get(struct vr_fib *fib, const struct vr_nh_spec *paths,
		   unsigned int n_paths, uint32_t *nhg_id);
void vr_fib_nhg_put(struct vr_fib *fib, uint32_t nhg_id);
/* One more reference on a live group, for adding many routes via it. */
void vr_fib_nhg_ref(struct vr_fib *fib, uint32_t nhg_id);
int vr_fib_nhg_paths(const struct vr_fib *fib, uint32_t nhg_id,
		     struct vr_nh_spec *paths, unsigned int max,
		     unsigned int *n_paths);
const struct vr_nh *vr_fib_nh_get(const struct vr_fib *fib, uint32_t nh_id);
/* Path i of a live group (as vr_fib_nhg_paths orders them), or NULL. */
const struct vr_nh *vr_fib_nhg_member(const struct vr_fib *fib,
				      uint32_t nhg_id, unsigned int i);

/* Routes. add replaces an existing route of the same prefix (the old
 * group's reference is dropped); it consumes the caller's group
 * reference on success only. -ENOSPC only when the tables cannot grow. */
int vr_fib_route_add(struct vr_fib *fib, int family, const uint8_t *ip,
		     uint8_t depth, uint32_t nhg_id, uint8_t origin);
/* The same, with a tag kept in the RIB (0 for routes nobody sweeps). */
int vr_fib_route_add_tagged(struct vr_fib *fib, int family, const uint8_t *ip,
			    uint8_t depth, uint32_t nhg_id, uint8_t origin,
			    uint8_t tag);
int vr_fib_route_del(struct vr_fib *fib, int family, const uint8_t *ip,
		     uint8_t depth);
int vr_fib_route_get(struct vr_fib *fib, int family, const uint8_t *ip,
		     uint8_t depth, struct vr_route_info *info);
/* Longest-prefix match through the RIB, for the control plane. */
int vr_fib_route_match(struct vr_fib *fib, int family, const uint8_t *ip,
		       struct vr_route_info *info);
/* Calls fn for ip/depth itself, then every route under it (0/0 for all),
 * in the RIB's walk order: more specific prefixes may come before the
 * prefix that covers them. fn returning non-zero stops the walk. */
typedef int (*vr_fib_walk_fn)(const struct vr_route_info *route, void *arg);
int vr_fib_route_walk(struct vr_fib *fib, int family, const uint8_t *ip,
		      uint8_t depth, vr_fib_walk_fn fn, void *arg);
uint32_t vr_fib_route_count(const struct vr_fib *fib, int family);
/* Make room for n more routes of the family in one rebuild, so that a
 * bulk load does not rebuild log2(n) times. */
int vr_fib_reserve(struct vr_fib *fib, int family, uint32_t n);

/* Neighbours: (address, port) -> MAC. Adding one resolves every next hop
 * via that address on that port and installs the host route (origin
 * NEIGH) unless another origin already owns that exact prefix. */
int vr_fib_neigh_add(struct vr_fib *fib, int family, const uint8_t *ip,
		     uint16_t port, const struct rte_ether_addr *mac);
int vr_fib_neigh_del(struct vr_fib *fib, int family, const uint8_t *ip,
		     uint16_t port);
struct vr_neigh_info {
	uint8_t family;
	uint8_t ip[VR_IP6_LEN];
	uint16_t port;
	struct rte_ether_addr mac;
};
typedef int (*vr_fib_neigh_walk_fn)(const struct vr_neigh_info *n, void *arg);
int vr_fib_neigh_walk(struct vr_fib *fib, vr_fib_neigh_walk_fn fn, void *arg);

/* The port's part of every adjacency through it: its MAC and IP MTU.
 * The data path forwards through a port only once its FIB has been told
 * of it: until then its next hops, resolved or not, take the slow path.
 * Calling it again for the port updates its next hops. */
int vr_fib_port_set(struct vr_fib *fib, uint16_t port,
		    const struct rte_ether_addr *mac, uint16_t mtu);

void vr_fib_mem(const struct vr_fib *fib, struct vr_fib_mem *mem);
/* Frees tables and ids whose readers have all moved on. */
void vr_fib_reclaim(struct vr_fib *fib);

const char *vr_route_origin_name(uint8_t origin);
int vr_route_origin_parse(const char *name);
const char *vr_nh_type_name(uint32_t type);

/* ---- fast path: read-only, callable from workers ---- */

/* The part of struct vr_fib the workers read. Pointers are swapped by the
 * control thread with release order; workers load them once per burst. */
struct vr_fib_fp {
	struct rte_fib *v4;
	/* v4's DIR-24-8 table, read by vr_fib_lookup4_bulk itself, or NULL:
	 * then it calls rte_fib_lookup_bulk. See vr_fib_lookup4.h. */
	const void *v4_dir;
	struct rte_fib6 *v6;
	const struct vr_nhg *nhg;
	const struct vr_nh *nh;
	/* nh's address less VR_NHG_SINGLE next hops: a one-path group's
	 * next hop is at nh_single + its id * sizeof(struct vr_nh), with no
	 * mask (vr_fib_nh_single). Unsigned arithmetic: it wraps. */
	uintptr_t nh_single;
};

const struct vr_fib_fp *vr_fib_fp(const struct vr_fib *fib);

static inline void
vr_fib_lookup6_bulk(const struct vr_fib_fp *fp,
		    uint8_t ips[][RTE_FIB6_IPV6_ADDR_SIZE], uint64_t *nhg,
		    unsigned int n)
{
	struct rte_fib6 *f = __atomic_load_n(&fp->v6, __ATOMIC_ACQUIRE);
	rte_fib6_lookup_bulk(f, ips, nhg, n);
}

static inline bool
vr_fib_nhg_is_single(uint64_t nhg_id)
{
	return (nhg_id & VR_NHG_SINGLE) != 0;
}

/* The next hop of a one-path group (vr_fib_nhg_is_single). */
static inline const struct vr_nh *
vr_fib_nh_single(const struct vr_fib_fp *fp, uint64_t nhg_id)
{
	return (const struct vr_nh *)(fp->nh_single + nhg_id * sizeof(struct vr_nh));
}

/* Picks the group member for a flow. The hash is computed by the caller
 * only for multipath groups; fastrange maps it to [0, n) without a divide,
 * so a flow keeps its member as long as the group is unchanged. */
static inline const struct vr_nh *
vr_fib_nh_select(const struct vr_fib_fp *fp, uint32_t nhg_id, uint32_t hash)
{
	const struct vr_nhg *g;
	uint32_t i;

	if (vr_fib_nhg_is_single(nhg_id))
		return vr_fib_nh_single(fp, nhg_id);
	g = &fp->nhg[nhg_id];
	i = (uint32_t)(((uint64_t)hash * g->n_paths) >> 32);
	return &fp->nh[g->nh[i]];
}

static inline uint32_t
vr_fib_nhg_paths_n(const struct vr_fib_fp *fp, uint32_t nhg_id)
{
	return vr_fib_nhg_is_single(nhg_id) ? 1 : fp->nhg[nhg_id].n_paths;
}

/* The IPv4 lookups: vr_fib_lookup4_bulk, vr_fib_lookup4_route_bulk. */
#include "vr_fib_lookup4.h"

#endif
