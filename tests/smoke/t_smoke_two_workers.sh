#!/bin/bash
# Smoke with two workers: af_packet ports with two queue pairs each, rx
# queues spread over the workers, every worker transmitting on its own
# queue of every port; the same checks as the one-worker runs.
# timeout: 300
MODE=af_packet QPAIRS=2 WORKERS=2 EAL_EXTRA="--lcores=0@0,1@1,2@0"
source "$(dirname "$0")/smoke.sh"
