/* SPDX-License-Identifier: BSD-3-Clause
 * The API socket's server side: accept, read one request, run the
 * handler, write the reply without blocking, close. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "vr_api.h"

#define MAX_REQUEST (1u << 20)

struct vr_api_server {
	struct vr_evloop *loop;
	int fd;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	vr_api_handler handler;
	void *arg;
};

struct api_conn {
	struct vr_api_server *srv;
	int fd;
	char *in;
	size_t in_len, in_cap;
	char *out;                   /* header line + body */
	size_t out_len, out_off;
};

int
vr_reply_err(struct vr_reply *r, int err, const char *fmt, ...)
{
	va_list ap;

	r->err = err;
	va_start(ap, fmt);
	vsnprintf(r->msg, sizeof(r->msg), fmt, ap);
	va_end(ap);
	return -err;
}

void
vr_reply_json(struct vr_reply *r, json_t *v)
{
	if (v == NULL)
		return;
	json_dumpf(v, r->out, JSON_COMPACT);
	fputc('\n', r->out);
	json_decref(v);
}

static void
conn_free(struct api_conn *c)
{
	vr_evloop_del(c->srv->loop, c->fd);
	close(c->fd);
	free(c->in);
	free(c->out);
	free(c);
}

static void
conn_write(struct api_conn *c)
{
	while (c->out_off < c->out_len) {
		ssize_t n = send(c->fd, c->out + c->out_off,
				 c->out_len - c->out_off, MSG_NOSIGNAL);
		if (n < 0 && errno == EAGAIN)
			return;      /* EPOLLOUT brings us back */
		if (n <= 0) {
			/* The client went away: nothing to keep. */
			conn_free(c);
			return;
		}
		c->out_off += (size_t)n;
	}
	conn_free(c);
}

static void
conn_fail(struct api_conn *c, int err, const char *msg)
{
	json_t *h = json_pack("{s:i,s:s}", "errno", err, "message", msg);
	char *line = json_dumps(h, JSON_COMPACT);

	json_decref(h);
	free(c->out);
	c->out = NULL;
	if (line == NULL || asprintf(&c->out, "%s\n", line) < 0) {
		free(line);
		conn_free(c);
		return;
	}
	free(line);
	c->out_len = strlen(c->out);
	c->out_off = 0;
	vr_evloop_mod(c->srv->loop, c->fd, EPOLLOUT);
	conn_write(c);
}

static void
conn_dispatch(struct api_conn *c)
{
	char *argv[VR_CMD_MAX_ARGS + 1];
	struct vr_reply r = { 0 };
	json_error_t jerr;
	json_t *req, *jargv, *h;
	char *line;
	size_t i;
	int argc = 0;

	req = json_loadb(c->in, c->in_len, 0, &jerr);
	jargv = req ? json_object_get(req, "argv") : NULL;
	if (!json_is_array(jargv) || json_array_size(jargv) == 0 ||
	    json_array_size(jargv) > VR_CMD_MAX_ARGS) {
		json_decref(req);
		conn_fail(c, EINVAL, "malformed request: expected "
			  "{\"argv\": [words], \"json\": bool}");
		return;
	}
	for (i = 0; i < json_array_size(jargv); i++) {
		const char *s = json_string_value(json_array_get(jargv, i));
		if (s == NULL) {
			json_decref(req);
			conn_fail(c, EINVAL, "malformed request: argv holds a "
				  "non-string");
			return;
		}
		argv[argc++] = (char *)s;
	}
	argv[argc] = NULL;
	r.json = json_is_true(json_object_get(req, "json"));
	r.out = open_memstream(&r.buf, &r.len);
	if (r.out == NULL) {
		json_decref(req);
		conn_fail(c, ENOMEM, "out of memory");
		return;
	}
	c->srv->handler(argc, argv, &r, c->srv->arg);
	fclose(r.out);
	json_decref(req);

	h = json_pack("{s:i,s:s}", "errno", r.err, "message", r.msg);
	line = json_dumps(h, JSON_COMPACT);
	json_decref(h);
	c->out_len = (line ? strlen(line) : 0) + 1 + r.len;
	c->out = malloc(c->out_len);
	if (line == NULL || c->out == NULL) {
		free(line);
		free(r.buf);
		conn_free(c);
		return;
	}
	memcpy(c->out, line, strlen(line));
	c->out[strlen(line)] = '\n';
	memcpy(c->out + strlen(line) + 1, r.buf, r.len);
	free(line);
	free(r.buf);
	vr_evloop_mod(c->srv->loop, c->fd, EPOLLOUT);
	conn_write(c);
}

static void
conn_event(int fd, unsigned int events, void *arg)
{
	struct api_conn *c = arg;

	if (c->out != NULL) {
		conn_write(c);
		return;
	}
	for (;;) {
		ssize_t n;

		if (c->in_len == c->in_cap) {
			size_t cap = c->in_cap ? c->in_cap * 2 : 4096;
			char *p;
			if (cap > MAX_REQUEST) {
				conn_fail(c, E2BIG, "request larger than 1 MiB");
				return;
			}
			p = realloc(c->in, cap);
			if (p == NULL) {
				conn_free(c);
				return;
			}
			c->in = p;
			c->in_cap = cap;
		}
		n = recv(fd, c->in + c->in_len, c->in_cap - c->in_len, 0);
		if (n > 0) {
			c->in_len += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EAGAIN)
			return;
		if (n < 0) {
			conn_free(c);
			return;
		}
		break;               /* EOF: the request is complete */
	}
	conn_dispatch(c);
}

static void
server_accept(int fd, unsigned int events, void *arg)
{
	struct vr_api_server *s = arg;
	struct api_conn *c;
	int cfd;

	while ((cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
		c = calloc(1, sizeof(*c));
		if (c == NULL || vr_evloop_add(s->loop, cfd, EPOLLIN, conn_event, c) < 0) {
			free(c);
			close(cfd);
			continue;
		}
		c->srv = s;
		c->fd = cfd;
	}
}

int
vr_api_server_open(struct vr_evloop *l, const char *path, vr_api_handler h,
		   void *arg, struct vr_api_server **out)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct vr_api_server *s;
	char dir[sizeof(sa.sun_path)];
	char *slash;
	int rc;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash != NULL && slash != dir) {
		*slash = '\0';
		mkdir(dir, 0755);
	}
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return -ENOMEM;
	s->loop = l;
	s->handler = h;
	s->arg = arg;
	snprintf(s->path, sizeof(s->path), "%s", path);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	s->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->fd < 0) {
		rc = -errno;
		free(s);
		return rc;
	}
	/* A socket file left by a crashed instance: take it over only if
	 * nobody answers on it. */
	if (connect(s->fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
		close(s->fd);
		free(s);
		return -EADDRINUSE;
	}
	close(s->fd);
	unlink(path);
	s->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->fd < 0 || bind(s->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(s->fd, 64) < 0 ||
	    (rc = vr_evloop_add(l, s->fd, EPOLLIN, server_accept, s)) < 0) {
		rc = -errno;
		if (s->fd >= 0)
			close(s->fd);
		free(s);
		return rc ? rc : -EIO;
	}
	*out = s;
	return 0;
}

void
vr_api_server_close(struct vr_api_server *s)
{
	if (s == NULL)
		return;
	vr_evloop_del(s->loop, s->fd);
	close(s->fd);
	unlink(s->path);
	free(s);
}
