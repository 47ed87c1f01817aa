from datetime import timedelta

import pytest
from django.utils import timezone

from ecandidat.accounts.enums import StaffRole
from ecandidat.applications.enums import CandidateAnswer
from ecandidat.applications.models import Application
from ecandidat.audit.models import AuditEvent
from ecandidat.decisions import services as decisions
from ecandidat.decisions.enums import DecisionKind
from ecandidat.decisions.models import DecisionReason, DecisionType
from ecandidat.notifications.models import OutboxEmail
from ecandidat.notifications.services import render_email
from tests.factories import ApplicationFactory, staff_with_role

pytestmark = pytest.mark.django_db

TYPES = {
    DecisionKind.FAVOURABLE: "FAV",
    DecisionKind.UNFAVOURABLE: "DEF",
    DecisionKind.WAITING_LIST: "LA",
    DecisionKind.COMPLEMENTARY_LIST: "LC",
    DecisionKind.PRESELECTION: "PRE",
}


@pytest.fixture(autouse=True)
def decision_types(db):
    # Seeded by a migration; recreated here after transactional tests flushed the table.
    for kind, code in TYPES.items():
        DecisionType.objects.get_or_create(
            code=code, defaults={"kind": kind, "label_fr": code, "label_en": code}
        )
    DecisionReason.objects.get_or_create(
        label_fr="Dossier insuffisant", defaults={"label_en": "Insufficient"}
    )


def type_of(kind):
    return DecisionType.objects.get(code=TYPES[kind])


def received(program, campaign, n=1):
    return ApplicationFactory.create_batch(n, program=program, campaign=campaign, received=True)


@pytest.fixture
def manager(program):
    return staff_with_role(StaffRole.CENTRE_MANAGER, centre=program.centre)


def decide(application, kind, user, **kwargs):
    if kind == DecisionKind.UNFAVOURABLE:
        kwargs.setdefault("reason", DecisionReason.objects.first())
    if kind == DecisionKind.PRESELECTION:
        kwargs.setdefault("preselection_at", timezone.now() + timedelta(days=3))
    decision = decisions.enter_decision(
        application_id=application.pk, decision_type=type_of(kind), user=user, **kwargs
    )
    return decisions.validate_decision(decision_id=decision.pk, user=user)


@pytest.mark.parametrize(
    ("kind", "missing", "message"),
    [
        (DecisionKind.UNFAVOURABLE, {"reason": None}, "needs a reason"),
        (DecisionKind.COMPLEMENTARY_LIST, {"rank": None}, "needs a rank"),
        (DecisionKind.PRESELECTION, {"preselection_at": None}, "date and time"),
    ],
)
def test_required_details(program, campaign, manager, kind, missing, message):
    (application,) = received(program, campaign)
    with pytest.raises(decisions.DecisionError, match=message):
        decisions.enter_decision(
            application_id=application.pk, decision_type=type_of(kind), user=manager, **missing
        )


def test_entered_decisions_are_invisible_until_validated(program, campaign, manager):
    program.confirmation_days = 8
    program.save()
    (application,) = received(program, campaign)
    decision = decisions.enter_decision(
        application_id=application.pk, decision_type=type_of(DecisionKind.FAVOURABLE), user=manager
    )
    assert decisions.latest_validated(application) is None
    assert not OutboxEmail.objects.filter(template="decision_published").exists()
    decisions.validate_decision(decision_id=decision.pk, user=manager)
    decisions.validate_decision(decision_id=decision.pk, user=manager)  # idempotent
    assert decisions.latest_validated(application) == decision
    assert OutboxEmail.objects.filter(template="decision_published").count() == 1
    application.refresh_from_db()
    assert application.confirmation_deadline is not None


def test_scheduled_publication(program, campaign, manager):
    (application,) = received(program, campaign)
    later = timezone.now() + timedelta(hours=2)
    decisions.enter_decision(
        application_id=application.pk,
        decision_type=type_of(DecisionKind.FAVOURABLE),
        user=manager,
        publish_at=later,
    )
    assert decisions.publish_due(now=later - timedelta(seconds=1)) == 0
    assert decisions.publish_due(now=later) == 1
    assert decisions.latest_validated(application) is not None


@pytest.mark.parametrize("value", [CandidateAnswer.CONFIRMED, CandidateAnswer.WITHDRAWN])
def test_candidate_answers_once(program, campaign, manager, value):
    (application,) = received(program, campaign)
    decide(application, DecisionKind.FAVOURABLE, manager)
    decisions.answer(
        application_id=application.pk,
        value=value,
        user=application.candidate,
        reason="Another offer",
    )
    decisions.answer(
        application_id=application.pk, value=value, user=application.candidate
    )  # idempotent
    application.refresh_from_db()
    assert application.answer == value
    assert AuditEvent.objects.filter(action=f"application.{value}").count() == 1
    assert OutboxEmail.objects.filter(template=f"application_{value}").count() == 1
    other = (
        CandidateAnswer.WITHDRAWN
        if value == CandidateAnswer.CONFIRMED
        else CandidateAnswer.CONFIRMED
    )
    with pytest.raises(decisions.DecisionError):
        decisions.answer(application_id=application.pk, value=other, user=application.candidate)


def test_no_answer_without_a_favourable_decision(program, campaign, manager):
    (application,) = received(program, campaign)
    decide(application, DecisionKind.UNFAVOURABLE, manager)
    with pytest.raises(decisions.DecisionError):
        decisions.answer(
            application_id=application.pk,
            value=CandidateAnswer.CONFIRMED,
            user=application.candidate,
        )


@pytest.mark.parametrize(("offset", "allowed"), [(-1, True), (1, False)])
def test_confirmation_deadline_edges(program, campaign, manager, offset, allowed):
    program.confirmation_days = 8
    program.save()
    (application,) = received(program, campaign)
    decide(application, DecisionKind.FAVOURABLE, manager)
    application.refresh_from_db()
    moment = application.confirmation_deadline + timedelta(seconds=offset)
    if allowed:
        decisions.answer(
            application_id=application.pk,
            value=CandidateAnswer.CONFIRMED,
            user=application.candidate,
            now=moment,
        )
    else:
        with pytest.raises(decisions.DecisionError, match="deadline"):
            decisions.answer(
                application_id=application.pk,
                value=CandidateAnswer.CONFIRMED,
                user=application.candidate,
                now=moment,
            )


def test_three_withdrawals_promote_ranks_1_2_3_in_order(program, campaign, manager):
    program.capacity = 1
    program.confirmation_days = 8
    program.complementary_confirmation_days = 3
    program.save()
    admitted, first, second, third = received(program, campaign, 4)
    decide(admitted, DecisionKind.FAVOURABLE, manager)
    for rank, application in [(2, second), (1, first), (3, third)]:
        decide(application, DecisionKind.COMPLEMENTARY_LIST, manager, rank=rank)
    # Capacity is full: nobody is promoted until someone withdraws.
    assert decisions.promote_next(program_id=program.pk, campaign_id=campaign.pk) is None
    order = []
    holder = admitted
    for _ in range(3):
        decisions.answer(
            application_id=holder.pk, value=CandidateAnswer.WITHDRAWN, user=holder.candidate
        )
        promoted = [
            a
            for a in (first, second, third)
            if decisions.latest_validated(a).decision_type.kind == DecisionKind.FAVOURABLE
            and a.pk not in order
        ]
        assert len(promoted) == 1
        order.append(promoted[0].pk)
        holder = promoted[0]
        holder.refresh_from_db()
        assert holder.confirmation_deadline is not None
    assert order == [first.pk, second.pk, third.pk]
    assert AuditEvent.objects.filter(action="decision.promoted").count() == 3
    # Nobody is left: a fourth withdrawal promotes no one.
    decisions.answer(application_id=third.pk, value=CandidateAnswer.WITHDRAWN, user=third.candidate)
    assert AuditEvent.objects.filter(action="decision.promoted").count() == 3


def test_automatic_withdrawal_then_promotion(program, campaign, manager):
    program.capacity = 1
    program.confirmation_days = 2
    program.save()
    admitted, waiting = received(program, campaign, 2)
    decide(admitted, DecisionKind.FAVOURABLE, manager)
    decide(waiting, DecisionKind.COMPLEMENTARY_LIST, manager, rank=1)
    later = timezone.now() + timedelta(days=3)
    assert decisions.auto_withdraw(now=later) == 1
    admitted.refresh_from_db()
    assert admitted.answer == CandidateAnswer.WITHDRAWN
    assert decisions.latest_validated(waiting).decision_type.kind == DecisionKind.FAVOURABLE
    assert "did not answer" in OutboxEmail.objects.get(template="application_withdrawn").body_text


def test_confirmation_reminder_once(program, campaign, manager):
    program.confirmation_days = 8
    program.save()
    (application,) = received(program, campaign)
    decide(application, DecisionKind.FAVOURABLE, manager)
    soon = timezone.now() + timedelta(days=7)
    assert decisions.remind_confirmation(now=timezone.now(), days=2) == 0
    assert decisions.remind_confirmation(now=soon, days=2) == 1
    assert decisions.remind_confirmation(now=soon, days=2) == 0


def test_direct_access_creates_a_validated_favourable_decision(program, campaign, manager):
    (application,) = received(program, campaign)
    with pytest.raises(decisions.DecisionError):
        decisions.validate_direct_access(application_id=application.pk, user=manager)
    Application.objects.filter(pk=application.pk).update(treatment="direct")
    decision = decisions.validate_direct_access(application_id=application.pk, user=manager)
    assert decision.validated_at and decision.automatic == "direct_access"
    assert decisions.latest_validated(application).decision_type.kind == DecisionKind.FAVOURABLE


@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize("kind", ["favourable", "unfavourable", "complementary_list"])
def test_decision_email_in_both_languages(language, kind):
    context = {
        "first_name": "Laurent",
        "last_name": "LEBRUN",
        "dossier_number": "RUU99UM3",
        "program": "Master Informatique",
        "decision": "X",
        "comment": "",
        "reason": "Dossier insuffisant",
        "deadline": "12/02/2027",
        "rank": 2,
        "custom_body": "",
        "kind": kind,
        "link": "http://testserver/x/",
    }
    subject, text, _html = render_email("decision_published", context, language)
    assert "Master Informatique" in subject
    expected = {
        ("fr", "favourable"): "Confirmez",
        ("en", "favourable"): "Confirm or withdraw",
        ("fr", "unfavourable"): "Motif",
        ("en", "unfavourable"): "Reason",
        ("fr", "complementary_list"): "liste complémentaire",
        ("en", "complementary_list"): "complementary list",
    }[(language, kind)]
    assert expected in text


@pytest.mark.parametrize(
    "command", ["publish_decisions", "withdraw_expired_offers", "remind_confirmations"]
)
def test_periodic_commands_run(command):
    import io

    from django.core.management import call_command

    out = io.StringIO()
    call_command(command, stdout=out)
    assert out.getvalue().startswith("0 ")


def test_real_rank_counts_only_those_still_waiting(program, campaign, manager):
    program.capacity = 1
    program.save()
    admitted, first, second, third = received(program, campaign, 4)
    decide(admitted, DecisionKind.FAVOURABLE, manager)
    for rank, application in [(3, first), (5, second), (8, third)]:
        decide(application, DecisionKind.COMPLEMENTARY_LIST, manager, rank=rank)
    assert decisions.real_rank(third, decisions.latest_validated(third)) == 3
    decisions.answer(
        application_id=admitted.pk, value=CandidateAnswer.WITHDRAWN, user=admitted.candidate
    )
    assert decisions.real_rank(third, decisions.latest_validated(third)) == 2  # first was promoted


def test_retention_purge_of_archived_campaigns(
    program, campaign, document_types, questions, candidate
):

    from ecandidat.applications import services as application_services
    from ecandidat.applications.models import CandidateFile
    from ecandidat.applications.retention import purge_archived
    from ecandidat.catalog.models import Campaign, InstitutionSettings
    from tests.applications.conftest import make_pdf

    application = application_services.apply(candidate=candidate, program=program, actor=candidate)
    application_services.upload_document(
        application=application,
        document_type_id=document_types["cv"].pk,
        data=make_pdf(),
        filename="cv",
        actor=candidate,
    )
    InstitutionSettings.objects.update_or_create(pk=1, defaults={"retention_days": 30})
    Campaign.objects.filter(pk=campaign.pk).update(
        status="archived", archived_at=timezone.now() - timedelta(days=10)
    )
    assert purge_archived() == 0
    Campaign.objects.filter(pk=campaign.pk).update(archived_at=timezone.now() - timedelta(days=31))
    assert purge_archived() == 1
    assert not Application.objects.exists() and not CandidateFile.objects.exists()
    assert candidate.__class__.objects.filter(pk=candidate.pk).exists()  # the account stays
    assert AuditEvent.objects.filter(action="campaign.purged").exists()


def test_statistics_funnel_runs_from_created_to_confirmed(client, program, campaign, manager):
    from django.urls import reverse

    first, second, third, _fourth = received(program, campaign, 4)
    decide(first, DecisionKind.FAVOURABLE, manager)
    decide(second, DecisionKind.FAVOURABLE, manager)
    decide(third, DecisionKind.UNFAVOURABLE, manager)
    decisions.answer(application_id=first.pk, value=CandidateAnswer.CONFIRMED, user=first.candidate)
    client.force_login(manager)
    response = client.get(
        reverse("staff:applications_dashboard"), headers={"accept-language": "en"}
    )
    assert [(label, n) for label, n, _share in response.context["funnel"]] == [
        ("Created", 4),
        ("Transmitted", 4),
        ("Complete", 0),
        ("Decision published", 3),
        ("Favourable decision", 2),
        ("Confirmed by the candidate", 1),
    ]
    assert response.context["funnel"][-1][2] == 25  # a quarter of the created


@pytest.mark.parametrize("alert", [True, False])
def test_commission_is_alerted_only_when_it_asked(program, campaign, manager, alert):
    commission = program.commission
    commission.alert_on_confirmation = alert
    commission.contact_email = "scol-info@univ.example.org"
    commission.save()
    (application,) = received(program, campaign)
    decide(application, DecisionKind.FAVOURABLE, manager)
    decisions.answer(
        application_id=application.pk, value=CandidateAnswer.CONFIRMED, user=application.candidate
    )
    alerts = OutboxEmail.objects.filter(template="commission_confirmation")
    assert alerts.count() == (1 if alert else 0)
    if alert:
        assert alerts.get().recipient == "scol-info@univ.example.org"
