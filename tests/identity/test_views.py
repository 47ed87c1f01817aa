"""The sign-in pages around the protocols, without an identity provider: buttons only when
configured, refusals on a clear page with an audit row, a provider that is down."""

import pytest
from django.urls import reverse

from ecandidat.audit.models import AuditEvent
from ecandidat.identity.enums import Protocol

pytestmark = pytest.mark.django_db

DOWN = "http://127.0.0.1:9/"  # the discard port: nothing listens there


def refusal(action="sso.refused"):
    return AuditEvent.objects.filter(action=action).order_by("-pk").first()


def test_the_login_pages_offer_the_university_only_when_it_is_configured(client, settings):
    settings.CAS_SERVER_URL = ""
    settings.OIDC_RP_CLIENT_ID = ""
    settings.SSO_STUDENT_PROTOCOL = "cas"
    assert "/sso/" not in client.get(reverse("staff:login")).content.decode()
    assert "/sso/" not in client.get(reverse("public:home")).content.decode()
    settings.CAS_SERVER_URL = "https://cas.univ-test.fr/cas/"
    staff_page = client.get(reverse("staff:login") + "?next=/staff/jobs/").content.decode()
    assert "/sso/cas/login/?audience=staff&amp;next=%2Fstaff%2Fjobs%2F" in staff_page
    assert "Not in the university directory?" in staff_page
    home = client.get(reverse("public:home")).content.decode()
    assert "/sso/cas/login/?audience=student" in home
    settings.SSO_STUDENT_PROTOCOL = "oidc"  # not configured: not offered
    assert "/sso/" not in client.get(reverse("public:home")).content.decode()


def test_every_protocol_url_is_404_when_its_protocol_is_off(client, settings):
    settings.CAS_SERVER_URL = ""
    settings.OIDC_RP_CLIENT_ID = ""
    settings.SAML_SP_KEY_FILE = ""
    for name in ("cas_login", "cas_callback", "oidc_login", "oidc_callback", "saml_login"):
        assert client.get(reverse(f"sso:{name}")).status_code == 404, name
    assert client.get(reverse("sso:saml_metadata")).status_code == 404


def test_a_provider_that_is_down_gets_a_clear_page_with_the_local_login(client, settings):
    settings.CAS_SERVER_URL = DOWN + "cas/"
    response = client.get(reverse("sso:cas_login") + "?audience=staff")
    assert response.status_code == 503
    page = response.content.decode()
    assert "not answering" in page and reverse("staff:login") in page
    assert refusal().data["refusal"] == "provider_unavailable"
    settings.OIDC_RP_CLIENT_ID = "ecandidat"
    settings.OIDC_OP_ISSUER = DOWN
    settings.OIDC_OP_AUTHORIZATION_ENDPOINT = DOWN + "authorize"
    response = client.get(reverse("sso:oidc_login") + "?audience=student")
    assert response.status_code == 503
    assert reverse("public:home") in response.content.decode()


def test_a_ticket_this_browser_did_not_ask_for_is_refused(client, settings):
    settings.CAS_SERVER_URL = DOWN + "cas/"
    response = client.get(reverse("sso:cas_callback") + "?ticket=ST-pushed-by-someone")
    assert response.status_code == 403
    assert "could not be checked" in response.content.decode()
    assert refusal().data["protocol"] == Protocol.CAS
    assert "did not start" in refusal().data["detail"]
    assert "_auth_user_id" not in client.session


def test_an_oidc_answer_without_our_state_is_refused(client, settings):
    settings.OIDC_RP_CLIENT_ID = "ecandidat"
    settings.OIDC_OP_ISSUER = DOWN
    response = client.get(reverse("sso:oidc_callback") + "?code=abc&state=forged")
    assert response.status_code == 403
    session = client.session
    session["sso_audience"] = "staff"
    session.save()
    response = client.get(reverse("sso:oidc_callback") + "?code=abc&state=forged")
    assert response.status_code == 403
    assert "state" in refusal().data["detail"]


def test_a_cas_single_logout_request_is_parsed_safely(client, settings):
    settings.CAS_SERVER_URL = DOWN + "cas/"
    url = reverse("sso:cas_callback")
    entity_bomb = (
        '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
        '<samlp:LogoutRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol">'
        "<samlp:SessionIndex>&e;</samlp:SessionIndex></samlp:LogoutRequest>"
    )
    assert client.post(url, {"logoutRequest": entity_bomb}).status_code == 400
    assert client.post(url, {"logoutRequest": "not xml"}).status_code == 400
    good = (
        '<samlp:LogoutRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol">'
        "<samlp:SessionIndex>ST-unknown</samlp:SessionIndex></samlp:LogoutRequest>"
    )
    assert client.post(url, {"logoutRequest": good}).status_code == 200
