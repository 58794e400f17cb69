#!/bin/sh
# deploy/status.sh TOPOLOGY [--json]: see deploy/vrdeploy.py and docs/deploy.md.
exec /usr/bin/python3 "$(dirname "$0")/vrdeploy.py" status "$@"
