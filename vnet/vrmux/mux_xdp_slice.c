/* SPDX-License-Identifier: BSD-3-Clause */
/* vrmux XDP backend: adding and removing slices.
 *
 * A slice is published in an order that never lets a frame reach half of
 * it: its port state first (info, rate, counters), then the interface
 * lookup the egress program needs, the unicast devmap entry, its VLAN's
 * flood domain, its MACs (from here on the uplink delivers to it) and last
 * its own program (from here on it may send). Removal runs the same steps
 * backwards. Each step is one in-place map update, so other slices, and
 * the uplink program, are never touched.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "mux_xdp_internal.h"
#include "mux_slice.skel.h"

#define MUX_NS_PER_S 1000000000ull
#define MUX_RATE_BPS_MIN 8000

static const char *mux_mac_str(const uint8_t *mac, char *buf, size_t len)
{
	snprintf(buf, len, "%02x:%02x:%02x:%02x:%02x:%02x",
		mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
	return buf;
}

static uint32_t mux_slice_port(const struct mux_xdp *m, const struct mux_slice *sl)
{
	return (uint32_t)(sl - m->slices);
}

void mux_slices_init(struct mux_xdp *m)
{
	for (int i = 0; i < MUX_SLICES_MAX; i++)
		m->floods[i].fd = -1;
}

struct mux_slice *mux_slice_find(struct mux_xdp *m, const char *name)
{
	for (int i = 0; i < MUX_SLICES_MAX; i++)
		if (m->slices[i].used && !strcmp(m->slices[i].cfg.name, name))
			return &m->slices[i];
	return NULL;
}

/* The slice owning mac in vlan, or NULL. */
static const struct mux_slice *mux_mac_owner(const struct mux_xdp *m,
		const uint8_t *mac, uint16_t vlan)
{
	for (int i = 0; i < MUX_SLICES_MAX; i++) {
		const struct mux_slice *sl = &m->slices[i];

		if (!sl->used || sl->cfg.vlan != vlan)
			continue;
		for (unsigned int j = 0; j < sl->cfg.n_macs; j++)
			if (!memcmp(sl->cfg.macs[j], mac, 6))
				return sl;
	}
	return NULL;
}

static int mux_cfg_check_macs(const struct mux_xdp *m, const struct mux_xdp_slice_cfg *c,
		char *err, size_t errlen)
{
	static const uint8_t zero[6];
	const struct mux_slice *owner;
	char mac[18];

	if (c->n_macs < 1 || c->n_macs > MUX_SLICE_MACS_MAX)
		return mux_errf(err, errlen, -EINVAL, "slice %s: %u MACs, need 1 to %d",
			c->name, c->n_macs, MUX_SLICE_MACS_MAX);
	for (unsigned int i = 0; i < c->n_macs; i++) {
		mux_mac_str(c->macs[i], mac, sizeof(mac));
		if ((c->macs[i][0] & 1) || !memcmp(c->macs[i], zero, 6))
			return mux_errf(err, errlen, -EINVAL,
				"slice %s: MAC %s is not a unicast address", c->name, mac);
		for (unsigned int j = 0; j < i; j++)
			if (!memcmp(c->macs[i], c->macs[j], 6))
				return mux_errf(err, errlen, -EINVAL,
					"slice %s: MAC %s given twice", c->name, mac);
		owner = mux_mac_owner(m, c->macs[i], c->vlan);
		if (owner)
			return mux_errf(err, errlen, -EEXIST,
				"slice %s: MAC %s already owned by slice %s in VLAN %u",
				c->name, mac, owner->cfg.name, c->vlan);
	}
	return 0;
}

static int mux_cfg_check_ifname(const struct mux_xdp *m, const struct mux_xdp_slice_cfg *c,
		int *ifindex, char *err, size_t errlen)
{
	if (!memchr(c->ifname, 0, sizeof(c->ifname)) || !c->ifname[0])
		return mux_errf(err, errlen, -EINVAL, "slice %s: bad interface name", c->name);
	*ifindex = (int)if_nametoindex(c->ifname);
	if (!*ifindex)
		return mux_errf(err, errlen, -ENODEV, "slice %s: no interface %s",
			c->name, c->ifname);
	if (*ifindex == m->uplink_ifindex)
		return mux_errf(err, errlen, -EINVAL, "slice %s: %s is the uplink",
			c->name, c->ifname);
	for (int i = 0; i < MUX_SLICES_MAX; i++)
		if (m->slices[i].used && m->slices[i].ifindex == *ifindex)
			return mux_errf(err, errlen, -EBUSY, "slice %s: %s already used by slice %s",
				c->name, c->ifname, m->slices[i].cfg.name);
	return 0;
}

static int mux_cfg_check(const struct mux_xdp *m, const struct mux_xdp_slice_cfg *c,
		int *ifindex, char *err, size_t errlen)
{
	int rc;

	if (!memchr(c->name, 0, sizeof(c->name)) || !c->name[0])
		return mux_errf(err, errlen, -EINVAL, "slice: name empty or longer than %zu",
			sizeof(c->name) - 1);
	if (mux_slice_find((struct mux_xdp *)m, c->name))
		return mux_errf(err, errlen, -EEXIST, "slice %s: already exists", c->name);
	if (c->vlan > MUX_VLAN_MAX)
		return mux_errf(err, errlen, -EINVAL, "slice %s: VLAN %u not in 0..%d",
			c->name, c->vlan, MUX_VLAN_MAX);
	if (c->rate_bps && c->rate_bps < MUX_RATE_BPS_MIN)
		return mux_errf(err, errlen, -EINVAL, "slice %s: rate_bps %llu below %d bit/s",
			c->name, (unsigned long long)c->rate_bps, MUX_RATE_BPS_MIN);
	rc = mux_cfg_check_ifname(m, c, ifindex, err, errlen);
	if (!rc)
		rc = mux_cfg_check_macs(m, c, err, errlen);
	return rc;
}

/* Rates become GCRA costs (see mux_maps.h); a rate too high to have a
 * cost of at least one unit is limited at that unit, never unlimited. */
static void mux_port_info_from_cfg(const struct mux_xdp_slice_cfg *c, int ifindex,
		struct mux_port_info *pi)
{
	uint64_t burst_us = c->burst_us ? c->burst_us : MUX_XDP_BURST_US_DEFAULT;

	memset(pi, 0, sizeof(*pi));
	pi->ifindex = (uint32_t)ifindex;
	pi->vlan = c->vlan;
	pi->burst_ns = burst_us * 1000;
	if (c->rate_pps) {
		pi->frame_cost_ns = MUX_NS_PER_S / c->rate_pps;
		if (!pi->frame_cost_ns)
			pi->frame_cost_ns = 1;
	}
	if (c->rate_bps) {
		pi->byte_cost = ((8 * MUX_NS_PER_S) << MUX_COST_SHIFT) / c->rate_bps;
		if (!pi->byte_cost)
			pi->byte_cost = 1;
	}
}

static struct mux_flood_dom *mux_flood_find(struct mux_xdp *m, uint16_t vlan)
{
	for (int i = 0; i < MUX_SLICES_MAX; i++)
		if (m->floods[i].fd >= 0 && m->floods[i].vlan == vlan)
			return &m->floods[i];
	return NULL;
}

static void mux_flood_free(struct mux_xdp *m, struct mux_flood_dom *d)
{
	uint32_t key = d->vlan;

	bpf_map_delete_elem(m->fd.flood, &key);
	close(d->fd);
	d->fd = -1;
	d->n_slices = 0;
}

/* A new VLAN's flood domain holds the uplink before it is published. */
static struct mux_flood_dom *mux_flood_create(struct mux_xdp *m, uint16_t vlan, int *rc)
{
	struct bpf_devmap_val up = { .ifindex = (uint32_t)m->uplink_ifindex,
		.bpf_prog.fd = m->egress_fd };
	uint32_t key = vlan, port = MUX_UPLINK_PORT;
	struct mux_flood_dom *d = NULL;
	int fd;

	for (int i = 0; !d && i < MUX_SLICES_MAX; i++)
		if (m->floods[i].fd < 0)
			d = &m->floods[i];
	if (!d) {
		*rc = -ENOSPC;
		return NULL;
	}
	fd = bpf_map_create(BPF_MAP_TYPE_DEVMAP, "mux_flood_vlan", sizeof(uint32_t),
		sizeof(struct bpf_devmap_val), MUX_PORTS_MAX, NULL);
	if (fd < 0) {
		*rc = -errno;
		return NULL;
	}
	if (bpf_map_update_elem(fd, &port, &up, BPF_ANY) ||
	    bpf_map_update_elem(m->fd.flood, &key, &fd, BPF_NOEXIST)) {
		*rc = -errno;
		close(fd);
		return NULL;
	}
	d->fd = fd;
	d->vlan = vlan;
	d->n_slices = 0;
	return d;
}

static int mux_flood_join(struct mux_xdp *m, struct mux_slice *sl)
{
	struct bpf_devmap_val dv = { .ifindex = (uint32_t)sl->ifindex,
		.bpf_prog.fd = m->egress_fd };
	uint32_t port = mux_slice_port(m, sl);
	struct mux_flood_dom *d = mux_flood_find(m, sl->cfg.vlan);
	int rc = 0;

	if (!d)
		d = mux_flood_create(m, sl->cfg.vlan, &rc);
	if (!d)
		return rc;
	if (bpf_map_update_elem(d->fd, &port, &dv, BPF_ANY)) {
		rc = -errno;
		if (!d->n_slices)
			mux_flood_free(m, d);
		return rc;
	}
	d->n_slices++;
	return 0;
}

/* The last slice of a VLAN takes the domain with it: group frames in that
 * VLAN are then dropped as unknown_vlan instead of going nowhere. */
static void mux_flood_leave(struct mux_xdp *m, struct mux_slice *sl)
{
	uint32_t port = mux_slice_port(m, sl);
	struct mux_flood_dom *d = mux_flood_find(m, sl->cfg.vlan);

	if (!d)
		return;
	if (d->n_slices <= 1) {
		mux_flood_free(m, d);
		return;
	}
	bpf_map_delete_elem(d->fd, &port);
	d->n_slices--;
}

static int mux_macs_insert(struct mux_xdp *m, struct mux_slice *sl)
{
	uint32_t port = mux_slice_port(m, sl);
	struct mux_mac_key key = { .vlan = sl->cfg.vlan };

	while (sl->n_macs_in < sl->cfg.n_macs) {
		memcpy(key.mac, sl->cfg.macs[sl->n_macs_in], 6);
		if (bpf_map_update_elem(m->fd.macs, &key, &port, BPF_NOEXIST))
			return -errno;
		sl->n_macs_in++;
	}
	return 0;
}

static void mux_macs_remove(struct mux_xdp *m, struct mux_slice *sl)
{
	struct mux_mac_key key = { .vlan = sl->cfg.vlan };

	while (sl->n_macs_in) {
		memcpy(key.mac, sl->cfg.macs[--sl->n_macs_in], 6);
		bpf_map_delete_elem(m->fd.macs, &key);
	}
}

/* Each slice gets its own copy of the slice object, sharing every map of
 * the uplink object, so it can be attached and detached on its own. */
static int mux_slice_prog_attach(struct mux_xdp *m, struct mux_slice *sl)
{
	struct bpf_map *map, *shared;
	int rc;

	sl->skel = mux_slice_bpf__open();
	if (!sl->skel)
		return errno ? -errno : -ENOMEM;
	bpf_object__for_each_map(map, sl->skel->obj) {
		shared = bpf_object__find_map_by_name(m->obj, bpf_map__name(map));
		if (!shared)
			return -ENOENT;
		rc = bpf_map__reuse_fd(map, bpf_map__fd(shared));
		if (rc)
			return rc;
	}
	return mux_prog_attach(sl->skel->obj, "mux_slice", sl->ifindex, m->mode, &sl->prog);
}

static int mux_slice_publish_port(struct mux_xdp *m, struct mux_slice *sl)
{
	struct bpf_devmap_val dv = { .ifindex = (uint32_t)sl->ifindex,
		.bpf_prog.fd = m->egress_fd };
	uint32_t port = mux_slice_port(m, sl), ifindex = (uint32_t)sl->ifindex;

	if (bpf_map_update_elem(m->fd.ifindex, &ifindex, &port, BPF_NOEXIST))
		return -errno;
	sl->steps |= MUX_STEP_IFINDEX;
	if (bpf_map_update_elem(m->fd.ports, &port, &dv, BPF_ANY))
		return -errno;
	sl->steps |= MUX_STEP_PORT;
	return 0;
}

/* Runs the publication steps; on failure *what names the one that failed. */
static int mux_slice_setup(struct mux_xdp *m, struct mux_slice *sl, const char **what)
{
	struct mux_port_info pi;
	int rc;

	mux_port_info_from_cfg(&sl->cfg, sl->ifindex, &pi);
	*what = "reset its counters and rate";
	if ((rc = mux_port_reset(m, mux_slice_port(m, sl), &pi)))
		return rc;
	sl->steps |= MUX_STEP_INFO;
	*what = "publish its port";
	if ((rc = mux_slice_publish_port(m, sl)))
		return rc;
	*what = "join the VLAN's flood domain";
	if ((rc = mux_flood_join(m, sl)))
		return rc;
	sl->steps |= MUX_STEP_FLOOD;
	*what = "insert its MACs";
	if ((rc = mux_macs_insert(m, sl)))
		return rc;
	*what = "attach its XDP program";
	if ((rc = mux_slice_prog_attach(m, sl)))
		return rc;
	sl->steps |= MUX_STEP_PROG;
	return 0;
}

/* Undoes whatever mux_slice_setup did, last step first, and frees the slot. */
static void mux_slice_teardown(struct mux_xdp *m, struct mux_slice *sl)
{
	uint32_t port = mux_slice_port(m, sl), ifindex = (uint32_t)sl->ifindex;
	struct mux_port_info none = { 0 };

	mux_prog_detach(&sl->prog, sl->ifindex, m->mode);
	mux_slice_bpf__destroy(sl->skel);
	mux_macs_remove(m, sl);
	if (sl->steps & MUX_STEP_FLOOD)
		mux_flood_leave(m, sl);
	if (sl->steps & MUX_STEP_PORT)
		bpf_map_delete_elem(m->fd.ports, &port);
	if (sl->steps & MUX_STEP_IFINDEX)
		bpf_map_delete_elem(m->fd.ifindex, &ifindex);
	if (sl->steps & MUX_STEP_INFO)
		bpf_map_update_elem(m->fd.port_info, &port, &none, BPF_ANY);
	memset(sl, 0, sizeof(*sl));
}

int mux_xdp_slice_add(struct mux_xdp *m, const struct mux_xdp_slice_cfg *c,
		char *err, size_t errlen)
{
	struct mux_slice *sl = NULL;
	const char *what = "";
	char why[128];
	int ifindex = 0, rc;

	if (!m || !c)
		return mux_errf(err, errlen, -EINVAL, "slice: no mux or no configuration");
	rc = mux_cfg_check(m, c, &ifindex, err, errlen);
	if (rc)
		return rc;
	for (int i = 0; !sl && i < MUX_SLICES_MAX; i++)
		if (!m->slices[i].used)
			sl = &m->slices[i];
	if (!sl)
		return mux_errf(err, errlen, -ENOSPC, "slice %s: already %d slices",
			c->name, MUX_SLICES_MAX);
	memset(sl, 0, sizeof(*sl));
	sl->used = true;
	sl->cfg = *c;
	sl->ifindex = ifindex;
	rc = mux_slice_setup(m, sl, &what);
	if (rc) {
		libxdp_strerror(rc, why, sizeof(why));
		mux_slice_teardown(m, sl);
		return mux_errf(err, errlen, rc, "slice %s: cannot %s on %s: %s",
			c->name, what, c->ifname, why);
	}
	return 0;
}

int mux_xdp_slice_del(struct mux_xdp *m, const char *name, char *err, size_t errlen)
{
	struct mux_slice *sl = m && name ? mux_slice_find(m, name) : NULL;

	if (!sl)
		return mux_errf(err, errlen, -ENOENT, "slice %s: no such slice",
			name ? name : "(null)");
	mux_slice_teardown(m, sl);
	return 0;
}

void mux_slices_close(struct mux_xdp *m)
{
	for (int i = 0; i < MUX_SLICES_MAX; i++)
		if (m->slices[i].used)
			mux_slice_teardown(m, &m->slices[i]);
	for (int i = 0; i < MUX_SLICES_MAX; i++)
		if (m->floods[i].fd >= 0)
			mux_flood_free(m, &m->floods[i]);
}
