/* SPDX-License-Identifier: BSD-3-Clause
 * Sequence numbers and latency of vrgen's packets (gen_seq.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "gen_seq.h"

int
gen_rx_seq_init(struct gen_rx_seq *s)
{
	memset(s, 0, sizeof(*s));
	s->seen = calloc(GEN_SEQ_WINDOW / 64, sizeof(uint64_t));
	return s->seen == NULL ? -ENOMEM : 0;
}

void
gen_rx_seq_reset(struct gen_rx_seq *s)
{
	uint64_t *seen = s->seen;

	memset(seen, 0, GEN_SEQ_WINDOW / 8);
	memset(s, 0, sizeof(*s));
	s->seen = seen;
}

void
gen_rx_seq_free(struct gen_rx_seq *s)
{
	free(s->seen);
	s->seen = NULL;
}

static inline bool
bit_test_set(uint64_t *map, uint64_t seq)
{
	uint64_t i = seq % GEN_SEQ_WINDOW, m = 1ULL << (i % 64);
	bool was = map[i / 64] & m;

	map[i / 64] |= m;
	return was;
}

static inline void
bit_clear(uint64_t *map, uint64_t seq)
{
	uint64_t i = seq % GEN_SEQ_WINDOW;

	map[i / 64] &= ~(1ULL << (i % 64));
}

/* Log-linear bucket: exact below 16, then 16 steps per power of two. */
static inline unsigned int
lat_bucket(uint64_t v)
{
	unsigned int e;

	if (v < 16)
		return (unsigned int)v;
	e = 63u - (unsigned int)__builtin_clzll(v);     /* >= 4 */
	return (e - 3) * 16 + (unsigned int)((v >> (e - 4)) & 15);
}

static uint64_t
lat_bucket_top(unsigned int b)
{
	unsigned int e, sub;

	if (b < 16)
		return b;
	e = b / 16 + 3;
	sub = b % 16;
	return ((16ULL + sub + 1) << (e - 4)) - 1;
}

void
gen_rx_seq_account(struct gen_rx_seq *s, uint64_t seq, uint64_t tsc,
		   uint64_t now)
{
	if (!s->any || seq > s->max_seq) {
		/* Numbers skipped over are unseen so far: clear their bits
		 * (the window's old use). */
		uint64_t from = s->any ? s->max_seq + 1 : seq;

		if (seq - from >= GEN_SEQ_WINDOW)
			memset(s->seen, 0, GEN_SEQ_WINDOW / 8);
		else
			for (uint64_t x = from; x < seq; x++)
				bit_clear(s->seen, x);
		bit_clear(s->seen, seq);
		bit_test_set(s->seen, seq);
		s->max_seq = seq;
		s->any = true;
		s->unique++;
	} else if (s->max_seq - seq >= GEN_SEQ_WINDOW) {
		s->too_late++;
		s->reordered++;
		s->unique++;
	} else if (bit_test_set(s->seen, seq)) {
		s->duplicates++;
		return;
	} else {
		s->reordered++;
		s->unique++;
	}
	if (s->lat_on && now >= tsc) {
		uint64_t d = now - tsc;

		s->lat[lat_bucket(d)]++;
		s->lat_n++;
		if (d > s->lat_max)
			s->lat_max = d;
	}
}

uint64_t
gen_rx_seq_lat_pct(const struct gen_rx_seq *s, double p)
{
	uint64_t want, acc = 0;

	if (s->lat_n == 0)
		return 0;
	want = (uint64_t)(p * (double)s->lat_n);
	if (want >= s->lat_n)
		return s->lat_max;
	for (unsigned int b = 0; b < GEN_LAT_BUCKETS; b++) {
		acc += s->lat[b];
		if (acc > want) {
			uint64_t top = lat_bucket_top(b);
			return top < s->lat_max ? top : s->lat_max;
		}
	}
	return s->lat_max;
}

uint64_t
gen_tx_seq_next(struct gen_tx_seq *t)
{
	uint64_t seq;

	if (t->swap_pending) {
		t->swap_pending = false;
		return t->swap_seq;
	}
	if (t->drop_every && ++t->n_drop == t->drop_every) {
		t->n_drop = 0;
		t->next++;                   /* a number nobody gets: lost */
		t->dropped++;
	}
	if (t->dup_every && t->next > 0 && ++t->n_dup == t->dup_every) {
		t->n_dup = 0;
		t->duplicated++;
		return t->next - 1;          /* the previous packet's again */
	}
	if (t->swap_every && ++t->n_swap == t->swap_every) {
		/* This packet takes next+1, the following one next: one
		 * packet arrives after a higher number. */
		t->n_swap = 0;
		t->swapped++;
		t->swap_pending = true;
		t->swap_seq = t->next;
		t->next += 2;
		return t->swap_seq + 1;
	}
	seq = t->next++;
	return seq;
}
