/* SPDX-License-Identifier: BSD-3-Clause
 * Tables behind vr_pkt.h. */
#include "vr_pkt.h"

/* RFC 1812 5.3.7 and RFC 6890: 0/8 and 127/8 are never valid on the
 * wire; 224/4 is multicast; 240/4 is reserved but for the limited
 * broadcast address, which the caller tells apart. */
const uint8_t vr_ip4_class_by_octet[256] = {
	[0] = VR_IP4_MARTIAN,
	[127] = VR_IP4_MARTIAN,
	[224 ... 239] = VR_IP4_MULTICAST,
	[240 ... 255] = VR_IP4_CLASS_E,
};
