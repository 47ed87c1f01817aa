import io
from datetime import timedelta

import pytest
from django.core import mail
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from ecandidat.accounts.enums import StaffRole
from ecandidat.accounts.models import RoleAssignment
from ecandidat.catalog.models import InstitutionSettings
from ecandidat.decisions import services as decisions
from ecandidat.decisions.enums import DecisionKind
from ecandidat.decisions.models import Decision, DecisionReason, DecisionType
from ecandidat.jobs import runner
from ecandidat.jobs import services as jobs
from ecandidat.jobs.models import BulkJob
from ecandidat.review.models import Tag
from tests.decisions.test_decisions import decision_types, received, type_of  # noqa: F401
from tests.factories import CentreFactory, DecisionFactory, UserFactory, staff_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(program):
    member = staff_with_role(StaffRole.COMMISSION_MEMBER, commission=program.commission)
    deciding = staff_with_role(StaffRole.COMMISSION_MEMBER, commission=program.commission)
    RoleAssignment.objects.filter(user=deciding).update(can_decide=True)
    return {
        "manager": staff_with_role(StaffRole.CENTRE_MANAGER, centre=program.centre),
        "member": member,
        "deciding member": deciding,
        "outsider": staff_with_role(StaffRole.CENTRE_MANAGER, centre=CentreFactory()),
        "candidate": UserFactory(),
    }


@pytest.mark.parametrize(
    ("persona", "enter", "validate"),
    [
        ("manager", 302, 302),
        ("deciding member", 302, 404),
        ("member", 404, 404),
        ("outsider", 404, 404),
        ("candidate", 404, 404),
    ],
)
def test_who_enters_and_who_validates(client, program, campaign, people, persona, enter, validate):
    (application,) = received(program, campaign)
    client.force_login(people[persona])
    response = client.post(
        reverse("staff:decision_enter", args=[application.pk]),
        {"decision_type": type_of(DecisionKind.FAVOURABLE).pk},
    )
    assert response.status_code == enter
    decision = Decision.objects.filter(application=application).first() or decisions.enter_decision(
        application_id=application.pk,
        decision_type=type_of(DecisionKind.FAVOURABLE),
        user=people["manager"],
    )
    response = client.post(reverse("staff:decision_validate", args=[application.pk, decision.pk]))
    assert response.status_code == validate
    assert (Decision.objects.get(pk=decision.pk).validated_at is not None) == (validate == 302)


def test_candidate_sees_only_validated_decisions_and_answers(client, program, campaign, people):
    program.confirmation_days = 8
    program.save()
    (application,) = received(program, campaign)
    decision = decisions.enter_decision(
        application_id=application.pk,
        decision_type=type_of(DecisionKind.FAVOURABLE),
        user=people["manager"],
    )
    client.force_login(application.candidate)
    page = reverse("candidate:application", args=[application.pk])
    assert "Confirm" not in client.get(page).content.decode()
    decisions.validate_decision(decision_id=decision.pk, user=people["manager"])
    html = client.get(page).content.decode()
    assert "Favourable" in html or type_of(DecisionKind.FAVOURABLE).label in html
    assert reverse("candidate:answer_offer", args=[application.pk, "confirmed"]) in html
    assert (
        client.get(
            reverse("candidate:answer_offer", args=[application.pk, "withdrawn"])
        ).status_code
        == 200
    )
    client.post(
        reverse("candidate:answer_offer", args=[application.pk, "withdrawn"]),
        {"reason": "Another university"},
    )
    application.refresh_from_db()
    assert (
        application.answer == "withdrawn" and application.withdrawal_reason == "Another university"
    )
    other = UserFactory()
    client.force_login(other)
    assert (
        client.get(
            reverse("candidate:answer_offer", args=[application.pk, "confirmed"])
        ).status_code
        == 404
    )


def test_bulk_enter_and_validate(program, campaign, people):
    apps = received(program, campaign, 3)
    unfavourable = type_of(DecisionKind.UNFAVOURABLE)
    job = jobs.start_bulk_job(
        user=people["manager"],
        action="enter_decision",
        application_ids=[a.pk for a in apps],
        params={"decision_type": unfavourable.pk, "reason": DecisionReason.objects.first().pk},
    )
    runner.run_bulk(job.pk)
    job.refresh_from_db()
    assert len(job.succeeded) == 3
    job = jobs.start_bulk_job(
        user=people["manager"],
        action="validate_decisions",
        application_ids=[a.pk for a in apps],
        params={},
    )
    runner.run_bulk(job.pk)
    assert all(decisions.latest_validated(a).decision_type == unfavourable for a in apps)
    with pytest.raises(jobs.JobRefusal):
        jobs.start_bulk_job(
            user=people["member"], action="enter_decision", application_ids=[apps[0].pk], params={}
        )
    assert BulkJob.objects.count() == 2
    assert DecisionType.objects.filter(code="FAV").exists()


def test_dashboard_and_list_show_decisions(client, program, campaign, people):
    first, second = received(program, campaign, 2)
    for application, kind, extra in [
        (first, DecisionKind.FAVOURABLE, {}),
        (second, DecisionKind.COMPLEMENTARY_LIST, {"rank": 1}),
    ]:
        decision = decisions.enter_decision(
            application_id=application.pk,
            decision_type=type_of(kind),
            user=people["manager"],
            **extra,
        )
        decisions.validate_decision(decision_id=decision.pk, user=people["manager"])
    decisions.answer(application_id=first.pk, value="confirmed", user=first.candidate)
    client.force_login(people["manager"])
    totals = client.get(reverse("staff:applications_dashboard")).context["totals"]
    assert totals["kind_favourable"] == 1 and totals["kind_complementary_list"] == 1
    assert totals["validated"] == 2 and totals["confirmed"] == 1
    url = (
        reverse("staff:applications")
        + "?columns=dossier_number&columns=decision&columns=decision_rank&columns=answer"
    )
    html = client.get(url).content.decode()
    assert type_of(DecisionKind.COMPLEMENTARY_LIST).label in html and "Confirmed" in html


def test_central_office_configures_decision_types(client):
    central = staff_with_role(StaffRole.CENTRAL_OFFICE)
    client.force_login(central)
    url = reverse("staff:resource_new", args=["decision-types"])
    data = {
        "code": "FAV2",
        "kind": "favourable",
        "label_fr": "Admis sous réserve",
        "label_en": "Admitted on condition",
        "final": "on",
        "show_comment": "on",
        "in_service": "on",
        "email_fr": "Bonjour {first_name}, {unknown}",
        "email_en": "",
    }
    assert "Unknown variable" in client.post(url, data).content.decode()
    data["email_fr"] = "Bonjour {first_name}, avis : {decision}."
    assert client.post(url, data).status_code == 302
    assert DecisionType.objects.filter(code="FAV2").exists()


def test_letters_three_personas_and_email_attachment(client, program, campaign, people, settings):
    program.commission.signatory_name = "La présidente du jury"
    program.commission.attach_letters = True
    program.commission.save()
    (application,) = received(program, campaign)
    with TestCase.captureOnCommitCallbacks(execute=True):
        decision = decisions.enter_decision(
            application_id=application.pk,
            decision_type=type_of(DecisionKind.FAVOURABLE),
            user=people["manager"],
        )
        decisions.validate_decision(decision_id=decision.pk, user=people["manager"])
    message = [m for m in mail.outbox if m.to == [application.candidate.email]][-1]
    name, content, mime = message.attachments[0]
    assert mime == "application/pdf" and name.startswith("letter-")
    assert "La présidente du jury" in PdfReader(io.BytesIO(content)).pages[0].extract_text()
    urls = {
        "candidate": reverse("candidate:letter", args=[application.pk]),
        "staff": reverse("staff:application_letter", args=[application.pk]),
    }
    client.force_login(application.candidate)
    assert client.get(urls["candidate"])["Content-Type"] == "application/pdf"
    assert client.get(urls["staff"]).status_code == 404
    client.force_login(people["manager"])
    assert client.get(urls["staff"]).status_code == 200
    client.force_login(people["outsider"])
    assert client.get(urls["staff"]).status_code == 404
    client.force_login(UserFactory())
    assert client.get(urls["candidate"]).status_code == 404
    program.commission.letters_for_candidates = False
    program.commission.save()
    client.force_login(application.candidate)
    assert client.get(urls["candidate"]).status_code == 404


def test_schedule_publication_in_bulk_and_personal_confirmation_date(
    client, program, campaign, people
):

    program.confirmation_days = 8
    program.save()
    apps = received(program, campaign, 2)
    for application in apps:
        decisions.enter_decision(
            application_id=application.pk,
            decision_type=type_of(DecisionKind.FAVOURABLE),
            user=people["manager"],
        )
    moment = (timezone.localtime() + timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M")
    job = jobs.start_bulk_job(
        user=people["manager"],
        action="schedule_publication",
        application_ids=[a.pk for a in apps],
        params={"publish_at": moment},
    )
    runner.run_bulk(job.pk)
    assert decisions.publish_due() == 0
    assert decisions.publish_due(now=timezone.now() + timedelta(hours=4)) == 2
    client.force_login(people["manager"])
    url = reverse("staff:application_action", args=[apps[0].pk, "confirmation_deadline"])
    client.post(url, {"deadline": "2030-01-31T12:00"})
    apps[0].refresh_from_db()
    assert (
        timezone.localtime(apps[0].confirmation_deadline).strftime("%Y-%m-%d %H:%M")
        == "2030-01-31 12:00"
    )


def test_centres_define_decision_types_only_when_allowed(client, program, people):
    client.force_login(people["manager"])
    url = reverse("staff:resource_new", args=["decision-types"])
    data = {
        "code": "SCI-FAV",
        "kind": "favourable",
        "label_fr": "Admis (sciences)",
        "centre": program.centre.pk,
        "in_service": "on",
    }
    assert "not allowed" in client.post(url, data).content.decode()
    InstitutionSettings.objects.update_or_create(
        pk=1, defaults={"centres_define_decision_types": True}
    )
    assert client.post(url, {**data, "centre": ""}).status_code == 200  # a centre is required
    assert client.post(url, data).status_code == 302
    created = DecisionType.objects.get(code="SCI-FAV")
    client.force_login(people["outsider"])
    assert (
        client.get(reverse("staff:resource_edit", args=["decision-types", created.pk])).status_code
        == 404
    )


def test_list_filters_by_decision_and_treatment(client, program, campaign, people):
    first, second = received(program, campaign, 2)
    decision = decisions.enter_decision(
        application_id=first.pk,
        decision_type=type_of(DecisionKind.FAVOURABLE),
        user=people["manager"],
    )
    decisions.validate_decision(decision_id=decision.pk, user=people["manager"])
    second.treatment = "direct"
    second.save()
    client.force_login(people["manager"])
    base = reverse("staff:applications")
    page = client.get(base + "?decision=favourable").context["page"]
    assert [a.pk for a in page] == [first.pk]
    assert [a.pk for a in client.get(base + "?decision=none").context["page"]] == [second.pk]
    assert [a.pk for a in client.get(base + "?treatment=direct").context["page"]] == [second.pk]


def test_centre_managers_manage_their_centre_tags(client, program, people):
    client.force_login(people["manager"])
    url = reverse("staff:resource_new", args=["tags"])
    assert (
        client.post(url, {"label": "Priority", "colour": "#0b4f8a"}).status_code == 200
    )  # centre required
    assert (
        client.post(
            url, {"label": "Priority", "colour": "#0b4f8a", "centre": program.centre.pk}
        ).status_code
        == 302
    )
    tag = Tag.objects.get(label="Priority")
    client.force_login(people["outsider"])
    assert client.get(reverse("staff:resource_edit", args=["tags", tag.pk])).status_code == 404


@pytest.mark.django_db
def test_a_decision_of_the_platform_shows_a_dash_for_who_entered_and_validated(client):
    """A promotion from the complementary list is entered and validated by no one."""
    decision = DecisionFactory(validated=True, entered_by=None, automatic="promotion")
    client.force_login(staff_with_role(StaffRole.CENTRAL_OFFICE))
    response = client.get(reverse("staff:application", args=[decision.application_id]))
    assert response.status_code == 200
    assert "—" in response.content.decode()
