"""A cache backend for counters that must keep counting when Redis is down: the login rate
limits.

Calls go to the shared cache (``OPTIONS["primary"]``, Redis) through the process's circuit
breaker; while it fails they go to a cache in this process's memory
(``OPTIONS["fallback"]``, local memory). Guessing is then limited per process instead of
for the whole site (with N web processes an attacker gets at most N times the limit while
the outage lasts): never a server error, never unlimited. When Redis answers again the
counters are Redis's again.
"""

from django.core.cache import caches
from django.core.cache.backends.base import BaseCache

from . import breaker


class FailoverCache(BaseCache):
    def __init__(self, location, params):
        super().__init__(params)
        options = params.get("OPTIONS", {})
        self._primary_alias = options.get("primary", "default")
        self._fallback_alias = options.get("fallback", "local")

    def _call(self, method: str, *args, **kwargs):
        primary = caches[self._primary_alias]
        try:
            return breaker.call(lambda: getattr(primary, method)(*args, **kwargs), method)
        except breaker.CacheUnavailable:
            return getattr(caches[self._fallback_alias], method)(*args, **kwargs)

    # django-ratelimit uses add, incr, get and get_many; the rest is for completeness.
    def add(self, key, value, timeout=None, version=None):
        return self._call("add", key, value, timeout, version=version)

    def get(self, key, default=None, version=None):
        return self._call("get", key, default, version=version)

    def set(self, key, value, timeout=None, version=None):
        return self._call("set", key, value, timeout, version=version)

    def touch(self, key, timeout=None, version=None):
        return self._call("touch", key, timeout, version=version)

    def delete(self, key, version=None):
        return self._call("delete", key, version=version)

    def incr(self, key, delta=1, version=None):
        return self._call("incr", key, delta, version=version)

    def get_many(self, keys, version=None):
        return self._call("get_many", keys, version=version)

    def has_key(self, key, version=None):
        return self._call("has_key", key, version=version)

    def clear(self):
        return self._call("clear")
