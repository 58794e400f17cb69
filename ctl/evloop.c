/* SPDX-License-Identifier: BSD-3-Clause
 * A minimal epoll loop for control threads. */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/epoll.h>

#include "vr_api.h"

#define MAX_FDS 1024

struct ev_slot {
	vr_ev_fn fn;
	void *arg;
};

struct vr_evloop {
	int epfd;
	struct ev_slot slots[MAX_FDS];
};

int
vr_evloop_create(struct vr_evloop **out)
{
	struct vr_evloop *l = calloc(1, sizeof(*l));

	if (l == NULL)
		return -ENOMEM;
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (l->epfd < 0) {
		free(l);
		return -errno;
	}
	*out = l;
	return 0;
}

void
vr_evloop_destroy(struct vr_evloop *l)
{
	if (l == NULL)
		return;
	close(l->epfd);
	free(l);
}

int
vr_evloop_add(struct vr_evloop *l, int fd, unsigned int events, vr_ev_fn fn,
	      void *arg)
{
	struct epoll_event ev = { .events = events, .data.fd = fd };

	if (fd < 0 || fd >= MAX_FDS)
		return -EMFILE;
	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
		return -errno;
	l->slots[fd].fn = fn;
	l->slots[fd].arg = arg;
	return 0;
}

int
vr_evloop_mod(struct vr_evloop *l, int fd, unsigned int events)
{
	struct epoll_event ev = { .events = events, .data.fd = fd };

	return epoll_ctl(l->epfd, EPOLL_CTL_MOD, fd, &ev) < 0 ? -errno : 0;
}

void
vr_evloop_del(struct vr_evloop *l, int fd)
{
	if (fd < 0 || fd >= MAX_FDS)
		return;
	epoll_ctl(l->epfd, EPOLL_CTL_DEL, fd, NULL);
	l->slots[fd].fn = NULL;
}

int
vr_evloop_run_once(struct vr_evloop *l, int timeout_ms)
{
	struct epoll_event evs[32];
	int n = epoll_wait(l->epfd, evs, 32, timeout_ms);

	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	for (int i = 0; i < n; i++) {
		int fd = evs[i].data.fd;
		/* A callback may have closed a later fd of this batch. */
		if (l->slots[fd].fn != NULL)
			l->slots[fd].fn(fd, evs[i].events, l->slots[fd].arg);
	}
	return n;
}
