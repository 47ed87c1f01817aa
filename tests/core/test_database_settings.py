"""The PostgreSQL statement timeout bounds web requests, not the worker or commands."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
SHOW = "from django.db import connection; c = connection.cursor(); "
SHOW += "c.execute('SHOW statement_timeout'); print(c.fetchone()[0])"


@pytest.mark.postgres
@pytest.mark.django_db
def test_web_processes_have_a_statement_timeout_and_commands_do_not():
    if connection.vendor != "postgresql":
        pytest.skip("runs on PostgreSQL (make test-postgres, CI)")
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone()[0] == "30s"  # this test process serves pages
    with connection.cursor() as cursor:
        # A statement longer than the timeout is cancelled (here with a 200 ms one).
        cursor.execute("SET LOCAL statement_timeout = 200")
        with pytest.raises(Exception, match="statement timeout"):
            cursor.execute("SELECT pg_sleep(2)")
    database = settings.DATABASES["default"]
    url = f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/postgres"
    shell = subprocess.run(
        [sys.executable, "manage.py", "shell", "-v0", "-c", SHOW],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": url},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert shell.stdout.strip().splitlines()[-1] == "0"  # a management command: unbounded


LOG = "import django, logging; django.setup(); logging.getLogger('ecandidat.x').warning('hello')"


@pytest.mark.parametrize(("log_format", "json_lines"), [("json", True), ("plain", False)])
def test_logs_are_json_lines_in_production(log_format, json_lines):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "ecandidat.settings", "LOG_FORMAT": log_format}
    run = subprocess.run(
        [sys.executable, "-c", LOG], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    line = run.stderr.strip().splitlines()[-1]
    if json_lines:
        entry = json.loads(line)
        assert entry["logger"] == "ecandidat.x" and entry["level"] == "WARNING"
        assert entry["message"] == "hello" and "time" in entry
    else:
        assert line.endswith("WARNING ecandidat.x hello")
