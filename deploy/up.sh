#!/bin/sh
# deploy/up.sh TOPOLOGY [--dry-run]: see deploy/vrdeploy.py and docs/deploy.md.
exec /usr/bin/python3 "$(dirname "$0")/vrdeploy.py" up "$@"
