"""The CAS server fixture's handle: where it listens, and tickets and logouts driven with
``requests`` through its real login form (for tests that need no browser)."""

import secrets
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import requests

from tests.sso.people import PASSWORD, Person

from .common import ServerProcess, answers, free_port, gunicorn, parse_form, require_modules


@dataclass
class CasServer:
    url: str  # the CAS base URL, ending in /cas/
    root: Path
    process: ServerProcess
    sessions: dict[str, requests.Session] = field(default_factory=dict)

    @property
    def login_url(self) -> str:
        return self.url + "login"

    @property
    def logout_url(self) -> str:
        return self.url + "logout"

    def log(self) -> str:
        return self.process.log()

    def sign_in(self, person: Person, service: str, session: requests.Session | None = None):
        """Log ``person`` in through the login form for ``service``; the session (holding
        the single sign-on cookie) and the redirect URL carrying the ticket."""
        session = session or self.sessions.get(person.uid) or requests.Session()
        url = f"{self.login_url}?{urlencode({'service': service})}"
        page = session.get(url, allow_redirects=False, timeout=10)
        if page.status_code == 200:  # no single sign-on session yet: the form
            action, fields = parse_form(page.text, url)
            fields |= {"username": person.uid, "password": PASSWORD}
            page = session.post(action, data=fields, allow_redirects=False, timeout=10)
        if page.status_code != 302:
            raise AssertionError(f"CAS login failed ({page.status_code}): {page.text[:1000]}")
        self.sessions[person.uid] = session
        return session, page.headers["Location"]

    def ticket_for(self, person: Person, service: str) -> str:
        """A service ticket for ``person`` and ``service``, as the browser would bring back."""
        _, location = self.sign_in(person, service)
        return parse_qs(urlsplit(location).query)["ticket"][0]

    def logout(self, who: Person | requests.Session | dict) -> requests.Response:
        """End a single sign-on session (a person signed in by ``ticket_for``/``sign_in``, a
        session, or browser cookies): the server POSTs a SAML ``logoutRequest`` to each
        service whose ticket was validated, before answering."""
        if isinstance(who, Person):
            session = self.sessions.pop(who.uid)
        elif isinstance(who, requests.Session):
            session = who
        else:
            session = requests.Session()
            session.cookies.update(who)
        return session.get(self.logout_url, allow_redirects=False, timeout=30)


def start_cas_server(root: Path) -> CasServer:
    require_modules("mama_cas", "gunicorn", hint="django-mama-cas, gunicorn")
    port = free_port()
    process = ServerProcess(
        "the CAS server",
        root,
        gunicorn(port, "tests.sso.servers.cas_project.wsgi:application"),
        {
            "DJANGO_SETTINGS_MODULE": "tests.sso.servers.cas_project.settings",
            "SSO_SERVER_DIR": str(root),
            "SSO_SECRET_KEY": secrets.token_urlsafe(32),
        },
    )
    server = CasServer(url=f"http://127.0.0.1:{port}/cas/", root=root, process=process)
    process.wait_until(answers(server.login_url))
    return server
