import csv
import hmac
import io
import zipfile
from datetime import timedelta

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.core import checks
from django.urls import reverse
from django.utils import timezone

from ecandidat.accounts.enums import StaffRole
from ecandidat.applications.models import Application
from ecandidat.audit.models import AuditEvent
from ecandidat.catalog.enums import CampaignStatus
from ecandidat.catalog.models import Campaign, PegasePeriod
from ecandidat.decisions import services as decisions
from ecandidat.decisions.enums import DecisionKind
from ecandidat.decisions.models import Decision, DecisionType
from ecandidat.dossier.models import Baccalaureate
from ecandidat.exports import pegase, registration
from ecandidat.www.staff import registrations
from tests.applications.conftest import complete_dossier
from tests.decisions.test_decisions import decision_types, received, type_of  # noqa: F401
from tests.factories import (
    ApplicationFactory,
    CentreFactory,
    ProgramFactory,
    UserFactory,
    staff_with_role,
)

pytestmark = pytest.mark.django_db

PAGE = "staff:registrations"


def give_period(campaign) -> PegasePeriod:
    period = PegasePeriod.objects.create(
        code="PER-2026",
        label="2026-2027",
        starts_on=campaign.ends_on,
        ends_on=campaign.ends_on + timedelta(days=365),
    )
    campaign.pegase_period = period
    campaign.save(update_fields=["pegase_period"])
    return period


@pytest.fixture
def confirmed(program, campaign):
    give_period(campaign)
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


def admitted(program, campaign, candidate=None):
    """A confirmed application with a validated favourable decision (straight in the
    database: the tests below are about what is exported, not how one gets there)."""
    application = ApplicationFactory(
        program=program, campaign=campaign, confirmed=True, candidate=candidate or UserFactory()
    )
    if candidate is None:
        complete_dossier(application.candidate)
    now = timezone.now()
    staff = staff_with_role(StaffRole.CENTRAL_OFFICE)
    Decision.objects.create(
        application=application,
        decision_type=type_of(DecisionKind.FAVOURABLE),
        entered_by=staff,
        validated_by=staff,
        validated_at=now,
    )
    return application


def rows(content: bytes):
    return list(csv.DictReader(io.StringIO(content.decode("utf-8")), delimiter=";"))


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def download(client, **data):
    response = client.post(reverse(PAGE), data)
    assert response.status_code == 200, response
    archive = zipfile.ZipFile(io.BytesIO(body(response)))
    return {name.split("-")[0]: archive.read(name) for name in archive.namelist()}


def day_of(client):
    return {
        name: [row["numero_candidat"] for row in rows(content)]
        for name, content in download(client).items()
        if name != "inscription"
    }


def test_pegase_files_for_confirmed_candidates_only(client, confirmed):
    application, manager = confirmed
    client.force_login(manager)
    page = client.get(reverse(PAGE))
    assert len(page.context["selection"].candidates) == 1 and page.context["new"] == 1
    response = client.post(reverse(PAGE), {"file": "zip"})
    day = timezone.localdate().strftime("%Y%m%d")
    assert f'filename="{day}.zip"' in response["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(body(response)))
    assert archive.namelist() == [
        f"candidat-{day}.csv",
        f"candidature-{day}.csv",
        f"inscription-{day}.csv",
    ]
    files = {name.split("-")[0]: archive.read(name) for name in archive.namelist()}
    candidate = rows(files["candidat"])[0]
    user = application.candidate
    assert candidate["numero_candidat"] == user.username
    assert candidate["nom_famille"] == user.last_name.upper()
    assert candidate["prenom"] == user.first_name.upper()
    assert candidate["sexe"] == "M" and candidate["date_naissance"] == "17/05/2000"
    assert candidate["code_pays_naissance"] == "100" and candidate["code_nationalite"] == "109"
    assert candidate["code_commune_naissance"] == "76540"
    assert candidate["libelle_commune_naissance"] == "ROUEN"
    assert candidate["adresse_ligne3_voie"] == "1 rue Becket"
    assert candidate["adresse_code_postal"] == "76130"
    assert candidate["adresse_code_commune"] == "76451"
    wish = rows(files["candidature"])[0]
    assert wish["code_voeu"] == "PEG-LP-ASSR" and wish["origine_admission"] == "EC"
    assert wish["code_periode"] == "PER-2026"
    single = rows(files["inscription"])[0]
    assert single["code_voeu1"] == "PEG-LP-ASSR" and single["code_voeu2"] == ""
    assert single["code_periode1"] == "PER-2026"
    application.refresh_from_db()
    assert application.registration_exported_at is not None
    event = AuditEvent.objects.get(action="registration.exported", actor=manager)
    assert event.data["applications"] == [application.pk] and event.data["report"] == 0


def test_one_file_alone_and_nothing_to_export(client, confirmed):
    _application, manager = confirmed
    client.force_login(manager)
    response = client.post(reverse(PAGE), {"file": "inscription"})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert body(response).startswith(b"nom_naissance;nom_usage;")
    assert client.post(reverse(PAGE), {"file": "other"}).status_code == 404
    Application.objects.filter(answer="confirmed").update(answer="withdrawn")
    response = client.post(reverse(PAGE), {"file": "zip"})
    assert response.status_code == 302
    assert "no file is written" in str(next(iter(get_messages(response.wsgi_request))))


def test_only_the_active_campaign(client, confirmed, program, campaign):
    _application, manager = confirmed
    period = campaign.pegase_period
    old = Campaign.objects.create(
        code="OLD",
        label_fr="Ancienne",
        starts_on=period.starts_on - timedelta(days=800),
        candidate_ends_on=period.starts_on - timedelta(days=700),
        ends_on=period.starts_on - timedelta(days=600),
        status=CampaignStatus.ARCHIVED,
        pegase_period=period,
    )
    stale = admitted(program, old)
    client.force_login(manager)
    numbers = day_of(client)["candidat"]
    assert stale.candidate.username not in numbers and len(numbers) == 1
    Campaign.objects.update(status=CampaignStatus.PREPARED)
    page = client.get(reverse(PAGE))
    assert page.context["selection"].campaign is None
    assert "There is no active campaign" in page.content.decode()


def test_a_program_without_pegase_code_is_never_a_wish_and_is_listed(client, confirmed, campaign):
    application, manager = confirmed
    bare = ProgramFactory(centre=application.program.centre, code="LOCAL-1", sis_code="")
    held = admitted(bare, campaign, candidate=application.candidate)
    only_bare = admitted(bare, campaign)
    client.force_login(manager)
    page = client.get(reverse(PAGE))
    selection = page.context["selection"]
    assert selection.programs_without_code == [{"program": bare, "count": 2}]
    assert bare.label in page.content.decode()
    (finding,) = [f for f in page.context["export"].report if f.problems == ("no_pegase_code",)]
    assert finding.dossier_number == application.candidate.username
    assert finding.detail == bare.label
    files = download(client)
    # The internal code never goes out, and does not take one of the five wish groups.
    assert [w["code_voeu"] for w in rows(files["candidature"])] == ["PEG-LP-ASSR"]
    assert rows(files["inscription"])[0]["code_voeu2"] == ""
    assert only_bare.candidate.username not in [
        r["numero_candidat"] for r in rows(files["candidat"])
    ]
    held.refresh_from_db()
    assert held.registration_exported_at is None


def test_the_days_files_resend_every_wish_of_a_candidate_and_are_complete(
    client, confirmed, campaign
):
    application, manager = confirmed
    second = ProgramFactory(centre=application.program.centre, sis_code="PEG-M1")
    client.force_login(manager)
    first_day = download(client)
    # The same day: the same complete files again (eCandidat overwrites the day's files).
    assert download(client) == first_day
    with time_machine.travel(timezone.now() + timedelta(days=1)):
        client.force_login(manager)
        assert client.get(reverse(PAGE)).context["selection"].candidates == []
        other = admitted(second, campaign, candidate=application.candidate)
        newcomer = admitted(second, campaign)
        files = download(client)
        wishes = [(w["numero_candidat"], w["code_voeu"]) for w in rows(files["candidature"])]
        # All of the candidate's wishes, the one exported yesterday included.
        assert wishes == [
            (application.candidate.username, "PEG-LP-ASSR"),
            (application.candidate.username, "PEG-M1"),
            (newcomer.candidate.username, "PEG-M1"),
        ]
        single = rows(files["inscription"])[0]
        assert (single["code_voeu1"], single["code_voeu2"]) == ("PEG-LP-ASSR", "PEG-M1")
        today = timezone.localdate()
        for app in (application, other, newcomer):
            app.refresh_from_db()
            assert timezone.localdate(app.registration_exported_at) == today
        everything = client.get(reverse(PAGE), {"selection": "all"}).context["selection"]
        assert len(everything.candidates) == 2
    with time_machine.travel(timezone.now() + timedelta(days=2)):
        client.force_login(manager)
        assert client.get(reverse(PAGE)).context["selection"].candidates == []
        assert client.post(reverse(PAGE), {"file": "zip"}).status_code == 302


def test_every_confirmed_candidate_on_demand(client, confirmed):
    application, manager = confirmed
    client.force_login(manager)
    download(client)
    with time_machine.travel(timezone.now() + timedelta(days=1)):
        client.force_login(manager)
        assert client.get(reverse(PAGE)).context["selection"].candidates == []
        files = download(client, selection="all")
        assert [r["numero_candidat"] for r in rows(files["candidat"])] == [
            application.candidate.username
        ]


def test_withdrawn_after_export_is_listed_and_never_selects_the_candidate_again(
    client, confirmed, campaign
):
    application, manager = confirmed
    client.force_login(manager)
    download(client)
    # Today a confirmed registration cannot be withdrawn; a later flow (or a decision type
    # no longer feeding the export) may take it out after its export.
    Application.objects.filter(pk=application.pk).update(answer="withdrawn")
    with time_machine.travel(timezone.now() + timedelta(days=1)):
        client.force_login(manager)
        page = client.get(reverse(PAGE))
        selection = page.context["selection"]
        assert selection.candidates == []
        assert selection.withdrawn_after_export == [application]
        assert "cancel these in Pégase by hand" in page.content.decode()
        newcomer = admitted(application.program, campaign)
        numbers = day_of(client)["candidat"]
        assert numbers == [newcomer.candidate.username]


def test_a_baccalaureate_year_in_the_future_holds_the_candidate_back(client, confirmed):
    application, manager = confirmed
    Baccalaureate.objects.filter(user=application.candidate).update(
        year=timezone.localdate().year + 1
    )
    client.force_login(manager)
    page = client.get(reverse(PAGE))
    (skipped,) = page.context["selection"].skipped
    assert skipped.problems == ("bac_year_future",)
    assert skipped.dossier_number == application.candidate.username
    assert page.context["selection"].candidates == []
    response = client.post(reverse(PAGE), {"file": "zip"})
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.registration_exported_at is None


def test_a_candidate_without_address_is_held_back_and_listed(client, confirmed, campaign):
    application, manager = confirmed
    lost = admitted(application.program, campaign)
    lost.candidate.address.delete()
    client.force_login(manager)
    selection = client.get(reverse(PAGE)).context["selection"]
    assert [c.user for c in selection.candidates] == [application.candidate]
    assert [(f.dossier_number, f.problems) for f in selection.skipped] == [
        (lost.candidate.username, ("no_address",))
    ]


def test_without_a_pegase_period_nothing_is_exported(client, confirmed, campaign):
    _application, manager = confirmed
    client.force_login(manager)
    download(client)
    Campaign.objects.filter(pk=campaign.pk).update(pegase_period=None)
    page = client.get(reverse(PAGE))
    selection = page.context["selection"]
    assert selection.candidates == []
    # What was exported is still a registration: nothing to cancel in Pégase.
    assert selection.withdrawn_after_export == []
    assert "has no Pégase period" in page.content.decode()


def test_what_cannot_go_as_typed_is_in_the_report_and_the_row_keeps_its_columns(client, confirmed):
    application, manager = confirmed
    # The account's column is wider than Pégase's 100 characters (a name from an import).
    type(application.candidate).objects.filter(pk=application.candidate.pk).update(
        last_name="x" * 120
    )
    application.candidate.address.line1 = '12; rue des "Lilas"\r\nBât. B'
    application.candidate.address.save()
    client.force_login(manager)
    report = {f.column: f for f in client.get(reverse(PAGE)).context["export"].report}
    assert report["adresse_ligne3_voie"].problems == ("line_break", "separator", "quote")
    assert report["adresse_ligne3_voie"].written == "12, rue des 'Lilas'  Bât. B"
    assert report["nom_famille"].problems == ("too_long",)
    assert report["nom_famille"].written == "X" * 100
    assert str(report["nom_famille"].field) == "Last name"
    files = download(client)
    for content in files.values():
        lines = content.decode().split("\n")
        assert len(lines) == 3 and lines[2] == ""
        assert len(lines[0].split(";")) == len(lines[1].split(";"))
    event = AuditEvent.objects.get(action="registration.exported")
    assert event.data["report"] == 2


def test_the_json_has_the_files_fields_and_selection(client, confirmed, campaign, settings):
    application, manager = confirmed
    second = ProgramFactory(centre=application.program.centre, sis_code="PEG-M1")
    admitted(second, campaign, candidate=application.candidate)
    admitted(second, campaign)
    client.force_login(manager)
    data = client.get(reverse(API)).json()
    files = download(client)
    assert data["code_periode"] == "PER-2026" and data["report"] == []
    candidat, candidature = rows(files["candidat"]), rows(files["candidature"])
    assert len(data["registrations"]) == len(candidat) == 2
    for registration_row, file_row in zip(data["registrations"], candidat, strict=True):
        assert {k: registration_row[k] for k in pegase.CANDIDAT_COLUMNS} == file_row
    wishes = [w for r in data["registrations"] for w in r["voeux"]]
    assert [{k: w[k] for k in pegase.CANDIDATURE_COLUMNS} for w in wishes] == candidature
    assert set(wishes[0]) == {
        *pegase.CANDIDATURE_COLUMNS,
        "application",
        "confirmed_at",
        "exported_at",
    }
    # Reading the JSON marks nothing; the same day it still has the day's candidates.
    assert len(client.get(reverse(API)).json()["registrations"]) == 2
    with time_machine.travel(timezone.now() + timedelta(days=1)):
        client.force_login(manager)
        assert client.get(reverse(API)).json()["registrations"] == []
        assert len(client.get(reverse(API), {"selection": "all"}).json()["registrations"]) == 2


def test_the_json_carries_what_the_file_cannot(client, confirmed):
    application, manager = confirmed
    application.candidate.address.line2 = "Bât. A; esc. 2"
    application.candidate.address.save()
    client.force_login(manager)
    (row,) = client.get(reverse(API)).json()["registrations"]
    assert row["adresse_ligne1_etage"] == "Bât. A; esc. 2"
    (candidate,) = rows(download(client)["candidat"])
    assert candidate["adresse_ligne1_etage"] == "Bât. A, esc. 2"


def test_staff_are_warned_when_confirmed_candidates_would_not_reach_pegase(
    client, confirmed, campaign
):
    application, manager = confirmed
    bare = ProgramFactory(centre=application.program.centre, sis_code="")
    (pending,) = received(bare, campaign, 1)
    client.force_login(manager)
    response = client.post(
        reverse("staff:decision_enter", args=[pending.pk]),
        {"decision_type": type_of(DecisionKind.FAVOURABLE).pk},
        follow=True,
    )
    texts = [str(m) for m in response.context["messages"]]
    assert any("This program has no Pégase code" in t for t in texts)
    decision = Decision.objects.get(application=pending)
    response = client.post(
        reverse("staff:decision_validate", args=[pending.pk, decision.pk]), follow=True
    )
    assert any("no Pégase code" in str(m) for m in response.context["messages"])
    # Nothing said where the program has its code.
    (other,) = received(application.program, campaign, 1)
    response = client.post(
        reverse("staff:decision_enter", args=[other.pk]),
        {"decision_type": type_of(DecisionKind.FAVOURABLE).pk},
        follow=True,
    )
    assert not any("Pégase" in str(m) for m in response.context["messages"])


def test_the_central_office_is_warned_on_the_decision_types_screen(client, confirmed):
    application, _manager = confirmed
    ProgramFactory(centre=application.program.centre, sis_code="")
    central = staff_with_role(StaffRole.CENTRAL_OFFICE)
    client.force_login(central)
    fav = type_of(DecisionKind.FAVOURABLE)
    data = {
        "code": fav.code,
        "kind": fav.kind,
        "label_fr": fav.label_fr,
        "label_en": fav.label_en,
        "registration": "on",
        "in_service": "on",
    }
    url = reverse("staff:resource_edit", args=["decision-types", fav.pk])
    response = client.post(url, data, follow=True)
    texts = [str(m) for m in response.context["messages"]]
    assert any("1 program in service has no Pégase code" in t for t in texts), texts
    response = client.post(url, {**data, "registration": ""}, follow=True)
    assert not any("Pégase" in str(m) for m in response.context["messages"])


def test_api_by_token_and_by_scope(client, confirmed, settings):
    application, manager = confirmed
    url = reverse(API)
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


def test_the_export_screen_is_for_staff_with_the_right_in_their_scope(client, confirmed):
    client.force_login(UserFactory())
    assert client.get(reverse(PAGE)).status_code in (302, 403, 404)
    client.force_login(staff_with_role(StaffRole.CENTRE_MANAGER, centre=CentreFactory()))
    page = client.get(reverse(PAGE))
    assert page.status_code == 200 and page.context["selection"].candidates == []
    assert client.post(reverse(PAGE), {"file": "zip"}).status_code == 302


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


def test_selection_reads_in_a_fixed_number_of_queries(
    confirmed, campaign, django_assert_max_num_queries
):
    application, manager = confirmed
    for _ in range(5):
        admitted(application.program, campaign)
    scope = Application.objects.visible_to_staff(manager)
    with django_assert_max_num_queries(8):
        selection = registration.select(scope)
        registration.build(selection)
    assert len(selection.candidates) == 6
