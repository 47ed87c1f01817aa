"""The OpenID provider fixture's handle: its endpoints and client, its switches, and an
authorization driven with ``requests`` through its real login form."""

import secrets
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin

import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.sso.people import PASSWORD, Person

from .common import ServerProcess, answers, free_port, gunicorn, parse_form, require_modules
from .oidc_project.claims import claims_for, subject

CLIENT_ID = "ecandidat-portal"  # as oidc_project/switches.py names it
MISBEHAVIOURS = (None, "nonce", "issuer", "audience", "signature", "expired")
# mozilla-django-oidc's callback; any port on 127.0.0.1 matches (RFC 8252 loopback).
DEFAULT_REDIRECT_URIS = ("http://127.0.0.1/oidc/callback/",)


def write_rsa_key(path: Path):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )


@dataclass
class OidcProvider:
    base_url: str  # http://127.0.0.1:PORT/
    root: Path
    process: ServerProcess
    client_id: str
    client_secret: str

    @property
    def issuer(self) -> str:
        return self.base_url + "o"

    @property
    def discovery_url(self) -> str:
        return self.issuer + "/.well-known/openid-configuration"

    @property
    def authorization_endpoint(self) -> str:
        return self.issuer + "/authorize/"

    @property
    def token_endpoint(self) -> str:
        return self.issuer + "/token/"

    @property
    def userinfo_endpoint(self) -> str:
        return self.issuer + "/userinfo/"

    @property
    def jwks_uri(self) -> str:
        return self.issuer + "/.well-known/jwks.json"

    @property
    def login_url(self) -> str:
        return self.base_url + "accounts/login/"

    def log(self) -> str:
        return self.process.log()

    @staticmethod
    def subject(person: Person) -> str:
        return subject(person)

    @staticmethod
    def claims(person: Person) -> dict:
        """The person's claims in the id_token and at userinfo (besides the protocol's)."""
        return claims_for(person)

    def misbehave(self, kind: str | None = None):
        """From the next token request on, the id_token is altered: None (a correct one),
        "nonce", "issuer", "audience", "signature" (another key, the same ``kid``) or
        "expired"."""
        if kind not in MISBEHAVIOURS:
            raise ValueError(f"unknown misbehaviour {kind!r}: one of {MISBEHAVIOURS}")
        (self.root / "misbehave").write_text(kind or "")

    def set_mfa(self, on: bool = True):
        """``amr`` is ["pwd", "mfa"] from the next token on, else ["pwd"]."""
        (self.root / "mfa").write_text("on" if on else "")

    def set_redirect_uris(self, uris: list[str]):
        """The client's registered redirect URIs from the next request on (a 127.0.0.1 URI
        matches any port; path and query must be exact)."""
        (self.root / "redirect_uris").write_text("\n".join(uris))

    def reset(self):
        """A well-behaved provider without MFA (the redirect URIs are kept)."""
        self.misbehave(None)
        self.set_mfa(False)

    def authorize(self, session: requests.Session, authorization_url: str, person: Person) -> str:
        """Follow ``authorization_url`` (built by the client), signing ``person`` in through
        the login form if the provider asks; the redirect URL back to the client, carrying
        ``code`` and ``state`` (or ``error``)."""
        url = authorization_url
        for _ in range(10):
            response = session.get(url, allow_redirects=False, timeout=10)
            if response.status_code == 200 and 'name="password"' in response.text:
                action, fields = parse_form(response.text, response.url)
                fields |= {"username": person.uid, "password": PASSWORD}
                response = session.post(action, data=fields, allow_redirects=False, timeout=10)
            if response.status_code not in (301, 302, 303):
                raise AssertionError(
                    f"the provider answered {response.status_code}: {response.text[:1000]}"
                )
            location = urljoin(url, response.headers["Location"])
            if not location.startswith(self.base_url):
                return location
            url = location
        raise AssertionError(f"too many redirects at the provider: {url}")


def start_oidc_provider(root: Path) -> OidcProvider:
    require_modules("oauth2_provider", "jwcrypto", "gunicorn", hint="django-oauth-toolkit")
    port = free_port()
    base_url = f"http://127.0.0.1:{port}/"
    write_rsa_key(root / "oidc-key.pem")
    write_rsa_key(root / "other-key.pem")  # the "signature" misbehaviour's
    (root / "redirect_uris").write_text("\n".join(DEFAULT_REDIRECT_URIS))
    client_secret = secrets.token_urlsafe(32)
    process = ServerProcess(
        "the OpenID provider",
        root,
        gunicorn(port, "tests.sso.servers.oidc_project.wsgi:application"),
        {
            "DJANGO_SETTINGS_MODULE": "tests.sso.servers.oidc_project.settings",
            "SSO_SERVER_DIR": str(root),
            "SSO_SECRET_KEY": secrets.token_urlsafe(32),
            "SSO_ISSUER": base_url + "o",
            "SSO_CLIENT_SECRET": client_secret,
        },
    )
    provider = OidcProvider(base_url, root, process, CLIENT_ID, client_secret)
    process.wait_until(answers(provider.discovery_url))
    return provider
