#!/usr/bin/env bash
# Start or stop one project PostgreSQL or Redis server. Used by start.sh and scripts/test-env.sh,
# and the form in which test-env.sh hands tests their stop/start commands (TRACEHUB_TEST_*_STOP,
# TRACEHUB_TEST_*_START). Each command returns once the server is down, or up and answering.
#
#   services.sh pg-start AREA PORT       start the cluster in AREA/data on 127.0.0.1:PORT
#   services.sh pg-stop AREA             fast shutdown
#   services.sh pg-kill AREA             SIGKILL to the postmaster and all its processes, as a
#                                        crash; returns once every one of them is gone
#   services.sh redis-start CONF PORT PIDFILE
#   services.sh redis-stop PIDFILE
#   services.sh redis-kill PIDFILE      SIGKILL, as a crash (tests: what was answered survives)
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

case "${1:-}" in
  pg-start) pg_start "$2" "$3" ;;
  pg-stop) pg_stop "$2" ;;
  pg-kill) pg_kill "$2" ;;
  redis-start) redis_start "$2" "$3" "$4" ;;
  redis-stop) redis_stop "$2" ;;
  redis-kill) redis_kill "$2" ;;
  *) die "usage: services.sh pg-start AREA PORT | pg-stop AREA | pg-kill AREA | redis-start CONF PORT PIDFILE | redis-stop PIDFILE | redis-kill PIDFILE" ;;
esac
