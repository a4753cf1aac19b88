#!/bin/bash
# The part of the official redis image's entrypoint that docker-compose.yml relies on: run
# redis-server as the redis user in /data, reachable from other containers (protected mode off,
# as the official image builds it).
set -euo pipefail
if [[ "${1:-}" == redis-server ]]; then
  chown -R redis:redis /data
  exec setpriv --reuid=redis --regid=redis --init-groups "$@" --protected-mode no
fi
exec "$@"
