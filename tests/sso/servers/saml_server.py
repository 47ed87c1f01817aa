"""The test SAML 2.0 identity provider: a WSGI application on pysaml2's ``Server``, run by
gunicorn (see saml.py). Its keys, the service providers' metadata it trusts and its
switches are files in ``SSO_SERVER_DIR``; the SP metadata and the switches are read again
on each request, so the fixture changes them while the server runs.

Endpoints: ``/idp/metadata``, ``/idp/sso/redirect`` (SingleSignOnService, HTTP-Redirect:
a login form, then a signed Response posted to the SP's ACS), ``/idp/slo/redirect``
(SingleLogoutService, HTTP-Redirect), ``/idp/logout/initiate`` (IdP-initiated logout: a
LogoutRequest redirected to the SP), ``/federation.xml`` (a signed aggregate of this IdP and
another) and ``/federation-tampered.xml`` (the same, altered after signing).
"""

import hashlib
import html
import json
import logging
import os
import secrets
import threading
from pathlib import Path
from urllib.parse import parse_qs

from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
from saml2.authn_context import PASSWORDPROTECTEDTRANSPORT
from saml2.config import IdPConfig
from saml2.metadata import entities_descriptor, entity_descriptor
from saml2.s_utils import UnknownPrincipal
from saml2.saml import NAME_FORMAT_URI, NAMEID_FORMAT_PERSISTENT, NAMEID_FORMAT_TRANSIENT, NameID
from saml2.samlp import response_from_string
from saml2.server import Server
from saml2.sigver import class_name, pre_signature_part, security_context
from saml2.time_util import in_a_while
from saml2.xmldsig import DIGEST_SHA256, SIG_RSA_SHA256

from tests.sso.people import PASSWORD, PEOPLE

logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
logging.getLogger("saml2").setLevel(logging.WARNING)
log = logging.getLogger("saml_idp")

DATA = Path(os.environ["SSO_SERVER_DIR"])
BASE = os.environ["SSO_BASE_URL"].rstrip("/")  # http://127.0.0.1:PORT
XMLSEC = os.environ.get("SSO_XMLSEC1", "/usr/bin/xmlsec1")
MAPS = str(Path(__file__).parent / "saml_attributemaps")
ENTITY_ID = f"{BASE}/idp/metadata"
OTHER_ENTITY_ID = "https://idp.autre-univ-test.fr/idp/shibboleth"
MFA = "https://refeds.org/profile/mfa"
BY_UID = {person.uid: person for person in PEOPLE}
DISPLAY = [{"text": "Université de test", "lang": "fr"}, {"text": "Test university", "lang": "en"}]
MISBEHAVIOURS = (
    "unsigned",
    "tampered",
    "audience",
    "recipient",
    "expired",
    "not_yet_valid",
    "other_key",
)


def _config(entity_id, base, key, cert, *, metadata=(), display_names=()) -> IdPConfig:
    config = {
        "entityid": entity_id,
        "xmlsec_binary": XMLSEC,
        "attribute_map_dir": MAPS,
        "key_file": str(key),
        "cert_file": str(cert),
        "metadata": {"local": [str(path) for path in metadata]} if metadata else {},
        "accepted_time_diff": 60,
        "service": {
            "idp": {
                "name": display_names[0]["text"] if display_names else entity_id,
                "endpoints": {
                    "single_sign_on_service": [(f"{base}/idp/sso/redirect", BINDING_HTTP_REDIRECT)],
                    "single_logout_service": [(f"{base}/idp/slo/redirect", BINDING_HTTP_REDIRECT)],
                },
                "name_id_format": [NAMEID_FORMAT_PERSISTENT, NAMEID_FORMAT_TRANSIENT],
                "want_authn_requests_signed": False,
                "signing_algorithm": SIG_RSA_SHA256,
                "digest_algorithm": DIGEST_SHA256,
                "sign_response": True,
                "sign_assertion": True,
                "policy": {
                    "default": {
                        "lifetime": {"minutes": 15},
                        "attribute_restrictions": None,  # everything in people.py
                        "name_form": NAME_FORMAT_URI,
                    }
                },
                "ui_info": {"display_name": list(display_names)},
            }
        },
    }
    return IdPConfig().load(config)


class Idp:
    """The pysaml2 server, rebuilt when the SP metadata in ``sp-metadata/`` changes."""

    def __init__(self):
        self.lock = threading.Lock()
        self.sp_dir = DATA / "sp-metadata"
        self.sp_dir.mkdir(exist_ok=True)
        self.signature, self.server = None, None
        self.sessions: dict[tuple[str, str], tuple[NameID, str]] = {}  # (uid, sp): NameID, index
        self.metadata_xml = str(entity_descriptor(self._load_config()))
        # The "other_key" misbehaviour's signer: a key the metadata does not publish.
        other = _config(ENTITY_ID, BASE, DATA / "other.key", DATA / "other.crt")
        self.other_sec = security_context(other)
        self._build_federation()

    def _load_config(self) -> IdPConfig:
        files = sorted(self.sp_dir.glob("*.xml"))
        return _config(
            ENTITY_ID,
            BASE,
            DATA / "idp.key",
            DATA / "idp.crt",
            metadata=files,
            display_names=DISPLAY,
        )

    def current(self) -> Server:
        files = sorted(self.sp_dir.glob("*.xml"))
        signature = [(path.name, path.stat().st_mtime_ns, path.stat().st_size) for path in files]
        with self.lock:
            if signature != self.signature or self.server is None:
                self.server = Server(config=self._load_config())
                self.signature = signature
                log.info("configuration loaded, trusting %d service provider(s)", len(files))
            return self.server

    def _build_federation(self):
        """A signed aggregate: this IdP and a second one (with its own display names)."""
        ours = entity_descriptor(self._load_config())
        other = entity_descriptor(
            _config(
                OTHER_ENTITY_ID,
                "https://idp.autre-univ-test.fr",
                DATA / "second-idp.key",
                DATA / "second-idp.crt",
                display_names=[
                    {"text": "Autre université de test", "lang": "fr"},
                    {"text": "Other test university", "lang": "en"},
                ],
            )
        )
        federation = _config(ENTITY_ID, BASE, DATA / "federation.key", DATA / "federation.crt")
        _, signed = entities_descriptor(
            [ours, other],
            valid_for=72,
            name="urn:mace:univ-test.fr:federation:test",
            ident="_" + secrets.token_hex(16),
            sign=True,
            secc=security_context(federation),
            sign_alg=SIG_RSA_SHA256,
            digest_alg=DIGEST_SHA256,
        )
        self.federation_xml = signed
        tampered = signed.replace("Other test university", "Evil test university", 1)
        assert tampered != signed
        self.federation_tampered_xml = tampered

    # -- the switches ------------------------------------------------------------------

    @staticmethod
    def switch(name: str) -> str:
        try:
            return (DATA / name).read_text().strip()
        except FileNotFoundError:
            return ""

    @staticmethod
    def event(kind: str, **details):
        with (DATA / "events.jsonl").open("a") as events:
            events.write(json.dumps({"event": kind, **details}) + "\n")

    # -- single sign-on ----------------------------------------------------------------

    def name_id(self, person, sp, policy) -> NameID:
        if policy is not None and policy.format == NAMEID_FORMAT_TRANSIENT:
            return NameID(format=NAMEID_FORMAT_TRANSIENT, text="_" + secrets.token_hex(20))
        opaque = hashlib.sha256(f"{ENTITY_ID}!{sp}!{person.uid}".encode()).hexdigest()
        return NameID(
            format=NAMEID_FORMAT_PERSISTENT,
            name_qualifier=ENTITY_ID,
            sp_name_qualifier=sp,
            text=opaque,
        )

    def authn_response(self, saml_request: str, person) -> tuple[str, str, str]:
        """The Response to the pending AuthnRequest: (ACS URL, XML, SP entity ID)."""
        server = self.current()
        request = server.parse_authn_request(saml_request, BINDING_HTTP_REDIRECT).message
        args = server.response_args(request, [BINDING_HTTP_POST])
        args.pop("binding", None)
        sp = args["sp_entity_id"]
        name_id = self.name_id(person, sp, args.pop("name_id_policy", None))
        mode = self.switch("misbehave")
        mfa = self.switch("mfa") == "on"
        server_signs = mode in ("", "tampered")
        xml = str(
            server.create_authn_response(
                person.attributes(),
                userid=person.uid,
                name_id=name_id,
                authn={
                    "class_ref": MFA if mfa else PASSWORDPROTECTEDTRANSPORT,
                    "authn_auth": ENTITY_ID,
                },
                sign_response=server_signs,
                sign_assertion=server_signs,
                **args,
            )
        )
        response = response_from_string(xml)
        assertion = response.assertion[0]
        session_index = assertion.authn_statement[0].session_index
        self.sessions[(person.uid, sp)] = (name_id, session_index)
        if mode and not server_signs:
            xml = self.misbehave(server, response, mode)
        elif mode == "tampered":  # signed, then an attribute value changed
            tampered = xml.replace(f">{person.mail}<", ">intruder@evil.example<", 1)
            assert tampered != xml, "the mail attribute is not in the response"
            xml = tampered
        self.event("sso", uid=person.uid, sp=sp, name_id=name_id.text, misbehave=mode, mfa=mfa)
        return args["destination"], xml, sp

    def misbehave(self, server, response, mode: str) -> str:
        assertion = response.assertion[0]
        conditions = assertion.conditions
        confirmations = [
            c.subject_confirmation_data for c in assertion.subject.subject_confirmation
        ]
        if mode == "audience":
            conditions.audience_restriction[0].audience[0].text = "https://not-this-sp.example/sp"
        elif mode == "recipient":
            for data in confirmations:
                data.recipient = "http://127.0.0.1:9/not-the-acs/"
        elif mode == "expired":
            conditions.not_before = in_a_while(hours=-3)
            conditions.not_on_or_after = in_a_while(hours=-2)
            for data in confirmations:
                data.not_on_or_after = in_a_while(hours=-2)
        elif mode == "not_yet_valid":
            conditions.not_before = in_a_while(hours=2)
        if mode == "unsigned":
            return str(response)
        sec = self.other_sec if mode == "other_key" else server.sec
        algorithms = {"sign_alg": SIG_RSA_SHA256, "digest_alg": DIGEST_SHA256}
        assertion.signature = pre_signature_part(assertion.id, sec.my_cert, 1, **algorithms)
        response.signature = pre_signature_part(response.id, sec.my_cert, 2, **algorithms)
        xml = sec.sign_statement(str(response), class_name(assertion), node_id=assertion.id)
        return sec.sign_statement(xml, class_name(response), node_id=response.id)

    # -- single logout -----------------------------------------------------------------

    def sp_logout(self, query: dict) -> tuple[str, str]:
        """A LogoutRequest from an SP: answered (redirect URL), or a LogoutResponse to an
        IdP-initiated logout: recorded."""
        server = self.current()
        if "SAMLResponse" in query:
            response = server.parse_logout_request_response(
                query["SAMLResponse"], BINDING_HTTP_REDIRECT
            )
            self.event("slo_response", sp=response.issuer(), status=response.status_ok())
            return "page", "You are signed out."
        request = server.parse_logout_request(query["SAMLRequest"], BINDING_HTTP_REDIRECT).message
        sp = request.issuer.text.strip()
        self.event("slo_request", sp=sp, name_id=request.name_id.text if request.name_id else None)
        for key in [key for key in self.sessions if key[1] == sp]:
            if self.sessions[key][0].text == (request.name_id.text if request.name_id else None):
                del self.sessions[key]
        destination = server.response_args(request, [BINDING_HTTP_REDIRECT])["destination"]
        response = server.create_logout_response(request, [BINDING_HTTP_REDIRECT])
        http = server.apply_binding(
            BINDING_HTTP_REDIRECT,
            str(response),
            destination,
            query.get("RelayState", ""),
            response=True,
            sign=True,
        )
        return "redirect", dict(http["headers"])["Location"]

    def initiate_logout(self, uid: str, sp: str) -> str:
        """The redirect carrying an IdP-initiated LogoutRequest for ``uid`` to ``sp``."""
        server = self.current()
        try:
            name_id, session_index = self.sessions.pop((uid, sp))
        except KeyError:
            raise UnknownPrincipal(f"{uid} has no session at {sp}") from None
        binding, destination = server.pick_binding(
            "single_logout_service", [BINDING_HTTP_REDIRECT], "spsso", entity_id=sp
        )
        _, request = server.create_logout_request(
            destination, sp, name_id=name_id, session_indexes=[session_index], sign=False
        )
        http = server.apply_binding(binding, str(request), destination, "", sign=True)
        self.event("slo_initiated", uid=uid, sp=sp, name_id=name_id.text)
        return dict(http["headers"])["Location"]


IDP = Idp()

LOGIN_PAGE = """<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>Test university sign-in (SAML)</title></head>
<body>
<h1>University sign-in (test SAML IdP)</h1>
{error}
<form method="post" action="/idp/sso/login">
  <input type="hidden" name="SAMLRequest" value="{request}">
  <input type="hidden" name="RelayState" value="{relay_state}">
  <label for="username">Username</label>
  <input type="text" id="username" name="username" required autofocus>
  <label for="password">Password</label>
  <input type="password" id="password" name="password" required>
  <button type="submit">Sign in</button>
</form>
</body>
</html>
"""


def _login_page(request: str, relay_state: str, error: str = "") -> str:
    return LOGIN_PAGE.format(
        request=html.escape(request),
        relay_state=html.escape(relay_state),
        error=f'<p class="errors">{html.escape(error)}</p>' if error else "",
    )


def _respond(start_response, status: str, body: str | bytes, content_type="text/html"):
    data = body.encode() if isinstance(body, str) else body
    start_response(
        status,
        [
            ("Content-Type", f"{content_type}; charset=utf-8"),
            ("Content-Length", str(len(data))),
            ("Cache-Control", "no-store"),
        ],
    )
    return [data]


def application(environ, start_response):
    path = environ.get("PATH_INFO", "")
    query = {k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
    if environ["REQUEST_METHOD"] == "POST":
        length = int(environ.get("CONTENT_LENGTH") or 0)
        form = {k: v[0] for k, v in parse_qs(environ["wsgi.input"].read(length).decode()).items()}
    else:
        form = {}
    try:
        if path == "/idp/metadata":
            return _respond(
                start_response, "200 OK", IDP.metadata_xml, "application/samlmetadata+xml"
            )
        if path == "/federation.xml":
            return _respond(
                start_response, "200 OK", IDP.federation_xml, "application/samlmetadata+xml"
            )
        if path == "/federation-tampered.xml":
            return _respond(
                start_response,
                "200 OK",
                IDP.federation_tampered_xml,
                "application/samlmetadata+xml",
            )
        if path == "/idp/sso/redirect":
            IDP.current().parse_authn_request(query["SAMLRequest"], BINDING_HTTP_REDIRECT)
            page = _login_page(query["SAMLRequest"], query.get("RelayState", ""))
            return _respond(start_response, "200 OK", page)
        if path == "/idp/sso/login" and form:
            person = BY_UID.get(form.get("username", ""))
            if person is None or form.get("password") != PASSWORD:
                page = _login_page(
                    form["SAMLRequest"], form.get("RelayState", ""), "Wrong username or password."
                )
                return _respond(start_response, "200 OK", page)
            destination, xml, _ = IDP.authn_response(form["SAMLRequest"], person)
            http = IDP.current().apply_binding(
                BINDING_HTTP_POST, xml, destination, form.get("RelayState", ""), response=True
            )
            return _respond(start_response, "200 OK", http["data"])
        if path == "/idp/slo/redirect":
            kind, value = IDP.sp_logout(query)
            if kind == "redirect":
                start_response("302 Found", [("Location", value), ("Content-Length", "0")])
                return [b""]
            return _respond(start_response, "200 OK", f"<p>{html.escape(value)}</p>")
        if path == "/idp/logout/initiate":
            location = IDP.initiate_logout(query["uid"], query["sp"])
            start_response("302 Found", [("Location", location), ("Content-Length", "0")])
            return [b""]
    except KeyError as missing:
        return _respond(start_response, "400 Bad Request", f"missing {missing}", "text/plain")
    except Exception as error:
        log.exception("request to %s failed", path)
        return _respond(
            start_response, "400 Bad Request", f"{type(error).__name__}: {error}", "text/plain"
        )
    return _respond(start_response, "404 Not Found", "not found", "text/plain")
