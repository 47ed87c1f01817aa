"""What the identity-provider fixtures share: the skip-or-fail policy, a free port, a server
process started with its log in a file, and logging in through an HTML form with
``requests``."""

import importlib.util
import os
import re
import shutil
import socket
import subprocess
import sys
from collections.abc import Callable
from html import unescape
from pathlib import Path
from urllib.parse import urljoin

import pytest
import requests

from tests.servers import wait_until

ROOT = Path(__file__).resolve().parents[3]  # the repository: what the servers import from
BIN = Path(sys.executable).parent


def unavailable(reason: str):
    """A server cannot start here: skipped, unless ``CI`` or ``SSO_REQUIRED`` is set (then
    the missing piece is a failure, so CI never silently skips the sign-in tests)."""
    if os.environ.get("CI") or os.environ.get("SSO_REQUIRED"):
        pytest.fail(f"{reason} (CI or SSO_REQUIRED is set: the SSO servers must run)")
    pytest.skip(reason)


def require_executable(name: str, hint: str) -> str:
    path = shutil.which(name) or str(BIN / name)
    if not Path(path).exists():
        unavailable(f"{name} is not installed ({hint})")
    return path


def require_modules(*names: str, hint: str):
    """The server process imports these: checked here, so that a missing package skips
    (or fails on CI) with its name rather than with a server that does not start."""
    missing = [name for name in names if importlib.util.find_spec(name) is None]
    if missing:
        unavailable(f"{', '.join(missing)} not installed ({hint})")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ServerProcess:
    """A server started in its own directory, its output appended to ``server.log``."""

    def __init__(self, name: str, root: Path, command: list[str], env: dict[str, str]):
        self.name, self.root = name, root
        self.log_path = root / "server.log"
        self._log_file = self.log_path.open("ab")
        self.process = subprocess.Popen(
            command,
            cwd=root,
            env={
                "PATH": f"{BIN}:/usr/bin:/bin",
                "PYTHONPATH": str(ROOT),
                "PYTHONUNBUFFERED": "1",
                "LANG": "C.UTF-8",
                **env,
            },
            stdin=subprocess.DEVNULL,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
        )

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_until(self, probe: Callable, timeout: float = 60):
        return wait_until(
            probe, process=self.process, timeout=timeout, what=self.name, log=self.log
        )

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)
        self._log_file.close()


def gunicorn(port: int, wsgi: str) -> list[str]:
    return [
        require_executable("gunicorn", "the gunicorn package"),
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        "1",
        "--threads",
        "4",  # a request to this server may wait on one it makes back to the portal
        "--timeout",
        "60",
        "--no-control-socket",  # its default path is shared by every gunicorn of the user
        "--access-logfile",
        "-",
        wsgi,
    ]


def answers(url: str) -> Callable[[], bool]:
    """A readiness probe: ``url`` answers 200."""
    return lambda: requests.get(url, timeout=5, allow_redirects=False).status_code == 200


_INPUT = re.compile(r"<input\b[^>]*>", re.IGNORECASE)
_ATTRIBUTE = re.compile(r'(\w[\w-]*)\s*=\s*(?:"([^"]*)"|\'([^\']*)\')')
_FORM = re.compile(r"<form\b([^>]*)>(.*?)</form>", re.IGNORECASE | re.DOTALL)


def _attributes(tag: str) -> dict[str, str]:
    return {
        m[1].lower(): unescape(m[2] if m[2] is not None else m[3]) for m in _ATTRIBUTE.finditer(tag)
    }


def parse_form(html: str, base_url: str) -> tuple[str, dict[str, str]]:
    """The first form of a page: its absolute action URL and its named input values."""
    match = _FORM.search(html)
    if not match:
        raise AssertionError(f"no form in the page: {html[:500]}")
    action = _attributes(match[1]).get("action") or base_url
    fields = {}
    for tag in _INPUT.findall(match[2]):
        attributes = _attributes(tag)
        if "name" in attributes:
            fields[attributes["name"]] = attributes.get("value", "")
    return urljoin(base_url, action), fields
