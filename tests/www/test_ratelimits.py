import os
import socket

import pytest
import redis
from django.core.cache import cache
from django.urls import reverse

from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

# Limits per hour in tests, never per minute: django-ratelimit counts in fixed windows, and
# a test whose requests straddle the end of a one-minute window sees its count reset (seen
# on a loaded machine). The cache is cleared between tests.


def test_login_is_limited_per_account(client, settings):
    settings.RATELIMITS = {**settings.RATELIMITS, "login_account": "3/h"}
    user = UserFactory()
    for _ in range(3):
        response = client.post(reverse("public:home"), {"username": user.username, "password": "x"})
        assert response.status_code == 200
    blocked = client.post(reverse("public:home"), {"username": user.username, "password": PASSWORD})
    assert blocked.status_code == 429
    assert "Too many attempts" in blocked.content.decode()
    assert blocked.context["form"]["username"].value() == user.username
    assert "_auth_user_id" not in client.session  # even the right password is not tried
    other = UserFactory()
    ok = client.post(reverse("public:home"), {"username": other.username, "password": PASSWORD})
    assert ok.status_code == 302


def test_login_is_limited_per_ip(client, settings):
    settings.RATELIMITS = {**settings.RATELIMITS, "login_ip": "2/h"}
    for n in range(2):
        client.post(reverse("public:home"), {"username": f"user{n}", "password": "x"})
    blocked = client.post(reverse("public:home"), {"username": "user9", "password": "x"})
    assert blocked.status_code == 429
    elsewhere = client.post(
        reverse("public:home"), {"username": "user9", "password": "x"}, REMOTE_ADDR="10.1.2.3"
    )
    assert elsewhere.status_code == 200


@pytest.mark.parametrize(
    ("url_name", "scope", "data"),
    [
        (
            "public:signup",
            "signup",
            {
                "last_name": "A",
                "first_name": "B",
                "email": "a@example.org",
                "email_confirmation": "a@example.org",
            },
        ),
        ("public:identification_lost", "recovery", {"email": "a@example.org"}),
        ("public:lost_activation", "recovery", {"email": "a@example.org"}),
        ("staff:password_lost", "recovery", {"username": "someone"}),
    ],
)
def test_anonymous_forms_are_limited_per_address(client, settings, url_name, scope, data):
    settings.RATELIMITS = {**settings.RATELIMITS, f"{scope}_account": "2/h"}
    for _ in range(2):
        assert client.post(reverse(url_name), data).status_code == 302
    blocked = client.post(reverse(url_name), data)
    assert blocked.status_code == 429
    assert "Too many attempts" in blocked.content.decode()


@pytest.mark.parametrize(
    ("url_name", "scope", "data"),
    [
        (
            "public:signup",
            "signup",
            {"last_name": "A", "first_name": "B", "email": "{}", "email_confirmation": "{}"},
        ),
        ("public:identification_lost", "recovery", {"email": "{}"}),
        ("public:lost_activation", "recovery", {"email": "{}"}),
        ("staff:password_lost", "recovery", {"username": "{}"}),
    ],
)
def test_anonymous_forms_are_limited_per_ip(client, settings, url_name, scope, data):
    settings.RATELIMITS = {**settings.RATELIMITS, f"{scope}_ip": "2/h"}

    def post(n, **extra):
        address = f"person{n}@example.org"  # a new address each time: only the IP repeats
        return client.post(
            reverse(url_name), {k: v.format(address) for k, v in data.items()}, **extra
        )

    for n in range(2):
        assert post(n).status_code == 302
    assert post(2).status_code == 429
    assert post(3, REMOTE_ADDR="10.1.2.3").status_code == 302


def test_rate_limit_message_is_translated(client, settings):
    settings.RATELIMITS = {**settings.RATELIMITS, "recovery_ip": "1/h"}
    client.post(reverse("public:lost_activation"), {"email": "a@example.org"})
    blocked = client.post(
        reverse("public:lost_activation"),
        {"email": "a@example.org"},
        headers={"accept-language": "fr"},
    )
    assert "Trop de tentatives" in blocked.content.decode()


def _redis_url():
    # One database per pytest-xdist worker (gw0 → 15, gw1 → 14…): the test clears its own.
    worker = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)
    url = os.environ.get("REDIS_TEST_URL", f"redis://127.0.0.1:6379/{15 - worker % 15}")
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
    except OSError:
        if os.environ.get("CI"):
            raise
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    return url


def test_limits_are_shared_through_redis(client, settings):
    """With REDIS_URL the counters live in Redis, so every app server sees the same ones."""

    url = _redis_url()
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url,
            "KEY_PREFIX": "ecandidat-test",
        },
        "local": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "ratelimit": {
            "BACKEND": "ecandidat.common.failover_cache.FailoverCache",
            "OPTIONS": {"primary": "default", "fallback": "local"},
        },
    }

    cache.clear()
    settings.RATELIMITS = {**settings.RATELIMITS, "login_account": "2/h"}
    for _ in range(2):
        client.post(reverse("public:home"), {"username": "SOMEONE1", "password": "x"})
    assert (
        client.post(reverse("public:home"), {"username": "SOMEONE1", "password": "x"}).status_code
        == 429
    )
    keys = redis.Redis.from_url(url).keys("ecandidat-test*")
    assert keys, "the counters must be stored in Redis"
    cache.clear()
