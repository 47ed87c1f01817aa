"""Health endpoints for the load balancer, the container runtime and the monitoring.

* ``/healthz`` (liveness): the process answers HTTP. No database, no cache: restarting a
  server because PostgreSQL is down would not bring PostgreSQL back.
* ``/readyz`` (readiness): this server can serve pages, i.e. it reaches the database;
  503 otherwise, so the load balancer sends requests to the other servers
  (docs/deployment.md, HAProxy). The cache (Redis) is checked and reported too, but a
  cache that does not answer leaves the server ready ("degraded"): Redis is a speed-up,
  never a dependency (docs/operations.md, "When Redis fails"), and failing every server's
  probe at once would turn a Redis outage into a site outage. 503 as well while the server
  drains before it stops (``DRAIN_FILE``, see deploy/run-web.sh): it still serves what it
  receives, the load balancer sends it nothing new.

Both answer anonymous requests with no personal data, no session and no cookie: which
check failed, never why (the reason goes to the log: ``ecandidat.www.health`` for the
database, ``ecandidat.common.breaker`` for the cache).
They sit outside the ``staff`` namespace, so the second-factor middleware leaves them
alone, and ``SECURE_REDIRECT_EXEMPT`` lets a probe speak plain HTTP to the server behind
the TLS-terminating proxy.
"""

import logging
import os
import uuid

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.http import require_safe

from ecandidat.common import breaker

logger = logging.getLogger("ecandidat.www.health")


@require_safe
def liveness(request):
    return JsonResponse({"status": "ok"})


@require_safe
def readiness(request):
    if settings.DRAIN_FILE and os.path.exists(settings.DRAIN_FILE):
        return JsonResponse({"status": "draining"}, status=503)
    checks = {"database": _database_answers(), "cache": _cache_answers()}
    ready = checks["database"]
    return JsonResponse(
        {
            "status": "ok" if all(checks.values()) else "degraded" if ready else "unavailable",
            "checks": {name: "ok" if passed else "error" for name, passed in checks.items()},
        },
        status=200 if ready else 503,
    )


def _database_answers() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:
        logger.warning("readiness: the database does not answer", exc_info=True)
        return False


def _cache_answers() -> bool:
    # A write and a read, not a ping: a full or read-only Redis refuses the writes the
    # cache needs. A key of its own per probe (gone in a few seconds): concurrent probes of
    # the servers sharing the cache never read each other's value. Through the breaker, as
    # every cache call: a failure is logged there and keeps this process off Redis a while.
    key = f"health:readyz:{uuid.uuid4().hex}"
    try:
        breaker.call(lambda: cache.set(key, "ok", timeout=5), "readiness")
        return breaker.call(lambda: cache.get(key), "readiness") == "ok"
    except breaker.CacheUnavailable:
        return False
