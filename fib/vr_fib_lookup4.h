/* SPDX-License-Identifier: BSD-3-Clause
 * vr_fib's IPv4 lookups for the data path, part of vr_fib.h (which
 * includes it at its end; include vr_fib.h, not this file): the group ids
 * of a burst of addresses (vr_fib_lookup4_bulk), or what the forwarding
 * loop takes, the next hop itself for a one-path group
 * (vr_fib_lookup4_route_bulk). Both read rte_fib's DIR-24-8 table
 * directly when fib.c's probe has shown its layout (vr_fib_fp.v4_dir),
 * else call rte_fib_lookup_bulk.
 */
#ifndef VR_FIB_LOOKUP4_H
#define VR_FIB_LOOKUP4_H

#ifdef __AVX2__
#include <immintrin.h>
#endif

/* rte_fib's DIR-24-8 table (DPDK's lib/fib/dir24_8.h, struct
 * dir24_8_tbl; rte_fib_get_dp() gives it) as this build reads it: the
 * tbl8 array's address at byte 24, tbl24 at byte 64, entries of 4 bytes
 * (RTE_FIB_DIR24_8_4B) holding value << 1, bit 0 set when the value is
 * a tbl8 group whose 256 entries the address's last byte indexes. Not
 * DPDK's API: fib.c reads the table only once a probe route has shown
 * each of these where they are said to be (fib4_dir_probe), and the
 * lookup goes through rte_fib_lookup_bulk otherwise. Why read it: rte_fib
 * has no AVX2 lookup (its vector one needs AVX-512), and its scalar loop
 * costs 19 instructions a packet; AVX2 gathers 8 entries in one. */
#define VR_FIB_DIR24_TBL8_PTR_OFF 24
#define VR_FIB_DIR24_TBL24_OFF 64
#define VR_FIB_DIR24_EXT 1u

/* One address's lookup, an extended entry's tbl8 read included. */
static inline uint32_t
vr_fib_dir24_lookup1(const uint8_t *dir, uint32_t ip)
{
	const uint32_t *tbl24 = (const uint32_t *)(dir + VR_FIB_DIR24_TBL24_OFF);
	uint32_t e = tbl24[ip >> 8];

	if (unlikely(e & VR_FIB_DIR24_EXT)) {
		const uint32_t *tbl8 =
			*(const uint32_t *const *)(dir + VR_FIB_DIR24_TBL8_PTR_OFF);

		e = tbl8[((size_t)(e >> 1) << 8) + (ip & 0xff)];
	}
	return e >> 1;
}

#ifdef __AVX2__
/* Extended entries, rare, looked up again one by one: ext has a bit
 * for each. */
static inline void
vr_fib_dir24_ext_fix(const uint8_t *dir, const uint32_t *ips, uint32_t *nhg,
		     unsigned int ext)
{
	while (unlikely(ext != 0)) {
		unsigned int k = (unsigned int)__builtin_ctz(ext);

		nhg[k] = vr_fib_dir24_lookup1(dir, ips[k]);
		ext &= ext - 1;
	}
}

/* The group ids of eight addresses from their tbl24 entries e. */
static inline void
vr_fib_dir24_ids8(const uint8_t *dir, const uint32_t *ips, uint32_t *nhg, __m256i e)
{
	_mm256_storeu_si256((__m256i *)nhg, _mm256_srli_epi32(e, 1));
	vr_fib_dir24_ext_fix(dir, ips, nhg, (unsigned int)_mm256_movemask_ps(
		_mm256_castsi256_ps(_mm256_slli_epi32(e, 31))));
}

/* Eight addresses with one gather from tbl24. */
static inline void
vr_fib_dir24_lookup8_full(const uint8_t *dir, const uint32_t *ips, uint32_t *nhg)
{
	const int *tbl24 = (const int *)(dir + VR_FIB_DIR24_TBL24_OFF);
	__m256i ip = _mm256_loadu_si256((const __m256i *)ips);

	vr_fib_dir24_ids8(dir, ips, nhg,
			  _mm256_i32gather_epi32(tbl24, _mm256_srli_epi32(ip, 8), 4));
}

/* Fewer than eight: lanes >= n are neither read nor written. */
static inline void
vr_fib_dir24_lookup8(const uint8_t *dir, const uint32_t *ips, uint32_t *nhg,
		     unsigned int n)
{
	const int *tbl24 = (const int *)(dir + VR_FIB_DIR24_TBL24_OFF);
	const __m256i lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
	__m256i mask = _mm256_cmpgt_epi32(_mm256_set1_epi32((int)n), lanes);
	__m256i ip = _mm256_maskload_epi32((const int *)ips, mask);
	__m256i e = _mm256_mask_i32gather_epi32(_mm256_setzero_si256(), tbl24,
						_mm256_srli_epi32(ip, 8), mask, 4);

	_mm256_maskstore_epi32((int *)nhg, mask, _mm256_srli_epi32(e, 1));
	vr_fib_dir24_ext_fix(dir, ips, nhg, (unsigned int)_mm256_movemask_ps(
		_mm256_castsi256_ps(_mm256_slli_epi32(e, 31))));
}
#endif

/* Group ids (< 2^31) of n IPv4 addresses in host order. */
static inline void
vr_fib_lookup4_bulk(const struct vr_fib_fp *fp, const uint32_t *ips_host,
		    uint32_t *nhg, unsigned int n)
{
	const uint8_t *dir = __atomic_load_n(&fp->v4_dir, __ATOMIC_ACQUIRE);

	if (likely(dir != NULL)) {
#ifdef __AVX2__
		unsigned int i = 0;

		for (; i + 8 <= n; i += 8)
			vr_fib_dir24_lookup8_full(dir, ips_host + i, nhg + i);
		if (i < n)
			vr_fib_dir24_lookup8(dir, ips_host + i, nhg + i, n - i);
#else
		for (unsigned int i = 0; i < n; i++)
			nhg[i] = vr_fib_dir24_lookup1(dir, ips_host[i]);
#endif
		return;
	}
	{
		struct rte_fib *f = __atomic_load_n(&fp->v4, __ATOMIC_ACQUIRE);
		uint64_t r[64];

		for (unsigned int i = 0; i < n; i += 64) {
			unsigned int k = RTE_MIN(n - i, 64u);

			rte_fib_lookup_bulk(f, (uint32_t *)(uintptr_t)(ips_host + i), r, k);
			for (unsigned int j = 0; j < k; j++)
				nhg[i + j] = (uint32_t)r[j];
		}
	}
}

/* An IPv4 lookup's answer as the data path takes it (a "route"): a
 * next hop's address, the next hop itself for a one-path group, for any
 * other group (group 0, no route, among them) the group's stand-in
 * (struct vr_nhg's as_nh), whose fwd_frame_max is 0: the forwarding
 * loop's one test on the frame's length sends both a multipath group
 * and anything else that is not forwarded as it is aside, with no test
 * of its own. */
static inline uintptr_t
vr_fib_route_of(const struct vr_fib_fp *fp, uint32_t nhg_id)
{
	return vr_fib_nhg_is_single(nhg_id) ? (uintptr_t)vr_fib_nh_single(fp, nhg_id)
					    : (uintptr_t)&fp->nhg[nhg_id].as_nh;
}

/* Whether a route's next hop is a multipath group's stand-in; its type
 * never changes, so this needs no order. */
static inline bool
vr_fib_nh_is_group(const struct vr_nh *nh)
{
	return nh->type == VR_NH_GROUP;
}

static inline uint32_t
vr_fib_nh_group(const struct vr_nh *nh)    /* vr_fib_nh_is_group(nh) */
{
	return (uint32_t)nh->adj;
}

/* Destinations that no route forwards to, whatever the table holds: 0/8
 * (this network), 127/8 (loopback), 224/4 (multicast, not unicast
 * routing's) and 240/4 (reserved, the limited broadcast among them):
 * RFC 1812 5.3.7 and 4.2.2.11, RFC 1112 4. The same set as the
 * destinations vr_ip4_class_by_octet does not call unicast. */
static inline bool
vr_fib_ip4_unroutable(uint32_t ip_host)
{
	uint32_t a = ip_host >> 24;

	return a == 0 || a == 127 || a >= 224;
}

#ifdef __AVX2__
/* Routes r_end[k..k+7] as they are for usual entries e (one-path
 * groups, no tbl8): the next hop (vr_fib_nh_single) is at nh + its id's
 * low 30 bits * 32, which is e * 16 taken in 32 bits, where the group's
 * VR_NHG_SINGLE goes and the rest fits (VR_FIB_MAX_NH). base: fp->nh in
 * every lane. (r_end and k apart, not r_end + k: GCC would compute that
 * address in the loop for the stores and a call alike.) */
static inline void
vr_fib_routes8_usual(uintptr_t *r_end, ptrdiff_t k, __m256i e, __m256i base)
{
	__m256i s = _mm256_slli_epi32(e, 4);

	_mm256_storeu_si256((__m256i *)(r_end + k), _mm256_add_epi64(
		_mm256_cvtepu32_epi64(_mm256_castsi256_si128(s)), base));
	_mm256_storeu_si256((__m256i *)(r_end + k + 4), _mm256_add_epi64(
		_mm256_cvtepu32_epi64(_mm256_extracti128_si256(s, 1)), base));
}

/* The routes of eight addresses a whose tbl24 entries e are not all
 * usual (vr_fib_lookup4_route_bulk; no: the unroutable lanes): tbl8
 * entries with a second gather, for those lanes only (a tbl8 entry is
 * a leaf: value << 1), the lanes then usual in registers, the others one
 * by one. */
static inline void
vr_fib_route8_odd(const struct vr_fib_fp *fp, const uint8_t *dir, const uint32_t *ip_end,
		  uintptr_t *r_end, ptrdiff_t k, __m256i a, __m256i e, __m256i no)
{
	const __m256i one = _mm256_set1_epi32(1);
	const __m256i usual = _mm256_set1_epi32((int)(VR_NHG_SINGLE << 1 | 1));
	__m256i ext = _mm256_slli_epi32(e, 31), x;
	uint32_t v[8];
	unsigned int odd;

	/* (Without it, GCC computes this block's addresses in the caller's
	 * loop, for every eight.) */
	asm("" : "+r"(k));
	if (!_mm256_testz_si256(ext, ext)) {
		const int *tbl8 = *(const int *const *)(dir + VR_FIB_DIR24_TBL8_PTR_OFF);
		__m256i idx = _mm256_or_si256(_mm256_slli_epi32(_mm256_srli_epi32(e, 1), 8),
					      _mm256_and_si256(a, _mm256_set1_epi32(0xff)));
		e = _mm256_mask_i32gather_epi32(e, tbl8, idx, ext, 4);
		vr_fib_routes8_usual(r_end, k, e,
				     _mm256_set1_epi64x((long long)(uintptr_t)fp->nh));
	}
	x = _mm256_andnot_si256(no, _mm256_xor_si256(e, one));
	odd = ~(unsigned int)_mm256_movemask_ps(_mm256_castsi256_ps(
		_mm256_cmpeq_epi32(_mm256_and_si256(x, usual), usual))) & 0xff;
	if (odd == 0)
		return;
	_mm256_storeu_si256((__m256i *)v, _mm256_srli_epi32(e, 1));
	do {
		unsigned int j = (unsigned int)__builtin_ctz(odd);

		r_end[k + j] = vr_fib_route_of(fp, vr_fib_ip4_unroutable(ip_end[k + j]) ?
					       0 : v[j]);
		odd &= odd - 1;
	} while (odd != 0);
}
#endif

/* vr_fib_lookup4_bulk's answers as vr_fib_route_of gives them, but group
 * 0's (no route) for an unroutable destination (vr_fib_ip4_unroutable),
 * as in VPP's FIB: so that the data path's receive checks need not test
 * the destination, only what they see as no route. With the table read
 * directly and AVX2, eight at a time: the usual eight, all one-path
 * groups with no tbl8 entry and routable, are turned into next-hop
 * addresses in registers; the forwarding loop then reads no group id. */
static inline void
vr_fib_lookup4_route_bulk(const struct vr_fib_fp *fp, const uint32_t *ips_host,
			  uintptr_t *route, unsigned int n)
{
	uint32_t g[8];
	unsigned int i = 0;
#ifdef __AVX2__
	const uint8_t *dir = __atomic_load_n(&fp->v4_dir, __ATOMIC_ACQUIRE);

	if (likely(dir != NULL)) {
		const int *tbl24 = (const int *)(dir + VR_FIB_DIR24_TBL24_OFF);
		const __m256i base = _mm256_set1_epi64x((long long)(uintptr_t)fp->nh);
		/* An entry e is a one-path group's id << 1 with no tbl8 when
		 * its bit 31 (VR_NHG_SINGLE << 1) is set and bit 0 is not:
		 * e ^ 1 has both set. (A tbl8 entry's group index is below
		 * 2^30, so bit 31 alone would tell; bit 0 costs nothing.) */
		const __m256i usual = _mm256_set1_epi32((int)(VR_NHG_SINGLE << 1 | 1));
		const __m256i one = _mm256_set1_epi32(1);
		/* Unroutable, in three compares: ip + 0xa0000000 puts 224/3
		 * and then 0/8 at the bottom of the signed range, below
		 * 0xa1000000; 127/8 alone. */
		const __m256i shift = _mm256_set1_epi32((int)0xa0000000u);
		const __m256i below = _mm256_set1_epi32((int)0xa1000000u);
		const __m256i loopback = _mm256_set1_epi32(127);
		/* k counts from -n8 up to 0, one index for both arrays,
		 * whose increment's flags end the loop (GCC, left alone,
		 * keeps three counters and compares). */
		const unsigned int n8 = n & ~7u;
		const uint32_t *ip_end = ips_host + n8;
		uintptr_t *r_end = route + n8;
		ptrdiff_t k;

		asm("" : "+r"(ip_end), "+r"(r_end));
		for (k = -(ptrdiff_t)n8; k != 0; k += 8) {
			__m256i a, e, x, no;

			asm("" : "+r"(k));
			a = _mm256_loadu_si256((const __m256i *)(ip_end + k));
			e = _mm256_i32gather_epi32(tbl24, _mm256_srli_epi32(a, 8), 4);
			no = _mm256_or_si256(
				_mm256_cmpgt_epi32(below, _mm256_add_epi32(a, shift)),
				_mm256_cmpeq_epi32(_mm256_srli_epi32(a, 24), loopback));
			/* unroutable lanes are not usual */
			x = _mm256_andnot_si256(no, _mm256_xor_si256(e, one));
			vr_fib_routes8_usual(r_end, k, e, base);
			if (unlikely(!_mm256_testc_si256(x, usual)))
				vr_fib_route8_odd(fp, dir, ip_end, r_end, k, a, e, no);
		}
		i = n8;
	}
#endif
	for (; i < n; i += 8) {
		unsigned int k = RTE_MIN(n - i, 8u);

		vr_fib_lookup4_bulk(fp, ips_host + i, g, k);
		for (unsigned int j = 0; j < k; j++)
			route[i + j] = vr_fib_route_of(fp, vr_fib_ip4_unroutable(ips_host[i + j]) ?
							   0 : g[j]);
	}
}

#endif
