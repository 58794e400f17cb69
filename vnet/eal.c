/* SPDX-License-Identifier: BSD-3-Clause */
#include <sched.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "vr_eal.h"

int
vr_args_eal_split(int argc, char **argv, int *eal_argc, char ***eal_argv)
{
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--") == 0) {
			*eal_argc = argc - i - 1;
			*eal_argv = argv + i + 1;
			return i;
		}
	*eal_argc = 0;
	*eal_argv = NULL;
	return argc;
}

static bool
eal_has(int argc, char **argv, const char *const *opts)
{
	for (int i = 0; i < argc; i++)
		for (int k = 0; opts[k] != NULL; k++)
			if (strncmp(argv[i], opts[k], strlen(opts[k])) == 0)
				return true;
	return false;
}

static unsigned long
hugepages_free(void)
{
	FILE *f = fopen("/proc/meminfo", "r");
	char line[128];
	unsigned long n = 0;

	if (f == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "HugePages_Free: %lu", &n) == 1)
			break;
	fclose(f);
	return n;
}

int
vr_eal_args(const char *prog, const char *prefix, unsigned int mem_mb,
	    int uargc, char **uargv, char **out)
{
	/* The strings outlive the call: EAL keeps pointers into argv. */
	static char prefix_opt[128], lcores[64], mem[32];
	static const char *const o_prefix[] = { "--file-prefix", NULL };
	static const char *const o_inmem[] = { "--in-memory", "--legacy-mem", NULL };
	static const char *const o_lcores[] = { "-l", "-c", "--lcores", NULL };
	static const char *const o_mem[] = { "-m", "--socket-mem", NULL };
	static const char *const o_huge[] = { "--no-huge", "--in-memory", NULL };
	int n = 0;

	out[n++] = (char *)prog;
	if (!eal_has(uargc, uargv, o_prefix)) {
		snprintf(prefix_opt, sizeof(prefix_opt), "--file-prefix=%s", prefix);
		out[n++] = prefix_opt;
	}
	if (!eal_has(uargc, uargv, o_lcores)) {
		cpu_set_t set;
		int cpus[2] = { 0, 0 }, k = 0;

		CPU_ZERO(&set);
		sched_getaffinity(0, sizeof(set), &set);
		for (int c = 0; c < CPU_SETSIZE && k < 2; c++)
			if (CPU_ISSET(c, &set))
				cpus[k++] = c;
		if (k == 1)
			cpus[1] = cpus[0];
		/* lcore 0 is control, lcore 1 the worker, on the last CPU. */
		snprintf(lcores, sizeof(lcores), "--lcores=0@%d,1@%d", cpus[0],
			 cpus[1]);
		out[n++] = lcores;
	}
	snprintf(mem, sizeof(mem), "-m%u", mem_mb);
	if (!eal_has(uargc, uargv, o_huge)) {
		if (hugepages_free() > 0) {
			/* vhost-user shares memory by fd: one memfd per
			 * segment list, no files, so a crash leaves no
			 * hugepage files behind. */
			out[n++] = "--single-file-segments";
			if (!eal_has(uargc, uargv, o_inmem))
				out[n++] = "--in-memory";
		} else {
			fprintf(stderr, "%s: no free hugepages: using anonymous "
				"memory (--no-huge); vhost-user and af_xdp "
				"zero-copy need hugepages\n", prog);
			out[n++] = "--no-huge";
		}
		if (!eal_has(uargc, uargv, o_mem))
			out[n++] = mem;
	}
	for (int i = 0; i < uargc && n < VR_EAL_MAX_ARGS - 1; i++)
		out[n++] = uargv[i];
	out[n] = NULL;
	return n;
}
