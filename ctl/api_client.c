/* SPDX-License-Identifier: BSD-3-Clause
 * The API socket's client side, used by vrctl and the tests' tools. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "vr_api.h"

static int
send_all(int fd, const char *p, size_t len)
{
	while (len > 0) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int
vr_api_call(const char *path, int argc, char *const argv[], bool json,
	    struct vr_api_result *res, char *err, size_t errlen)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	json_t *req = json_object(), *jargv = json_array();
	char *wire = NULL, *buf = NULL, *nl;
	size_t len = 0, cap = 0;
	json_t *hdr = NULL;
	json_error_t jerr;
	int fd = -1, rc;

	memset(res, 0, sizeof(*res));
	for (int i = 0; i < argc; i++)
		json_array_append_new(jargv, json_string(argv[i]));
	json_object_set_new(req, "argv", jargv);
	json_object_set_new(req, "json", json_boolean(json));
	wire = json_dumps(req, JSON_COMPACT);
	json_decref(req);
	if (wire == NULL) {
		snprintf(err, errlen, "cannot encode the request (invalid UTF-8?)");
		return -EINVAL;
	}
	if (strlen(path) >= sizeof(sa.sun_path)) {
		snprintf(err, errlen, "socket path too long: %s", path);
		rc = -ENAMETOOLONG;
		goto out;
	}
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		rc = -errno;
		snprintf(err, errlen, "cannot connect to %s: %s (is the daemon "
			 "running?)", path, strerror(errno));
		goto out;
	}
	if ((rc = send_all(fd, wire, strlen(wire))) < 0) {
		snprintf(err, errlen, "cannot send to %s: %s", path, strerror(-rc));
		goto out;
	}
	shutdown(fd, SHUT_WR);
	for (;;) {
		ssize_t n;
		if (len + 65536 > cap) {
			char *p;
			cap = cap ? cap * 2 : 1 << 17;
			p = realloc(buf, cap + 1);
			if (p == NULL) {
				rc = -ENOMEM;
				snprintf(err, errlen, "out of memory reading reply");
				goto out;
			}
			buf = p;
		}
		n = recv(fd, buf + len, cap - len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = -errno;
			snprintf(err, errlen, "reading reply: %s", strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (buf == NULL || (nl = memchr(buf, '\n', len)) == NULL) {
		rc = -EPROTO;
		snprintf(err, errlen, "the daemon closed the connection without "
			 "a reply");
		goto out;
	}
	hdr = json_loadb(buf, (size_t)(nl - buf), 0, &jerr);
	if (!json_is_integer(json_object_get(hdr, "errno"))) {
		rc = -EPROTO;
		snprintf(err, errlen, "malformed reply header");
		goto out;
	}
	res->err = (int)json_integer_value(json_object_get(hdr, "errno"));
	res->message = strdup(json_string_value(json_object_get(hdr, "message")) ?: "");
	res->body_len = len - (size_t)(nl + 1 - buf);
	res->body = malloc(res->body_len + 1);
	if (res->body == NULL || res->message == NULL) {
		rc = -ENOMEM;
		snprintf(err, errlen, "out of memory");
		vr_api_result_free(res);
		goto out;
	}
	memcpy(res->body, nl + 1, res->body_len);
	res->body[res->body_len] = '\0';
	rc = 0;
out:
	json_decref(hdr);
	free(buf);
	free(wire);
	if (fd >= 0)
		close(fd);
	return rc;
}

void
vr_api_result_free(struct vr_api_result *res)
{
	free(res->message);
	free(res->body);
	memset(res, 0, sizeof(*res));
}

int
vr_cmd_split(char *line, char **argv, int max)
{
	int argc = 0;
	char *p = line;

	for (;;) {
		char *w;
		while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
			p++;
		if (*p == '\0' || *p == '#')
			break;
		if (argc == max)
			return -E2BIG;
		if (*p == '"') {
			w = ++p;
			while (*p != '\0' && *p != '"')
				p++;
			if (*p != '"')
				return -EINVAL;   /* unterminated quote */
		} else {
			w = p;
			while (*p != '\0' && *p != ' ' && *p != '\t' &&
			       *p != '\r' && *p != '\n')
				p++;
		}
		argv[argc++] = w;
		if (*p == '\0')
			break;
		*p++ = '\0';
	}
	argv[argc] = NULL;
	return argc;
}
