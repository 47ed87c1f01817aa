#!/bin/sh
# The web server as production runs it: gunicorn with the repository's gunicorn.conf.py
# (extra arguments are passed on), stopped without failing a request.
#
# On SIGTERM (systemctl stop, docker stop, a rolling restart) the server first drains: it
# creates DRAIN_FILE, so /readyz answers 503 and the load balancer stops sending it new
# requests (HAProxy: after two failed probes, 2 s with deploy/haproxy.cfg) while it still
# serves what it receives; after DRAIN_SECONDS it passes SIGTERM on to gunicorn, which
# finishes the requests in flight (up to its graceful timeout, 30 s) and exits.
# A plain SIGTERM to gunicorn alone would let the load balancer send requests to a server
# that has stopped accepting them until its probes notice (docs/deployment.md).
#
# DRAIN_SECONDS=0 stops at once (a single server with nothing in front to drain from).

set -u
cd "$(dirname "$0")/.." || exit 1

DRAIN_SECONDS="${DRAIN_SECONDS:-4}"
DRAIN_FILE="${DRAIN_FILE:-${TMPDIR:-/tmp}/ecandidat-draining-$$}"
export DRAIN_FILE
rm -f "$DRAIN_FILE"

# The virtualenv's gunicorn when started from a checkout, else the one on PATH (image).
GUNICORN=gunicorn
[ -x .venv/bin/gunicorn ] && GUNICORN=.venv/bin/gunicorn

draining=0
# shellcheck disable=SC2329  # invoked by the trap below
stop() {
    draining=1
    : >"$DRAIN_FILE"
    sleep "$DRAIN_SECONDS"
    kill -TERM "$pid" 2>/dev/null
}
trap stop TERM INT

"$GUNICORN" -c gunicorn.conf.py "$@" &
pid=$!
wait "$pid"
status=$?
# A trapped signal interrupts the first wait; the second one waits for gunicorn's exit.
while [ "$draining" = 1 ] && kill -0 "$pid" 2>/dev/null; do
    wait "$pid"
    status=$?
done
rm -f "$DRAIN_FILE"
exit "$status"
