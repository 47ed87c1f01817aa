"""Concurrent withdrawals never promote twice for one withdrawal nor beyond capacity
(PostgreSQL: SQLite serialises writers anyway)."""

import threading

import pytest
from django.db import connection, connections

from ecandidat.applications.enums import CandidateAnswer
from ecandidat.audit.models import AuditEvent
from ecandidat.decisions import services as decisions
from ecandidat.decisions.enums import DecisionKind
from tests.decisions.test_decisions import decide, received

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_concurrent_withdrawals_promote_once_each(program, campaign, settings):
    if connection.vendor != "postgresql":
        pytest.skip("concurrency test runs on PostgreSQL (make test-postgres, CI)")
    from ecandidat.decisions.models import DecisionReason, DecisionType
    from tests.decisions.test_decisions import TYPES

    for kind, code in TYPES.items():
        DecisionType.objects.get_or_create(code=code, defaults={"kind": kind, "label_fr": code})
    DecisionReason.objects.get_or_create(label_fr="x")
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    from ecandidat.accounts.enums import StaffRole
    from tests.factories import staff_with_role

    manager = staff_with_role(StaffRole.CENTRE_MANAGER, centre=program.centre)
    program.capacity = 5
    program.save()
    admitted = received(program, campaign, 5)
    waiting = received(program, campaign, 8)
    for application in admitted:
        decide(application, DecisionKind.FAVOURABLE, manager)
    for rank, application in enumerate(waiting, start=1):
        decide(application, DecisionKind.COMPLEMENTARY_LIST, manager, rank=rank)
    barrier = threading.Barrier(len(admitted))
    errors = []

    def withdraw(application):
        try:
            barrier.wait()
            decisions.answer(
                application_id=application.pk,
                value=CandidateAnswer.WITHDRAWN,
                user=application.candidate,
            )
        except Exception as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=withdraw, args=(a,)) for a in admitted]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    promoted = [
        a.pk
        for a in waiting
        if decisions.latest_validated(a).decision_type.kind == DecisionKind.FAVOURABLE
    ]
    assert promoted == [a.pk for a in waiting[:5]]  # ranks 1 to 5, each once
    assert AuditEvent.objects.filter(action="decision.promoted").count() == 5
    assert decisions.offers_held(program.pk, campaign.pk).count() == 5


def test_validating_a_favourable_decision_waits_for_the_program_lock(program, campaign, settings):
    """While promotion holds the program (its lock), a favourable validation waits for it:
    places are counted one transaction at a time."""
    if connection.vendor != "postgresql":
        pytest.skip("concurrency test runs on PostgreSQL (make test-postgres, CI)")
    from django.db import transaction

    from ecandidat.accounts.enums import StaffRole
    from ecandidat.catalog.models import Program
    from ecandidat.decisions.models import DecisionType
    from tests.decisions.test_decisions import TYPES, type_of
    from tests.factories import staff_with_role

    for kind, code in TYPES.items():
        DecisionType.objects.get_or_create(code=code, defaults={"kind": kind, "label_fr": code})
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    manager = staff_with_role(StaffRole.CENTRE_MANAGER, centre=program.centre)
    (application,) = received(program, campaign)
    decision = decisions.enter_decision(
        application_id=application.pk, decision_type=type_of(DecisionKind.FAVOURABLE), user=manager
    )
    locked, release, finished = threading.Event(), threading.Event(), threading.Event()

    def holder():
        try:
            with transaction.atomic():
                list(Program.objects.select_for_update().filter(pk=program.pk))
                locked.set()
                release.wait(timeout=10)
        finally:
            connections.close_all()

    def validator():
        try:
            locked.wait(timeout=10)
            decisions.validate_decision(decision_id=decision.pk, user=manager)
            finished.set()
        finally:
            connections.close_all()

    threads = [threading.Thread(target=holder), threading.Thread(target=validator)]
    for thread in threads:
        thread.start()
    assert not finished.wait(timeout=1), "validated while the program was locked"
    release.set()
    for thread in threads:
        thread.join(timeout=10)
    assert finished.is_set()
    decision.refresh_from_db()
    assert decision.validated_at is not None
