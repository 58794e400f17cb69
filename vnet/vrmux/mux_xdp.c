/* SPDX-License-Identifier: BSD-3-Clause */
/* vrmux XDP backend: loading the programs, the uplink, counters.
 * Slices are in mux_xdp_slice.c; the design is in mux_xdp.h and the BPF
 * sources (vnet/bpf/mux_*.bpf.c). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "mux_xdp_internal.h"
#include "mux_uplink.skel.h"

/* The BPF side's reasons and the public ones are the same list. */
#define MUX_SAME(a, b) _Static_assert((int)MUX_XDP_DROP_##a == (int)MUX_DROP_##b, #a)
MUX_SAME(MALFORMED, MALFORMED);
MUX_SAME(UNKNOWN_UNICAST, UNKNOWN_UNICAST);
MUX_SAME(UNKNOWN_VLAN, UNKNOWN_VLAN);
MUX_SAME(SPOOFED_SRC_MAC, SPOOFED_SRC_MAC);
MUX_SAME(WRONG_VLAN, WRONG_VLAN);
MUX_SAME(RATE_LIMITED, RATE_LIMITED);
MUX_SAME(REDIRECT_FAILED, REDIRECT_FAILED);
MUX_SAME(DST_IS_SELF, DST_IS_SELF);
MUX_SAME(UNKNOWN_PORT, UNKNOWN_PORT);
MUX_SAME(NO_HEADROOM, NO_HEADROOM);
MUX_SAME(MAX, MAX);
_Static_assert(MUX_XDP_SLICES_MAX == MUX_SLICES_MAX, "slice count");
_Static_assert(MUX_SLICE_MACS_MAX == MUX_MACS_PER_SLICE, "MACs per slice");

static const char *const mux_drop_names[MUX_XDP_DROP_MAX] = {
	[MUX_XDP_DROP_MALFORMED] = "malformed",
	[MUX_XDP_DROP_UNKNOWN_UNICAST] = "unknown_unicast",
	[MUX_XDP_DROP_UNKNOWN_VLAN] = "unknown_vlan",
	[MUX_XDP_DROP_SPOOFED_SRC_MAC] = "spoofed_src_mac",
	[MUX_XDP_DROP_WRONG_VLAN] = "wrong_vlan",
	[MUX_XDP_DROP_RATE_LIMITED] = "rate_limited",
	[MUX_XDP_DROP_REDIRECT_FAILED] = "redirect_failed",
	[MUX_XDP_DROP_DST_IS_SELF] = "dst_is_self",
	[MUX_XDP_DROP_UNKNOWN_PORT] = "unknown_port",
	[MUX_XDP_DROP_NO_HEADROOM] = "no_headroom",
};

const char *mux_xdp_drop_name(unsigned int i)
{
	return i < MUX_XDP_DROP_MAX ? mux_drop_names[i] : NULL;
}

const char *mux_xdp_mode_name(const struct mux_xdp *m)
{
	return m->mode == XDP_MODE_SKB ? "skb" : "native";
}

/* Fills err (when given) and returns rc, a negative errno. */
int mux_errf(char *err, size_t errlen, int rc, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return rc;
}

static size_t mux_counters_size(const struct mux_xdp *m)
{
	/* Per-CPU values are copied with each CPU's slot 8-byte aligned. */
	return (size_t)m->ncpus * ((sizeof(struct mux_counters) + 7) & ~(size_t)7);
}

/* Gives a port its configuration and a clean slate: zero counters and a
 * rate state starting now. Only while no frame can reach the port. */
int mux_port_reset(struct mux_xdp *m, uint32_t port, const struct mux_port_info *pi)
{
	struct mux_rate rate;
	void *zero;
	int rc;

	memset(&rate, 0, sizeof(rate));
	zero = calloc(1, mux_counters_size(m));
	if (!zero)
		return -ENOMEM;
	rc = bpf_map_update_elem(m->fd.stats, &port, zero, BPF_ANY);
	free(zero);
	if (!rc)
		rc = bpf_map_update_elem(m->fd.rate, &port, &rate, BPF_ANY);
	if (!rc)
		rc = bpf_map_update_elem(m->fd.port_info, &port, pi, BPF_ANY);
	return rc ? -errno : 0;
}

static int mux_port_stats(struct mux_xdp *m, uint32_t port, struct mux_xdp_slice_stats *s)
{
	size_t stride = (sizeof(struct mux_counters) + 7) & ~(size_t)7;
	char *buf = calloc(1, mux_counters_size(m));
	int cpu, i, rc = 0;

	if (!buf)
		return -ENOMEM;
	memset(s, 0, sizeof(*s));
	if (bpf_map_lookup_elem(m->fd.stats, &port, buf)) {
		rc = -errno;
		goto out;
	}
	for (cpu = 0; cpu < m->ncpus; cpu++) {
		const struct mux_counters *c = (const void *)(buf + (size_t)cpu * stride);

		s->rx_pkts += c->rx_pkts;
		s->rx_bytes += c->rx_bytes;
		s->tx_pkts += c->tx_pkts;
		s->tx_bytes += c->tx_bytes;
		for (i = 0; i < MUX_XDP_DROP_MAX; i++)
			s->drop[i] += c->drop[i];
	}
out:
	free(buf);
	return rc;
}

int mux_xdp_slice_stats(struct mux_xdp *m, const char *name, struct mux_xdp_slice_stats *s)
{
	struct mux_slice *sl = m && name ? mux_slice_find(m, name) : NULL;

	if (!sl)
		return -ENOENT;
	return mux_port_stats(m, (uint32_t)(sl - m->slices), s);
}

int mux_xdp_uplink_stats(struct mux_xdp *m, struct mux_xdp_slice_stats *s)
{
	if (!m)
		return -EINVAL;
	return mux_port_stats(m, MUX_UPLINK_PORT, s);
}

/* Attaches program prog of the (not yet loaded) obj to ifindex through
 * libxdp, which loads obj as part of attaching: as an extension of its
 * dispatcher when it can, so other XDP programs keep running beside ours. */
int mux_prog_attach(struct bpf_object *obj, const char *prog, int ifindex,
		enum xdp_attach_mode mode, struct xdp_program **out)
{
	DECLARE_LIBXDP_OPTS(xdp_program_opts, opts, .obj = obj, .prog_name = prog);
	struct xdp_program *p = xdp_program__create(&opts);
	int rc;

	rc = (int)libxdp_get_error(p);
	if (rc)
		return rc < 0 ? rc : -rc;
	rc = xdp_program__attach(p, ifindex, mode, 0);
	if (rc) {
		xdp_program__close(p);
		return rc;
	}
	*out = p;
	return 0;
}

void mux_prog_detach(struct xdp_program **prog, int ifindex, enum xdp_attach_mode mode)
{
	if (!*prog)
		return;
	xdp_program__detach(*prog, ifindex, mode, 0);
	xdp_program__close(*prog);
	*prog = NULL;
}

static void mux_uplink_unload(struct mux_xdp *m)
{
	mux_prog_detach(&m->uplink_prog, m->uplink_ifindex, m->mode);
	mux_uplink_bpf__destroy(m->skel);
	m->skel = NULL;
	m->obj = NULL;
}

/* Opens the uplink object and attaches mux_uplink in mode. */
static int mux_uplink_load(struct mux_xdp *m, enum xdp_attach_mode mode)
{
	int rc;

	m->skel = mux_uplink_bpf__open();
	if (!m->skel)
		return errno ? -errno : -ENOMEM;
	m->mode = mode;
	rc = mux_prog_attach(m->skel->obj, "mux_uplink", m->uplink_ifindex, mode,
			&m->uplink_prog);
	if (rc) {
		mux_uplink_unload(m);
		return rc;
	}
	m->obj = m->skel->obj;
	m->egress_fd = bpf_program__fd(m->skel->progs.mux_egress);
	m->fd = (struct mux_fds){
		.macs = bpf_map__fd(m->skel->maps.mux_macs),
		.ifindex = bpf_map__fd(m->skel->maps.mux_ifindex),
		.port_info = bpf_map__fd(m->skel->maps.mux_port_info),
		.rate = bpf_map__fd(m->skel->maps.mux_rate),
		.stats = bpf_map__fd(m->skel->maps.mux_stats),
		.ports = bpf_map__fd(m->skel->maps.mux_ports),
		.flood = bpf_map__fd(m->skel->maps.mux_flood),
	};
	return 0;
}

/* The uplink is a port like the slices: the egress program finds it in
 * mux_ifindex, and the unicast map and every flood domain hold it. The
 * maps only exist once libxdp has loaded the object to attach it, so this
 * runs just after; until then the uplink drops everything (no slices). */
static int mux_uplink_publish(struct mux_xdp *m)
{
	struct mux_port_info pi = { .ifindex = (uint32_t)m->uplink_ifindex };
	struct bpf_devmap_val dv = { .ifindex = (uint32_t)m->uplink_ifindex,
		.bpf_prog.fd = m->egress_fd };
	uint32_t port = MUX_UPLINK_PORT, ifindex = (uint32_t)m->uplink_ifindex;
	int rc = mux_port_reset(m, port, &pi);

	if (rc)
		return rc;
	if (bpf_map_update_elem(m->fd.ifindex, &ifindex, &port, BPF_ANY) ||
	    bpf_map_update_elem(m->fd.ports, &port, &dv, BPF_ANY))
		return -errno;
	return 0;
}

int mux_xdp_open(const char *uplink_ifname, struct mux_xdp **out, char *err, size_t errlen)
{
	struct mux_xdp *m;
	char why[128];
	int rc;

	*out = NULL;
	if (!uplink_ifname || !*uplink_ifname || strlen(uplink_ifname) >= IF_NAMESIZE)
		return mux_errf(err, errlen, -EINVAL, "uplink: bad interface name");
	m = calloc(1, sizeof(*m));
	if (!m)
		return mux_errf(err, errlen, -ENOMEM, "uplink %s: out of memory", uplink_ifname);
	strcpy(m->uplink, uplink_ifname);
	m->egress_fd = -1;
	mux_slices_init(m);
	m->uplink_ifindex = (int)if_nametoindex(uplink_ifname);
	if (!m->uplink_ifindex) {
		rc = mux_errf(err, errlen, -ENODEV, "uplink %s: no such interface", uplink_ifname);
		goto fail;
	}
	m->ncpus = libbpf_num_possible_cpus();
	if (m->ncpus <= 0) {
		rc = mux_errf(err, errlen, m->ncpus ? m->ncpus : -EINVAL,
			"uplink %s: cannot count CPUs", uplink_ifname);
		goto fail;
	}
	/* Native first: generic XDP is only for drivers without it, not a
	 * way around other failures (another program attached, ...). */
	rc = mux_uplink_load(m, XDP_MODE_NATIVE);
	if (rc == -EOPNOTSUPP)
		rc = mux_uplink_load(m, XDP_MODE_SKB);
	if (rc) {
		libxdp_strerror(rc, why, sizeof(why));
		rc = mux_errf(err, errlen, rc, "uplink %s: cannot attach XDP program: %s",
			uplink_ifname, why);
		goto fail;
	}
	rc = mux_uplink_publish(m);
	if (rc) {
		rc = mux_errf(err, errlen, rc, "uplink %s: cannot set up maps: %s",
			uplink_ifname, strerror(-rc));
		goto fail;
	}
	*out = m;
	return 0;
fail:
	mux_xdp_close(m);
	return rc;
}

void mux_xdp_close(struct mux_xdp *m)
{
	if (!m)
		return;
	mux_slices_close(m);
	if (m->skel)
		mux_uplink_unload(m);
	free(m);
}
