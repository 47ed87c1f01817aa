"""Redis stopped, frozen and back, under a configuration as in production (REDIS_URL):
logging in, staying logged in and the rate limits keep working; nothing answers 500.

A redis-server of the test's own, on a free port, is stopped (SIGKILL), frozen (SIGSTOP)
and started again; the application talks to it through the settings production uses.
"""

import os
import shutil
import signal
import subprocess

import pytest
import redis
from django.urls import reverse

from ecandidat.common import breaker
from tests.directory.slapd import free_port
from tests.factories import PASSWORD, UserFactory
from tests.servers import accepts_connections, wait_until

pytestmark = [pytest.mark.django_db, pytest.mark.chaos]


class RedisServer:
    def __init__(self, tmp_path):
        self.port = free_port()
        self.dir = tmp_path
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.dir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_until(accepts_connections(self.port), process=self.process, what="redis-server")

    def kill(self):
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    @property
    def url(self):
        return f"redis://127.0.0.1:{self.port}/0"

    def keys(self):
        return redis.Redis.from_url(self.url).keys("*")


@pytest.fixture
def redis_server(tmp_path, settings):
    if shutil.which("redis-server") is None:
        if os.environ.get("CI"):
            pytest.fail("redis-server is not installed")
        pytest.skip("redis-server is not installed")
    server = RedisServer(tmp_path)
    server.start()
    # What settings.py configures when REDIS_URL is set.
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": server.url,
            "OPTIONS": {"socket_connect_timeout": 0.25, "socket_timeout": 0.25},
        },
        "local": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "t"},
        "ratelimit": {
            "BACKEND": "ecandidat.common.failover_cache.FailoverCache",
            "OPTIONS": {"primary": "default", "fallback": "local"},
        },
    }
    settings.SESSION_ENGINE = "ecandidat.www.sessions"
    yield server
    if server.process.poll() is None:
        server.process.send_signal(signal.SIGCONT)
        server.kill()


def _log_in(client, user, password=PASSWORD):
    return client.post(reverse("public:home"), {"username": user.username, "password": password})


def test_logins_sessions_and_limits_survive_redis_stopping_and_coming_back(
    client, redis_server, settings, monkeypatch
):
    settings.RATELIMITS = {**settings.RATELIMITS, "login_account": "5/h"}
    monkeypatch.setattr(breaker, "OPEN_FOR", 0.0)  # retry Redis on every call: no waiting
    alice, bob, carol = UserFactory(), UserFactory(), UserFactory()
    assert _log_in(client, alice).status_code == 302
    assert redis_server.keys(), "the session is cached in Redis"
    home = reverse("candidate:home")
    assert client.get(home).status_code == 200

    redis_server.kill()
    # Still logged in: the session is read from the database.
    assert client.get(home).status_code == 200
    # A new login works, and stays logged in.
    other = client.__class__()
    assert _log_in(other, bob).status_code == 302
    assert other.get(home).status_code == 200
    # Guessing is still limited (counted in this process), never a server error.
    answers = [_log_in(client.__class__(), carol, "wrong").status_code for _ in range(7)]
    assert answers == [200] * 5 + [429] * 2
    # Logging out while Redis is down ends the session.
    other.post(reverse("candidate:logout"))
    assert other.get(home).status_code == 302

    redis_server.start()  # the same port, empty
    assert client.get(home).status_code == 200
    assert _log_in(client.__class__(), alice).status_code == 302
    assert redis_server.keys(), "back in Redis without a restart"


def test_a_frozen_redis_does_not_log_anyone_out(client, redis_server):
    user = UserFactory()
    assert _log_in(client, user).status_code == 302
    redis_server.process.send_signal(signal.SIGSTOP)
    try:
        home = reverse("candidate:home")
        for _ in range(3):
            response = client.get(home)
            assert response.status_code == 200  # not redirected to log in again
        assert breaker.is_open()  # the later requests skipped Redis instead of waiting
        assert _log_in(client.__class__(), UserFactory()).status_code == 302
    finally:
        redis_server.process.send_signal(signal.SIGCONT)
