"""Sessions kept in the database and read through the cache, that survive a cache outage.

Django's ``cached_db`` store is the base: the database holds every session, the cache
(Redis) answers the reads, so a logged-in request costs no query. What it does not do is
keep working when Redis does not answer: its ``load`` writes the session back to the cache
and its ``delete`` calls the cache unguarded (a 500 on every request with a session), and a
frozen Redis makes each request wait for the socket. Here every cache call goes through the
process's circuit breaker (``common.breaker``): on failure the session is read from and
written to the database alone, and the cache is skipped for a few seconds.

Two limits, documented in docs/operations.md: a session is cached for at most
``CACHE_SECONDS`` (5 minutes), and a session deleted (log out, password change) while Redis
was down is deleted again from the cache once it answers (this process remembers it); so a
session ended during an outage is refused everywhere at the latest ``CACHE_SECONDS`` after
Redis is back, even by a server that died in between.
"""

import logging

from django.contrib.sessions.backends import cached_db

from ecandidat.common import breaker

logger = logging.getLogger(__name__)
CACHE_SECONDS = 300
_deleted_while_down: set[str] = set()


class SessionStore(cached_db.SessionStore):
    def _cache_call(self, operation, what):
        """``operation()`` or None when the cache is unavailable; first, the deletions
        this process could not make while it was down."""
        try:
            if _deleted_while_down:
                pending = list(_deleted_while_down)
                breaker.call(lambda: self._cache.delete_many(pending), "session deletes")
                _deleted_while_down.difference_update(pending)
            return breaker.call(operation, what)
        except breaker.CacheUnavailable:
            return None

    def _cache_seconds(self, age: int) -> int:
        return max(0, min(age, CACHE_SECONDS))

    def load(self):
        key = self.cache_key
        data = self._cache_call(lambda: self._cache.get(key), "session read")
        if data is None:
            stored = self._get_session_from_db()
            if not stored:
                return {}
            data = self.decode(stored.session_data)
            age = self._cache_seconds(self.get_expiry_age(expiry=stored.expire_date))
            self._cache_call(lambda: self._cache.set(key, data, age), "session write")
        return data

    def exists(self, session_key):
        if session_key:
            key = self.cache_key_prefix + session_key
            if self._cache_call(lambda: key in self._cache, "session exists"):
                return True
        return super(cached_db.SessionStore, self).exists(session_key)

    def save(self, must_create=False):
        # The database first (what counts), then the cache.
        super(cached_db.SessionStore, self).save(must_create)
        key, data = self.cache_key, self._session
        age = self._cache_seconds(self.get_expiry_age())
        self._cache_call(lambda: self._cache.set(key, data, age), "session write")

    def delete(self, session_key=None):
        super(cached_db.SessionStore, self).delete(session_key)
        if session_key is None:
            if self.session_key is None:
                return
            session_key = self.session_key
        key = self.cache_key_prefix + session_key
        done = self._cache_call(lambda: self._cache.delete(key) or True, "session delete")
        if done is None:
            _deleted_while_down.add(key)
            logger.warning("session deleted while the cache is down: deleted there later")
