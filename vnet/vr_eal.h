/* SPDX-License-Identifier: BSD-3-Clause
 * Command lines of the DPDK programs (vrd, vrgen, vrmux): their own
 * options, then `--`, then EAL's. */
#ifndef VR_EAL_H
#define VR_EAL_H

/* Finds `--` in argv. Returns how many words are the program's own (the
 * argc to give getopt) and sets what follows `--` as EAL's (none: 0, NULL). */
int vr_args_eal_split(int argc, char **argv, int *eal_argc, char ***eal_argv);

#define VR_EAL_MAX_ARGS 64

/* EAL's argv with the defaults vrd, vrmux and vrgen share, unless the
 * user's own EAL options (uargv) say otherwise: --file-prefix=PREFIX, a
 * control lcore and one worker on the CPUs the process may use, and
 * hugepages when some are free (in-memory, single-file segments as
 * vhost-user needs, mem_mb of them) or anonymous memory with a warning.
 * out holds VR_EAL_MAX_ARGS; returns the count. */
int vr_eal_args(const char *prog, const char *prefix, unsigned int mem_mb,
		int uargc, char **uargv, char **out);

#endif
