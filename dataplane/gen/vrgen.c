/* SPDX-License-Identifier: BSD-3-Clause
 * vrgen: a small DPDK traffic generator and receiver for vrd benchmarks.
 *
 *   vrgen --tx DEVARGS --rx DEVARGS --routes FILE [--dst-mac MAC]
 *         [--flows N] [--frame-size B] [--duration S] [--warmup S]
 *         [--rate PPS] [--go-file PATH] ... [-- EAL options]
 *
 * It sends UDP over IPv4 or IPv6 (--ipv6) on the tx port, to random
 * addresses inside random prefixes of a route file (so that a router's
 * lookups hit its FIB the way real traffic does; gen_flows.c), and counts
 * what comes back on the rx port.
 * One core: tx and rx are polled in turn by the main lcore.
 *
 * Ports are named by devargs and probed at run time, e.g. vhost-user
 * servers that vrd's virtio-user ports connect to:
 *   --tx net_vhost0,iface=/tmp/a.sock,queues=1
 *   --rx net_vhost1,iface=/tmp/b.sock,queues=1
 * vrgen prints each port's MAC as soon as it is probed ("vrgen: port rx
 * ... mac XX:..."), then waits for both links to come up and, with
 * --go-file, for that file to exist (its first word is the destination
 * MAC when --dst-mac is not given): a script can start vrgen first, set
 * up the device under test, then let it go.
 *
 * The last line of the output is one JSON object with the counts and
 * rates of the measured window (after --warmup).
 *
 * vrgen --cpu-latency A,B sends nothing: it measures how long a cache line
 * takes to go from CPU A to CPU B and back, the price every packet and
 * ring update pays between a generator and a router on two cores, and
 * what a load beyond L1 and beyond L2 costs on CPU B (gen_probe.c).
 */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <sched.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>

#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_dev.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_pause.h>
#include <rte_memcpy.h>
#include <rte_udp.h>

#include "gen_flows.h"
#include "gen_probe.h"
#include "gen_seq.h"
#include "vr_eal.h"

#define BURST_MAX 64
#define MAX_EAL_ARGS 64
#define RX_DESC 1024
#define TX_DESC 1024
#define POOL_MBUFS 16383
#define POOL_CACHE 256
#define FCS_LEN 4
#define FRAME_MAX 1518
/* Polling for late packets after the last send. */
#define DRAIN_MS 100
/* Receive ports and destination MACs: a multiplexer's slices. */
#define RX_MAX 16
#define MAC_MAX 16

static volatile sig_atomic_t stop;
/* Sequence numbers and latency: the sender's and the receiver's side.
 * One thread sends and receives, so no sharing. */
static struct gen_tx_seq txs;
static struct gen_rx_seq rxs;
static uint64_t seq_unsent;          /* stamped, then never sent */

struct opts {
	const char *tx, *routes, *go_file;
	const char *rx[RX_MAX];
	unsigned int n_rx;
	struct rte_ether_addr dst_mac[MAC_MAX];
	unsigned int n_dst_mac;      /* 0: from the go file */
	int family;                  /* 4 or 6 (--ipv6) */
	const char *src;             /* --src; NULL: the family's default */
	struct gen_addr src_ip;
	bool frame_set;              /* --frame-size or --ip-size given */
	unsigned int ip_size;        /* IP packet bytes; 0: frame - 18 */
	bool ndr;                    /* RFC 2544 NDR and PDR searches */
	double trial_s;              /* one search trial */
	double pdr_loss;             /* PDR's loss ratio */
	unsigned int inject_drop, inject_dup, inject_swap;  /* every Nth */
	unsigned int flows, frame, burst;
	double duration, warmup, rate, wait_s;
	unsigned int backoff_ns;     /* after a refused send */
	uint64_t seed;
	bool quiet;
	int lat_cpu[2];              /* --cpu-latency; -1: not asked */
};

struct port {
	const char *role;
	const char *devargs;
	char name[RTE_DEV_NAME_MAX_LEN];
	uint16_t id;
	bool probed;
	struct rte_ether_addr mac;
};

struct counts {
	uint64_t tx, rx, rx_other, tx_retries, alloc_fail;
	uint64_t rx_port[RX_MAX];    /* rx by receive port */
};

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void
usage(FILE *f)
{
	fprintf(f,
"usage: vrgen --tx DEVARGS --rx DEVARGS --routes FILE [options] [-- EAL options]\n"
"Sends UDP over IPv4 (or IPv6) to random addresses inside random prefixes of\n"
"FILE on the tx port and counts what arrives on the rx port. The last output\n"
"line is JSON:\n"
"{\"tx\", \"rx\", \"tx_mpps\", \"rx_mpps\", \"seconds\", ...} over the measured window.\n"
"  --tx DEVARGS       port to send on, e.g. net_vhost0,iface=/tmp/a.sock,queues=1\n"
"  --rx DEVARGS       port to receive on (may be the tx port's devargs); up\n"
"                     to %d --rx, e.g. one per slice behind a multiplexer\n"
"  --routes FILE      prefixes, one a line, plain or gzip; those of the\n"
"                     family sent are used\n"
"  --ipv6             send IPv6 (UDP checksums kept right, flow label = flow);\n"
"                     frames of %d bytes at least (the default), IP packets\n"
"                     of %d\n"
"  --dst-mac MAC[,MAC] destination MAC (the router's input port); with\n"
"                     several (up to %d), flow i goes to MAC i %% count\n"
"  --go-file PATH     before sending, wait until PATH exists; when --dst-mac\n"
"                     is not given, PATH's first line holds the MACs\n"
"  --src IP           source address (default 10.0.1.2, or 2001:db8:1::2);\n"
"                     destinations in its /24 (/64) are not drawn\n"
"  --flows N          packet templates (distinct destinations), default 4096\n"
"  --frame-size B     Ethernet frame with its 4-byte FCS, %d..%d (default 64:\n"
"                     60 bytes in the mbuf, as RFC 2544 counts)\n"
"  --ip-size B        the IP packet's size instead (28..1500; the migration\n"
"                     study's convention): frame = max(64 or %d, B + 18)\n"
"  --ndr              RFC 2544: binary search for the zero-loss rate (NDR)\n"
"                     and the partial-drop rate (PDR), one JSON line per\n"
"                     trial, then {\"ndr_mpps\", \"pdr_mpps\", ...}\n"
"  --trial S          seconds per search trial (default 10); --quick: 1\n"
"  --pdr-loss R       PDR's loss ratio (default 0.005)\n"
"  --inject-drop N, --inject-dup N, --inject-swap N\n"
"                     test faults: every Nth sequence number is skipped\n"
"                     (lost), sent twice, or swapped with the next\n"
"  --duration S       seconds of sending after the warm-up (default 10; 0: until\n"
"                     SIGINT/SIGTERM)\n"
"  --warmup S         seconds sent before the measured window (default 0)\n"
"  --rate PPS         offered packets per second, paced with the TSC; 0 (the\n"
"                     default) sends as fast as the tx port takes them\n"
"  --burst N          packets per tx burst, 1..%d (default 32)\n"
"  --wait S           give up if links (and the go file) are not ready after\n"
"                     S seconds (default 120)\n"
"  --seed N           random seed for the destinations (default 1)\n"
"  --quiet            no per-second lines\n"
"  --tx-backoff NS    after the tx port refused packets, only receive for NS\n"
"                     ns before sending again (default 0: retry at once;\n"
"                     polling a full ring keeps its lines bouncing between\n"
"                     the CPUs)\n"
"  --cpu-latency A,B  no traffic: measure a cache line's round trip between\n"
"                     CPUs A and B (what every packet and ring update pays\n"
"                     between two cores) and, on CPU B, a load that misses\n"
"                     L1 (256 KB ring) and one that misses L2 (16 MB ring);\n"
"                     print them as JSON and exit\n"
"EAL options follow --, e.g. -- -l 0 --in-memory -m 512 --no-pci.\n"
"Packets the tx port refuses (ring full) are kept and sent again: nothing is\n"
"dropped by vrgen; tx_retries counts the refusals.\n",
		RX_MAX, GEN_FRAME_MIN6, GEN_IP_MIN6, MAC_MAX, GEN_FRAME_MIN4,
		FRAME_MAX, GEN_FRAME_MIN6, BURST_MAX);
}

static int
parse_double(const char *s, double lo, double hi, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end != '\0' || !(v >= lo && v <= hi))
		return -1;
	*out = v;
	return 0;
}

static int
parse_uint(const char *s, unsigned long lo, unsigned long hi, unsigned long *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || end == s || *end != '\0' || v < lo || v > hi || s[0] == '-')
		return -1;
	*out = v;
	return 0;
}

/* "MAC[,MAC]...", appended to macs. */
static int
macs_parse(const char *list, struct rte_ether_addr *macs, unsigned int *n)
{
	char buf[MAC_MAX * 18 + 1], *save = NULL, *w;

	if (strlen(list) >= sizeof(buf)) {
		fprintf(stderr, "vrgen: too many MACs in '%s'\n", list);
		return -1;
	}
	snprintf(buf, sizeof(buf), "%s", list);
	for (w = strtok_r(buf, ", \t\n", &save); w != NULL;
	     w = strtok_r(NULL, ", \t\n", &save)) {
		if (*n == MAC_MAX) {
			fprintf(stderr, "vrgen: at most %d destination MACs\n",
				MAC_MAX);
			return -1;
		}
		if (rte_ether_unformat_addr(w, &macs[*n]) < 0) {
			fprintf(stderr, "vrgen: bad MAC '%s'\n", w);
			return -1;
		}
		(*n)++;
	}
	return 0;
}

/* What depends on the family (--ipv6 may come after the sizes). */
static int
sizes_and_src_check(struct opts *o)
{
	const bool v6 = o->family == 6;
	const unsigned int ip_min = v6 ? GEN_IP_MIN6 : GEN_IP_MIN4;
	const unsigned int frame_min = v6 ? GEN_FRAME_MIN6 : GEN_FRAME_MIN4;
	const char *src = o->src ? o->src : v6 ? "2001:db8:1::2" : "10.0.1.2";

	if (o->ip_size != 0) {
		if (o->ip_size < ip_min) {
			fprintf(stderr, "vrgen: --ip-size %u: an IPv%d packet "
				"needs at least %u bytes (headers and stamp)\n",
				o->ip_size, o->family, ip_min);
			return -1;
		}
		/* RFC 2544 frames: at least 64 bytes with the FCS (82 for
		 * IPv6); a small IP packet is padded. */
		o->frame = RTE_MAX(frame_min, o->ip_size + 18);
	} else if (!o->frame_set) {
		o->frame = frame_min;
	} else if (o->frame < frame_min) {
		fprintf(stderr, "vrgen: --frame-size %u: IPv6 frames need at "
			"least %u bytes (Ethernet, IPv6, UDP, stamp, FCS)\n",
			o->frame, frame_min);
		return -1;
	}
	if (inet_pton(v6 ? AF_INET6 : AF_INET, src, o->src_ip.b) != 1) {
		fprintf(stderr, "vrgen: --src '%s' is not an IPv%d address%s\n",
			src, o->family, v6 ? "" : " (--ipv6 for IPv6)");
		return -1;
	}
	return 0;
}

static int
parse_args(int argc, char **argv, struct opts *o, int *eal_argc,
	   char ***eal_argv)
{
	static const struct option lopts[] = {
		{ "tx", required_argument, NULL, 't' },
		{ "rx", required_argument, NULL, 'r' },
		{ "routes", required_argument, NULL, 'R' },
		{ "dst-mac", required_argument, NULL, 'd' },
		{ "go-file", required_argument, NULL, 'g' },
		{ "src", required_argument, NULL, 's' },
		{ "ipv6", no_argument, NULL, '6' },
		{ "flows", required_argument, NULL, 'f' },
		{ "frame-size", required_argument, NULL, 'F' },
		{ "ip-size", required_argument, NULL, 'I' },
		{ "ndr", no_argument, NULL, 'N' },
		{ "trial", required_argument, NULL, 'T' },
		{ "quick", no_argument, NULL, 'Q' },
		{ "pdr-loss", required_argument, NULL, 'P' },
		{ "inject-drop", required_argument, NULL, 1001 },
		{ "inject-dup", required_argument, NULL, 1002 },
		{ "inject-swap", required_argument, NULL, 1003 },
		{ "duration", required_argument, NULL, 'D' },
		{ "warmup", required_argument, NULL, 'W' },
		{ "rate", required_argument, NULL, 'p' },
		{ "burst", required_argument, NULL, 'b' },
		{ "wait", required_argument, NULL, 'w' },
		{ "seed", required_argument, NULL, 'S' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "cpu-latency", required_argument, NULL, 'L' },
		{ "tx-backoff", required_argument, NULL, 'B' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c, dash;
	unsigned long v;

	dash = vr_args_eal_split(argc, argv, eal_argc, eal_argv);
	while ((c = getopt_long(dash, argv, "h", lopts, NULL)) != -1) {
		switch (c) {
		case 't':
			o->tx = optarg;
			break;
		case 'r':
			if (o->n_rx == RX_MAX) {
				fprintf(stderr, "vrgen: at most %d --rx\n", RX_MAX);
				return -1;
			}
			o->rx[o->n_rx++] = optarg;
			break;
		case 'R':
			o->routes = optarg;
			break;
		case 'd':
			if (macs_parse(optarg, o->dst_mac, &o->n_dst_mac) < 0)
				return -1;
			break;
		case 'g':
			o->go_file = optarg;
			break;
		case 's':
			o->src = optarg;
			break;
		case '6':
			o->family = 6;
			break;
		case 'f':
			if (parse_uint(optarg, 1, 1u << 24, &v) < 0) {
				fprintf(stderr, "vrgen: --flows: 1 to %u\n", 1u << 24);
				return -1;
			}
			o->flows = (unsigned int)v;
			break;
		case 'I':
			if (parse_uint(optarg, GEN_IP_MIN4, FRAME_MAX - 18, &v) < 0) {
				fprintf(stderr, "vrgen: --ip-size: %d to %d\n",
					GEN_IP_MIN4, FRAME_MAX - 18);
				return -1;
			}
			o->ip_size = (unsigned int)v;
			o->frame_set = true;
			break;
		case 'N':
			o->ndr = true;
			break;
		case 'T':
			if (parse_double(optarg, 0.1, 3600, &o->trial_s) < 0) {
				fprintf(stderr, "vrgen: --trial: 0.1 to 3600 s\n");
				return -1;
			}
			break;
		case 'Q':
			o->trial_s = 1;
			break;
		case 'P':
			if (parse_double(optarg, 0, 0.5, &o->pdr_loss) < 0) {
				fprintf(stderr, "vrgen: --pdr-loss: 0 to 0.5\n");
				return -1;
			}
			break;
		case 1001:
		case 1002:
		case 1003:
			if (parse_uint(optarg, 2, 1u << 30, &v) < 0) {
				fprintf(stderr, "vrgen: --inject-*: every N, N >= 2\n");
				return -1;
			}
			*(c == 1001 ? &o->inject_drop : c == 1002 ? &o->inject_dup :
			  &o->inject_swap) = (unsigned int)v;
			break;
		case 'F':
			if (parse_uint(optarg, GEN_FRAME_MIN4, FRAME_MAX, &v) < 0) {
				fprintf(stderr, "vrgen: --frame-size: %d to %d\n",
					GEN_FRAME_MIN4, FRAME_MAX);
				return -1;
			}
			o->frame = (unsigned int)v;
			o->ip_size = 0;
			o->frame_set = true;
			break;
		case 'D':
			if (parse_double(optarg, 0, 1e7, &o->duration) < 0) {
				fprintf(stderr, "vrgen: bad --duration '%s'\n", optarg);
				return -1;
			}
			break;
		case 'W':
			if (parse_double(optarg, 0, 1e7, &o->warmup) < 0) {
				fprintf(stderr, "vrgen: bad --warmup '%s'\n", optarg);
				return -1;
			}
			break;
		case 'p':
			if (parse_double(optarg, 0, 1e10, &o->rate) < 0) {
				fprintf(stderr, "vrgen: bad --rate '%s'\n", optarg);
				return -1;
			}
			break;
		case 'b':
			if (parse_uint(optarg, 1, BURST_MAX, &v) < 0) {
				fprintf(stderr, "vrgen: --burst: 1 to %d\n", BURST_MAX);
				return -1;
			}
			o->burst = (unsigned int)v;
			break;
		case 'w':
			if (parse_double(optarg, 0, 1e7, &o->wait_s) < 0) {
				fprintf(stderr, "vrgen: bad --wait '%s'\n", optarg);
				return -1;
			}
			break;
		case 'S':
			if (parse_uint(optarg, 0, ULONG_MAX, &v) < 0) {
				fprintf(stderr, "vrgen: bad --seed '%s'\n", optarg);
				return -1;
			}
			o->seed = v;
			break;
		case 'q':
			o->quiet = true;
			break;
		case 'B':
			if (parse_uint(optarg, 0, 1000000, &v) < 0) {
				fprintf(stderr, "vrgen: --tx-backoff: 0 to 1000000 ns\n");
				return -1;
			}
			o->backoff_ns = (unsigned int)v;
			break;
		case 'L':
			if (sscanf(optarg, "%d,%d", &o->lat_cpu[0], &o->lat_cpu[1]) != 2 ||
			    o->lat_cpu[0] < 0 || o->lat_cpu[1] < 0 ||
			    o->lat_cpu[0] >= CPU_SETSIZE || o->lat_cpu[1] >= CPU_SETSIZE ||
			    o->lat_cpu[0] == o->lat_cpu[1]) {
				fprintf(stderr, "vrgen: --cpu-latency A,B: two different "
					"CPU numbers, 0 to %d\n", CPU_SETSIZE - 1);
				return -1;
			}
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -1;
		}
	}
	if (o->lat_cpu[0] >= 0)
		return 0;
	if (optind != dash) {
		fprintf(stderr, "vrgen: unexpected argument '%s' (EAL options go "
			"after --)\n", argv[optind]);
		return -1;
	}
	if (o->tx == NULL || o->n_rx == 0 || o->routes == NULL) {
		fprintf(stderr, "vrgen: --tx, --rx and --routes are required\n");
		usage(stderr);
		return -1;
	}
	if (o->n_dst_mac == 0 && o->go_file == NULL) {
		fprintf(stderr, "vrgen: give --dst-mac, or --go-file to read it "
			"from\n");
		return -1;
	}
	return sizes_and_src_check(o);
}

/* ---------- ports ---------- */

static int
port_probe(struct port *p)
{
	size_t n = strcspn(p->devargs, ",");
	int rc;

	if (n == 0 || n >= sizeof(p->name)) {
		fprintf(stderr, "vrgen: bad devargs '%s'\n", p->devargs);
		return -1;
	}
	memcpy(p->name, p->devargs, n);
	p->name[n] = '\0';
	if (rte_eth_dev_get_port_by_name(p->name, &p->id) == 0)
		return 0;            /* probed at EAL init (PCI) or already */
	rc = rte_dev_probe(p->devargs);
	if (rc < 0) {
		fprintf(stderr, "vrgen: cannot probe '%s': %s\n", p->devargs,
			strerror(-rc));
		return -1;
	}
	p->probed = true;
	if (rte_eth_dev_get_port_by_name(p->name, &p->id) != 0) {
		fprintf(stderr, "vrgen: '%s' is not an ethernet device\n", p->name);
		return -1;
	}
	return 0;
}

static int
port_start(struct port *p, struct rte_mempool *pool)
{
	struct rte_eth_conf conf;
	uint16_t rxd = RX_DESC, txd = TX_DESC;
	int socket = rte_eth_dev_socket_id(p->id);
	int rc;

	if (socket < 0)
		socket = (int)rte_socket_id();
	memset(&conf, 0, sizeof(conf));
	rc = rte_eth_dev_configure(p->id, 1, 1, &conf);
	if (rc == 0)
		rc = rte_eth_dev_adjust_nb_rx_tx_desc(p->id, &rxd, &txd);
	if (rc == 0)
		rc = rte_eth_rx_queue_setup(p->id, 0, rxd, socket, NULL, pool);
	if (rc == 0)
		rc = rte_eth_tx_queue_setup(p->id, 0, txd, socket, NULL);
	if (rc == 0)
		rc = rte_eth_dev_start(p->id);
	if (rc < 0) {
		fprintf(stderr, "vrgen: port %s: cannot configure and start: %s\n",
			p->name, strerror(-rc));
		return -1;
	}
	/* Not every PMD filters (vhost does not); those that do let all in. */
	rte_eth_promiscuous_enable(p->id);
	rte_eth_macaddr_get(p->id, &p->mac);
	return 0;
}

static void
port_close(struct port *p)
{
	struct rte_eth_dev_info info;

	if (rte_eth_dev_info_get(p->id, &info) < 0)
		return;
	rte_eth_dev_stop(p->id);
	rte_eth_dev_close(p->id);
	if (p->probed && info.device != NULL)
		rte_dev_remove(info.device);
}

static bool
link_up(uint16_t port)
{
	struct rte_eth_link l;

	memset(&l, 0, sizeof(l));
	return rte_eth_link_get_nowait(port, &l) == 0 &&
	       l.link_status == RTE_ETH_LINK_UP;
}

static void
sleep_ms(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* The go file's words, as MACs. False while the file is being written
 * (empty, or a partial word): it is read whole, up to its newline. */
static bool
go_mac_read(const char *path, struct rte_ether_addr *macs, unsigned int *n)
{
	char line[MAC_MAX * 18 + 2] = "";
	FILE *f = fopen(path, "r");
	bool ok;

	if (f == NULL)
		return false;
	*n = 0;
	ok = fgets(line, sizeof(line), f) != NULL && strchr(line, '\n') != NULL &&
	     macs_parse(line, macs, n) == 0 && *n > 0;
	fclose(f);
	return ok;
}

/* Links up and, with a go file, the go: sleeps (does not spin) so that a
 * router sharing the core can set itself up. */
static bool
links_up(const struct port *tx, const struct port *rx, unsigned int n_rx)
{
	if (!link_up(tx->id))
		return false;
	for (unsigned int i = 0; i < n_rx; i++)
		if (!link_up(rx[i].id))
			return false;
	return true;
}

static int
wait_ready(const struct opts *o, const struct port *tx, const struct port *rx,
	   struct rte_ether_addr *dst_mac, unsigned int *n_mac)
{
	uint64_t hz = rte_get_timer_hz();
	uint64_t dl = rte_get_timer_cycles() + (uint64_t)(o->wait_s * hz);
	bool links = false, go = o->go_file == NULL;

	memcpy(dst_mac, o->dst_mac, sizeof(o->dst_mac));
	*n_mac = o->n_dst_mac;
	while (!stop) {
		if (!links && links_up(tx, rx, o->n_rx)) {
			links = true;
			printf("vrgen: links up\n");
			fflush(stdout);
		}
		if (!go && access(o->go_file, F_OK) == 0)
			go = o->n_dst_mac > 0 ||
			     go_mac_read(o->go_file, dst_mac, n_mac);
		if (links && go)
			return 0;
		if (rte_get_timer_cycles() > dl) {
			fprintf(stderr, "vrgen: not ready after %.0f s: %s\n",
				o->wait_s, !links ? "links down" :
				access(o->go_file, F_OK) != 0 ? "no go file" :
				"no MAC in the go file");
			return -1;
		}
		sleep_ms(10);
	}
	return -1;
}

/* ---------- the loop ---------- */

/* rx_idx: the receive port's index, or -1 for the tx port. */
static inline void
rx_poll(uint16_t port, int rx_idx, const struct gen_match *g, struct counts *c)
{
	struct rte_mbuf *m[BURST_MAX];
	uint16_t n = rte_eth_rx_burst(port, 0, m, BURST_MAX);

	for (uint16_t i = 0; i < n; i++) {
		if (rx_idx >= 0 && gen_ours(m[i], g)) {
			uint64_t st[2];

			c->rx++;
			c->rx_port[rx_idx]++;
			if (likely(m[i]->data_len >= g->stamp_off + GEN_STAMP_LEN)) {
				memcpy(st, rte_pktmbuf_mtod_offset(m[i], void *,
							       g->stamp_off),
				       GEN_STAMP_LEN);
				gen_rx_seq_account(&rxs, st[0], st[1], rte_rdtsc());
			}
		} else {
			c->rx_other++;
		}
	}
	if (n > 0)
		rte_pktmbuf_free_bulk(m, n);
}

static inline void
rx_poll_all(const struct port *tx, const struct port *rx, unsigned int n_rx,
	    bool same, const struct gen_match *g, struct counts *c)
{
	for (unsigned int i = 0; i < n_rx; i++)
		rx_poll(rx[i].id, (int)i, g, c);
	if (!same)
		rx_poll(tx->id, -1, g, c);
}

static double
mpps(uint64_t pkts, double s)
{
	return s > 0 ? pkts / s / 1e6 : 0.0;
}

static void
counts_sub(struct counts *r, const struct counts *a, const struct counts *b)
{
	r->tx = a->tx - b->tx;
	r->rx = a->rx - b->rx;
	r->rx_other = a->rx_other - b->rx_other;
	r->tx_retries = a->tx_retries - b->tx_retries;
	r->alloc_fail = a->alloc_fail - b->alloc_fail;
	for (unsigned int i = 0; i < RX_MAX; i++)
		r->rx_port[i] = a->rx_port[i] - b->rx_port[i];
}

static int
run(const struct opts *o, struct rte_mempool *pool, const struct port *tx,
    const struct port *rx, const uint8_t *tmpl, size_t tstride,
    struct counts *win, double *win_s, struct counts *all)
{
	const uint64_t hz = rte_get_tsc_hz();
	const uint16_t len = (uint16_t)(o->frame - FCS_LEN);
	struct gen_match g;
	const bool same = tx->id == rx[0].id;
	const unsigned int burst = o->burst;
	/* Pacing in TSC cycles per burst, as a double: no drift. */
	const double burst_cyc = o->rate > 0 ? burst * (double)hz / o->rate : 0;
	struct rte_mbuf *pend[BURST_MAX];
	unsigned int npend = 0, pidx = 0, flow = 0;
	struct counts c = { 0 }, base = { 0 }, last = { 0 };
	uint64_t t0 = rte_rdtsc(), now = t0;
	uint64_t t_meas = t0 + (uint64_t)(o->warmup * hz);
	uint64_t t_end = o->duration > 0 ?
			 t_meas + (uint64_t)(o->duration * hz) : UINT64_MAX;
	uint64_t t_tick = t0 + hz, t_last = t0, t_stop;
	double next = (double)t0;
	bool measuring = o->warmup <= 0;
	const uint64_t backoff = (uint64_t)((double)o->backoff_ns * hz / 1e9);

	gen_match_init(&g, o->family, &o->src_ip);
	rxs.lat_on = measuring;
	uint64_t t_retry = 0;
	int rc = 0;

	while (!stop) {
		now = rte_rdtsc();
		if (now >= t_end)
			break;
		if (!measuring && now >= t_meas) {
			measuring = true;
			rxs.lat_on = true;
			base = c;
			t_meas = now;
		}
		if (npend == 0 && (burst_cyc == 0 || (double)now >= next)) {
			if (rte_pktmbuf_alloc_bulk(pool, pend, burst) == 0) {
				for (unsigned int i = 0; i < burst; i++) {
					struct rte_mbuf *m = pend[i];

					uint8_t *d = rte_pktmbuf_mtod(m, uint8_t *);

					rte_memcpy(d, tmpl + (size_t)flow * tstride, len);
					gen_stamp(d, &g, gen_tx_seq_next(&txs), now);
					m->data_len = len;
					m->pkt_len = len;
					if (++flow == o->flows)
						flow = 0;
				}
				npend = burst;
				pidx = 0;
				if (burst_cyc > 0) {
					next += burst_cyc;
					/* More than 1 ms behind: the rate
					 * cannot be kept; do not catch up in
					 * a flood. */
					if ((double)now - next > (double)hz / 1000)
						next = (double)now;
				}
			} else {
				c.alloc_fail++;
			}
		}
		if (npend > 0 && now >= t_retry) {
			uint16_t sent = rte_eth_tx_burst(tx->id, 0, pend + pidx,
							 (uint16_t)npend);

			c.tx += sent;
			pidx += sent;
			npend -= sent;
			if (npend > 0) {
				c.tx_retries += npend;
				t_retry = now + backoff;
			}
		}
		rx_poll_all(tx, rx, o->n_rx, same, &g, &c);

		if (now >= t_tick) {
			double s = (double)(now - t_last) / hz;

			if (!o->quiet) {
				printf("vrgen: %5.1f s%s: tx %.3f Mpps, rx %.3f "
				       "Mpps, tx retries %" PRIu64 "\n",
				       (double)(now - t0) / hz,
				       measuring ? "" : " (warm-up)",
				       mpps(c.tx - last.tx, s),
				       mpps(c.rx - last.rx, s),
				       c.tx_retries - last.tx_retries);
				fflush(stdout);
			}
			last = c;
			t_last = now;
			t_tick += hz;
			/* A peer that went away takes the link down. */
			if (!links_up(tx, rx, o->n_rx)) {
				fprintf(stderr, "vrgen: link down after %.1f s; "
					"stopping\n", (double)(now - t0) / hz);
				rc = -1;
				break;
			}
		}
	}
	t_stop = now;
	if (!measuring) {            /* stopped during the warm-up */
		base = c;
		t_meas = t_stop;
	}
	/* What was refused stays unsent; late packets still count. Their
	 * sequence numbers were handed out: they are not losses. */
	seq_unsent += npend;
	if (npend > 0)
		rte_pktmbuf_free_bulk(pend + pidx, npend);
	for (uint64_t dl = rte_rdtsc() + hz * DRAIN_MS / 1000; rte_rdtsc() < dl;)
		rx_poll_all(tx, rx, o->n_rx, same, &g, &c);
	counts_sub(win, &c, &base);
	*all = c;
	*win_s = (double)(t_stop - t_meas) / hz;
	return rc;
}

static int
eal_args(const char *prog, int uargc, char **uargv, char **out)
{
	static char prefix[64];
	int n = 0;
	bool has_prefix = false;

	for (int i = 0; i < uargc; i++)
		if (strncmp(uargv[i], "--file-prefix", 13) == 0 ||
		    strcmp(uargv[i], "--in-memory") == 0)
			has_prefix = true;
	out[n++] = (char *)prog;
	if (!has_prefix) {
		/* Not DPDK's "rte": vrgen runs beside other primaries. */
		snprintf(prefix, sizeof(prefix), "--file-prefix=vrgen-%d",
			 (int)getpid());
		out[n++] = prefix;
	}
	for (int i = 0; i < uargc && n < MAX_EAL_ARGS - 1; i++)
		out[n++] = uargv[i];
	out[n] = NULL;
	return n;
}

static double
us(uint64_t cycles)
{
	return (double)cycles * 1e6 / (double)rte_get_tsc_hz();
}

/* The sequence and latency part of a run's JSON, closing the object. */
static void
seq_json_tail(const struct opts *o)
{
	uint64_t sent = txs.next - seq_unsent;

	printf("\"ip_version\": %d, \"ip_size\": %u, \"seq_sent\": %" PRIu64
	       ", \"unique\": %" PRIu64
	       ", \"seq_lost\": %" PRId64 ", \"duplicates\": %" PRIu64
	       ", \"reordered\": %" PRIu64 ", \"injected\": {\"drop\": %" PRIu64
	       ", \"dup\": %" PRIu64 ", \"swap\": %" PRIu64 "}, \"p50_us\": %.3f"
	       ", \"p99_us\": %.3f, \"p999_us\": %.3f, \"max_us\": %.3f}\n",
	       o->family, o->ip_size ? o->ip_size : o->frame - 18, sent, rxs.unique,
	       (int64_t)(sent - rxs.unique), rxs.duplicates, rxs.reordered,
	       txs.dropped, txs.duplicated, txs.swapped,
	       us(gen_rx_seq_lat_pct(&rxs, 0.50)), us(gen_rx_seq_lat_pct(&rxs, 0.99)),
	       us(gen_rx_seq_lat_pct(&rxs, 0.999)), us(rxs.lat_max));
}

/* A latency for JSON: null when no packet came back to time it. */
static const char *
jlat(char *buf, size_t len, double us_)
{
	if (us_ < 0)
		return "null";
	snprintf(buf, len, "%.3f", us_);
	return buf;
}

struct trial {
	double rate;                 /* offered pps, 0: full speed */
	double tx_pps, rx_pps, loss;
	uint64_t tx, lost;
	double p50_us, p99_us;       /* -1: no packet came back to time */
	double cdf_us[11];           /* at cdf_points, for a latency CDF */
	bool offered;                /* the generator sent what was asked */
};

static const double cdf_points[11] = { 0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9,
				       0.95, 0.99, 0.999, 1.0 };

/* One RFC 2544 trial: o->trial_s seconds at rate; losses after the
 * drain, counted by sequence number. */
static int
trial_run(const struct opts *o0, double rate, struct rte_mempool *pool,
	  const struct port *tx, const struct port *rx, const uint8_t *tmpl,
	  size_t tstride, struct trial *t)
{
	struct opts o = *o0;
	struct counts win, all;
	char b50[32], b99[32];
	double win_s;
	int rc;

	o.rate = rate;
	o.duration = o0->trial_s;
	o.warmup = 0;
	o.quiet = true;
	memset(&txs, 0, sizeof(txs));
	gen_rx_seq_reset(&rxs);
	seq_unsent = 0;
	rc = run(&o, pool, tx, rx, tmpl, tstride, &win, &win_s, &all);
	t->rate = rate;
	t->tx = txs.next - seq_unsent;
	t->lost = t->tx - rxs.unique;
	t->tx_pps = win_s > 0 ? (double)win.tx / win_s : 0;
	t->rx_pps = win_s > 0 ? (double)win.rx / win_s : 0;
	t->loss = t->tx ? (double)t->lost / (double)t->tx : 0;
	t->p50_us = rxs.lat_n ? us(gen_rx_seq_lat_pct(&rxs, 0.50)) : -1;
	t->p99_us = rxs.lat_n ? us(gen_rx_seq_lat_pct(&rxs, 0.99)) : -1;
	for (unsigned int i = 0; i < RTE_DIM(cdf_points); i++)
		t->cdf_us[i] = rxs.lat_n ? us(gen_rx_seq_lat_pct(&rxs, cdf_points[i])) : -1;
	/* A trial is only a trial of the DUT if the load was offered: a
	 * starved generator that sent nothing (or far less than asked)
	 * would pass with zero loss. 90%: the pacing's own slack. */
	t->offered = t->tx > 0 && (rate <= 0 || t->tx_pps >= 0.9 * rate);
	printf("{\"trial\": true, \"rate_pps\": %.0f, \"tx\": %" PRIu64
	       ", \"lost\": %" PRIu64 ", \"loss_ratio\": %.6f, \"tx_mpps\": %.4f"
	       ", \"rx_mpps\": %.4f, \"p50_us\": %s, \"p99_us\": %s"
	       ", \"offered\": %s}\n",
	       rate, t->tx, t->lost, t->loss, t->tx_pps / 1e6, t->rx_pps / 1e6,
	       jlat(b50, sizeof(b50), t->p50_us), jlat(b99, sizeof(b99), t->p99_us),
	       t->offered ? "true" : "false");
	fflush(stdout);
	return rc;
}

/* Binary search for the highest rate whose loss ratio is at most
 * max_loss (RFC 2544 26.1: 0 for the throughput, NDR); the first trial
 * at full speed gives the ceiling. best comes in as the floor: a trial
 * known to pass (the NDR's, for the PDR search, so that PDR >= NDR even
 * when trials are noisy), or zeroed; its rate is what it carried. */
static int
search(const struct opts *o, double max_loss, double ceiling,
       struct rte_mempool *pool, const struct port *tx, const struct port *rx,
       const uint8_t *tmpl, size_t tstride, struct trial *best)
{
	double lo = best->rate, hi = ceiling;
	struct trial t;

	/* To 1% of the rate found: a resolution relative to the answer,
	 * not to the ceiling, which may be 100 times higher. */
	for (int i = 0; i < 24 && !stop && hi - lo > 0.01 * hi; i++) {
		double mid = (lo + hi) / 2;

		if (trial_run(o, mid, pool, tx, rx, tmpl, tstride, &t) < 0)
			return -1;
		if (!t.offered)
			fprintf(stderr, "vrgen: trial at %.0f pps: only %.0f pps "
				"offered (the generator is short of CPU): "
				"counted as failed\n", mid, t.tx_pps);
		/* The rate reported is the one the generator carried,
		 * not the one asked for (pacing keeps it a little
		 * under, a busy generator up to 10% under): the highest
		 * of the passing trials. */
		if (t.offered && t.loss <= max_loss) {
			lo = mid;
			if (t.tx_pps > best->rate) {
				*best = t;
				best->rate = t.tx_pps;
			}
		} else {
			hi = mid;
		}
	}
	return 0;
}

static int
rfc2544(const struct opts *o, struct rte_mempool *pool, const struct port *tx,
	const struct port *rx, const uint8_t *tmpl, size_t tstride)
{
	struct trial full, ndr, pdr;
	double gbit = o->frame * 8 / 1e9;
	char b50[32], b99[32];

	if (trial_run(o, 0, pool, tx, rx, tmpl, tstride, &full) < 0)
		return -1;
	memset(&ndr, 0, sizeof(ndr));
	if (full.loss == 0) {
		ndr = full;
		ndr.rate = full.tx_pps;
	} else if (search(o, 0, full.tx_pps, pool, tx, rx, tmpl, tstride, &ndr) < 0) {
		return -1;
	}
	pdr = ndr;
	if (full.loss <= o->pdr_loss) {
		pdr = full;
		pdr.rate = full.tx_pps;
	} else if (search(o, o->pdr_loss, full.tx_pps, pool, tx, rx, tmpl,
			  tstride, &pdr) < 0) {
		return -1;
	}
	printf("vrgen: NDR %.4f Mpps, PDR (%.2f%% loss) %.4f Mpps, %u-byte frames "
	       "(%u-byte IP packets)\n", ndr.rate / 1e6, o->pdr_loss * 100,
	       pdr.rate / 1e6, o->frame, o->ip_size ? o->ip_size : o->frame - 18);
	printf("{\"ndr_mpps\": %.4f, \"pdr_mpps\": %.4f, \"ndr_gbps\": %.4f, "
	       "\"pdr_gbps\": %.4f, \"ip_version\": %d, \"frame_size\": %u, \"ip_size\": %u, "
	       "\"p50_us\": %s, \"p99_us\": %s, \"full_speed_mpps\": %.4f, "
	       "\"full_speed_loss\": %.6f, \"trial_s\": %.1f, \"pdr_loss\": %.4f, "
	       "\"ndr_latency_cdf\": [",
	       ndr.rate / 1e6, pdr.rate / 1e6, ndr.rate * gbit, pdr.rate * gbit,
	       o->family, o->frame, o->ip_size ? o->ip_size : o->frame - 18,
	       jlat(b50, sizeof(b50), ndr.p50_us), jlat(b99, sizeof(b99), ndr.p99_us),
	       full.tx_pps / 1e6, full.loss, o->trial_s, o->pdr_loss);
	/* [fraction, microseconds] pairs at the NDR trial. */
	for (unsigned int i = 0; i < RTE_DIM(cdf_points); i++)
		printf("%s[%.3f, %s]", i ? ", " : "", cdf_points[i],
		       jlat(b50, sizeof(b50), ndr.cdf_us[i]));
	printf("]}\n");
	fflush(stdout);
	return 0;
}

int
main(int argc, char **argv)
{
	struct opts o = { .flows = 4096, .frame = 64,
			  .burst = 32, .duration = 10, .wait_s = 120, .seed = 1,
			  .lat_cpu = { -1, -1 }, .trial_s = 10, .pdr_loss = 0.005,
			  .family = 4 };
	struct port tx = { .role = "tx" }, rx[RX_MAX];
	struct rte_ether_addr dst_mac[MAC_MAX];
	unsigned int n_mac = 0, n_rx_ok = 0;
	struct rte_mempool *pool = NULL;
	struct gen_prefix *pfx = NULL;
	struct gen_addr *dst = NULL;
	uint8_t *tmpl = NULL;
	char *eal_argv[MAX_EAL_ARGS];
	char **uargv = NULL;
	size_t npfx = 0, tstride;
	int uargc = 0, n, rc = 1;
	struct counts win = { 0 }, all = { 0 };
	double win_s = 0;
	bool same = false;

	if (parse_args(argc, argv, &o, &uargc, &uargv) < 0)
		return 2;
	if (o.lat_cpu[0] >= 0)
		return gen_cpu_probe(o.lat_cpu[0], o.lat_cpu[1]);
	/* The file first: a bad one fails before any port exists. */
	if (gen_routes_read(o.routes, o.family, &pfx, &npfx) < 0)
		return 1;
	if (gen_rx_seq_init(&rxs) < 0) {
		free(pfx);
		return 1;
	}
	txs.drop_every = o.inject_drop;
	txs.dup_every = o.inject_dup;
	txs.swap_every = o.inject_swap;
	dst = malloc(sizeof(*dst) * o.flows);
	if (dst == NULL || gen_dsts_pick(pfx, npfx, o.family, o.flows, &o.src_ip,
					 o.seed, dst) < 0) {
		free(dst);
		free(pfx);
		return 1;
	}
	printf("vrgen: %u IPv%d flows to random addresses in %zu prefixes of %s\n",
	       o.flows, o.family, npfx, o.routes);
	free(pfx);

	n = eal_args(argv[0], uargc, uargv, eal_argv);
	if (rte_eal_init(n, eal_argv) < 0) {
		fprintf(stderr, "vrgen: EAL init failed: %s\n",
			rte_strerror(rte_errno));
		free(dst);
		return 1;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGPIPE, SIG_IGN);

	/* Drivers that fill their receive rings up front (af_xdp) take a
	 * ring's worth per receive port. */
	pool = rte_pktmbuf_pool_create("vrgen_mbufs", POOL_MBUFS + 2048 * o.n_rx,
				       POOL_CACHE, 0,
				       RTE_MBUF_DEFAULT_BUF_SIZE,
				       (int)rte_socket_id());
	if (pool == NULL) {
		fprintf(stderr, "vrgen: cannot allocate mbufs: %s (raise -m)\n",
			rte_strerror(rte_errno));
		goto out;
	}
	memset(rx, 0, sizeof(rx));
	tx.devargs = o.tx;
	if (port_probe(&tx) < 0)
		goto out;
	same = o.n_rx == 1 && strcmp(o.tx, o.rx[0]) == 0;
	if (same) {
		rx[0] = tx;
	} else {
		for (; n_rx_ok < o.n_rx; n_rx_ok++) {
			rx[n_rx_ok].role = "rx";
			rx[n_rx_ok].devargs = o.rx[n_rx_ok];
			if (port_probe(&rx[n_rx_ok]) < 0)
				goto close;
		}
	}
	if (port_start(&tx, pool) < 0)
		goto close;
	for (unsigned int i = 0; !same && i < o.n_rx; i++)
		if (port_start(&rx[i], pool) < 0)
			goto close;
	if (same)
		rx[0].mac = tx.mac;
	{
		char m[RTE_ETHER_ADDR_FMT_SIZE];

		rte_ether_format_addr(m, sizeof(m), &tx.mac);
		printf("vrgen: port tx %s (port %u) mac %s\n", tx.name, tx.id, m);
		for (unsigned int i = 0; i < o.n_rx; i++) {
			rte_ether_format_addr(m, sizeof(m), &rx[i].mac);
			printf("vrgen: port rx %s (port %u) mac %s\n",
			       rx[i].name, rx[i].id, m);
		}
		fflush(stdout);
	}
	if (wait_ready(&o, &tx, rx, dst_mac, &n_mac) < 0)
		goto close;

	tstride = RTE_ALIGN_CEIL(o.frame, RTE_CACHE_LINE_SIZE);
	tmpl = rte_zmalloc("vrgen_tmpl", tstride * o.flows, RTE_CACHE_LINE_SIZE);
	if (tmpl == NULL) {
		fprintf(stderr, "vrgen: no memory for %u templates (raise -m)\n",
			o.flows);
		goto close;
	}
	for (unsigned int i = 0; i < o.flows; i++)
		gen_template_build(tmpl + (size_t)i * tstride, o.family,
				   o.frame - FCS_LEN, o.ip_size, &tx.mac,
				   &dst_mac[i % n_mac], &o.src_ip, &dst[i],
				   (uint16_t)(1024 + i % 64512), (uint16_t)i);
	{
		char m[RTE_ETHER_ADDR_FMT_SIZE];

		rte_ether_format_addr(m, sizeof(m), &dst_mac[0]);
		if (o.rate > 0)
			printf("vrgen: sending %u-byte frames to %s%s at %.0f pps",
			       o.frame, m, n_mac > 1 ? " and more MACs" : "",
			       o.rate);
		else
			printf("vrgen: sending %u-byte frames to %s%s at full speed",
			       o.frame, m, n_mac > 1 ? " and more MACs" : "");
		if (o.duration > 0)
			printf(" for %.1f s after %.1f s of warm-up\n", o.duration,
			       o.warmup);
		else
			printf(" until stopped\n");
		fflush(stdout);
	}
	if (o.ndr) {
		rc = rfc2544(&o, pool, &tx, rx, tmpl, tstride) < 0;
		goto close;
	}
	rc = run(&o, pool, &tx, rx, tmpl, tstride, &win, &win_s, &all) < 0;

	/* The window's tx and rx differ by what was in flight at its edges;
	 * losses are counted over the whole run, after the drain. */
	printf("vrgen: %.3f s measured: tx %" PRIu64 " (%.3f Mpps), rx %" PRIu64
	       " (%.3f Mpps), tx retries %" PRIu64 ", other rx %" PRIu64
	       ", mbuf alloc failures %" PRIu64 "\n",
	       win_s, win.tx, mpps(win.tx, win_s), win.rx, mpps(win.rx, win_s),
	       win.tx_retries, win.rx_other, win.alloc_fail);
	printf("vrgen: whole run (warm-up included): tx %" PRIu64 ", rx %" PRIu64
	       ", lost %" PRId64 "\n", all.tx, all.rx, (int64_t)(all.tx - all.rx));
	printf("{\"tx\": %" PRIu64 ", \"rx\": %" PRIu64 ", \"tx_mpps\": %.4f, "
	       "\"rx_mpps\": %.4f, \"seconds\": %.4f, \"tx_retries\": %" PRIu64
	       ", \"rx_other\": %" PRIu64 ", \"alloc_fail\": %" PRIu64
	       ", \"run_tx\": %" PRIu64 ", \"run_rx\": %" PRIu64
	       ", \"lost\": %" PRId64 ", \"frame_size\": %u, \"flows\": %u, "
	       "\"rx_per_port\": [",
	       win.tx, win.rx, mpps(win.tx, win_s), mpps(win.rx, win_s), win_s,
	       win.tx_retries, win.rx_other, win.alloc_fail, all.tx, all.rx,
	       (int64_t)(all.tx - all.rx), o.frame, o.flows);
	for (unsigned int i = 0; i < o.n_rx; i++)
		printf("%s%" PRIu64, i ? ", " : "", win.rx_port[i]);
	printf("], ");
	seq_json_tail(&o);
	fflush(stdout);
close:
	port_close(&tx);
	for (unsigned int i = 0; i < n_rx_ok; i++)
		port_close(&rx[i]);
out:
	rte_free(tmpl);
	rte_mempool_free(pool);
	rte_eal_cleanup();
	free(dst);
	gen_rx_seq_free(&rxs);
	return rc;
}
