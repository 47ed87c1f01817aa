"""Concurrent withdrawals never promote twice for one withdrawal nor beyond capacity
(PostgreSQL: SQLite serialises writers anyway)."""

import threading

import pytest
from django.db import connection, connections

from ecandidat.audit.models import AuditEvent
from ecandidat.review import decisions
from ecandidat.review.enums import CandidateAnswer, DecisionKind
from tests.review.test_decisions import decide, received

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_concurrent_withdrawals_promote_once_each(program, campaign, settings):
    if connection.vendor != "postgresql":
        pytest.skip("concurrency test runs on PostgreSQL (make test-postgres, CI)")
    from ecandidat.review.models import DecisionReason, DecisionType
    from tests.review.test_decisions import TYPES

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
