"""Signing in with the university in a real browser: the staff login's button, the real
identity provider's login page, and back in the portal; the student's button on the home
page; the refusal page. axe-core on every page of ours."""

import pytest

from ecandidat.accounts.enums import StaffRole
from ecandidat.accounts.models import User
from tests.e2e.conftest import check_accessibility, new_page
from tests.factories import staff_with_role
from tests.sso.people import PASSWORD, STAFF_MANAGER, STAFF_UNKNOWN, STUDENT
from tests.sso.servers.oidc import DEFAULT_REDIRECT_URIS

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
