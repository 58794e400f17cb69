/* SPDX-License-Identifier: BSD-3-Clause
 * vrmux's commands, the same for both backends:
 *
 *   slice add NAME mac MAC [mac MAC]... [vlan ID]
 *             attach vhost-user:PATH|af_xdp:IFACE|af_packet:IFACE|veth:IFACE
 *             [rate PPS] [bps BITS]
 *   slice del NAME
 *   slice show [NAME]
 *   uplink show
 *   stats clear
 *
 * Every word is checked before anything changes, so a bad command
 * changes nothing. Control thread only.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vrmux.h"

static struct {
	const struct mux_backend *b;
	char uplink[256];
	struct mux_slice_conf s[MUX_SLICES_MAX];
	bool used[MUX_SLICES_MAX];
} mc;

static const char *const attach_names[] = {
	[MUX_ATTACH_VHOST_USER] = "vhost-user",
	[MUX_ATTACH_AF_XDP] = "af_xdp",
	[MUX_ATTACH_AF_PACKET] = "af_packet",
	[MUX_ATTACH_VETH] = "veth",
};

void
mux_cmd_init(const struct mux_backend *b, const char *uplink)
{
	mc.b = b;
	snprintf(mc.uplink, sizeof(mc.uplink), "%s", uplink);
}

void
mux_cmd_close(void)
{
	char err[256];

	for (unsigned int i = 0; i < MUX_SLICES_MAX; i++)
		if (mc.used[i])
			mc.b->slice_del(mc.s[i].name, err, sizeof(err));
	memset(mc.used, 0, sizeof(mc.used));
}

static int
slice_find(const char *name)
{
	for (int i = 0; i < MUX_SLICES_MAX; i++)
		if (mc.used[i] && strcmp(mc.s[i].name, name) == 0)
			return i;
	return -1;
}

static int
parse_u64(const char *s, uint64_t max, uint64_t *v)
{
	char *end;
	unsigned long long x;

	errno = 0;
	x = strtoull(s, &end, 10);
	if (*s == '\0' || *s == '-' || *end != '\0' || errno || x > max)
		return -EINVAL;
	*v = x;
	return 0;
}

static int
parse_mac(const char *s, uint8_t *mac)
{
	unsigned int b[6];
	char tail;

	if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3],
		   &b[4], &b[5], &tail) != 6)
		return -EINVAL;
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)b[i];
	return 0;
}

static void
format_mac(const uint8_t *m, char *buf, size_t len)
{
	snprintf(buf, len, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2],
		 m[3], m[4], m[5]);
}

static int
parse_attach(const char *s, struct mux_slice_conf *c, struct vr_reply *r)
{
	const char *colon = strchr(s, ':');
	size_t k = colon ? (size_t)(colon - s) : 0;

	for (unsigned int a = 0; colon && a < sizeof(attach_names) / sizeof(attach_names[0]); a++) {
		if (strlen(attach_names[a]) != k || strncmp(s, attach_names[a], k))
			continue;
		if (colon[1] == '\0' || strlen(colon + 1) >= sizeof(c->attach_arg))
			return vr_reply_err(r, EINVAL, "attach %s: missing or too "
					    "long a path or interface", s);
		if (a != MUX_ATTACH_VHOST_USER && strlen(colon + 1) >= 16)
			return vr_reply_err(r, EINVAL, "attach %s: interface names "
					    "have at most 15 characters", s);
		c->attach = (enum mux_attach)a;
		snprintf(c->attach_arg, sizeof(c->attach_arg), "%s", colon + 1);
		return 0;
	}
	return vr_reply_err(r, EINVAL, "bad attachment '%s': vhost-user:PATH, "
			    "af_xdp:IFACE, af_packet:IFACE or veth:IFACE", s);
}

/* Parses `slice add` words into c; checks them against the other slices. */
static int
slice_parse(int argc, char **argv, struct mux_slice_conf *c, struct vr_reply *r)
{
	bool have_attach = false;

	memset(c, 0, sizeof(*c));
	if (argc < 1 || strlen(argv[0]) == 0 || strlen(argv[0]) >= MUX_NAME_MAX)
		return vr_reply_err(r, EINVAL, "usage: slice add NAME mac MAC "
				    "[vlan ID] attach KIND:ARG [rate PPS] [bps BITS]");
	for (const char *p = argv[0]; *p; p++)
		if (!(*p == '-' || *p == '_' || (*p >= '0' && *p <= '9') ||
		      (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')))
			return vr_reply_err(r, EINVAL, "slice name '%s': letters, "
					    "digits, '-' and '_' only", argv[0]);
	snprintf(c->name, sizeof(c->name), "%s", argv[0]);
	for (int i = 1; i < argc; i += 2) {
		const char *k = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		uint64_t x;

		if (v == NULL)
			return vr_reply_err(r, EINVAL, "'%s' needs a value", k);
		if (strcmp(k, "mac") == 0) {
			if (c->n_macs == MUX_MACS_MAX)
				return vr_reply_err(r, E2BIG, "at most %d MACs per "
						    "slice", MUX_MACS_MAX);
			if (parse_mac(v, c->macs[c->n_macs]) < 0 ||
			    !mux_mac_is_unicast(c->macs[c->n_macs]))
				return vr_reply_err(r, EINVAL, "'%s' is not a "
						    "unicast MAC address", v);
			for (unsigned int j = 0; j < c->n_macs; j++)
				if (memcmp(c->macs[j], c->macs[c->n_macs], 6) == 0)
					return vr_reply_err(r, EINVAL, "MAC %s "
							    "given twice", v);
			c->n_macs++;
		} else if (strcmp(k, "vlan") == 0) {
			if (parse_u64(v, 4094, &x) < 0 || x == 0)
				return vr_reply_err(r, EINVAL, "bad VLAN '%s' "
						    "(1 to 4094)", v);
			c->vlan = (uint16_t)x;
		} else if (strcmp(k, "attach") == 0) {
			if (parse_attach(v, c, r) < 0)
				return -r->err;
			have_attach = true;
		} else if (strcmp(k, "rate") == 0) {
			if (parse_u64(v, 1000000000ULL, &x) < 0 || x == 0)
				return vr_reply_err(r, EINVAL, "bad rate '%s' "
						    "(packets per second, 1 to "
						    "10^9)", v);
			c->rate_pps = x;
		} else if (strcmp(k, "bps") == 0) {
			if (parse_u64(v, 400000000000ULL, &x) < 0 || x < 8000)
				return vr_reply_err(r, EINVAL, "bad bps '%s' (bits "
						    "per second, 8000 to 4*10^11)", v);
			c->rate_bps = x;
		} else {
			return vr_reply_err(r, EINVAL, "unexpected '%s': expected "
					    "mac, vlan, attach, rate or bps", k);
		}
	}
	if (c->n_macs == 0 || !have_attach)
		return vr_reply_err(r, EINVAL, "slice %s needs at least one mac "
				    "and an attach", c->name);
	if (!mc.b->attach_ok(c->attach))
		return vr_reply_err(r, ENOTSUP, "the %s backend cannot attach %s",
				    mc.b->name, attach_names[c->attach]);
	if (slice_find(c->name) >= 0)
		return vr_reply_err(r, EEXIST, "slice %s exists", c->name);
	for (int i = 0; i < MUX_SLICES_MAX; i++) {
		const struct mux_slice_conf *o = &mc.s[i];
		char m[24];

		if (!mc.used[i])
			continue;
		if (strcmp(o->attach_arg, c->attach_arg) == 0)
			return vr_reply_err(r, EBUSY, "%s is slice %s's attachment",
					    c->attach_arg, o->name);
		for (unsigned int a = 0; a < c->n_macs; a++)
			for (unsigned int b = 0; b < o->n_macs; b++)
				if (o->vlan == c->vlan &&
				    memcmp(o->macs[b], c->macs[a], 6) == 0) {
					format_mac(c->macs[a], m, sizeof(m));
					return vr_reply_err(r, EADDRINUSE, "MAC %s "
							    "in VLAN %u is slice "
							    "%s's", m, c->vlan,
							    o->name);
				}
	}
	return 0;
}

static int
slice_add(int argc, char **argv, struct vr_reply *r)
{
	struct mux_slice_conf c;
	char err[512];
	int i, rc;

	if (slice_parse(argc, argv, &c, r) < 0)
		return -r->err;
	for (i = 0; i < MUX_SLICES_MAX && mc.used[i]; i++)
		;
	if (i == MUX_SLICES_MAX)
		return vr_reply_err(r, ENOSPC, "%d slices already", MUX_SLICES_MAX);
	err[0] = '\0';
	rc = mc.b->slice_add(&c, err, sizeof(err));
	if (rc < 0)
		return vr_reply_err(r, -rc, "slice %s: %s", c.name, err);
	mc.s[i] = c;
	mc.used[i] = true;
	snprintf(r->msg, sizeof(r->msg), "slice %s added (%s:%s)", c.name,
		 attach_names[c.attach], c.attach_arg);
	return 0;
}

static int
slice_del(int argc, char **argv, struct vr_reply *r)
{
	char err[512] = "";
	int i, rc;

	if (argc != 1)
		return vr_reply_err(r, EINVAL, "usage: slice del NAME");
	if ((i = slice_find(argv[0])) < 0)
		return vr_reply_err(r, ENOENT, "no slice %s", argv[0]);
	rc = mc.b->slice_del(argv[0], err, sizeof(err));
	if (rc < 0)
		return vr_reply_err(r, -rc, "slice %s: %s", argv[0], err);
	mc.used[i] = false;
	return 0;
}

static json_t *
slice_json(const struct mux_slice_conf *c)
{
	json_t *macs = json_array();
	char m[24];

	for (unsigned int k = 0; k < c->n_macs; k++) {
		format_mac(c->macs[k], m, sizeof(m));
		json_array_append_new(macs, json_string(m));
	}
	return json_pack("{s:s,s:o,s:i,s:s,s:s,s:I,s:I,s:o}", "name", c->name,
			 "macs", macs, "vlan", c->vlan, "attach",
			 attach_names[c->attach], "attach_arg", c->attach_arg,
			 "rate_pps", (json_int_t)c->rate_pps, "rate_bps",
			 (json_int_t)c->rate_bps, "stats",
			 mc.b->slice_stats(c->name));
}

json_t *
mux_stats_json(uint64_t rx_pkts, uint64_t rx_bytes, uint64_t tx_pkts,
	       uint64_t tx_bytes, const uint64_t *drops, unsigned int n_drops,
	       const char *(*drop_name)(unsigned int))
{
	json_t *d = json_object();

	for (unsigned int i = 0; i < n_drops; i++)
		json_object_set_new(d, drop_name(i), json_integer((json_int_t)drops[i]));
	return json_pack("{s:I,s:I,s:I,s:I,s:o}", "rx_packets", (json_int_t)rx_pkts,
			 "rx_bytes", (json_int_t)rx_bytes, "tx_packets",
			 (json_int_t)tx_pkts, "tx_bytes", (json_int_t)tx_bytes,
			 "drops", d);
}

static void
stats_text(FILE *f, json_t *st)
{
	const char *k;
	json_t *v;

	fprintf(f, "  rx %lld pkts %lld bytes, tx %lld pkts %lld bytes",
		json_integer_value(json_object_get(st, "rx_packets")),
		json_integer_value(json_object_get(st, "rx_bytes")),
		json_integer_value(json_object_get(st, "tx_packets")),
		json_integer_value(json_object_get(st, "tx_bytes")));
	json_object_foreach(json_object_get(st, "drops"), k, v)
		if (json_integer_value(v) != 0)
			fprintf(f, ", %s %lld", k, json_integer_value(v));
	fputc('\n', f);
}

static int
slice_show(int argc, char **argv, struct vr_reply *r)
{
	json_t *a = json_array(), *o;
	size_t i;

	if (argc > 1)
		return vr_reply_err(r, EINVAL, "usage: slice show [NAME]");
	if (argc == 1 && slice_find(argv[0]) < 0) {
		json_decref(a);
		return vr_reply_err(r, ENOENT, "no slice %s", argv[0]);
	}
	for (int k = 0; k < MUX_SLICES_MAX; k++)
		if (mc.used[k] && (argc == 0 || strcmp(argv[0], mc.s[k].name) == 0))
			json_array_append_new(a, slice_json(&mc.s[k]));
	if (r->json) {
		vr_reply_json(r, a);
		return 0;
	}
	json_array_foreach(a, i, o) {
		json_t *m;
		size_t j;

		fprintf(r->out, "%s: vlan %lld, %s:%s, macs",
			json_string_value(json_object_get(o, "name")),
			json_integer_value(json_object_get(o, "vlan")),
			json_string_value(json_object_get(o, "attach")),
			json_string_value(json_object_get(o, "attach_arg")));
		json_array_foreach(json_object_get(o, "macs"), j, m)
			fprintf(r->out, " %s", json_string_value(m));
		if (json_integer_value(json_object_get(o, "rate_pps")))
			fprintf(r->out, ", rate %lld pps",
				json_integer_value(json_object_get(o, "rate_pps")));
		fputc('\n', r->out);
		stats_text(r->out, json_object_get(o, "stats"));
	}
	json_decref(a);
	return 0;
}

static int
uplink_show(struct vr_reply *r)
{
	json_t *o = json_pack("{s:s,s:s,s:o}", "uplink", mc.uplink, "backend",
			      mc.b->name, "stats", mc.b->uplink_stats());

	if (r->json) {
		vr_reply_json(r, o);
		return 0;
	}
	fprintf(r->out, "uplink %s (%s backend)\n", mc.uplink, mc.b->name);
	stats_text(r->out, json_object_get(o, "stats"));
	json_decref(o);
	return 0;
}

static const char help_text[] =
	"slice add NAME mac MAC [mac MAC]... [vlan ID] attach KIND:ARG "
	"[rate PPS] [bps BITS]\n"
	"    KIND: vhost-user:PATH (DPDK), af_xdp:IFACE, af_packet:IFACE (DPDK),"
	" veth:IFACE (XDP)\n"
	"slice del NAME\n"
	"slice show [NAME]\n"
	"uplink show\n"
	"stats clear\n"
	"Every show command takes --json.\n";

void
mux_api_handler(int argc, char **argv, struct vr_reply *r, void *arg)
{
	(void)arg;
	if (argc >= 2 && strcmp(argv[0], "slice") == 0) {
		if (strcmp(argv[1], "add") == 0)
			slice_add(argc - 2, argv + 2, r);
		else if (strcmp(argv[1], "del") == 0)
			slice_del(argc - 2, argv + 2, r);
		else if (strcmp(argv[1], "show") == 0)
			slice_show(argc - 2, argv + 2, r);
		else
			vr_reply_err(r, EINVAL, "usage: slice add|del|show ...");
	} else if (argc == 2 && strcmp(argv[0], "uplink") == 0 &&
		   strcmp(argv[1], "show") == 0) {
		uplink_show(r);
	} else if (argc == 2 && strcmp(argv[0], "stats") == 0 &&
		   strcmp(argv[1], "clear") == 0) {
		mc.b->clear_stats(NULL);
		for (int i = 0; i < MUX_SLICES_MAX; i++)
			if (mc.used[i])
				mc.b->clear_stats(mc.s[i].name);
	} else if (argc == 1 && strcmp(argv[0], "help") == 0) {
		fputs(help_text, r->out);
	} else if (argc == 0) {
		vr_reply_err(r, EINVAL, "empty command");
	} else {
		vr_reply_err(r, EINVAL, "unknown command '%s' (try: help)",
			     argv[0]);
	}
}
