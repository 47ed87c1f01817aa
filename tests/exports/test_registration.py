import csv
import io
import zipfile

import pytest
from django.urls import reverse

from ecandidat.accounts.enums import StaffRole
from ecandidat.audit.models import AuditEvent
from ecandidat.decisions import services as decisions
from ecandidat.decisions.enums import DecisionKind
from ecandidat.decisions.models import DecisionType
from tests.applications.conftest import complete_dossier
from tests.decisions.test_decisions import decision_types, received, type_of  # noqa: F401
from tests.factories import CentreFactory, UserFactory, staff_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def confirmed(program, campaign):
    DecisionType.objects.filter(code="FAV").update(registration=True)
    program.sis_code = "PEG-LP-ASSR"
    program.save()
    manager = staff_with_role(StaffRole.CENTRE_MANAGER, centre=program.centre)
    application, other = received(program, campaign, 2)
    complete_dossier(application.candidate)
    for app in (application, other):
        decision = decisions.enter_decision(
            application_id=app.pk, decision_type=type_of(DecisionKind.FAVOURABLE), user=manager
        )
        decisions.validate_decision(decision_id=decision.pk, user=manager)
    decisions.answer(application_id=application.pk, value="confirmed", user=application.candidate)
    return application, manager


def rows(content: bytes):
    return list(csv.DictReader(io.StringIO(content.decode("utf-8")), delimiter=";"))


def test_pegase_files_for_confirmed_candidates_only(client, confirmed):
    application, manager = confirmed
    client.force_login(manager)
    page = client.get(reverse("staff:registrations"))
    assert page.context["total"] == 1 and page.context["new"] == 1
    archive = zipfile.ZipFile(
        io.BytesIO(client.post(reverse("staff:registrations"), {"only_new": "on"}).content)
    )
    names = sorted(archive.namelist())
    assert [n.split("-")[0] for n in names] == ["candidat", "candidature", "inscription"]
    candidate = rows(archive.read(names[0]))[0]
    assert candidate["numero_candidat"] == application.candidate.username
    assert candidate["sexe"] == "M" and candidate["date_naissance"] == "17/05/2000"
    assert candidate["code_pays_naissance"] == "100" and candidate["code_nationalite"] == "109"
    assert (
        candidate["code_commune_naissance"] == "76540"
        and candidate["adresse_code_commune"] == "76451"
    )
    wish = rows(archive.read(names[1]))[0]
    assert wish["code_voeu"] == "PEG-LP-ASSR" and wish["origine_admission"] == "EC"
    single = rows(archive.read(names[2]))[0]
    assert single["code_voeu1"] == "PEG-LP-ASSR" and single["code_voeu2"] == ""
    application.refresh_from_db()
    assert application.registration_exported_at is not None
    assert AuditEvent.objects.filter(action="registration.exported", actor=manager).exists()
    # Nothing new the second time.
    assert client.post(reverse("staff:registrations"), {"only_new": "on"}).status_code == 404


def test_api_by_token_and_by_scope(client, confirmed, settings):
    application, manager = confirmed
    url = reverse("staff:registrations_api")
    assert client.get(url).status_code == 404
    settings.REGISTRATION_API_TOKEN = TOKEN
    assert client.get(url, headers={"Authorization": "Bearer wrong"}).status_code == 404
    data = client.get(url, headers={"Authorization": f"Bearer {TOKEN}"}).json()
    assert [r["numero_candidat"] for r in data["registrations"]] == [application.candidate.username]
    client.force_login(manager)
    assert len(client.get(url).json()["registrations"]) == 1
    client.force_login(staff_with_role(StaffRole.CENTRE_MANAGER, centre=CentreFactory()))
    assert client.get(url).json()["registrations"] == []
    client.force_login(UserFactory())
    assert client.get(url).status_code == 404
    assert AuditEvent.objects.filter(action="registration.api").count() == 3


TOKEN = "sis-" + "k" * 40  # long enough to be in force (32 characters at least)
API = "staff:registrations_api"


def _refusals():
    return list(
        AuditEvent.objects.filter(action="registration_api.refused")
        .order_by("pk")
        .values_list("data__reason", flat=True)
    )


@pytest.mark.parametrize(
    ("header", "reason"),
    [
        (TOKEN, "scheme"),  # the bare token, without its scheme
        (f"Basic {TOKEN}", "scheme"),
        (f"Token {TOKEN}", "scheme"),
        (f"Bearer{TOKEN}", "scheme"),
        ("Bearer ", "scheme"),
        ("Bearer wrong", "wrong_token"),
        (f"Bearer {TOKEN[:-1]}", "wrong_token"),
        (f"Bearer {TOKEN}x", "wrong_token"),
    ],
)
def test_api_needs_the_bearer_scheme_and_the_exact_token(
    client, confirmed, settings, header, reason
):
    settings.REGISTRATION_API_TOKEN = TOKEN
    assert client.get(reverse(API), headers={"Authorization": header}).status_code == 404
    assert _refusals() == [reason]
    assert not AuditEvent.objects.filter(action="registration.api").exists()


@pytest.mark.parametrize("header", [f"Bearer {TOKEN}", f"bearer {TOKEN}", f"Bearer  {TOKEN} "])
def test_api_accepts_the_bearer_token(client, confirmed, settings, header):
    settings.REGISTRATION_API_TOKEN = TOKEN
    response = client.get(reverse(API), headers={"Authorization": header})
    assert response.status_code == 200 and len(response.json()["registrations"]) == 1


def test_a_short_configured_token_opens_nothing_and_is_warned_about(client, confirmed, settings):
    from django.core import checks

    short = "x" * 31
    settings.REGISTRATION_API_TOKEN = short
    assert client.get(reverse(API), headers={"Authorization": f"Bearer {short}"}).status_code == (
        404
    )
    assert _refusals() == ["token_disabled"]
    warnings = [m for m in checks.run_checks(tags=[checks.Tags.security]) if m.id == "exports.W001"]
    assert len(warnings) == 1 and warnings[0].level == checks.WARNING
    settings.REGISTRATION_API_TOKEN = "x" * 32
    assert not [m for m in checks.run_checks() if m.id == "exports.W001"]
    settings.REGISTRATION_API_TOKEN = ""
    assert not [m for m in checks.run_checks() if m.id == "exports.W001"]


def test_the_token_is_compared_in_constant_time(client, confirmed, settings, monkeypatch):
    import hmac

    from ecandidat.www.staff import registrations

    compared = []
    real = hmac.compare_digest

    def spy(a, b):
        compared.append((a, b))
        return real(a, b)

    monkeypatch.setattr(registrations.hmac, "compare_digest", spy)
    settings.REGISTRATION_API_TOKEN = TOKEN
    client.get(reverse(API), headers={"Authorization": "Bearer guess"})
    assert compared == [(b"guess", TOKEN.encode())]


def test_refusals_are_audited_without_the_token(client, confirmed, settings):
    _application, manager = confirmed
    settings.REGISTRATION_API_TOKEN = TOKEN
    client.get(reverse(API))  # nothing at all
    client.get(reverse(API), headers={"Authorization": TOKEN})
    client.get(reverse(API), headers={"Authorization": f"Bearer {TOKEN}-almost"})
    client.force_login(UserFactory())
    client.get(reverse(API))  # signed in, without the right
    # A token that is sent is judged alone: a wrong one is refused even with a session.
    client.force_login(manager)
    response = client.get(reverse(API), headers={"Authorization": "Bearer wrong"})
    assert response.status_code == 404
    assert _refusals() == ["no_credentials", "scheme", "wrong_token", "not_allowed", "wrong_token"]
    events = AuditEvent.objects.filter(action="registration_api.refused").order_by("pk")
    assert all(event.ip_address for event in events)
    assert events.last().actor == manager
    for event in events:
        assert TOKEN not in str(event.data) and "almost" not in str(event.data)
