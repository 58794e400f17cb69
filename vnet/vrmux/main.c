/* SPDX-License-Identifier: BSD-3-Clause
 * vrmux: the driver domain's multiplexer. One substrate port (the
 * uplink) is shared among router slices, each owning MAC addresses in a
 * VLAN; vrctl adds and removes slices while traffic flows.
 *
 *   vrmux --uplink DEVARGS [--socket PATH] [--busy-poll] [--mbufs N]
 *         [-- EAL options]                              DPDK backend
 *   vrmux --xdp --uplink IFACE [--socket PATH]          XDP backend
 *
 * The DPDK backend spends one worker lcore polling every port; the XDP
 * backend spends none: BPF programs switch frames in the kernel, and
 * vrmux only keeps their maps.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <rte_eal.h>
#include <rte_errno.h>

#include "vr_api.h"
#include "vr_eal.h"
#include "vrmux.h"

static volatile bool stop;

static void
on_signal(int sig)
{
	(void)sig;
	stop = true;
}

static void
usage(FILE *f)
{
	fprintf(f,
		"usage: vrmux --uplink DEVARGS [--socket PATH] [--busy-poll] "
		"[--mbufs N] [-- EAL options]\n"
		"       vrmux --xdp --uplink IFACE [--socket PATH]\n"
		"  --uplink    the substrate port: DPDK devargs, or an interface "
		"with --xdp\n"
		"  --socket    API socket (default /run/vrplane/mux.sock)\n"
		"  --xdp       the XDP backend: no DPDK, slices on veths\n"
		"  --busy-poll never sleep when idle (benchmarks)\n"
		"  --mbufs     mbuf pool size (default 16384)\n");
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "uplink", required_argument, NULL, 'u' },
		{ "socket", required_argument, NULL, 's' },
		{ "xdp", no_argument, NULL, 'x' },
		{ "busy-poll", no_argument, NULL, 'b' },
		{ "mbufs", required_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct mux_opts o = { .mbufs = 16384 };
	const char *sock = "/run/vrplane/mux.sock";
	const struct mux_backend *b;
	struct vr_api_server *api = NULL;
	struct vr_evloop *loop = NULL;
	char err[512] = "", **uargv, *eal_argv[VR_EAL_MAX_ARGS];
	bool xdp = false;
	int uargc, dash, c, rc;

	dash = vr_args_eal_split(argc, argv, &uargc, &uargv);
	while ((c = getopt_long(dash, argv, "u:s:xbm:h", opts, NULL)) != -1) {
		switch (c) {
		case 'u': o.uplink = optarg; break;
		case 's': sock = optarg; break;
		case 'x': xdp = true; break;
		case 'b': o.busy_poll = true; break;
		case 'm':
			o.mbufs = (unsigned int)strtoul(optarg, NULL, 0);
			if (o.mbufs < 1024) {
				fprintf(stderr, "vrmux: --mbufs must be >= 1024\n");
				return 2;
			}
			break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != dash || o.uplink == NULL) {
		fprintf(stderr, "vrmux: %s\n", o.uplink == NULL ?
			"--uplink is required" : "unexpected argument (EAL "
			"options go after --)");
		usage(stderr);
		return 2;
	}
	if (xdp && uargc > 0) {
		fprintf(stderr, "vrmux: the XDP backend takes no EAL options\n");
		return 2;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGPIPE, SIG_IGN);
	if (xdp) {
		b = &mux_xdp_backend;
		rc = mux_xdp_backend_open(&o, err, sizeof(err));
	} else {
		int n = vr_eal_args(argv[0], "vrmux", 512, uargc, uargv, eal_argv);
		if (rte_eal_init(n, eal_argv) < 0) {
			fprintf(stderr, "vrmux: EAL init failed: %s\n",
				rte_strerror(rte_errno));
			return 1;
		}
		b = &mux_dpdk_backend;
		rc = mux_dpdk_open(&o, err, sizeof(err));
	}
	if (rc < 0) {
		fprintf(stderr, "vrmux: uplink %s: %s\n", o.uplink, err);
		goto out;
	}
	mux_cmd_init(b, o.uplink);
	mkdir("/run/vrplane", 0755);
	if ((rc = vr_evloop_create(&loop)) < 0 ||
	    (rc = vr_api_server_open(loop, sock, mux_api_handler, NULL, &api)) < 0) {
		fprintf(stderr, "vrmux: API socket %s: %s\n", sock, strerror(-rc));
		goto out;
	}
	printf("vrmux: %s backend on uplink %s, socket %s%s\n", b->name, o.uplink,
	       sock, o.busy_poll ? ", busy polling" : "");
	fflush(stdout);
	while (!stop)
		vr_evloop_run_once(loop, 100);
	rc = 0;
out:
	vr_api_server_close(api);
	vr_evloop_destroy(loop);
	mux_cmd_close();
	b->close();
	if (!xdp)
		rte_eal_cleanup();
	return rc < 0 ? 1 : 0;
}
