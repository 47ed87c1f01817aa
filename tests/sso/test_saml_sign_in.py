"""Signing in through a real SAML 2.0 IdP (pysaml2's Server in its own process): our SP
metadata registered at the IdP, signed assertions, every bad one refused on our page,
the federation's metadata checked before use, single logout."""

import re
from html import unescape
from urllib.parse import quote

import pytest
import requests
from django.core.management import call_command

from ecandidat.accounts.enums import StaffRole
from ecandidat.audit.models import AuditEvent
from ecandidat.identity.models import ProviderMetadata
from tests.factories import staff_with_role
from tests.sso.people import STAFF_MANAGER
from tests.sso.portal import browser
from tests.sso.servers.pki import write_key_and_cert

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(scope="session")
def sp_keypair(tmp_path_factory):
    return write_key_and_cert(tmp_path_factory.mktemp("sp"), "sp", "ecandidat.test")


@pytest.fixture
def portal(live_server, settings, saml_idp, sp_keypair):
    key, cert = sp_keypair
    settings.SITE_URL = live_server.url
    settings.RATELIMITS = dict.fromkeys(settings.RATELIMITS, "1000/m")
    settings.STAFF_2FA_REQUIRED = False
    settings.SAML_SP_KEY_FILE = str(key)
    settings.SAML_SP_CERT_FILE = str(cert)
    settings.SAML_IDP_METADATA_URL = saml_idp.metadata_url
    settings.SAML_FEDERATION_METADATA_URL = ""
    settings.SAML_FEDERATION_CERT_FILE = ""
    settings.SAML_XMLSEC_BINARY = saml_idp.xmlsec1
    metadata = requests.get(live_server.url + "/sso/saml/metadata/", timeout=30)
    assert metadata.status_code == 200, metadata.text[:500]
    saml_idp.trust_sp(metadata.content)
    return live_server


def last(action):
    return AuditEvent.objects.filter(action=action).order_by("-pk").first()


def sign_in(portal, saml_idp, person, *, next_url=""):
    client = browser(portal)
    start = client.get(f"sso/saml/login/?audience=staff&next={next_url}")
    assert start.status_code == 302, start.text[:500]
    acs, fields = saml_idp.sign_in(requests.Session(), start.headers["Location"], person)
    assert acs == portal.url + "/sso/saml/acs/"
    answer = client.session.post(acs, data=fields, allow_redirects=False, timeout=30)
    return client, answer, fields


def test_our_metadata_is_what_an_idp_registers(portal):
    xml = requests.get(portal.url + "/sso/saml/metadata/", timeout=30).text
    assert f'entityID="{portal.url}/sso/saml/metadata/"' in xml
    assert f'Location="{portal.url}/sso/saml/acs/"' in xml
    assert 'AuthnRequestsSigned="true"' in xml and 'WantAssertionsSigned="true"' in xml


def test_a_staff_member_signs_in_with_saml_and_the_answer_cannot_be_replayed(portal, saml_idp):
    manager = staff_with_role(StaffRole.CANDIDATE_MANAGER, university_id=STAFF_MANAGER.eppn)
    client, answer, fields = sign_in(portal, saml_idp, STAFF_MANAGER, next_url="/staff/jobs/")
    assert (answer.status_code, answer.headers.get("Location")) == (302, "/staff/jobs/")
    assert client.get("staff/").status_code == 200
    assert last("sso.signed_in").actor_id == manager.pk
    # The same answer posted again, by this browser or another one, is refused.
    again = client.session.post(portal.url + "/sso/saml/acs/", data=fields, timeout=30)
    assert again.status_code == 403
    other = browser(portal)
    other.get("sso/saml/login/?audience=staff")
    stolen = other.session.post(portal.url + "/sso/saml/acs/", data=fields, timeout=30)
    assert stolen.status_code == 403
    assert other.get("staff/").status_code == 302


@pytest.mark.parametrize(
    "kind",
    ["unsigned", "tampered", "other_key", "audience", "recipient", "expired", "not_yet_valid"],
)
def test_a_bad_assertion_is_refused_on_a_clear_page(portal, saml_idp, kind):
    staff_with_role(StaffRole.CANDIDATE_MANAGER, university_id=STAFF_MANAGER.eppn)
    saml_idp.misbehave(kind)
    client, answer, _ = sign_in(portal, saml_idp, STAFF_MANAGER)
    assert answer.status_code in (400, 403), answer.text[:300]
    assert "could not be checked" in answer.text
    assert last("sso.refused").data["protocol"] == "saml"
    assert client.get("staff/").status_code == 302


def test_single_logout_started_by_the_idp_ends_the_session(portal, saml_idp):
    staff_with_role(StaffRole.CANDIDATE_MANAGER, university_id=STAFF_MANAGER.eppn)
    client, _, _ = sign_in(portal, saml_idp, STAFF_MANAGER)
    assert client.get("staff/").status_code == 200
    url = saml_idp.logout_request_url(STAFF_MANAGER, portal.url + "/sso/saml/metadata/")
    client.session.get(url, allow_redirects=False, timeout=30)
    assert client.get("staff/").status_code == 302


def test_federation_metadata_is_used_only_once_its_signature_checks(portal, saml_idp, settings):
    settings.SAML_IDP_METADATA_URL = ""
    settings.SAML_FEDERATION_METADATA_URL = saml_idp.federation_tampered_url
    settings.SAML_FEDERATION_CERT_FILE = str(saml_idp.federation_cert_path)
    with pytest.raises(Exception, match="signature"):
        call_command("refresh_saml_metadata")
    assert not ProviderMetadata.objects.filter(url=saml_idp.federation_tampered_url).exists()
    assert "signature" in last("sso.metadata_refused").data["detail"]
    settings.SAML_FEDERATION_METADATA_URL = saml_idp.federation_url
    call_command("refresh_saml_metadata")
    assert ProviderMetadata.objects.get(url=saml_idp.federation_url).entities == 2
    # Two IdPs: the discovery page, in the visitor's language, with a search.
    client = browser(portal)
    page = client.get("sso/saml/login/?audience=staff")
    assert page.status_code == 200
    assert "Choose your institution" in page.text and "2 institutions of 2" in page.text
    links = re.findall(r'href="(\?audience=staff&amp;idp=[^"]+)"', page.text)
    assert len(links) == 2
    ours = next(link for link in links if quote(saml_idp.entity_id, safe="/") in unescape(link))
    chosen = client.get("sso/saml/login/" + unescape(ours))
    assert chosen.status_code == 302
