/* SPDX-License-Identifier: BSD-3-Clause
 * vrd internals: the slice's state, who owns it, and the worker's view.
 *
 * Threads: the EAL main lcore is the control thread (API socket, config,
 * FIB writes); every other lcore is a worker running vrd_worker_main().
 * Workers read shared state and write only their own counters. State that
 * workers read and the control thread replaces is published with release
 * stores and retired after rte_rcu_qsbr_synchronize().
 */
#ifndef VRD_H
#define VRD_H

#include <stdbool.h>
#include <stdio.h>
#include <stdint.h>
#include <net/if.h>

#include <rte_ethdev.h>
#include <rte_rcu_qsbr.h>

#include "vr_api.h"
#include "vr_fib.h"

/* Packets a worker receives at once, and a tx buffer's size. What a
 * burst costs whatever its size (the calls, the lookup's and the loops'
 * set-up, the polls of idle queues, the TSC reads) is shared by more
 * packets: at 64 rather than DPDK's usual 32, 4 instructions a packet
 * fewer (tests/bench/instr.sh). 128 is faster when nothing else touches
 * the packets (replay.sh, session 13: 20.4 busy and 36.7 wall cycles a
 * packet against 21.7 and 38.4) but slower on virtio-user, vrd's port
 * in a container, where a vhost-user peer on the other CPU copies every
 * packet: versus.sh at 512 bytes, 12 pairs each, gave vrd a median 4.87
 * Mpps at 128 against 5.02 at 64, and above l3fwd in 6 pairs of 12
 * against all 12 (docs/performance.md). Only a busy port fills a
 * burst: the latency it adds is that of 64 packets' handling, well
 * under a microsecond. */
#define VRD_BURST 64
/* How many times, at most, a driver that refused part of a transmit is
 * asked again; it stops at the first call that takes nothing (ports.c's
 * tx_refused). */
#define VRD_TX_RETRIES 4
#define VRD_MAX_WORKERS 16
#define VRD_NO_PORT UINT16_MAX
#define VRD_MAX_ADDRS 64
#define VRD_MAX_VRFS 16
#define VRD_VRF_DEFAULT 0            /* always there, table 254 (main) */
#define VRD_VRF_NAMESIZE 16          /* a kernel interface name */
/* DPDK 22.11's net_tap takes no MTU above 1504: a TAP of a jumbo port
 * carries what fits, bigger punts are dropped as punt_too_big. */
#define VRD_TAP_MAX_MTU 1504

/* Ring sizes, and so the packet buffers a port can hold: a data port's
 * queues 1024 descriptors each way (vr_port's default), its TAP's 256
 * (the exception path carries control traffic). */
#define VRD_DATA_DESC 1024
#define VRD_TAP_DESC 256
/* The data pool: per port and worker, a receive ring and a transmit
 * ring's worth in flight. */
#define VRD_PORT_MBUFS(workers) (2u * VRD_DATA_DESC * (workers))
/* Per lcore: its mempool cache (256) and what may sit beyond it. */
#define VRD_LCORE_MBUFS 512u
#define VRD_MIN_MBUFS 8192u
/* The TAPs' own pool is a quarter of the data pool (their rings are a
 * quarter of the data ports'), so one --mbufs sizes both; its per-lcore
 * cache is small, the exception path being slow. */
#define VRD_TAP_POOL_DIV 4u
#define VRD_TAP_CACHE 32u
#define VRD_TAP_LCORE_MBUFS (2u * VRD_TAP_CACHE)

/* Why a packet was dropped. Every drop in the data path has one. */
#define VRD_DROP_REASONS(X)                                              \
	X(TRUNCATED, "truncated")          /* shorter than its headers */   \
	X(L2_OTHER_HOST, "l2_other_host")  /* unicast to another MAC */     \
	X(L2_GROUP_UNICAST_IP, "l2_group_unicast_ip") /* RFC 1812 5.3.4 */  \
	X(IP_VERSION, "ip_version")                                         \
	X(IP_HDR_LEN, "ip_hdr_len")        /* IHL < 5 */                    \
	X(IP_TOTAL_LEN, "ip_total_len")    /* total length < header */      \
	X(IP_CHECKSUM, "ip_checksum")                                       \
	X(MARTIAN_SRC, "martian_src")                                       \
	X(MARTIAN_DST, "martian_dst")                                       \
	X(NO_ROUTE, "no_route")                                             \
	X(BLACKHOLE, "blackhole")                                           \
	X(UNREACHABLE, "unreachable")                                       \
	X(TX_FULL, "tx_full")              /* the driver refused it */      \
	X(MTU_EXCEEDED, "mtu_exceeded")    /* DF or IPv6: ICMP error sent */\
	X(FRAG_FAILED, "fragmentation_failed") /* no mbuf, or chained */ \
	X(PUNT_TOO_BIG, "punt_too_big")    /* over the TAP's MTU */

/* Why a packet went to the kernel through the port's TAP. */
#define VRD_PUNT_REASONS(X)                                              \
	X(LOCAL, "local")                  /* for the router itself */      \
	X(TTL, "ttl_expired")              /* TTL or hop limit <= 1 */      \
	X(UNRESOLVED, "unresolved")        /* next hop has no MAC yet */    \
	X(NON_IP, "non_ip")                /* ARP, LLDP, ... */             \
	X(CONTROL, "multicast")            /* multicast, broadcast, link   \
	                                    * local: OSPF, ND, DHCP */      \
	X(IP_OPTIONS, "ip_options")        /* IPv4 options, IPv6 HBH */

#define X_ENUM(id, name) VRD_DROP_##id,
enum vrd_drop { VRD_DROP_REASONS(X_ENUM) VRD_DROP_MAX };
#undef X_ENUM
#define X_ENUM(id, name) VRD_PUNT_##id,
enum vrd_punt { VRD_PUNT_REASONS(X_ENUM) VRD_PUNT_MAX };
#undef X_ENUM

extern const char *const vrd_drop_names[VRD_DROP_MAX];
extern const char *const vrd_punt_names[VRD_PUNT_MAX];

/* Per port, per worker. Written by that worker only; the control thread
 * sums them. The port is the input port for rx, drops and punts, the
 * output port for tx and tx_full. */
struct vrd_port_stats {
	uint64_t rx_pkts, rx_bytes;
	uint64_t tx_pkts, tx_bytes;
	uint64_t drops[VRD_DROP_MAX];
	uint64_t punts[VRD_PUNT_MAX];
	uint64_t fragmented;         /* IPv4 packets split to fit the MTU */
	uint64_t tx_retried;         /* taken by the driver when asked again
	                              * after it refused them (tx_refused) */
} __rte_cache_aligned;

struct vrd_worker_stats {
	uint64_t loops;
	uint64_t busy_polls;         /* polls that returned packets */
	uint64_t busy_pkts;          /* packets in those polls */
	uint64_t busy_cycles;        /* TSC cycles spent handling them,
	                              * transmit included */
	uint64_t rx_cycles;          /* in the driver's rx burst calls since
	                              * the last handling, empty ones
	                              * included, before a call that returned
	                              * packets in a loop that follows one
	                              * that did */
	uint64_t rx_timed_pkts;      /* the packets of those calls */
	uint64_t sleeps;
} __rte_cache_aligned;

/* What workers need to know of a port. Written by the control thread
 * before the port id appears in any rx list or next hop. */
struct vrd_port_fp {
	struct rte_ether_addr mac;
	uint16_t mtu;                /* IP MTU */
	uint16_t tap;                /* data port: its exception TAP */
	uint16_t peer;               /* TAP: the data port it stands for */
	uint8_t is_tap;
	/* Source of ICMP errors vrd sends from this port: its first address
	 * of each family, 0 when it has none. */
	uint32_t addr4;              /* network order */
	uint8_t addr6[16];
	/* The FIB of the port's VRF: stored with release order by ctl when
	 * the port joins a VRF, loaded once per burst by the workers. */
	const struct vr_fib_fp *fib;
};

struct vrd_rxq {
	uint16_t port, queue;
	uint8_t is_tap;
};

/* A worker's assignment. Immutable once published; replaced whole. */
struct vrd_rx_conf {
	uint16_t n_rxq;
	uint16_t n_tx_ports;
	struct vrd_rxq rxq[2 * RTE_MAX_ETHPORTS * 4];
	uint16_t tx_ports[RTE_MAX_ETHPORTS];
};

struct vrd_worker {
	unsigned int lcore;
	unsigned int id;             /* tx queue index and QSBR thread id */
	struct vrd_rx_conf *conf;    /* published by ctl, read by the worker */
	/* Allocated by ctl before a port is used; flushed by the worker. */
	struct rte_eth_dev_tx_buffer *txb[RTE_MAX_ETHPORTS];
	struct vrd_port_stats ps[RTE_MAX_ETHPORTS];  /* worker-owned */
	struct vrd_worker_stats ws;                  /* worker-owned */
	uint64_t icmp_last_tsc;                      /* worker-owned */
};

struct vrd_addr {
	uint8_t family, depth;
	uint8_t ip[VR_IP6_LEN];
};

/* Control-thread view of a port. */
struct vrd_port {
	bool used;
	char name[IFNAMSIZ];
	char devargs[512];
	uint16_t port_id, tap_id;
	char driver[32];
	uint16_t n_rxq, tap_n_rxq;
	struct vrd_addr addrs[VRD_MAX_ADDRS];
	unsigned int n_addrs;
	unsigned int vrf;            /* index in vrd.vrfs */
};

/* A VRF: its own FIB and neighbours; ports belong to exactly one.
 * Control thread only; workers reach the FIB through vrd_port_fp.fib. */
struct vrd_vrf {
	bool used;
	char name[VRD_VRF_NAMESIZE];
	uint32_t table;              /* the kernel's and FRR's table id */
	struct vr_fib *fib;
	unsigned int n_ports;
	bool kernel_dev;             /* a kernel VRF device of that name
	                              * holds the TAPs of its ports */
};

/* Baseline for `stats clear`: the control thread cannot write worker
 * counters, so it remembers what they were. */
struct vrd_stats_base {
	struct vrd_port_stats ps[RTE_MAX_ETHPORTS];
	struct vrd_worker_stats ws[VRD_MAX_WORKERS];
};

struct vrd {
	char slice[64];
	char sock_path[108];
	bool busy_poll;
	volatile bool stop;          /* set by signals, read by all */

	/* Both created at start, then read-only. The data ports' receive
	 * rings and vrd's own packets (ICMP) draw from pool; the TAPs'
	 * receive rings from tap_pool, so that the exception path never
	 * takes buffers out of the data path's pool (main.c says why). */
	struct rte_mempool *pool;
	struct rte_mempool *tap_pool;
	struct rte_rcu_qsbr *qsv;
	struct vrd_vrf vrfs[VRD_MAX_VRFS];             /* ctl only */

	struct vrd_port_fp port_fp[RTE_MAX_ETHPORTS];  /* see struct */
	struct vrd_port ports[RTE_MAX_ETHPORTS];       /* ctl only */

	unsigned int n_workers;
	struct vrd_worker *workers[VRD_MAX_WORKERS];

	struct vrd_stats_base base;  /* ctl only */
	struct vr_evloop *loop;
	struct vr_api_server *api;
};

extern struct vrd vrd;

/* vrf.c */
int vrd_vrfs_init(void);
void vrd_vrfs_destroy(void);
void vrd_vrfs_reclaim(void);
/* Routes of a family in every VRF together. */
uint64_t vrd_vrfs_route_count(int family);
struct vrd_vrf *vrd_vrf_by_name(const char *name);
struct vrd_vrf *vrd_vrf_by_table(uint32_t table);
/* The VRF of a port; the default VRF for an unknown port id. */
struct vrd_vrf *vrd_vrf_of_port(uint16_t port_id);
/* Tells every VRF's FIB of a port's MAC and MTU (vr_fib_port_set). */
int vrd_vrfs_port_added(uint16_t port);
/* Puts a port (no addresses on it) into a VRF: its neighbours in the old
 * one go, its TAP joins the kernel's VRF device when there is one. */
int vrd_vrf_port_set(struct vrd_port *vp, struct vrd_vrf *v,
		     struct vr_reply *r);
int vrd_cmd_vrf(int argc, char **argv, struct vr_reply *r, bool dry_run);

/* worker.c */
int vrd_worker_main(void *arg);

/* icmp.c: a packet over the output MTU; consumes m. */
void vrd_mtu_exceeded(struct vrd_worker *w, uint16_t in,
		      const struct vr_nh *nh, struct rte_mbuf *m, bool v4);

/* ports.c */
int vrd_port_add(const char *name, const char *devargs, struct vr_reply *r);
struct vrd_port *vrd_port_by_name(const char *name);
struct vrd_port *vrd_port_by_id(uint16_t port_id);
/* Closes every port; the TAPs stay (persist) unless remove_taps. */
void vrd_ports_close(bool remove_taps);
int vrd_workers_publish(void);

/* commands.c */
/* Runs one command. dry_run parses and checks values only, for config
 * files, whose later lines may name ports that earlier lines add. */
int vrd_cmd(int argc, char **argv, struct vr_reply *r, bool dry_run);
void vrd_api_handler(int argc, char **argv, struct vr_reply *r, void *arg);
int vrd_config_replay(const char *path);

/* fpm_apply.c: routes from zebra (FPM) */
int vrd_fpm_start(const char *addr_port);
void vrd_fpm_poll(void);
void vrd_fpm_stop(void);
void vrd_fpm_show(struct vr_reply *r);
/* Drops what the FPM code holds in a VRF about to go. */
void vrd_fpm_vrf_release(unsigned int vrf);

/* stats.c */
void vrd_stats_sum_port(uint16_t port, struct vrd_port_stats *out);
void vrd_stats_sum_worker(unsigned int w, struct vrd_worker_stats *out);
void vrd_stats_clear(void);
void vrd_stats_show(struct vr_reply *r);
/* One line: what the data ports received and sent, drops, punts and busy
 * cycles per packet; printed when a --exit-idle run ends. */
void vrd_stats_print_summary(FILE *f);
void vrd_telemetry_register(void);

/* tapcfg.c: the exception path's kernel side */
int vrd_tap_addr(const char *ifname, int family, const uint8_t *ip,
		 uint8_t depth, bool add, char *err, size_t errlen);
int vrd_tap_sysctls(const char *ifname);
/* Sets (mac) or removes (NULL) a permanent neighbour on a TAP. */
int vrd_tap_neigh(const char *ifname, int family, const uint8_t *ip,
		  const struct rte_ether_addr *mac);
int vrd_tap_delete(const char *ifname);
/* A kernel VRF device (RFC-less: Linux's l3mdev) for table; -EOPNOTSUPP
 * when the kernel has none. */
int vrd_tap_vrf_add(const char *name, uint32_t table);
/* Enslaves ifname to master, or frees it (master NULL). */
int vrd_tap_set_master(const char *ifname, const char *master);

/* kernel_sync.c: addresses and neighbours the kernel has on the TAPs */
int vrd_kernel_sync_start(void);
void vrd_kernel_sync_port(void);
void vrd_kernel_sync_stop(void);

#endif
