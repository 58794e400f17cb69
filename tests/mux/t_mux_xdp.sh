#!/bin/bash
# vrmux's XDP backend with two vrd slices: see mux_test.sh.
# timeout: 240
MUX_BACKEND=xdp
source "$(dirname "$0")/mux_test.sh"
