/* SPDX-License-Identifier: BSD-3-Clause
 * Unit tests of vnet/vr_pkt.h's IPv4 header arithmetic against DPDK's
 * reference functions: the 20-byte sum fast path against rte_raw_cksum()
 * on random bytes, the unfolded validity test against the folded sum,
 * vr_ip4_check() on headers with and without options, and the
 * incremental TTL decrement (RFC 1624) against a full recompute.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "vr_pkt.h"

#define N_RANDOM 1000000

static void
fill_random(void *p, size_t n)
{
	uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		b[i] = (uint8_t)random();
}

/* A valid header of hlen bytes with random fields and options. */
static void
random_header(uint8_t *buf, unsigned int hlen)
{
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)buf;

	fill_random(buf, hlen);
	ip->version_ihl = (uint8_t)(0x40 | (hlen / 4));
	ip->total_length = rte_cpu_to_be_16((uint16_t)(hlen + (random() % 1400)));
	ip->hdr_checksum = 0;
	ip->hdr_checksum = (uint16_t)~rte_raw_cksum(ip, hlen);
}

/* Any 20 bytes, at any alignment: the same folded sum as DPDK's loop. */
static void
test_hdr20_sum_matches_raw_cksum(void **state)
{
	uint8_t buf[64];

	(void)state;
	for (int i = 0; i < N_RANDOM; i++) {
		uint8_t *h = buf + (i & 7);

		fill_random(h, 20);
		uint16_t fast = vr_ip4_hdr20_sum((const struct rte_ipv4_hdr *)h);
		uint16_t ref = rte_raw_cksum(h, 20);
		assert_int_equal(fast, ref);
	}
	/* The extremes: all zero, all ones. */
	memset(buf, 0, 20);
	assert_int_equal(vr_ip4_hdr20_sum((const struct rte_ipv4_hdr *)buf),
			 rte_raw_cksum(buf, 20));
	memset(buf, 0xff, 20);
	assert_int_equal(vr_ip4_hdr20_sum((const struct rte_ipv4_hdr *)buf),
			 rte_raw_cksum(buf, 20));
}

/* vr_ip4_hdr20_csum_ok() says yes exactly when the folded sum is 0xffff:
 * on valid headers, on each of them with one bit flipped, and on random
 * bytes behind a 0x45 (the fast path's precondition). */
static void
test_hdr20_csum_ok(void **state)
{
	uint8_t buf[64];

	(void)state;
	for (int i = 0; i < N_RANDOM; i++) {
		uint8_t *h = buf + (i & 7);
		const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)h;
		unsigned int bit;

		random_header(h, 20);
		assert_true(vr_ip4_hdr20_csum_ok(ip));
		bit = 8 + (unsigned int)random() % (20 * 8 - 8);
		h[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		assert_int_equal(vr_ip4_hdr20_csum_ok(ip),
				 vr_ip4_hdr20_sum(ip) == 0xffff);
		assert_false(vr_ip4_hdr20_csum_ok(ip));
		fill_random(h, 20);
		h[0] = 0x45;
		assert_int_equal(vr_ip4_hdr20_csum_ok(ip),
				 vr_ip4_hdr20_sum(ip) == 0xffff);
	}
	/* Both forms of a zero checksum field (0x0000, 0xffff) are valid
	 * one's-complement arithmetic: a header whose sum without them is
	 * 0xffff. */
	memset(buf, 0, 20);
	buf[0] = 0x45;
	buf[1] = 0xba;       /* 0x45ba + 0xba45 = 0xffff */
	buf[2] = 0xba;
	buf[3] = 0x45;
	assert_true(vr_ip4_hdr20_csum_ok((const struct rte_ipv4_hdr *)buf));
	buf[10] = buf[11] = 0xff;
	assert_true(vr_ip4_hdr20_csum_ok((const struct rte_ipv4_hdr *)buf));
	assert_int_equal(vr_ip4_hdr20_sum((const struct rte_ipv4_hdr *)buf), 0xffff);
}

/* A correct header passes, with or without options; any one bit flipped
 * outside version and lengths is a bad checksum. */
static void
test_check_csum(void **state)
{
	uint8_t buf[64];

	(void)state;
	for (int i = 0; i < N_RANDOM / 10; i++) {
		unsigned int hlen = 20 + 4 * (unsigned int)(i % 11);
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)buf;
		uint32_t tot;
		unsigned int bit;

		random_header(buf, hlen);
		tot = rte_be_to_cpu_16(ip->total_length);
		assert_int_equal(vr_ip4_check(ip, hlen, tot), VR_IP4_OK);
		/* Bytes 4 and up: id, fragment, TTL, protocol, checksum,
		 * addresses, options. */
		bit = 32 + (unsigned int)random() % (hlen * 8 - 32);
		buf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		assert_int_equal(vr_ip4_check(ip, hlen, tot), VR_IP4_BAD_CSUM);
	}
}

/* After the incremental update the header sums to 0xffff and the
 * checksum is what a full recompute gives, 0x0000 rather than 0xffff
 * included (no IPv4 header's full checksum is 0xffff). */
static void
test_ttl_dec(void **state)
{
	uint8_t buf[64];
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)buf;

	(void)state;
	for (int i = 0; i < N_RANDOM; i++) {
		uint16_t incr;

		random_header(buf, 20);
		ip->time_to_live = (uint8_t)(2 + random() % 254);
		ip->hdr_checksum = 0;
		ip->hdr_checksum = rte_ipv4_cksum(ip);
		vr_ip4_ttl_dec(ip);
		assert_int_equal(rte_raw_cksum(ip, 20), 0xffff);
		incr = ip->hdr_checksum;
		ip->hdr_checksum = 0;
		assert_int_equal(incr, rte_ipv4_cksum(ip));
	}
	/* Every value the field can hold, against Linux's ip_decrease_ttl()
	 * form: the end-around carry cases (0xfffe and 0xffff as the sum)
	 * are too rare for random headers to reach. */
	for (uint32_t c = 0; c <= 0xffff; c++) {
		uint32_t sum = c + RTE_BE16(0x0100);
		uint8_t ttl = (uint8_t)(1 + c % 255);   /* 1 to 255 */

		ip->time_to_live = ttl;
		ip->next_proto_id = (uint8_t)(c >> 8);
		ip->hdr_checksum = (uint16_t)c;
		vr_ip4_ttl_dec(ip);
		assert_int_equal(ip->time_to_live, ttl - 1);
		assert_int_equal(ip->next_proto_id, (uint8_t)(c >> 8));
		assert_int_equal(ip->hdr_checksum, (uint16_t)(sum + (sum >= 0xffff)));
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hdr20_sum_matches_raw_cksum),
		cmocka_unit_test(test_hdr20_csum_ok),
		cmocka_unit_test(test_check_csum),
		cmocka_unit_test(test_ttl_dec),
	};

	srandom(1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
