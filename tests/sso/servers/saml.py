"""The SAML IdP fixture's handle: where it listens, what it trusts, its switches, and a
sign-in driven with ``requests`` through its real login form."""

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode, urljoin

import requests
from lxml import etree

from tests.sso.people import PASSWORD, Person

from .common import (
    ServerProcess,
    answers,
    free_port,
    gunicorn,
    parse_form,
    require_executable,
    require_modules,
)
from .pki import write_key_and_cert

MISBEHAVIOURS = (
    None,
    "unsigned",
    "tampered",
    "audience",
    "recipient",
    "expired",
    "not_yet_valid",
    "other_key",
)
PASSWORD_PROTECTED = "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"
MFA = "https://refeds.org/profile/mfa"
OTHER_ENTITY_ID = "https://idp.autre-univ-test.fr/idp/shibboleth"  # in the federation only
ATTRIBUTE_MAP_DIR = str(Path(__file__).parent / "saml_attributemaps")  # for a pysaml2 SP


@dataclass
class SamlIdp:
    base_url: str  # http://127.0.0.1:PORT
    root: Path
    process: ServerProcess
    xmlsec1: str

    @property
    def entity_id(self) -> str:
        return f"{self.base_url}/idp/metadata"

    @property
    def metadata_url(self) -> str:
        return f"{self.base_url}/idp/metadata"

    @property
    def sso_url(self) -> str:
        return f"{self.base_url}/idp/sso/redirect"

    @property
    def slo_url(self) -> str:
        return f"{self.base_url}/idp/slo/redirect"

    @property
    def cert_path(self) -> Path:
        return self.root / "idp.crt"

    @property
    def federation_url(self) -> str:
        return f"{self.base_url}/federation.xml"

    @property
    def federation_tampered_url(self) -> str:
        return f"{self.base_url}/federation-tampered.xml"

    @property
    def federation_cert_path(self) -> Path:
        return self.root / "federation.crt"

    other_entity_id = OTHER_ENTITY_ID

    def log(self) -> str:
        return self.process.log()

    def metadata(self) -> str:
        return requests.get(self.metadata_url, timeout=10).text

    def trust_sp(self, metadata_xml: str | bytes) -> str:
        """Trust a service provider from its metadata (from the next request on); its
        entityID. Trusting the same entityID again replaces its metadata."""
        data = metadata_xml.encode() if isinstance(metadata_xml, str) else metadata_xml
        entity_id = etree.fromstring(data).get("entityID")
        name = hashlib.sha256(entity_id.encode()).hexdigest()[:24]
        directory = self.root / "sp-metadata"
        directory.mkdir(exist_ok=True)
        temporary = directory / f"{name}.tmp"
        temporary.write_bytes(data)
        temporary.replace(directory / f"{name}.xml")  # never half-written for the server
        return entity_id

    def misbehave(self, kind: str | None = None):
        """From the next sign-in on, the Response is: None (correct), "unsigned", "tampered"
        (signed, then an attribute changed), "audience", "recipient", "expired",
        "not_yet_valid" or "other_key" (signed by a key the metadata does not publish)."""
        if kind not in MISBEHAVIOURS:
            raise ValueError(f"unknown misbehaviour {kind!r}: one of {MISBEHAVIOURS}")
        (self.root / "misbehave").write_text(kind or "")

    def set_mfa(self, on: bool = True):
        """AuthnContextClassRef REFEDS MFA from the next sign-in on, else
        PasswordProtectedTransport."""
        (self.root / "mfa").write_text("on" if on else "")

    def reset(self):
        """A well-behaved IdP without MFA (the trusted SPs are kept)."""
        self.misbehave(None)
        self.set_mfa(False)

    def events(self) -> list[dict]:
        """What happened, in order: {"event": "sso" | "slo_request" | "slo_initiated" |
        "slo_response", ...}."""
        try:
            lines = (self.root / "events.jsonl").read_text().splitlines()
        except FileNotFoundError:
            return []
        return [json.loads(line) for line in lines]

    def sign_in(
        self, session: requests.Session, sso_url: str, person: Person
    ) -> tuple[str, dict[str, str]]:
        """Follow ``sso_url`` (the SP's login URL, or its redirect to the IdP) to the login
        form, sign ``person`` in; the ACS URL and the fields (``SAMLResponse``,
        ``RelayState``) the browser would post there."""
        url = sso_url
        for _ in range(10):
            response = session.get(url, allow_redirects=False, timeout=10)
            if response.status_code in (301, 302, 303):
                url = urljoin(url, response.headers["Location"])
                continue
            break
        else:
            raise AssertionError(f"too many redirects from {sso_url}")
        if response.status_code != 200 or 'name="password"' not in response.text:
            raise AssertionError(
                f"no login form at {url} ({response.status_code}): {response.text[:1000]}"
            )
        action, fields = parse_form(response.text, url)
        fields |= {"username": person.uid, "password": PASSWORD}
        answer = session.post(action, data=fields, allow_redirects=False, timeout=30)
        if answer.status_code != 200 or "SAMLResponse" not in answer.text:
            raise AssertionError(f"sign-in failed ({answer.status_code}): {answer.text[:1000]}")
        return parse_form(answer.text, action)

    def logout_request_url(self, person: Person, sp_entity_id: str) -> str:
        """IdP-initiated logout of ``person``'s last session at ``sp_entity_id``: the URL of
        the SP's SingleLogoutService carrying the LogoutRequest (what the browser is
        redirected to)."""
        query = urlencode({"uid": person.uid, "sp": sp_entity_id})
        response = requests.get(
            f"{self.base_url}/idp/logout/initiate?{query}", allow_redirects=False, timeout=10
        )
        if response.status_code != 302:
            raise AssertionError(f"no logout ({response.status_code}): {response.text[:1000]}")
        return response.headers["Location"]


def start_saml_idp(root: Path) -> SamlIdp:
    xmlsec1 = require_executable("xmlsec1", "apt-get install xmlsec1")
    require_modules("saml2", "gunicorn", hint="pysaml2, gunicorn")
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    write_key_and_cert(root, "idp", f"127.0.0.1:{port} test IdP")
    write_key_and_cert(root, "other", "not the test IdP")
    write_key_and_cert(root, "second-idp", "idp.autre-univ-test.fr")
    write_key_and_cert(root, "federation", "test federation metadata signer")
    (root / "sp-metadata").mkdir()
    process = ServerProcess(
        "the SAML IdP",
        root,
        gunicorn(port, "tests.sso.servers.saml_server:application"),
        {"SSO_SERVER_DIR": str(root), "SSO_BASE_URL": base_url, "SSO_XMLSEC1": xmlsec1},
    )
    idp = SamlIdp(base_url, root, process, xmlsec1)
    process.wait_until(answers(idp.metadata_url))
    return idp
