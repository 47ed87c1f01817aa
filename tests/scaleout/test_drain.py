"""deploy/run-web.sh on SIGTERM: the server says it is not ready (so the load balancer
takes it out) while it goes on serving, then gunicorn stops gracefully, exit status 0."""

import signal
import sys
from pathlib import Path

import requests

from tests.servers import unavailable
from tests.sso.servers.common import ServerProcess, free_port

ROOT = Path(__file__).resolve().parents[2]


def test_sigterm_drains_then_stops_gracefully(tmp_path):
    if not (Path(sys.executable).parent / "gunicorn").exists():
        unavailable("gunicorn is not installed")
    port, drain_file = free_port(), tmp_path / "draining"
    server = ServerProcess(
        "run-web.sh",
        tmp_path,
        [
            str(ROOT / "deploy" / "run-web.sh"),
            *("--bind", f"127.0.0.1:{port}", "--workers", "1"),
            *("--no-control-socket", "--access-logfile", "-"),
        ],
        # The demo settings on a throw-away SQLite file: SELECT 1 is all readiness needs.
        {"VAR_DIR": str(tmp_path / "var"), "DRAIN_FILE": str(drain_file), "DRAIN_SECONDS": "3"},
    )
    url = f"http://127.0.0.1:{port}"
    try:
        server.wait_until(lambda: requests.get(f"{url}/readyz", timeout=5).status_code == 200)
        server.process.send_signal(signal.SIGTERM)
        # Draining: not ready, still alive and serving.
        server.wait_until(lambda: requests.get(f"{url}/readyz", timeout=5).status_code == 503)
        assert requests.get(f"{url}/readyz", timeout=5).json() == {"status": "draining"}
        assert requests.get(f"{url}/healthz", timeout=5).status_code == 200
        assert drain_file.exists()
        assert "Handling signal: term" not in server.log()  # gunicorn not told yet
        assert server.process.wait(timeout=60) == 0
    finally:
        server.stop()
    assert "Handling signal: term" in server.log() and "Shutting down: Master" in server.log()
    assert not drain_file.exists()
