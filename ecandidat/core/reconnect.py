"""Riding out a database outage in the long-running processes (the worker, the scheduler).

A web request that meets a dead connection fails once and the next request reconnects; a
loop that meets one raises out of its ``while`` and the process is gone. The worker and the
scheduler catch the connection errors instead, drop the broken connections and wait with
exponential back-off (capped, jittered) until the database answers again, then go on.
Anything else (a programming error, a missing table) still stops the process: a supervisor
restarts it and the traceback is in the log.
"""

import logging
import random
import time
from collections.abc import Callable

from django.db import DEFAULT_DB_ALIAS, DatabaseError, InterfaceError, OperationalError, connections

# What a lost, refused or killed connection raises through Django (psycopg's errors are
# wrapped in these by Django's database layer).
CONNECTION_ERRORS = (OperationalError, InterfaceError)


def close_connections() -> None:
    """Drop every open connection of this thread, broken or not: the next query reconnects.
    Closing a connection the server already dropped can itself raise; that is expected."""
    for conn in connections.all(initialized_only=True):
        try:
            conn.close()
        except DatabaseError:
            # The wrapper forgets the connection even when closing it failed.
            conn.connection = None


def database_answers(using: str = DEFAULT_DB_ALIAS) -> None:
    """Raises a connection error unless a trivial query goes through."""
    with connections[using].cursor() as cursor:
        cursor.execute("SELECT 1")


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else ""


class DatabaseOutage:
    """The back-off of one process across database outages.

    ``wait(error)`` is called with the error that interrupted the process's loop: it closes
    the connections, then sleeps ``base``, ``2 × base``, ``4 × base``… (at most ``cap``
    seconds, each delay drawn between half and all of it so that several processes do not
    reconnect in step) and probes the database after each sleep, until it answers. Every
    failed attempt is logged at WARNING on ``logger``, and so is the recovery with the
    outage's length. A failure within ``healthy_after`` seconds of a recovery continues the
    same back-off instead of starting over, so an error the probe does not see (a query
    that keeps failing on a database that answers ``SELECT 1``) is not retried in a tight
    loop.
    """

    def __init__(
        self,
        logger: logging.Logger,
        *,
        what: str,
        base: float = 0.5,
        cap: float = 10.0,
        healthy_after: float = 60.0,
        sleep: Callable[[float], None] | None = None,
        clock: Callable[[], float] | None = None,
        probe: Callable[[], None] = database_answers,
    ):
        self.logger, self.what = logger, what
        self.base, self.cap, self.healthy_after = base, cap, healthy_after
        self._sleep = sleep or time.sleep
        self._clock = clock or time.monotonic
        self._probe = probe
        self.attempt = 0
        self._recovered_at: float | None = None
        self.outages = 0

    def delay(self) -> float:
        ceiling = min(self.cap, self.base * 2 ** min(self.attempt, 32))
        return ceiling * random.uniform(0.5, 1.0)  # noqa: S311 (jitter, not a secret)

    def wait(self, error: BaseException) -> float:
        """Blocks until the database answers; returns how long the outage lasted (s)."""
        started = self._clock()
        if self._recovered_at is None or started - self._recovered_at > self.healthy_after:
            self.attempt = 0
        self.outages += 1
        tries = 0
        while True:
            close_connections()
            delay = self.delay()
            self.attempt += 1
            tries += 1
            self.logger.warning(
                "%s: database unavailable (%s: %s); attempt %d, next try in %.1f s",
                self.what,
                type(error).__name__,
                _first_line(error),
                tries,
                delay,
            )
            self._sleep(delay)
            try:
                self._probe()
            except CONNECTION_ERRORS as again:
                error = again
                continue
            self._recovered_at = self._clock()
            lasted = self._recovered_at - started
            self.logger.warning(
                "%s: database reachable again after %.1f s (attempts: %d)",
                self.what,
                lasted,
                tries,
            )
            return lasted
