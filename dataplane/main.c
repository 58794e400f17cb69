/* SPDX-License-Identifier: BSD-3-Clause
 * vrd: one router slice's data plane.
 *
 *   vrd --slice NAME [--socket PATH] [--config FILE] [--busy-poll]
 *       [--mbufs N] [-- EAL options]
 *
 * vrd chooses EAL defaults itself so that a bare `vrd --slice a` works and
 * several slices coexist: a file prefix from the slice name, hugepages
 * when some are free (with single-file segments, as vhost-user needs) and
 * anonymous memory with a warning otherwise, and a main lcore for control
 * plus one worker on the CPUs it may run on. Any EAL option given after
 * `--` wins over the default it overlaps.
 */
#include <errno.h>
#include <getopt.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "vr_eal.h"
#include "vrd.h"

struct vrd vrd;


static void
usage(FILE *f)
{
	fprintf(f,
		"usage: vrd --slice NAME [--socket PATH] [--config FILE] "
		"[--busy-poll] [--mbufs N] [--fpm ADDR:PORT|off] [--exit-idle MS]\n"
		"           [-- EAL options]\n"
		"  --slice NAME    slice name: EAL file prefix vrd-NAME, socket "
		"/run/vrplane/NAME.sock\n"
		"  --socket PATH   API socket path\n"
		"  --config FILE   commands to run at start (as vrctl takes them)\n"
		"  --busy-poll     never sleep when idle (benchmarks)\n"
		"  --mbufs N       packet buffers (default: what the --config's ports\n"
		"                  need, at least 8192)\n"
		"  --fpm ADDR:PORT zebra's FPM connects here (default "
		"127.0.0.1:2620; 'off' to disable)\n"
		"  --exit-idle MS  exit once packets have flowed and none came for MS\n"
		"                  ms (a pcap replayed once, e.g. under callgrind)\n");
}

static void
on_signal(int sig)
{
	(void)sig;
	vrd.stop = true;
}

static const char *fpm_spec = "127.0.0.1:2620";
static unsigned long exit_idle_ms;   /* 0: run until signalled */

/* --exit-idle: true once packets came and then none came for
 * exit_idle_ms; the control loop asks about every 100 ms. */
static bool
idle_done(void)
{
	static uint64_t last_pkts, idle_ms;
	uint64_t pkts = 0;

	for (unsigned int w = 0; w < vrd.n_workers; w++) {
		struct vrd_worker_stats s;
		vrd_stats_sum_worker(w, &s);
		pkts += s.busy_pkts;
	}
	if (pkts == 0 || pkts != last_pkts) {
		last_pkts = pkts;
		idle_ms = 0;
		return false;
	}
	idle_ms += 100;
	return idle_ms >= exit_idle_ms;
}

static int
parse_args(int argc, char **argv, const char **config, unsigned int *mbufs,
	   int *eal_argc, char ***eal_argv)
{
	static const struct option opts[] = {
		{ "slice", required_argument, NULL, 'n' },
		{ "socket", required_argument, NULL, 's' },
		{ "config", required_argument, NULL, 'c' },
		{ "busy-poll", no_argument, NULL, 'b' },
		{ "mbufs", required_argument, NULL, 'm' },
		{ "fpm", required_argument, NULL, 'f' },
		{ "exit-idle", required_argument, NULL, 'x' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c, dash;

	dash = vr_args_eal_split(argc, argv, eal_argc, eal_argv);
	while ((c = getopt_long(dash, argv, "n:s:c:bm:f:x:h", opts, NULL)) != -1) {
		switch (c) {
		case 'n':
			snprintf(vrd.slice, sizeof(vrd.slice), "%s", optarg);
			break;
		case 's':
			snprintf(vrd.sock_path, sizeof(vrd.sock_path), "%s", optarg);
			break;
		case 'c':
			*config = optarg;
			break;
		case 'b':
			vrd.busy_poll = true;
			break;
		case 'm':
			*mbufs = (unsigned int)strtoul(optarg, NULL, 0);
			if (*mbufs < 1024) {
				fprintf(stderr, "vrd: --mbufs must be >= 1024\n");
				return -EINVAL;
			}
			break;
		case 'x':
			exit_idle_ms = strtoul(optarg, NULL, 10);
			if (exit_idle_ms == 0) {
				fprintf(stderr, "vrd: --exit-idle: milliseconds > 0\n");
				return -EINVAL;
			}
			break;
		case 'f':
			fpm_spec = strcmp(optarg, "off") == 0 ? NULL : optarg;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -EINVAL;
		}
	}
	if (optind != dash) {
		fprintf(stderr, "vrd: unexpected argument '%s' (EAL options go "
			"after --)\n", argv[optind]);
		return -EINVAL;
	}
	if (vrd.slice[0] == '\0') {
		fprintf(stderr, "vrd: --slice NAME is required\n");
		usage(stderr);
		return -EINVAL;
	}
	for (const char *p = vrd.slice; *p; p++)
		if (!(*p == '-' || *p == '_' || (*p >= '0' && *p <= '9') ||
		      (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z'))) {
			fprintf(stderr, "vrd: slice name '%s': letters, digits, "
				"'-' and '_' only\n", vrd.slice);
			return -EINVAL;
		}
	if (vrd.sock_path[0] == '\0')
		snprintf(vrd.sock_path, sizeof(vrd.sock_path),
			 "/run/vrplane/%s.sock", vrd.slice);
	return 0;
}

static int
workers_create(void)
{
	unsigned int lcore;
	size_t sz;

	RTE_LCORE_FOREACH_WORKER(lcore) {
		struct vrd_worker *w;

		if (vrd.n_workers == VRD_MAX_WORKERS)
			break;
		w = rte_zmalloc_socket("vrd_worker", sizeof(*w), RTE_CACHE_LINE_SIZE,
				       rte_lcore_to_socket_id(lcore));
		if (w == NULL)
			return -ENOMEM;
		w->lcore = lcore;
		w->id = vrd.n_workers;
		w->conf = rte_zmalloc("vrd_rx_conf", sizeof(*w->conf), 0);
		if (w->conf == NULL)
			return -ENOMEM;
		vrd.workers[vrd.n_workers++] = w;
	}
	if (vrd.n_workers == 0) {
		fprintf(stderr, "vrd: no worker lcore: give EAL at least two "
			"lcores (e.g. -- --lcores=0@0,1@0)\n");
		return -EINVAL;
	}
	sz = rte_rcu_qsbr_get_memsize(vrd.n_workers);
	vrd.qsv = rte_zmalloc("vrd_qsbr", sz, RTE_CACHE_LINE_SIZE);
	if (vrd.qsv == NULL)
		return -ENOMEM;
	rte_rcu_qsbr_init(vrd.qsv, vrd.n_workers);
	return vrd_vrfs_init();
}

/* The default pool: what the --config file's ports fill, and no more
 * than that by much, a buffer being 2.3 KB of hugepage memory. (A larger
 * pool cost 10 to 25% of the 64-byte rate only while the TAPs' rings drew
 * from it too; with the TAPs' own pool, 32768 mbufs cost under 1%:
 * docs/performance.md.) */
static unsigned int
pool_size_for(const char *config)
{
	unsigned int ports = 0, workers = rte_lcore_count() - 1, n;
	char line[512];
	FILE *f;

	if (config != NULL && (f = fopen(config, "r")) != NULL) {
		while (fgets(line, sizeof(line), f) != NULL)
			ports += strncmp(line + strspn(line, " \t"), "port add ", 9) == 0;
		fclose(f);
	}
	n = ports * VRD_PORT_MBUFS(workers ? workers : 1) +
	    rte_lcore_count() * VRD_LCORE_MBUFS + 1024;
	return n > VRD_MIN_MBUFS ? n : VRD_MIN_MBUFS;
}

int
main(int argc, char **argv)
{
	char *eal_argv[VR_EAL_MAX_ARGS], prefix[96];
	const char *config = NULL;
	unsigned int mbufs = 0, lcore;
	bool remove_taps = false;
	int uargc = 0, n, rc;
	char **uargv = NULL;

	if (parse_args(argc, argv, &config, &mbufs, &uargc, &uargv) < 0)
		return 2;
	snprintf(prefix, sizeof(prefix), "vrd-%s", vrd.slice);
	n = vr_eal_args(argv[0], prefix, 1024, uargc, uargv, eal_argv);
	if (rte_eal_init(n, eal_argv) < 0) {
		fprintf(stderr, "vrd: EAL init failed: %s\n",
			rte_strerror(rte_errno));
		return 1;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGPIPE, SIG_IGN);

	if (mbufs == 0)
		mbufs = pool_size_for(config);
	vrd.pool = rte_pktmbuf_pool_create("vrd_mbufs", mbufs, 256, 0,
					   RTE_MBUF_DEFAULT_BUF_SIZE,
					   (int)rte_socket_id());
	if (vrd.pool == NULL) {
		fprintf(stderr, "vrd: cannot allocate %u mbufs: %s (raise -m or "
			"lower --mbufs)\n", mbufs, rte_strerror(rte_errno));
		rc = 1;
		goto out;
	}
	/* The TAPs fill their receive rings from a pool of their own. When
	 * they drew them from the data pool, forwarding on virtio-user lost
	 * 15 to 20% of its 64-byte rate, the same with every pool size tried
	 * (the vhost side's copies into and out of vrd's buffers cost more
	 * per packet; docs/performance.md). It also keeps a kernel that
	 * floods its TAPs from starving the data ports of buffers. */
	vrd.tap_pool = rte_pktmbuf_pool_create("vrd_tap_mbufs",
					       mbufs / VRD_TAP_POOL_DIV,
					       VRD_TAP_CACHE, 0,
					       RTE_MBUF_DEFAULT_BUF_SIZE,
					       (int)rte_socket_id());
	if (vrd.tap_pool == NULL) {
		fprintf(stderr, "vrd: cannot allocate %u mbufs for the TAPs: %s "
			"(raise -m or lower --mbufs)\n", mbufs / VRD_TAP_POOL_DIV,
			rte_strerror(rte_errno));
		rc = 1;
		goto out;
	}
	if (workers_create() < 0) {
		rc = 1;
		goto out;
	}
	RTE_LCORE_FOREACH_WORKER(lcore) {
		for (unsigned int w = 0; w < vrd.n_workers; w++)
			if (vrd.workers[w]->lcore == lcore)
				rte_eal_remote_launch(vrd_worker_main,
						      vrd.workers[w], lcore);
	}
	if (config != NULL && vrd_config_replay(config) < 0) {
		rc = 1;
		remove_taps = true;   /* a failed start leaves nothing */
		goto stop;
	}
	if ((rc = vr_evloop_create(&vrd.loop)) < 0 ||
	    (rc = vr_api_server_open(vrd.loop, vrd.sock_path, vrd_api_handler,
				     NULL, &vrd.api)) < 0) {
		fprintf(stderr, "vrd: cannot serve %s: %s\n", vrd.sock_path,
			strerror(-rc));
		rc = 1;
		goto stop;
	}
	if ((rc = vrd_kernel_sync_start()) < 0)
		fprintf(stderr, "vrd: cannot follow the kernel's addresses and "
			"neighbours (rtnetlink): %s\n", strerror(-rc));
	else
		vrd_kernel_sync_port();   /* what the config's ports have */
	if (fpm_spec != NULL && (rc = vrd_fpm_start(fpm_spec)) < 0)
		fprintf(stderr, "vrd: FPM server on %s: %s (continuing without: "
			"routes only from vrctl)\n", fpm_spec, strerror(-rc));
	vrd_telemetry_register();
	printf("vrd: slice %s ready: %u worker(s), socket %s%s\n", vrd.slice,
	       vrd.n_workers, vrd.sock_path, vrd.busy_poll ? ", busy polling" : "");
	fflush(stdout);
	while (!vrd.stop) {
		vr_evloop_run_once(vrd.loop, 100);
		if (exit_idle_ms != 0 && idle_done()) {
			printf("vrd: idle for %lu ms after traffic: exiting "
			       "(--exit-idle)\n", exit_idle_ms);
			vrd_stats_print_summary(stdout);
			break;
		}
		vrd_fpm_poll();
		vrd_vrfs_reclaim();
	}
	rc = 0;
stop:
	vrd.stop = true;
	rte_eal_mp_wait_lcore();
	vrd_fpm_stop();
	vrd_kernel_sync_stop();
	vr_api_server_close(vrd.api);
	vr_evloop_destroy(vrd.loop);
	vrd_ports_close(remove_taps);
out:
	vrd_vrfs_destroy();
	rte_eal_cleanup();
	return rc;
}
