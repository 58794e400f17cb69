/* SPDX-License-Identifier: BSD-3-Clause */
/* mux_xdp_drive UPLINK_IFNAME: a line-oriented CLI over the vrmux XDP
 * library, for tests. Prints "ready mode=M" once the uplink is attached,
 * then answers each command on stdin with one line, "ok ..." or
 * "error: ...":
 *   add NAME IFNAME MAC[,MAC..] VLAN PPS BPS   (VLAN 0 = untagged, rates 0 = unlimited)
 *   del NAME
 *   stats NAME        -> ok rx_pkts=N rx_bytes=N tx_pkts=N tx_bytes=N <drop>=N ...
 *   uplink            -> the same for the uplink
 *   quit              (also on end of input) closes the mux and exits 0
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mux_xdp.h"

static int parse_mac(const char *s, uint8_t mac[6])
{
	unsigned int b[6];
	char extra;

	if (sscanf(s, "%x:%x:%x:%x:%x:%x%c", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5],
			&extra) != 6)
		return -1;
	for (int i = 0; i < 6; i++) {
		if (b[i] > 0xff)
			return -1;
		mac[i] = (uint8_t)b[i];
	}
	return 0;
}

static int parse_macs(char *list, struct mux_xdp_slice_cfg *c)
{
	char *save = NULL;

	for (char *tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (c->n_macs >= MUX_SLICE_MACS_MAX || parse_mac(tok, c->macs[c->n_macs]))
			return -1;
		c->n_macs++;
	}
	return 0;
}

static void cmd_add(struct mux_xdp *m, char *args)
{
	struct mux_xdp_slice_cfg c = { 0 };
	char name[64], ifname[64], macs[256], err[256];
	unsigned int vlan;
	unsigned long long pps, bps;

	if (sscanf(args, "%63s %63s %255s %u %llu %llu", name, ifname, macs, &vlan, &pps,
			&bps) != 6 || strlen(name) >= sizeof(c.name) ||
	    strlen(ifname) >= sizeof(c.ifname) || vlan > 0xffff) {
		printf("error: usage: add NAME IFNAME MAC[,MAC..] VLAN PPS BPS\n");
		return;
	}
	strcpy(c.name, name);
	strcpy(c.ifname, ifname);
	if (parse_macs(macs, &c)) {
		printf("error: bad MAC list %s\n", macs);
		return;
	}
	c.vlan = (uint16_t)vlan;
	c.rate_pps = pps;
	c.rate_bps = bps;
	if (mux_xdp_slice_add(m, &c, err, sizeof(err)))
		printf("error: %s\n", err);
	else
		printf("ok\n");
}

static void print_stats(const struct mux_xdp_slice_stats *s)
{
	printf("ok rx_pkts=%llu rx_bytes=%llu tx_pkts=%llu tx_bytes=%llu",
		(unsigned long long)s->rx_pkts, (unsigned long long)s->rx_bytes,
		(unsigned long long)s->tx_pkts, (unsigned long long)s->tx_bytes);
	for (unsigned int i = 0; i < MUX_XDP_DROP_MAX; i++)
		printf(" %s=%llu", mux_xdp_drop_name(i), (unsigned long long)s->drop[i]);
	printf("\n");
}

static void cmd_stats(struct mux_xdp *m, const char *name)
{
	struct mux_xdp_slice_stats s;
	int rc = name ? mux_xdp_slice_stats(m, name, &s) : mux_xdp_uplink_stats(m, &s);

	if (rc)
		printf("error: stats %s: %s\n", name ? name : "uplink", strerror(-rc));
	else
		print_stats(&s);
}

/* Returns 0 to go on, 1 to quit. */
static int run_line(struct mux_xdp *m, char *line)
{
	char err[256], *arg;

	line[strcspn(line, "\r\n")] = 0;
	arg = strchr(line, ' ');
	if (arg)
		*arg++ = 0;
	if (!strcmp(line, "quit"))
		return 1;
	if (!strcmp(line, "add") && arg)
		cmd_add(m, arg);
	else if (!strcmp(line, "del") && arg)
		printf(mux_xdp_slice_del(m, arg, err, sizeof(err)) ? "error: %s\n" : "ok\n", err);
	else if (!strcmp(line, "stats") && arg)
		cmd_stats(m, arg);
	else if (!strcmp(line, "uplink"))
		cmd_stats(m, NULL);
	else if (line[0])
		printf("error: unknown command %s\n", line);
	return 0;
}

int main(int argc, char **argv)
{
	struct mux_xdp *m;
	char err[256], line[1024];

	if (argc != 2) {
		fprintf(stderr, "usage: %s UPLINK_IFNAME < commands\n", argv[0]);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (mux_xdp_open(argv[1], &m, err, sizeof(err))) {
		printf("error: %s\n", err);
		return 1;
	}
	printf("ready mode=%s\n", mux_xdp_mode_name(m));
	while (fgets(line, sizeof(line), stdin))
		if (run_line(m, line))
			break;
	mux_xdp_close(m);
	printf("closed\n");
	return 0;
}
