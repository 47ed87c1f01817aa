"""The decision and offer tables (decisions/workflow.py) against the services, for every
state and every row: the services do what the tables say, and nothing they do not."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from ecandidat.accounts.enums import StaffRole
from ecandidat.applications.enums import CandidateAnswer
from ecandidat.audit.models import AuditEvent
from ecandidat.decisions import services as decisions
from ecandidat.decisions import workflow
from ecandidat.decisions.enums import DecisionKind
from ecandidat.decisions.models import Decision
from ecandidat.decisions.workflow import AWAITING, DecisionAction, DecisionState, OfferAction
from ecandidat.notifications.models import OutboxEmail
from tests.factories import DecisionFactory, staff_with_role

from .test_decisions import decision_types, received, type_of  # noqa: F401

pytestmark = pytest.mark.django_db

NEW = "new"  # no decision yet: the rows that create one


@pytest.fixture
def manager(program):
    return staff_with_role(StaffRole.CENTRE_MANAGER, centre=program.centre)


@pytest.fixture
def alerting(program):
    commission = program.commission
    commission.alert_on_confirmation = commission.alert_on_withdrawal = True
    commission.contact_email = "scol-info@univ.example.org"
    commission.save()
    program.complementary_auto = True
    program.confirmation_days = 8
    program.save()
    return program


def _decision_in(application, state, manager):
    """A favourable decision on ``application`` standing in ``state``."""
    validated = state == DecisionState.VALIDATED
    return DecisionFactory(
        application=application,
        entered_by=manager,
        scheduled=state == DecisionState.SCHEDULED,
        validated=validated,
        validated_by=manager if validated else None,
    )


def _enter(application, decision, manager):
    decisions.enter_decision(
        application_id=application.pk,
        decision_type=type_of(DecisionKind.FAVOURABLE),
        user=manager,
    )


def _schedule(application, decision, manager):
    decisions.schedule_publication(
        application_id=application.pk,
        publish_at=timezone.now() + timedelta(hours=1),
        user=manager,
    )


def _validate(application, decision, manager):
    decisions.validate_decision(decision_id=decision.pk, user=manager)


def _publish(application, decision, manager):
    decisions.publish_due(now=timezone.now())


def _promote(application, decision, manager):
    # A place is free and ``application`` is first on the complementary list.
    DecisionFactory(
        application=application,
        complementary=True,
        validated_at=timezone.now() - timedelta(days=1),
    )
    decisions.promote_next(program_id=application.program_id, campaign_id=application.campaign_id)


# How each row is taken. A new row without a line here fails test_every_row_is_run.
DECISION_RUN = {
    DecisionAction.ENTER: _enter,
    DecisionAction.SCHEDULE: _schedule,
    DecisionAction.VALIDATE: _validate,
    DecisionAction.PUBLISH: _publish,
    DecisionAction.PROMOTE: _promote,
}


def _confirm(application):
    decisions.answer(
        application_id=application.pk, value=CandidateAnswer.CONFIRMED, user=application.candidate
    )


def _withdraw(application):
    decisions.answer(
        application_id=application.pk, value=CandidateAnswer.WITHDRAWN, user=application.candidate
    )


def _expire(application):
    decisions.auto_withdraw(now=timezone.now() + timedelta(days=30))


OFFER_RUN = {
    OfferAction.CONFIRM: _confirm,
    OfferAction.WITHDRAW: _withdraw,
    OfferAction.EXPIRE: _expire,
}


def test_every_row_is_run():
    assert set(DECISION_RUN) == set(DecisionAction)
    assert set(OFFER_RUN) == set(OfferAction)


DECISION_CASES = [
    pytest.param(state, step.action, id=f"{step.action}-from-{state}")
    for step in workflow.DECISION_STEPS
    for state in ([NEW] if not step.sources else list(DecisionState))
]


@pytest.mark.parametrize(("state", "action"), DECISION_CASES)
def test_the_decision_services_follow_the_table(
    state, action, program, campaign, manager, alerting, run_on_commit
):
    (application,) = received(program, campaign)
    decision = None if state == NEW else _decision_in(application, state, manager)
    step = workflow.DECISION_BY_ACTION[action]
    allowed = state == NEW or state in step.sources
    audits_before = AuditEvent.objects.count()
    with run_on_commit():
        try:
            DECISION_RUN[action](application, decision, manager)
        except decisions.DecisionError:
            assert not allowed, f"refused although the table allows {step}"
    if state == NEW:
        decision = Decision.objects.filter(application=application).order_by("-pk").first()
    decision.refresh_from_db()
    if allowed:
        assert decision.state == step.target
        assert AuditEvent.objects.filter(action=step.audit).count() == 1
        if step.stamp:
            assert getattr(decision, step.stamp) is not None
        if step.email:
            assert OutboxEmail.objects.filter(template=step.email).exists()
        if step.alert:
            assert OutboxEmail.objects.filter(template=step.alert).exists()
        if step.by == workflow.By.PLATFORM and step.stamp:
            assert decision.validated_by is None
    else:
        # Not in the table from this state: nothing changes, nothing is recorded.
        assert decision.state == state
        assert AuditEvent.objects.count() == audits_before


OFFER_STATES = [AWAITING, CandidateAnswer.CONFIRMED, CandidateAnswer.WITHDRAWN]
OFFER_CASES = [
    pytest.param(state, step.action, id=f"{step.action}-from-{state or 'awaiting'}")
    for step in workflow.OFFER_STEPS
    for state in OFFER_STATES
]


@pytest.mark.parametrize(("state", "action"), OFFER_CASES)
def test_the_offer_services_follow_the_table(
    state, action, program, campaign, manager, alerting, run_on_commit
):
    (application,) = received(program, campaign)
    _decision_in(application, DecisionState.VALIDATED, manager)
    application.confirmation_deadline = timezone.now() + timedelta(days=8)
    application.answer = state
    application.answered_at = timezone.now() if state != AWAITING else None
    application.save()
    step = workflow.OFFER_BY_ACTION[action]
    allowed = state in step.sources
    audits_before = AuditEvent.objects.count()
    with run_on_commit():
        try:
            OFFER_RUN[action](application)
        except decisions.DecisionError:
            assert not allowed, f"refused although the table allows {step}"
    application.refresh_from_db()
    if allowed:
        assert application.answer == step.target
        assert getattr(application, step.stamp) is not None
        assert AuditEvent.objects.filter(action=step.audit).count() == 1
        automatic = AuditEvent.objects.get(action=step.audit).data["automatic"]
        assert automatic is (step.by == workflow.By.PLATFORM)
        assert OutboxEmail.objects.filter(template=step.email).exists()
        assert OutboxEmail.objects.filter(template=step.alert).exists()
    else:
        assert application.answer == state
        assert AuditEvent.objects.count() == audits_before


def test_an_offer_does_not_expire_before_its_deadline(program, campaign, manager):
    (application,) = received(program, campaign)
    _decision_in(application, DecisionState.VALIDATED, manager)
    application.confirmation_deadline = timezone.now() + timedelta(days=8)
    application.save()
    assert decisions.auto_withdraw(now=timezone.now()) == 0
    application.refresh_from_db()
    assert application.answer == AWAITING


def test_every_decision_state_is_reachable_and_validated_is_final():
    reached, frontier = set(), {s.target for s in workflow.DECISION_STEPS if not s.sources}
    while frontier:
        state = frontier.pop()
        reached.add(state)
        frontier |= {s.target for s in workflow.DECISION_STEPS if state in s.sources} - reached
    assert reached == set(DecisionState)
    assert not [s for s in workflow.DECISION_STEPS if DecisionState.VALIDATED in s.sources]


def test_an_answer_is_final():
    for step in workflow.OFFER_STEPS:
        assert step.sources == (AWAITING,)
    assert workflow.offer_actions_from(CandidateAnswer.CONFIRMED) == []
    assert workflow.offer_actions_from(AWAITING, by=workflow.By.CANDIDATE) == [
        OfferAction.CONFIRM,
        OfferAction.WITHDRAW,
    ]


def test_the_model_state_is_the_table_state(program, campaign, manager):
    (application,) = received(program, campaign)
    for state in DecisionState:
        decision = _decision_in(application, state, manager)
        assert decision.state == workflow.decision_state(decision) == state


def test_the_architecture_page_shows_the_tables():
    page = (Path(__file__).parents[2] / "docs" / "architecture.md").read_text()
    for rows in (workflow.DECISION_STEPS, workflow.OFFER_STEPS):
        assert workflow.markdown(rows) in page
        assert workflow.mermaid(rows) in page
