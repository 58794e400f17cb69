/* SPDX-License-Identifier: BSD-3-Clause
 * Command lines of the DPDK programs (vrd, vrgen, vrmux): their own
 * options, then `--`, then EAL's. */
#ifndef VR_EAL_H
#define VR_EAL_H

/* Finds `--` in argv. Returns how many words are the program's own (the
 * argc to give getopt) and sets what follows `--` as EAL's (none: 0, NULL). */
int vr_args_eal_split(int argc, char **argv, int *eal_argc, char ***eal_argv);

#endif
