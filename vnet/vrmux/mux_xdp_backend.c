/* SPDX-License-Identifier: BSD-3-Clause
 * The XDP backend for vrmux's commands: slices are veths, switched by
 * the BPF programs of mux_xdp.h. No DPDK and no polling core here.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "mux_xdp.h"
#include "vrmux.h"

static struct mux_xdp *mx;

static bool
xdp_attach_ok(enum mux_attach a)
{
	/* af_xdp:IFACE names a veth too: the slice end runs AF_XDP, vrmux
	 * the host end's XDP program. */
	return a == MUX_ATTACH_VETH || a == MUX_ATTACH_AF_XDP ||
	       a == MUX_ATTACH_AF_PACKET;
}

/* `stats clear` keeps a baseline per name ("" for the uplink): the
 * counters are the kernel's maps. */
#define XDP_BASE_MAX (MUX_SLICES_MAX + 1)
static struct {
	bool used;
	char name[MUX_NAME_MAX];
	struct mux_xdp_slice_stats s;
} base[XDP_BASE_MAX];

static int
base_find(const char *name, bool create)
{
	int free_i = -1;

	for (int i = 0; i < XDP_BASE_MAX; i++) {
		if (base[i].used && strcmp(base[i].name, name) == 0)
			return i;
		if (!base[i].used && free_i < 0)
			free_i = i;
	}
	if (!create || free_i < 0)
		return -1;
	base[free_i].used = true;
	snprintf(base[free_i].name, sizeof(base[free_i].name), "%s", name);
	return free_i;
}

static void
minus_base(const char *name, struct mux_xdp_slice_stats *s)
{
	int i = base_find(name, false);
	const struct mux_xdp_slice_stats *b;

	if (i < 0)
		return;
	b = &base[i].s;
	s->rx_pkts -= b->rx_pkts;
	s->rx_bytes -= b->rx_bytes;
	s->tx_pkts -= b->tx_pkts;
	s->tx_bytes -= b->tx_bytes;
	for (unsigned int k = 0; k < MUX_XDP_DROP_MAX; k++)
		s->drop[k] -= b->drop[k];
}

static int
xdp_slice_add(const struct mux_slice_conf *c, char *err, size_t len)
{
	struct mux_xdp_slice_cfg x = { .vlan = c->vlan, .rate_pps = c->rate_pps,
				       .rate_bps = c->rate_bps,
				       .n_macs = c->n_macs };

	snprintf(x.name, sizeof(x.name), "%s", c->name);
	snprintf(x.ifname, sizeof(x.ifname), "%s", c->attach_arg);
	memcpy(x.macs, c->macs, sizeof(x.macs));
	/* The library starts a new slice's counters at zero. */
	int i = base_find(c->name, false);
	if (i >= 0)
		base[i].used = false;
	return mux_xdp_slice_add(mx, &x, err, len);
}

static int
xdp_slice_del(const char *name, char *err, size_t len)
{
	return mux_xdp_slice_del(mx, name, err, len);
}

static json_t *
stats_json(const struct mux_xdp_slice_stats *s)
{
	return mux_stats_json(s->rx_pkts, s->rx_bytes, s->tx_pkts, s->tx_bytes,
			      s->drop, MUX_XDP_DROP_MAX, mux_xdp_drop_name);
}

static json_t *
xdp_slice_stats(const char *name)
{
	struct mux_xdp_slice_stats s;

	if (mux_xdp_slice_stats(mx, name, &s) < 0)
		return json_object();
	minus_base(name, &s);
	return stats_json(&s);
}

static json_t *
xdp_uplink_stats(void)
{
	struct mux_xdp_slice_stats s;
	json_t *j;

	if (mux_xdp_uplink_stats(mx, &s) < 0)
		return json_object();
	minus_base("", &s);
	j = stats_json(&s);
	json_object_set_new(j, "xdp_mode", json_string(mux_xdp_mode_name(mx)));
	return j;
}

static void
xdp_clear_stats(const char *name)
{
	int i = base_find(name ? name : "", true);

	if (i < 0)
		return;
	if (name == NULL)
		mux_xdp_uplink_stats(mx, &base[i].s);
	else
		mux_xdp_slice_stats(mx, name, &base[i].s);
}

static void
xdp_close(void)
{
	mux_xdp_close(mx);
	mx = NULL;
}

const struct mux_backend mux_xdp_backend = {
	.name = "xdp",
	.attach_ok = xdp_attach_ok,
	.slice_add = xdp_slice_add,
	.slice_del = xdp_slice_del,
	.slice_stats = xdp_slice_stats,
	.uplink_stats = xdp_uplink_stats,
	.clear_stats = xdp_clear_stats,
	.close = xdp_close,
};

int
mux_xdp_backend_open(const struct mux_opts *o, char *err, size_t len)
{
	return mux_xdp_open(o->uplink, &mx, err, len);
}
