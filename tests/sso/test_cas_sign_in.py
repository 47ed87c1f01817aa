"""Signing in through a real CAS server (django-mama-cas in its own process)."""

import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest

from ecandidat.accounts.enums import StaffRole, UserKind
from ecandidat.accounts.models import User
from ecandidat.audit.models import AuditEvent
from ecandidat.dossier.models import LocalStudy
from tests.factories import staff_with_role
from tests.sso.people import STAFF_MANAGER, STAFF_UNKNOWN, STUDENT
from tests.sso.portal import browser

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def portal(live_server, settings, cas_server):
    settings.SITE_URL = live_server.url
    settings.CAS_SERVER_URL = cas_server.url
    settings.RATELIMITS = dict.fromkeys(settings.RATELIMITS, "1000/m")
    settings.STAFF_2FA_REQUIRED = False
    return live_server


def start(client, audience="staff", next_url=""):
    response = client.get(f"sso/cas/login/?audience={audience}&next={next_url}")
    assert response.status_code == 302, response.text[:500]
    service = parse_qs(urlsplit(response.headers["Location"]).query)["service"][0]
    return service


def last(action):
    return AuditEvent.objects.filter(action=action).order_by("-pk").first()


def test_a_staff_member_signs_in_with_cas_and_single_logout_ends_the_session(portal, cas_server):
    manager = staff_with_role(StaffRole.CANDIDATE_MANAGER, university_id=STAFF_MANAGER.uid)
    client = browser(portal)
    service = start(client, next_url="/staff/jobs/")
    assert service == portal.url + "/sso/cas/callback/"
    _, back = cas_server.sign_in(STAFF_MANAGER, service)
    landed = client.get(back)
    assert (landed.status_code, landed.headers["Location"]) == (302, "/staff/jobs/")
    assert client.get("staff/").status_code == 200
    assert last("sso.signed_in").data["protocol"] == "cas"
    assert last("sso.signed_in").actor_id == manager.pk
    # Logging out at the CAS server: it POSTs a logoutRequest, the session ends here.
    cas_server.logout(STAFF_MANAGER)
    assert client.get("staff/").status_code == 302
    assert last("sso.single_logout").target_id == str(manager.pk)


def test_a_replayed_ticket_and_a_ticket_for_another_service_are_refused(portal, cas_server):
    staff_with_role(StaffRole.CANDIDATE_MANAGER, university_id=STAFF_MANAGER.uid)
    first = browser(portal)
    service = start(first)
    _, back = cas_server.sign_in(STAFF_MANAGER, service)
    assert first.get(back).status_code == 302
    second = browser(portal)
    start(second)
    replay = second.get(back)
    assert replay.status_code == 403
    assert "could not be checked" in replay.text
    assert "INVALID_TICKET" in last("sso.refused").data["detail"]
    other = cas_server.ticket_for(STAFF_MANAGER, "http://127.0.0.1:9/elsewhere/")
    third = browser(portal)
    start(third)
    assert third.get(f"sso/cas/callback/?ticket={other}").status_code == 403
    assert "INVALID_SERVICE" in last("sso.refused").data["detail"]
    assert third.get("staff/").status_code == 302


def test_an_unknown_identity_gets_the_no_access_page(portal, cas_server):
    client = browser(portal)
    _, back = cas_server.sign_in(STAFF_UNKNOWN, start(client))
    page = client.get(back)
    assert page.status_code == 403
    assert "Ask your central office" in page.text
    assert last("sso.refused").data["identifier"] == STAFF_UNKNOWN.uid
    assert not User.objects.filter(kind=UserKind.STAFF).exists()


def test_a_student_signs_in_the_first_time_and_finds_their_local_studies(portal, cas_server):
    LocalStudy.objects.create(
        student_number=STUDENT.student_number,
        academic_year="2024-2025",
        program_code="L2INF",
        program_label="Licence 2 Informatique",
    )
    client = browser(portal)
    _, back = cas_server.sign_in(STUDENT, start(client, audience="student"))
    landed = client.get(back)
    assert (landed.status_code, landed.headers["Location"]) == (302, "/candidate/")
    student = User.objects.get(university_id=STUDENT.uid)
    assert (student.kind, student.first_name, student.email) == (
        UserKind.CANDIDATE,
        "Léa",
        STUDENT.mail,
    )
    assert list(student.local_studies.values_list("program_code", flat=True)) == ["L2INF"]
    assert client.get("candidate/").status_code == 200


def test_logging_out_ends_the_cas_session_too(portal, cas_server):
    staff_with_role(StaffRole.CANDIDATE_MANAGER, university_id=STAFF_MANAGER.uid)
    client = browser(portal)
    cas_session, back = cas_server.sign_in(STAFF_MANAGER, start(client))
    client.get(back)
    out = client.post_form("staff/logout/", {}, page="staff/")
    # A page sending the browser on (a redirect after a form would break the CSP).
    target = unescape(re.search(r'http-equiv="refresh" content="0;url=([^"]+)"', out.text)[1])
    assert out.status_code == 200 and target.startswith(cas_server.logout_url + "?service=")
    assert client.get("staff/").status_code == 302  # logged out here
    # Following it ends the single sign-on session: the next login asks for the password.
    cas_session.get(target, timeout=10)
    login = cas_session.get(cas_server.login_url, params={"service": back}, allow_redirects=False)
    assert login.status_code == 200 and 'name="password"' in login.text
