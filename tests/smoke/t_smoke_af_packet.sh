#!/bin/bash
# Smoke: h1 and h2 across vrd over af_packet ports, full IPv4 and IPv6 tables.
# timeout: 300
MODE=af_packet
source "$(dirname "$0")/smoke.sh"
