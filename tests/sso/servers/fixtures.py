"""The session-scoped fixtures starting the test identity providers (one set per xdist
worker: each on a free port, in a temporary directory of its own).

A test that fails while using one of them gets the end of that server's log in its report.
"""

import pytest

from .cas import CasServer, start_cas_server
from .oidc import OidcProvider, start_oidc_provider
from .saml import SamlIdp, start_saml_idp

SERVER_FIXTURES = ("cas_server", "oidc_provider", "saml_idp")
__all__ = [*SERVER_FIXTURES, "_reset_sso_switches", "pytest_runtest_makereport"]


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


@pytest.fixture(scope="session")
def oidc_provider(tmp_path_factory) -> OidcProvider:
    """An OpenID provider (django-oauth-toolkit under gunicorn: code flow, PKCE S256, RS256)
    knowing tests/sso/people.py."""
    provider = start_oidc_provider(tmp_path_factory.mktemp("oidc"))
    yield provider
    provider.process.stop()


@pytest.fixture(scope="session")
def saml_idp(tmp_path_factory) -> SamlIdp:
    """A SAML 2.0 IdP (pysaml2's Server under gunicorn) knowing tests/sso/people.py, and
    the signed federation metadata aggregate it serves."""
    idp = start_saml_idp(tmp_path_factory.mktemp("saml"))
    yield idp
    idp.process.stop()


@pytest.fixture(autouse=True)
def _reset_sso_switches(request):
    """After a test that used a server, its switches (misbehaviour, MFA) are
    back to normal, so that one test's misbehaving provider never leaks into the next."""
    yield
    for name in SERVER_FIXTURES:
        if name in request.fixturenames:
            server = request.getfixturevalue(name)
            if hasattr(server, "reset"):
                server.reset()
