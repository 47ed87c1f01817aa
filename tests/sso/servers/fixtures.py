"""The session-scoped fixtures starting the test identity providers (one set per xdist
worker: each on a free port, in a temporary directory of its own).

A test that fails while using one of them gets the end of that server's log in its report.
"""

import pytest

from .cas import CasServer, start_cas_server

SERVER_FIXTURES = ("cas_server",)
__all__ = [*SERVER_FIXTURES, "pytest_runtest_makereport"]


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.failed:
        for name in SERVER_FIXTURES:
            server = getattr(item, "funcargs", {}).get(name)
            if server is not None:
                report.sections.append((f"{name} log (last lines)", server.log()[-6000:]))
    return report


@pytest.fixture(scope="session")
def cas_server(tmp_path_factory) -> CasServer:
    """A CAS 2.0/3.0 server (django-mama-cas under gunicorn) knowing tests/sso/people.py."""
    server = start_cas_server(tmp_path_factory.mktemp("cas"))
    yield server
    server.process.stop()
