/* SPDX-License-Identifier: BSD-3-Clause
 * vr_api: the UNIX-socket API of vrd and vrmux, and the event loop of
 * their control threads.
 *
 * Wire format, one request per connection:
 *   client -> server  a JSON object {"argv": ["route", "show"], "json": true}
 *                     then shutdown(SHUT_WR)
 *   server -> client  one line of JSON {"errno": 0, "message": "..."}, then
 *                     the body (text, or a JSON document when asked), then
 *                     the server closes.
 * Replies are written without blocking, so a slow or vanished client
 * never stalls the control thread.
 */
#ifndef VR_API_H
#define VR_API_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

/* ---- event loop ---- */
struct vr_evloop;
typedef void (*vr_ev_fn)(int fd, unsigned int events, void *arg);

int vr_evloop_create(struct vr_evloop **out);
void vr_evloop_destroy(struct vr_evloop *l);
/* events: EPOLLIN / EPOLLOUT bits. */
int vr_evloop_add(struct vr_evloop *l, int fd, unsigned int events,
		  vr_ev_fn fn, void *arg);
int vr_evloop_mod(struct vr_evloop *l, int fd, unsigned int events);
void vr_evloop_del(struct vr_evloop *l, int fd);
/* Waits up to timeout_ms and runs the callbacks of ready fds. */
int vr_evloop_run_once(struct vr_evloop *l, int timeout_ms);

/* ---- replies ---- */
struct vr_reply {
	int err;                     /* 0 or a positive errno */
	char msg[1024];
	bool json;                   /* the client asked for --json */
	FILE *out;                   /* body, text or JSON */
	char *buf;
	size_t len;
};

/* Sets the error and message; returns -err for `return vr_reply_err(...)`. */
int vr_reply_err(struct vr_reply *r, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Writes a JSON value to the body (compact, then a newline) and frees it. */
void vr_reply_json(struct vr_reply *r, json_t *v);

/* ---- server ---- */
typedef void (*vr_api_handler)(int argc, char **argv, struct vr_reply *r,
			       void *arg);
struct vr_api_server;

int vr_api_server_open(struct vr_evloop *l, const char *path,
		       vr_api_handler h, void *arg,
		       struct vr_api_server **out);
void vr_api_server_close(struct vr_api_server *s);

/* ---- client ---- */
struct vr_api_result {
	int err;
	char *message;
	char *body;
	size_t body_len;
};

int vr_api_call(const char *path, int argc, char *const argv[], bool json,
		struct vr_api_result *res, char *err, size_t errlen);
void vr_api_result_free(struct vr_api_result *res);

/* ---- command lines ---- */
#define VR_CMD_MAX_ARGS 64
/* Splits a line into words in place, honouring "quotes" and dropping a
 * '#' comment. Returns the word count, or -E2BIG / -EINVAL. */
int vr_cmd_split(char *line, char **argv, int max);

#endif
