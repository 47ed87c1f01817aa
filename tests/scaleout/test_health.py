"""The health endpoints: liveness without the database, readiness requiring the database and
reporting the cache (a real unreachable Redis leaves the server ready), the drain, anonymous
and without cookies, answered on plain HTTP in production settings and before the staff
second factor."""

import json
import os
import subprocess
import sys
from pathlib import Path
from unittest import mock

import pytest
from django.db import OperationalError
from django.test import override_settings
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from ecandidat.accounts.enums import StaffRole
from ecandidat.common import breaker
from tests.factories import PASSWORD, staff_with_role
from tests.sso.servers.common import free_port

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def test_liveness_answers_without_touching_the_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert not response.cookies
    assert "no-store" in response["Cache-Control"]
    assert client.head("/healthz").status_code == 200
    assert client.post("/healthz").status_code == 405


def test_readiness_checks_the_database_and_the_cache(client):
    response = client.get(reverse("readyz"))
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "cache": "ok"}}
    assert not response.cookies
    assert "no-store" in response["Cache-Control"]


def test_readiness_reports_redis_down_but_stays_ready(client, caplog):
    """Redis is a speed-up, not a dependency: a server without it still serves, so the
    load balancer must keep it (all servers share the Redis: failing them all would take
    the site down)."""
    # Nothing listens on this port: the connection is refused, as when Redis is down.
    unreachable = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{free_port()}/0",
            "OPTIONS": {"socket_connect_timeout": 0.25, "socket_timeout": 0.25},
        }
    }
    with override_settings(CACHES=unreachable):
        response = client.get(reverse("readyz"))
        assert breaker.is_open()  # the next cache calls of this process skip Redis at once
        again = client.get(reverse("readyz"))
    assert response.status_code == again.status_code == 200
    assert response.json() == {
        "status": "degraded",
        "checks": {"database": "ok", "cache": "error"},
    }
    # Which check failed is public; why (addresses, errors) is only in the log.
    assert "127.0.0.1" not in response.content.decode()
    assert any(r.name == "ecandidat.common.breaker" for r in caplog.records)


def test_readiness_fails_when_the_database_refuses(client):
    broken = mock.Mock()
    broken.cursor.side_effect = OperationalError("connection refused")
    with mock.patch("ecandidat.www.health.connection", broken):
        response = client.get(reverse("readyz"))
    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "checks": {"database": "error", "cache": "ok"},
    }
    assert "refused" not in response.content.decode()


def test_probes_are_not_sent_to_the_staff_second_factor(client, settings):
    settings.STAFF_2FA_REQUIRED = True
    user = staff_with_role(StaffRole.CENTRAL_OFFICE)
    TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    client.post(reverse("staff:login"), {"username": user.username, "password": PASSWORD})
    assert client.get(reverse("staff:dashboard")).status_code == 302  # the code is asked for
    assert client.get("/readyz").status_code == 200
    assert client.get("/healthz").status_code == 200


PRODUCTION_PROBE = """
import django, json
django.setup()
from django.test import Client
client = Client()
print(json.dumps({path: client.get(path).status_code for path in ("/healthz", "/readyz", "/")}))
"""


@pytest.mark.parametrize("script_name", ["", "/candidatures"])
def test_probes_on_plain_http_are_answered_in_production(tmp_path, script_name):
    """With DEBUG off every plain-HTTP request is redirected to HTTPS, except the probes a
    load balancer sends to each server behind the proxy (also under a sub-path)."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "ecandidat.settings",
        "DEBUG": "false",
        "SECRET_KEY": "x" * 50,
        "ALLOWED_HOSTS": "testserver",
        "VAR_DIR": str(tmp_path),
        "FORCE_SCRIPT_NAME": script_name,
    }
    env.pop("DATABASE_URL", None)  # a throw-away SQLite file: SELECT 1 needs no table
    env.pop("REDIS_URL", None)
    result = subprocess.run(
        [sys.executable, "-c", PRODUCTION_PROBE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    codes = json.loads(result.stdout.strip().splitlines()[-1])
    assert codes == {"/healthz": 200, "/readyz": 200, "/": 301}


def test_readiness_fails_while_the_server_drains(client, settings, tmp_path):
    settings.DRAIN_FILE = str(tmp_path / "draining")
    assert client.get("/readyz").status_code == 200
    (tmp_path / "draining").touch()
    response = client.get("/readyz")
    assert response.status_code == 503 and response.json() == {"status": "draining"}
    assert client.get("/healthz").status_code == 200  # alive: it still serves
