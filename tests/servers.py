"""Starting the real servers tests talk to (clamd, SeaweedFS, gunicorn): waiting until one
answers, with no fixed delay anywhere.

``wait_until`` retries a readiness probe until it succeeds, the process exits or the
deadline passes, and then fails with what the process logged. Between probes it waits on
the process itself (``Popen.wait`` with a short timeout), so an exit is seen at once.
"""

import os
import socket
import subprocess
import time
from collections.abc import Callable
from typing import TypeVar

import pytest

T = TypeVar("T")
PROBE_INTERVAL = 0.1


def wait_until(
    probe: Callable[[], T],
    *,
    process: subprocess.Popen,
    timeout: float = 30,
    what: str = "the server",
    log: Callable[[], str] = lambda: "",
) -> T:
    """The first truthy result of ``probe`` (an exception counts as "not ready yet"); fails
    the test when ``process`` exits first or after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            result = probe()
            if result:
                return result
        except Exception:  # noqa: S110 (not ready yet: probed again)
            pass
        if time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"{what} did not start in {timeout:.0f} s: {log()[-2000:]}")
        try:
            process.wait(timeout=PROBE_INTERVAL)
        except subprocess.TimeoutExpired:
            continue
        pytest.fail(f"{what} exited with status {process.returncode}: {log()[-2000:]}")


def accepts_connections(port: int) -> Callable[[], bool]:
    def probe() -> bool:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        return True

    return probe


def unavailable(reason: str):
    """A server a test needs cannot run here (binary or package missing): the test is
    skipped with the reason, or fails when ``CI_REQUIRE_SERVICES=1`` (CI must run it)."""
    if os.environ.get("CI_REQUIRE_SERVICES") == "1":
        pytest.fail(f"{reason} (CI_REQUIRE_SERVICES=1: this test must run)")
    pytest.skip(reason)
