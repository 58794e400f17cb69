/* SPDX-License-Identifier: BSD-3-Clause
 * Unit tests of vnet/vr_pkt.h's IPv4 header arithmetic against DPDK's
 * reference functions: the 20-byte sum fast path against rte_raw_cksum()
 * on random bytes, vr_ip4_check() on headers with and without options,
 * and the incremental TTL decrement (RFC 1624) against a full recompute.
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
 * checksum is what a full recompute gives: RFC 1624 eqn. 3 never yields
 * 0xffff, which no IPv4 header's full checksum is. */
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
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hdr20_sum_matches_raw_cksum),
		cmocka_unit_test(test_check_csum),
		cmocka_unit_test(test_ttl_dec),
	};

	srandom(1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
