"""The test SAML IdP speaks SAML 2.0 to a pysaml2 service provider configured here: a
signed Response with the person's attributes under their urn:oid: names; each misbehaviour
makes the SP refuse the Response; logout both ways; the federation aggregate verifies with
the federation certificate, and its tampered copy does not."""

import datetime
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from lxml import etree
from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
from saml2.client import Saml2Client
from saml2.config import SPConfig
from saml2.mdstore import MetadataStore
from saml2.metadata import entity_descriptor
from saml2.saml import NAMEID_FORMAT_PERSISTENT, NAMEID_FORMAT_TRANSIENT
from saml2.sigver import SignatureError
from saml2.xmldsig import SIG_RSA_SHA256

from tests.sso.people import STAFF_MANAGER, STUDENT

from .common import free_port
from .pki import write_key_and_cert
from .saml import ATTRIBUTE_MAP_DIR, MFA, PASSWORD_PROTECTED

MDUI = "urn:oasis:names:tc:SAML:metadata:ui"
LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def _sp_config(saml_idp, root, *, transient=False) -> SPConfig:
    base = f"http://127.0.0.1:{free_port()}"
    key, cert = write_key_and_cert(root, "sp", "test SP")
    (root / "idp.xml").write_text(saml_idp.metadata())
    sp = {
        "endpoints": {
            "assertion_consumer_service": [(f"{base}/saml2/acs/", BINDING_HTTP_POST)],
            "single_logout_service": [(f"{base}/saml2/ls/", BINDING_HTTP_REDIRECT)],
        },
        "want_response_signed": True,
        "want_assertions_signed": True,
        "allow_unsolicited": False,
        "authn_requests_signed": False,
        "logout_requests_signed": True,
    }
    if transient:
        sp["name_id_format"] = [NAMEID_FORMAT_TRANSIENT]
    return SPConfig().load(
        {
            "entityid": f"{base}/saml2/metadata/",
            "xmlsec_binary": saml_idp.xmlsec1,
            "attribute_map_dir": ATTRIBUTE_MAP_DIR,
            "key_file": str(key),
            "cert_file": str(cert),
            "metadata": {"local": [str(root / "idp.xml")]},
            "accepted_time_diff": 10,
            "service": {"sp": sp},
        }
    )


@pytest.fixture(scope="module")
def sp(saml_idp, tmp_path_factory) -> Saml2Client:
    config = _sp_config(saml_idp, tmp_path_factory.mktemp("sp"))
    saml_idp.trust_sp(str(entity_descriptor(config)))
    return Saml2Client(config)


def _sign_in(saml_idp, sp, person):
    request_id, http = sp.prepare_for_authenticate(
        entityid=saml_idp.entity_id, relay_state="/after/", binding=BINDING_HTTP_REDIRECT
    )
    location = dict(http["headers"])["Location"]
    assert location.startswith(saml_idp.sso_url + "?SAMLRequest=")
    acs, fields = saml_idp.sign_in(requests.Session(), location, person)
    assert acs == sp.config.getattr("endpoints", "sp")["assertion_consumer_service"][0][0]
    assert fields["RelayState"] == "/after/"
    return request_id, fields


def _parse(sp, request_id, fields):
    # conv_info: without it pysaml2 does not check SubjectConfirmationData's Recipient.
    return sp.parse_authn_request_response(
        fields["SAMLResponse"],
        BINDING_HTTP_POST,
        outstanding={request_id: "/after/"},
        conv_info={"entity_id": sp.config.entityid},
    )


def test_a_signed_response_carries_the_persons_attributes(saml_idp, sp):
    request_id, fields = _sign_in(saml_idp, sp, STUDENT)
    response = _parse(sp, request_id, fields)
    assert response.ava == STUDENT.attributes()
    assert response.ava["supannEtuId"] == ["21900001"]
    assert response.ava["supannCodeINE"] == ["1234567890V"]
    xml = response.xmlstr.decode() if isinstance(response.xmlstr, bytes) else response.xmlstr
    for name in (
        'Name="urn:oid:1.3.6.1.4.1.5923.1.1.1.6" NameFormat="urn:oasis:names:tc:SAML:2.0:'
        'attrname-format:uri" FriendlyName="eduPersonPrincipalName"',
        'Name="urn:oid:1.3.6.1.4.1.7135.1.2.1.10"',
        'Name="urn:oid:1.3.6.1.4.1.7135.1.2.1.9"',
        'Name="urn:oid:0.9.2342.19200300.100.1.1"',
    ):
        assert name in xml
    assert response.name_id.format == NAMEID_FORMAT_PERSISTENT
    assert response.name_id.text not in (STUDENT.uid, STUDENT.eppn)
    assert response.authn_info()[0][0] == PASSWORD_PROTECTED
    assert xml.count(f'SignatureMethod Algorithm="{SIG_RSA_SHA256}"') == 2  # both signed
    # The persistent NameID is stable.
    again = _parse(sp, *_sign_in(saml_idp, sp, STUDENT))
    assert again.name_id.text == response.name_id.text


def test_mfa_shows_in_the_authn_context(saml_idp, sp):
    saml_idp.set_mfa(True)
    response = _parse(sp, *_sign_in(saml_idp, sp, STAFF_MANAGER))
    assert response.authn_info()[0][0] == MFA
    assert response.ava["uid"] == ["mdurand"] and "supannEtuId" not in response.ava


def test_a_transient_name_id_when_the_sp_asks(saml_idp, tmp_path):
    config = _sp_config(saml_idp, tmp_path, transient=True)
    saml_idp.trust_sp(str(entity_descriptor(config)))
    client = Saml2Client(config)
    request_id, http = client.prepare_for_authenticate(
        entityid=saml_idp.entity_id,
        binding=BINDING_HTTP_REDIRECT,
        nameid_format=NAMEID_FORMAT_TRANSIENT,
    )
    _, fields = saml_idp.sign_in(requests.Session(), dict(http["headers"])["Location"], STUDENT)
    response = client.parse_authn_request_response(
        fields["SAMLResponse"], BINDING_HTTP_POST, outstanding={request_id: "/"}
    )
    assert response.name_id.format == NAMEID_FORMAT_TRANSIENT


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        ("unsigned", "Signature missing"),
        ("tampered", "Failed to verify signature"),
        ("audience", "AudienceRestrictions conditions not satisfied"),
        ("recipient", "No valid recipient"),
        ("expired", "too old"),
        ("not_yet_valid", "Condition not OK"),
        ("other_key", "Failed to verify signature"),
    ],
)
def test_each_misbehaviour_is_refused_by_the_sp(saml_idp, sp, kind, message):
    saml_idp.misbehave(kind)
    request_id, fields = _sign_in(saml_idp, sp, STUDENT)
    with pytest.raises(Exception, match=message):
        _parse(sp, request_id, fields)


def test_sp_initiated_logout(saml_idp, sp):
    request_id, fields = _sign_in(saml_idp, sp, STAFF_MANAGER)
    response = _parse(sp, request_id, fields)
    http = sp.do_logout(
        response.name_id,
        [saml_idp.entity_id],
        "bye",
        None,
        sign=True,
        expected_binding=BINDING_HTTP_REDIRECT,
    )
    _, info = http[saml_idp.entity_id]
    location = dict(info["headers"])["Location"]
    assert location.startswith(saml_idp.slo_url)
    answer = requests.get(location, allow_redirects=False, timeout=10)
    assert answer.status_code == 302, answer.text
    back = answer.headers["Location"]
    assert back.startswith(sp.config.getattr("endpoints", "sp")["single_logout_service"][0][0])
    query = {name: values[0] for name, values in parse_qs(urlsplit(back).query).items()}
    sent = parse_qs(urlsplit(location).query)["RelayState"][0]
    assert query["RelayState"] == sent and query["SigAlg"] == SIG_RSA_SHA256
    logout_response = sp.parse_logout_request_response(query["SAMLResponse"], BINDING_HTTP_REDIRECT)
    assert logout_response.status_ok()
    assert saml_idp.events()[-1]["event"] == "slo_request"


def test_idp_initiated_logout(saml_idp, sp):
    request_id, fields = _sign_in(saml_idp, sp, STUDENT)
    response = _parse(sp, request_id, fields)
    location = saml_idp.logout_request_url(STUDENT, sp.config.entityid)
    assert location.startswith(sp.config.getattr("endpoints", "sp")["single_logout_service"][0][0])
    query = {name: values[0] for name, values in parse_qs(urlsplit(location).query).items()}
    assert query["SigAlg"] == SIG_RSA_SHA256 and query["Signature"]  # redirect binding, signed
    request = sp.parse_logout_request(query["SAMLRequest"], BINDING_HTTP_REDIRECT)
    assert request.message.name_id.text == response.name_id.text
    assert (
        request.message.session_index[0].text == response.assertion.authn_statement[0].session_index
    )
    assert saml_idp.events()[-1] == {
        "event": "slo_initiated",
        "uid": STUDENT.uid,
        "sp": sp.config.entityid,
        "name_id": response.name_id.text,
    }


def test_the_federation_aggregate_verifies_with_the_federation_certificate(saml_idp, tmp_path):
    config = _sp_config(saml_idp, tmp_path)
    store = MetadataStore(config.attribute_converters, config)
    store.load("remote", url=saml_idp.federation_url, cert=str(saml_idp.federation_cert_path))
    assert set(store.identity_providers()) == {saml_idp.entity_id, saml_idp.other_entity_id}
    aggregate = etree.fromstring(requests.get(saml_idp.federation_url, timeout=10).content)
    valid_until = datetime.datetime.fromisoformat(
        aggregate.get("validUntil").replace("Z", "+00:00")
    )
    now = datetime.datetime.now(datetime.UTC)
    assert now + datetime.timedelta(days=2) < valid_until < now + datetime.timedelta(days=4)
    names = {
        (
            element.getparent().getparent().getparent().getparent().get("entityID"),
            element.get(LANG),
        ): element.text
        for element in aggregate.iter(f"{{{MDUI}}}DisplayName")
    }
    assert names[(saml_idp.other_entity_id, "fr")] == "Autre université de test"
    assert names[(saml_idp.other_entity_id, "en")] == "Other test university"
    assert names[(saml_idp.entity_id, "en")] == "Test university"
    # Altered after signing: refused.
    tampered = MetadataStore(config.attribute_converters, config)
    with pytest.raises(SignatureError):
        tampered.load(
            "remote", url=saml_idp.federation_tampered_url, cert=str(saml_idp.federation_cert_path)
        )
    # Signed by the federation key, not the IdP's: the IdP's certificate does not verify it.
    other = MetadataStore(config.attribute_converters, config)
    with pytest.raises(SignatureError):
        other.load("remote", url=saml_idp.federation_url, cert=str(saml_idp.cert_path))
