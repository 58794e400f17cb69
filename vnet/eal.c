/* SPDX-License-Identifier: BSD-3-Clause */
#include <stddef.h>
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
