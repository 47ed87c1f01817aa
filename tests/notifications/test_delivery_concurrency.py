"""Several senders at once on PostgreSQL: SKIP LOCKED hands each email to one of them."""

import collections

import pytest
from django.db import connection

from ecandidat.notifications import services
from ecandidat.notifications.enums import OutboxStatus
from ecandidat.notifications.models import OutboxEmail
from tests.concurrency import race

from .helpers import make_emails

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("row locks (SELECT … FOR UPDATE SKIP LOCKED) need PostgreSQL")


def test_four_workers_draining_together_send_each_email_once(smtp, settings):
    settings.EMAIL_BATCH_SIZE = 25
    emails = make_emails(400)

    outcomes = race(4, services.drain, refused=())

    sent = [outcome.sent for outcome in outcomes]
    assert sum(sent) == 400, outcomes
    assert sum(1 for n in sent if n) >= 2  # they did share the work
    received = collections.Counter(smtp.message_ids)
    assert set(received) == {email.message_id for email in emails}
    assert set(received.values()) == {1}
    assert set(OutboxEmail.objects.values_list("status", "attempts")) == {(OutboxStatus.SENT, 1)}
