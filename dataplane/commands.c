/* SPDX-License-Identifier: BSD-3-Clause
 * vrd's command table, shared by the API socket and --config files. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "cmd.h"
#include "vrd.h"

int
cmd_parse_addr(const char *s, int *family, uint8_t *ip, struct vr_reply *r)
{
	memset(ip, 0, VR_IP6_LEN);
	if (inet_pton(AF_INET, s, ip) == 1) {
		*family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, s, ip) == 1) {
		*family = AF_INET6;
		return 0;
	}
	return vr_reply_err(r, EINVAL, "'%s' is not an IPv4 or IPv6 address", s);
}

int
cmd_parse_prefix(const char *s, bool strict, struct vrd_prefix *p,
		 struct vr_reply *r)
{
	char buf[INET6_ADDRSTRLEN + 8], *slash, *end;
	unsigned long len;
	int maxlen;

	if (strlen(s) >= sizeof(buf))
		return vr_reply_err(r, EINVAL, "'%s' is not a prefix", s);
	snprintf(buf, sizeof(buf), "%s", s);
	slash = strchr(buf, '/');
	if (slash != NULL)
		*slash = '\0';
	if (cmd_parse_addr(buf, &p->family, p->ip, r) < 0)
		return vr_reply_err(r, EINVAL, "'%s' is not a prefix "
				    "(ADDRESS/LENGTH)", s);
	maxlen = p->family == AF_INET ? 32 : 128;
	if (slash == NULL) {
		p->depth = maxlen;
		return 0;
	}
	errno = 0;
	len = strtoul(slash + 1, &end, 10);
	if (slash[1] == '\0' || *end != '\0' || errno || len > (unsigned)maxlen)
		return vr_reply_err(r, EINVAL, "bad prefix length in '%s' "
				    "(0 to %d)", s, maxlen);
	p->depth = (uint8_t)len;
	if (strict) {
		for (int bit = p->depth; bit < maxlen; bit++)
			if (p->ip[bit / 8] & (0x80 >> (bit % 8)))
				return vr_reply_err(r, EINVAL, "%s has host bits "
						    "set beyond /%u", s, p->depth);
	}
	return 0;
}

void
cmd_format_ip(int family, const uint8_t *ip, char *buf, size_t len)
{
	if (inet_ntop(family, ip, buf, (socklen_t)len) == NULL)
		snprintf(buf, len, "?");
}

int
cmd_port_id(const char *name, bool dry_run, uint16_t *id, struct vr_reply *r)
{
	struct vrd_port *vp;

	if (strlen(name) == 0 || strlen(name) >= IFNAMSIZ)
		return vr_reply_err(r, EINVAL, "bad port name '%s'", name);
	if (dry_run) {
		*id = 0;
		return 0;
	}
	vp = vrd_port_by_name(name);
	if (vp == NULL)
		return vr_reply_err(r, ENODEV, "no port named '%s'", name);
	*id = vp->port_id;
	return 0;
}

const char *
cmd_port_name(uint16_t id)
{
	struct vrd_port *vp = vrd_port_by_id(id);
	return vp ? vp->name : "?";
}

/* ---------- port ---------- */

static json_t *
port_json(const struct vrd_port *vp)
{
	char mac[RTE_ETHER_ADDR_FMT_SIZE];
	struct rte_eth_link link = { 0 };

	rte_ether_format_addr(mac, sizeof(mac), &vrd.port_fp[vp->port_id].mac);
	rte_eth_link_get_nowait(vp->port_id, &link);
	return json_pack("{s:s,s:i,s:s,s:s,s:s,s:s,s:i,s:s,s:i,s:i,s:s}",
			 "name", vp->name, "port_id", vp->port_id,
			 "vrf", vrd.vrfs[vp->vrf].name,
			 "devargs", vp->devargs, "driver", vp->driver,
			 "mac", mac, "mtu", vrd.port_fp[vp->port_id].mtu,
			 "link", link.link_status ? "up" : "down",
			 "rx_queues", vp->n_rxq, "tap_port_id", vp->tap_id,
			 "tap", vp->name);
}

static int
cmd_port(int argc, char **argv, struct vr_reply *r, bool dry_run)
{
	if (argc >= 4 && strcmp(argv[0], "add") == 0 &&
	    strcmp(argv[2], "devargs") == 0) {
		struct vrd_vrf *v;
		int rc;

		if (cmd_take_vrf(&argc, argv, dry_run, false, &v, r) < 0)
			return -r->err;
		if (argc != 4)
			return vr_reply_err(r, EINVAL, "usage: port add NAME "
					    "devargs DEVARGS [vrf NAME]");
		if (dry_run)
			return strlen(argv[1]) && strlen(argv[1]) < IFNAMSIZ ? 0 :
			       vr_reply_err(r, EINVAL, "bad port name '%s'", argv[1]);
		if ((rc = vrd_port_add(argv[1], argv[3], r)) < 0)
			return rc;
		return vrd_vrf_port_set(vrd_port_by_name(argv[1]), v, r);
	}
	if (argc == 4 && strcmp(argv[0], "set") == 0 &&
	    strcmp(argv[2], "vrf") == 0) {
		struct vrd_vrf *v;
		uint16_t id = 0;

		if (cmd_port_id(argv[1], dry_run, &id, r) < 0 ||
		    cmd_take_vrf(&argc, argv, dry_run, false, &v, r) < 0 ||
		    dry_run)
			return -r->err;
		return vrd_vrf_port_set(vrd_port_by_id(id), v, r);
	}
	if ((argc == 1 || argc == 2) && strcmp(argv[0], "show") == 0) {
		json_t *a = json_array();
		if (dry_run) {
			json_decref(a);
			return 0;
		}
		for (uint16_t p = 0; p < RTE_MAX_ETHPORTS; p++) {
			struct vrd_port *vp = vrd_port_by_id(p);
			if (vp == NULL || (argc == 2 && strcmp(argv[1], vp->name)))
				continue;
			json_array_append_new(a, port_json(vp));
		}
		if (argc == 2 && json_array_size(a) == 0) {
			json_decref(a);
			return vr_reply_err(r, ENODEV, "no port named '%s'", argv[1]);
		}
		if (r->json) {
			vr_reply_json(r, a);
			return 0;
		}
		size_t i;
		json_t *o;
		json_array_foreach(a, i, o)
			fprintf(r->out, "%s: port %lld vrf %s %s %s mac %s mtu %lld "
				"link %s rxq %lld (%s)\n",
				json_string_value(json_object_get(o, "name")),
				json_integer_value(json_object_get(o, "port_id")),
				json_string_value(json_object_get(o, "vrf")),
				json_string_value(json_object_get(o, "driver")),
				json_string_value(json_object_get(o, "devargs")),
				json_string_value(json_object_get(o, "mac")),
				json_integer_value(json_object_get(o, "mtu")),
				json_string_value(json_object_get(o, "link")),
				json_integer_value(json_object_get(o, "rx_queues")),
				"exception path: TAP of the same name");
		json_decref(a);
		return 0;
	}
	return vr_reply_err(r, EINVAL, "usage: port add NAME devargs DEVARGS "
			    "[vrf NAME] | port set NAME vrf NAME | port show "
			    "[NAME]");
}

static int
cmd_stats(int argc, char **argv, struct vr_reply *r, bool dry_run)
{
	if (argc == 0) {
		if (!dry_run)
			vrd_stats_show(r);
		return 0;
	}
	if (argc == 1 && strcmp(argv[0], "clear") == 0) {
		if (!dry_run)
			vrd_stats_clear();
		return 0;
	}
	return vr_reply_err(r, EINVAL, "usage: stats [clear]");
}

static const char help_text[] =
	"port add NAME devargs DEVARGS [vrf VRF]  a DPDK port and its TAP\n"
	"port set NAME vrf VRF             move a port (without addresses)\n"
	"port show [NAME]\n"
	"vrf add NAME table ID | vrf del NAME | vrf show\n"
	"addr add|del PREFIX dev PORT      e.g. addr add 10.0.1.1/24 dev p0\n"
	"addr show\n"
	"route add PREFIX via NH [dev PORT] [via NH [dev PORT]]... [vrf VRF]\n"
	"route add PREFIX dev PORT | blackhole | unreachable [vrf VRF]\n"
	"route del PREFIX [vrf VRF]\n"
	"route show [PREFIX] [vrf VRF|all] (the default VRF without vrf)\n"
	"route lookup ADDRESS [vrf VRF]\n"
	"route load FILE via NH [dev PORT] [vrf VRF]  prefixes, plain or gzip\n"
	"neigh add IP lladdr MAC dev PORT\n"
	"neigh del IP dev PORT\n"
	"neigh show\n"
	"stats [clear]\n"
	"fpm show                          zebra's FPM session\n"
	"Every show and stats command takes --json.\n";

int
vrd_cmd(int argc, char **argv, struct vr_reply *r, bool dry_run)
{
	if (argc == 0)
		return vr_reply_err(r, EINVAL, "empty command");
	if (strcmp(argv[0], "port") == 0)
		return cmd_port(argc - 1, argv + 1, r, dry_run);
	if (strcmp(argv[0], "addr") == 0)
		return cmd_addr(argc - 1, argv + 1, r, dry_run);
	if (strcmp(argv[0], "route") == 0)
		return cmd_route(argc - 1, argv + 1, r, dry_run);
	if (strcmp(argv[0], "vrf") == 0)
		return vrd_cmd_vrf(argc - 1, argv + 1, r, dry_run);
	if (strcmp(argv[0], "neigh") == 0)
		return cmd_neigh(argc - 1, argv + 1, r, dry_run);
	if (strcmp(argv[0], "stats") == 0)
		return cmd_stats(argc - 1, argv + 1, r, dry_run);
	if (strcmp(argv[0], "fpm") == 0) {
		if (argc != 2 || strcmp(argv[1], "show") != 0)
			return vr_reply_err(r, EINVAL, "usage: fpm show");
		if (!dry_run)
			vrd_fpm_show(r);
		return 0;
	}
	if (strcmp(argv[0], "help") == 0) {
		if (!dry_run)
			fputs(help_text, r->out);
		return 0;
	}
	return vr_reply_err(r, EINVAL, "unknown command '%s' (try: help)",
			    argv[0]);
}

void
vrd_api_handler(int argc, char **argv, struct vr_reply *r, void *arg)
{
	vrd_cmd(argc, argv, r, false);
	vrd_vrfs_reclaim();
}

/* Replays a file of commands: all lines are parsed first, so a file with
 * a bad line changes nothing; then applied in order. */
int
vrd_config_replay(const char *path)
{
	FILE *f = fopen(path, "r");
	char *line = NULL, *copy;
	size_t cap = 0;
	int pass, rc = 0;

	if (f == NULL) {
		fprintf(stderr, "vrd: cannot open config %s: %s\n", path,
			strerror(errno));
		return -errno;
	}
	for (pass = 0; pass < 2 && rc == 0; pass++) {
		unsigned int lineno = 0;
		rewind(f);
		while (rc == 0 && getline(&line, &cap, f) >= 0) {
			char *argv[VR_CMD_MAX_ARGS + 1];
			struct vr_reply r = { 0 };
			int argc;

			lineno++;
			copy = strdup(line);
			argc = vr_cmd_split(copy, argv, VR_CMD_MAX_ARGS);
			if (argc < 0) {
				fprintf(stderr, "vrd: %s line %u: %s\n", path, lineno,
					argc == -E2BIG ? "too many words" :
					"unterminated quote");
				rc = -EINVAL;
			} else if (argc > 0) {
				r.out = open_memstream(&r.buf, &r.len);
				rc = vrd_cmd(argc, argv, &r, pass == 0);
				fclose(r.out);
				free(r.buf);
				if (rc < 0)
					fprintf(stderr, "vrd: %s line %u: %s\n",
						path, lineno, r.msg);
			}
			free(copy);
		}
	}
	free(line);
	fclose(f);
	return rc;
}
