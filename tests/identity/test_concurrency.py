"""Exactly once under concurrency, on PostgreSQL: a SAML assertion, a student's first
sign-in in two tabs, the emailed link proving a local account."""

import datetime
import re

import pytest
from django.db import connection
from django.utils import timezone

from ecandidat.accounts.models import User
from ecandidat.audit.models import AuditEvent
from ecandidat.identity import services
from ecandidat.identity.enums import Protocol
from ecandidat.identity.models import ConsumedAssertion
from ecandidat.identity.services import SignInRefused
from ecandidat.notifications.models import OutboxEmail
from tests.concurrency import race
from tests.factories import UserFactory
from tests.identity.test_services import identity_of
from tests.sso.people import STUDENT

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("concurrency test runs on PostgreSQL (make test-postgres, CI)")


def race_once(n, action):
    return race(n, action, refused=(SignInRefused, services.account_services.AccountError))


def test_twenty_copies_of_one_assertion_are_accepted_once():
    expires = timezone.now() + datetime.timedelta(minutes=5)

    def consume():
        services.consume_assertion(
            protocol=Protocol.SAML, identifier="_race", expires_at=expires, audience="staff"
        )
        return "ok"

    outcomes = race_once(20, consume)
    assert outcomes.count("ok") == 1 and outcomes.count("refused") == 19, outcomes
    assert ConsumedAssertion.objects.count() == 1
    assert AuditEvent.objects.filter(action="sso.refused").count() == 19


def test_a_students_first_sign_in_in_ten_tabs_makes_one_account():
    def first_sign_in():
        return services.student_account(identity=identity_of(STUDENT), language="fr").user.pk

    outcomes = race_once(10, first_sign_in)
    assert len(set(outcomes)) == 1 and isinstance(outcomes[0], int), outcomes
    assert User.objects.candidates().count() == 1
    assert AuditEvent.objects.filter(action="account.student_created").count() == 1


def test_the_emailed_link_links_once(settings):
    account = UserFactory(email=STUDENT.mail)
    services.request_link_email(identity=identity_of(STUDENT), account=account)
    body = OutboxEmail.objects.get(template="identity_link").delivered_bodies()[0]
    raw = re.search(re.escape(settings.SITE_URL) + r"/account/link/(\S+)/", body).group(1)

    def confirm():
        services.confirm_link_email(raw_token=raw)
        return "ok"

    outcomes = race_once(10, confirm)
    assert outcomes.count("ok") == 1 and outcomes.count("refused") == 9, outcomes
    assert AuditEvent.objects.filter(action="account.identity_linked").count() == 1
