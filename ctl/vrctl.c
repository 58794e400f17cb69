/* SPDX-License-Identifier: BSD-3-Clause
 * vrctl: the command line of vrd and vrmux. It sends its words to the
 * daemon's socket and prints the reply; the daemon does the parsing, so
 * vrctl and a config file accept exactly the same commands. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vr_api.h"

#define DEFAULT_DIR "/run/vrplane"

static void
usage(FILE *f)
{
	fprintf(f,
		"usage: vrctl [-s SOCKET | -n SLICE] [--json] COMMAND...\n"
		"  -s, --socket PATH  daemon socket (default " DEFAULT_DIR
		"/SLICE.sock, SLICE from -n or $VR_SLICE, else the only one)\n"
		"  -n, --slice NAME   talk to the vrd of slice NAME\n"
		"  -j, --json         machine-readable output\n"
		"Commands: vrctl help (asks the daemon)\n");
}

/* `route load FILE`: the daemon reads the file, so give it an absolute
 * path from our working directory. */
static char *
absolutize_load_path(int argc, char **argv)
{
	char *abs;

	if (argc < 3 || strcmp(argv[0], "route") != 0 ||
	    strcmp(argv[1], "load") != 0 || argv[2][0] == '/')
		return NULL;
	abs = realpath(argv[2], NULL);
	if (abs != NULL)
		argv[2] = abs;
	return abs;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "slice", required_argument, NULL, 'n' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct vr_api_result res;
	char path[PATH_MAX], err[512];
	const char *sock = NULL, *slice = getenv("VR_SLICE");
	bool json = false;
	char *abs;
	int c, rc;

	while ((c = getopt_long(argc, argv, "+s:n:jh", opts, NULL)) != -1) {
		switch (c) {
		case 's': sock = optarg; break;
		case 'n': slice = optarg; break;
		case 'j': json = true; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	argc -= optind;
	argv += optind;
	/* --json may also come last, as in `vrctl route show --json`. */
	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0 || strcmp(argv[i], "-j") == 0) {
			json = true;
			memmove(&argv[i], &argv[i + 1], sizeof(*argv) * (argc - i));
			argc--;
			i--;
		}
	}
	if (argc == 0) {
		usage(stderr);
		return 2;
	}
	if (sock == NULL) {
		snprintf(path, sizeof(path), DEFAULT_DIR "/%s.sock",
			 slice ? slice : "default");
		sock = path;
	}
	abs = absolutize_load_path(argc, argv);
	rc = vr_api_call(sock, argc, argv, json, &res, err, sizeof(err));
	free(abs);
	if (rc < 0) {
		fprintf(stderr, "vrctl: %s\n", err);
		return 1;
	}
	if (res.err != 0) {
		if (json)
			printf("{\"errno\":%d,\"error\":\"%s\"}\n", res.err,
			       strerror(res.err));
		fprintf(stderr, "vrctl: %s\n", res.message);
		vr_api_result_free(&res);
		return 1;
	}
	fwrite(res.body, 1, res.body_len, stdout);
	if (!json && res.message[0] != '\0' && res.body_len == 0)
		printf("%s\n", res.message);
	vr_api_result_free(&res);
	return 0;
}
