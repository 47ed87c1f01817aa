"""Signing in with the university in a real browser: the staff login's button, the real
identity provider's login page, and back in the portal; the student's button on the home
page; the refusal page. axe-core on every page of ours."""

import pytest
import requests

from ecandidat.accounts.enums import StaffRole
from ecandidat.accounts.models import User
from tests.e2e.conftest import check_accessibility, new_page
from tests.factories import staff_with_role
from tests.sso.people import PASSWORD, STAFF_MANAGER, STAFF_UNKNOWN, STUDENT
from tests.sso.servers.oidc import DEFAULT_REDIRECT_URIS
from tests.sso.servers.pki import write_key_and_cert

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def cas_portal(live_url, e2e_settings, cas_server):
    e2e_settings.CAS_SERVER_URL = cas_server.url
    e2e_settings.SSO_STUDENT_PROTOCOL = "cas"
    e2e_settings.STAFF_2FA_REQUIRED = False
    return live_url


@pytest.fixture
def oidc_portal(live_url, e2e_settings, oidc_provider):
    provider = oidc_provider
    e2e_settings.OIDC_RP_CLIENT_ID = provider.client_id
    e2e_settings.OIDC_RP_CLIENT_SECRET = provider.client_secret
    e2e_settings.OIDC_OP_ISSUER = provider.issuer
    e2e_settings.OIDC_OP_AUTHORIZATION_ENDPOINT = provider.authorization_endpoint
    e2e_settings.OIDC_OP_TOKEN_ENDPOINT = provider.token_endpoint
    e2e_settings.OIDC_OP_USER_ENDPOINT = provider.userinfo_endpoint
    e2e_settings.OIDC_OP_JWKS_ENDPOINT = provider.jwks_uri
    e2e_settings.STAFF_2FA_REQUIRED = False
    provider.set_redirect_uris([*DEFAULT_REDIRECT_URIS, live_url + "/sso/oidc/callback/"])
    return live_url


def log_in_at_provider(page, person):
    page.fill("input[name=username]", person.uid)
    page.fill("input[name=password]", PASSWORD)
    page.locator("button[type=submit]").click()


def test_staff_sign_in_with_cas_and_the_no_access_page(browser, cas_portal):
    staff_with_role(StaffRole.CANDIDATE_MANAGER, university_id=STAFF_MANAGER.uid)
    page = new_page(browser, "en")
    page.goto(cas_portal + "/staff/login/")
    check_accessibility(page)
    page.get_by_role("link", name="Sign in with the university").click()
    log_in_at_provider(page, STAFF_MANAGER)
    page.wait_for_url(cas_portal + "/staff/")
    check_accessibility(page)

    stranger = new_page(browser, "fr")
    stranger.goto(cas_portal + "/staff/login/")
    stranger.get_by_role("link", name="Se connecter avec l’université").click()
    log_in_at_provider(stranger, STAFF_UNKNOWN)
    stranger.wait_for_url(cas_portal + "/sso/cas/callback/**")
    assert "scolarité centrale" in stranger.locator(".alert").inner_text()
    check_accessibility(stranger)
    stranger.get_by_role("link", name="Retour à la connexion du personnel").click()
    stranger.wait_for_url(cas_portal + "/staff/login/")


def test_a_student_signs_in_from_the_home_page(browser, cas_portal):
    page = new_page(browser, "fr")
    page.goto(cas_portal + "/")
    check_accessibility(page)
    page.get_by_role("link", name="Se connecter avec l’université").click()
    log_in_at_provider(page, STUDENT)
    page.wait_for_url(cas_portal + "/candidate/")
    check_accessibility(page)
    assert User.objects.get(university_id=STUDENT.uid).first_name == "Léa"


def test_staff_sign_in_with_openid_connect(browser, oidc_portal):
    staff_with_role(StaffRole.CANDIDATE_MANAGER, university_id=STAFF_MANAGER.uid)
    page = new_page(browser, "en")
    page.goto(oidc_portal + "/staff/login/")
    page.get_by_role("link", name="Sign in with the university").click()
    log_in_at_provider(page, STAFF_MANAGER)
    page.wait_for_url(oidc_portal + "/staff/")
    check_accessibility(page)


@pytest.fixture
def saml_portal(live_url, e2e_settings, saml_idp, tmp_path):
    # The IdP posts its answer to us; on plain HTTP the SAML cookie is SameSite=Lax, sent
    # only if the IdP is the same site: 127.0.0.1 for both (in production, HTTPS and
    # SameSite=None).
    live_url = live_url.replace("://localhost:", "://127.0.0.1:")
    e2e_settings.SITE_URL = live_url
    key, cert = write_key_and_cert(tmp_path, "sp", "ecandidat.test")
    e2e_settings.SAML_SP_KEY_FILE = str(key)
    e2e_settings.SAML_SP_CERT_FILE = str(cert)
    e2e_settings.SAML_IDP_METADATA_URL = ""
    e2e_settings.SAML_FEDERATION_METADATA_URL = saml_idp.federation_url
    e2e_settings.SAML_FEDERATION_CERT_FILE = str(saml_idp.federation_cert_path)
    e2e_settings.SAML_XMLSEC_BINARY = saml_idp.xmlsec1
    e2e_settings.STAFF_2FA_REQUIRED = False
    saml_idp.trust_sp(requests.get(live_url + "/sso/saml/metadata/", timeout=30).content)
    return live_url


def test_staff_sign_in_through_the_federation_and_logout(browser, saml_portal, saml_idp):
    staff_with_role(StaffRole.CANDIDATE_MANAGER, university_id=STAFF_MANAGER.eppn)
    page = new_page(browser, "fr")
    page.goto(saml_portal + "/staff/login/")
    page.get_by_role("link", name="Se connecter avec l’université").click()
    # Two IdPs in the federation: the discovery page, searchable, in French.
    page.wait_for_url(saml_portal + "/sso/saml/login/**")
    check_accessibility(page)
    page.fill("#idp-search", "xyz-no-such-institution")
    page.get_by_role("button", name="Rechercher").click()
    assert page.locator(".list-group-item").count() == 0
    page.fill("#idp-search", "")
    page.get_by_role("button", name="Rechercher").click()
    page.get_by_role("link", name="Université de test", exact=True).click()
    log_in_at_provider(page, STAFF_MANAGER)
    page.wait_for_url(saml_portal + "/staff/")
    check_accessibility(page)
    # Logging out here logs out at the IdP too (SP-initiated single logout), then home.
    page.get_by_role("button", name="Logout").click()  # the account is in English
    page.wait_for_url(saml_portal + "/")
    assert any(event["event"].startswith("slo") for event in saml_idp.events())
    page.goto(saml_portal + "/staff/")
    page.wait_for_url(saml_portal + "/staff/login/**")
