"""Signing in through a real OpenID provider (django-oauth-toolkit in its own process):
code flow with PKCE, state and nonce; every bad token refused on our page."""

from urllib.parse import parse_qs, urlsplit

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from ecandidat.accounts.enums import StaffRole
from ecandidat.accounts.models import User
from ecandidat.audit.models import AuditEvent
from tests.factories import UserFactory, staff_with_role
from tests.sso.people import STAFF_MANAGER, STUDENT
from tests.sso.portal import browser
from tests.sso.servers.oidc import DEFAULT_REDIRECT_URIS

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def portal(live_server, settings, oidc_provider):
    settings.SITE_URL = live_server.url
    settings.RATELIMITS = dict.fromkeys(settings.RATELIMITS, "1000/m")
    settings.STAFF_2FA_REQUIRED = False
    settings.OIDC_RP_CLIENT_ID = oidc_provider.client_id
    settings.OIDC_RP_CLIENT_SECRET = oidc_provider.client_secret
    settings.OIDC_OP_ISSUER = oidc_provider.issuer
    settings.OIDC_OP_AUTHORIZATION_ENDPOINT = oidc_provider.authorization_endpoint
    settings.OIDC_OP_TOKEN_ENDPOINT = oidc_provider.token_endpoint
    settings.OIDC_OP_USER_ENDPOINT = oidc_provider.userinfo_endpoint
    settings.OIDC_OP_JWKS_ENDPOINT = oidc_provider.jwks_uri
    settings.SSO_STUDENT_PROTOCOL = "oidc"
    oidc_provider.set_redirect_uris(
        [*DEFAULT_REDIRECT_URIS, live_server.url + "/sso/oidc/callback/"]
    )
    return live_server


def sign_in(portal, oidc_provider, person, *, audience="staff", next_url=""):
    client = browser(portal)
    start = client.get(f"sso/oidc/login/?audience={audience}&next={next_url}")
    assert start.status_code == 302, start.text[:300]
    query = parse_qs(urlsplit(start.headers["Location"]).query)
    assert query["code_challenge_method"] == ["S256"] and query["nonce"] and query["state"]
    back = oidc_provider.authorize(client.session.__class__(), start.headers["Location"], person)
    return client, client.get(back)


def last(action):
    return AuditEvent.objects.filter(action=action).order_by("-pk").first()


def test_a_staff_member_signs_in_with_openid_connect(portal, oidc_provider):
    manager = staff_with_role(StaffRole.CANDIDATE_MANAGER, university_id=STAFF_MANAGER.uid)
    client, landed = sign_in(portal, oidc_provider, STAFF_MANAGER, next_url="/staff/jobs/")
    assert (landed.status_code, landed.headers.get("Location")) == (302, "/staff/jobs/")
    assert client.get("staff/").status_code == 200
    assert last("sso.signed_in").actor_id == manager.pk


@pytest.mark.parametrize("kind", ["nonce", "issuer", "audience", "signature", "expired"])
def test_a_bad_id_token_is_refused_on_a_clear_page(portal, oidc_provider, kind):
    staff_with_role(StaffRole.CANDIDATE_MANAGER, university_id=STAFF_MANAGER.uid)
    oidc_provider.misbehave(kind)
    client, page = sign_in(portal, oidc_provider, STAFF_MANAGER)
    assert page.status_code == 403
    assert "could not be checked" in page.text
    refusal = last("sso.refused").data
    assert (refusal["protocol"], refusal["refusal"]) == ("oidc", "invalid_response")
    assert client.get("staff/").status_code == 302  # not signed in


def test_the_providers_second_factor_counts_only_when_the_settings_say_so(
    portal, oidc_provider, settings
):
    manager = staff_with_role(StaffRole.CANDIDATE_MANAGER, university_id=STAFF_MANAGER.uid)
    TOTPDevice.objects.create(user=manager, name="authenticator", confirmed=True)
    oidc_provider.set_mfa(True)
    settings.SSO_TRUST_IDP_MFA = False
    client, _ = sign_in(portal, oidc_provider, STAFF_MANAGER)
    asked = client.get("staff/")
    assert asked.status_code == 302 and "/staff/2fa/verify/" in asked.headers["Location"]
    settings.SSO_TRUST_IDP_MFA = True
    client, _ = sign_in(portal, oidc_provider, STAFF_MANAGER)
    assert client.get("staff/").status_code == 200
    oidc_provider.set_mfa(False)
    client, _ = sign_in(portal, oidc_provider, STAFF_MANAGER)
    assert client.get("staff/").status_code == 302


def test_a_student_with_a_local_account_links_it_with_its_password(portal, oidc_provider):
    local = UserFactory(email=STUDENT.mail)
    local.set_password("Local-Password-1")
    local.save()
    client, landed = sign_in(portal, oidc_provider, STUDENT, audience="student")
    assert (landed.status_code, landed.headers["Location"]) == (302, "/sso/link/")
    page = client.get("sso/link/")
    assert local.username in page.text
    wrong = client.post_form("sso/link/", {"action": "password", "password": "nope"})
    assert wrong.status_code == 200 and "not the password" in wrong.text
    linked = client.post_form("sso/link/", {"action": "password", "password": "Local-Password-1"})
    assert (linked.status_code, linked.headers["Location"]) == (302, "/candidate/")
    local.refresh_from_db()
    assert local.university_id == STUDENT.uid
    assert User.objects.candidates().count() == 1
    assert client.get("candidate/").status_code == 200
