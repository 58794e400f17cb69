#!/bin/bash
# vrmux's DPDK backend with two vrd slices: see mux_test.sh.
# timeout: 240
MUX_BACKEND=dpdk
source "$(dirname "$0")/mux_test.sh"
