#!/bin/sh
# deploy/down.sh TOPOLOGY: see deploy/vrdeploy.py and docs/deploy.md.
exec /usr/bin/python3 "$(dirname "$0")/vrdeploy.py" down "$@"
