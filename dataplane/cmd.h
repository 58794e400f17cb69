/* SPDX-License-Identifier: BSD-3-Clause
 * Helpers shared by vrd's command handlers (commands.c, cmd_route.c). */
#ifndef VRD_CMD_H
#define VRD_CMD_H

#include <stdbool.h>
#include <stdint.h>

#include "vr_api.h"
#include "vr_fib.h"

struct vrd_prefix {
	int family;
	uint8_t depth;
	uint8_t ip[VR_IP6_LEN];
};

/* "10.0.0.0/24", "2001:db8::/32"; without "/len", a host prefix.
 * strict: host bits must be zero. Errors go into r. */
int cmd_parse_prefix(const char *s, bool strict, struct vrd_prefix *p,
		     struct vr_reply *r);
int cmd_parse_addr(const char *s, int *family, uint8_t *ip,
		   struct vr_reply *r);
/* In dry-run mode a syntactically valid name passes: an earlier line of
 * the same config file may add the port. */
int cmd_port_id(const char *name, bool dry_run, uint16_t *id,
		struct vr_reply *r);
const char *cmd_port_name(uint16_t id);
void cmd_format_ip(int family, const uint8_t *ip, char *buf, size_t len);

struct vrd_vrf;
/* `... vrf NAME` ending a command: removes the two words and returns the
 * VRF, the default one when absent; NULL for `vrf all` if allow_all. */
int cmd_take_vrf(int *argc, char **argv, bool dry_run, bool allow_all,
		 struct vrd_vrf **v, struct vr_reply *r);

struct vrd_port;
int vrd_addr_set(struct vrd_port *vp, const struct vrd_prefix *a, bool add,
		 bool to_kernel, struct vr_reply *r);

int cmd_route(int argc, char **argv, struct vr_reply *r, bool dry_run);
int cmd_addr(int argc, char **argv, struct vr_reply *r, bool dry_run);
int cmd_neigh(int argc, char **argv, struct vr_reply *r, bool dry_run);

#endif
