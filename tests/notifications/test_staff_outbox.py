"""The staff outbox: the relay alert, cancelling instead of deleting, sending again."""

from datetime import timedelta

import pytest
from django.contrib.admin.sites import site
from django.core import mail
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from ecandidat.accounts.enums import StaffRole
from ecandidat.audit.models import AuditEvent
from ecandidat.notifications import delivery, services
from ecandidat.notifications.enums import OutboxStatus
from ecandidat.notifications.models import OutboxEmail
from tests.factories import CentreFactory, UserFactory, staff_with_role

from .helpers import make_emails

pytestmark = pytest.mark.django_db


@pytest.fixture
def central(client):
    user = staff_with_role(StaffRole.CENTRAL_OFFICE)
    client.force_login(user)
    return user


def test_a_quiet_outbox_shows_no_alert(client, central):
    make_emails(2)
    services.drain()
    page = client.get(reverse("staff:outbox")).content.decode()
    assert "alert-" not in page.split("<h1", 1)[1]


def test_the_outbox_warns_when_the_relay_fails_and_when_emails_failed_for_good(client, central):
    since = timezone.now() - timedelta(hours=3)
    make_emails(
        2,
        status=OutboxStatus.RETRYING,
        failing_since=since,
        next_attempt_at=timezone.now() + timedelta(minutes=5),
        attempts=4,
    )
    make_emails(3, status=OutboxStatus.FAILED, failing_since=since, attempts=30)

    page = client.get(reverse("staff:outbox")).content.decode()

    assert "2 emails wait for a retry" in page
    assert "3 emails could not be delivered and will not be retried." in page
    assert reverse("staff:outbox_resend_failed") in page


def test_the_outbox_warns_when_no_worker_takes_the_emails(client, central):
    make_emails(1)
    OutboxEmail.objects.update(created_at=timezone.now() - timedelta(minutes=30))
    page = client.get(reverse("staff:outbox")).content.decode()
    assert "run_worker --queue-name email" in page


def test_cancelling_keeps_the_email_and_audits_it(client, central, run_on_commit):
    (email,) = make_emails(1, status=OutboxStatus.FAILED)

    response = client.post(reverse("staff:outbox_cancel", args=[email.pk]))

    assert response.status_code == 302
    email.refresh_from_db()
    assert email.status == OutboxStatus.CANCELLED
    event = AuditEvent.objects.get(action="email.cancelled")
    assert (event.actor, event.target_id) == (central, str(email.pk))
    assert event.data == {"from": "failed", "to": "cancelled"}
    # Not sent by the next delivery, nor by the sweep.
    services.sweep()
    assert mail.outbox == []
    # And it can still be sent after all.
    with run_on_commit():
        client.post(reverse("staff:outbox_resend", args=[email.pk]))
    email.refresh_from_db()
    assert email.status == OutboxStatus.SENT


def test_an_email_that_left_or_is_leaving_cannot_be_cancelled_nor_queued_again(client, central):
    sent, leaving = make_emails(2)
    OutboxEmail.objects.filter(pk=sent.pk).update(status=OutboxStatus.SENT, sent_at=timezone.now())
    delivery.claim(10)
    for email in (sent, leaving):
        client.post(reverse("staff:outbox_cancel", args=[email.pk]))
        client.post(reverse("staff:outbox_resend", args=[email.pk]))
    assert statuses() == {sent.pk: OutboxStatus.SENT, leaving.pk: OutboxStatus.SENDING}
    assert not AuditEvent.objects.filter(action__startswith="email.").exists()
    page = client.get(reverse("staff:outbox_email", args=[leaving.pk])).content.decode()
    assert reverse("staff:outbox_cancel", args=[leaving.pk]) not in page
    assert leaving.message_id.replace("<", "&lt;").replace(">", "&gt;") in page


def statuses():
    return dict(OutboxEmail.objects.values_list("pk", "status"))


def test_every_failed_email_is_sent_again_in_one_audited_action(client, central, run_on_commit):
    failed = make_emails(3, status=OutboxStatus.FAILED, failing_since=timezone.now())
    (other,) = make_emails(1, status=OutboxStatus.CANCELLED)

    with run_on_commit():
        response = client.post(reverse("staff:outbox_resend_failed"), follow=True)

    assert "3 emails are queued again." in response.content.decode()
    assert statuses() == {
        **{email.pk: OutboxStatus.SENT for email in failed},
        other.pk: OutboxStatus.CANCELLED,
    }
    event = AuditEvent.objects.get(action="email.requeued")
    assert event.data == {"outbox": [email.pk for email in failed], "count": 3}
    assert sorted(m.to[0] for m in mail.outbox) == sorted(e.recipient for e in failed)


@pytest.mark.parametrize("role", [StaffRole.CENTRE_MANAGER, StaffRole.CANDIDATE_MANAGER])
def test_other_staff_cannot_cancel_or_resend(client, role):
    (email,) = make_emails(1, status=OutboxStatus.FAILED)
    centre = CentreFactory() if role == StaffRole.CENTRE_MANAGER else None
    client.force_login(staff_with_role(role, centre=centre))
    for name, args in [("staff:outbox_cancel", [email.pk]), ("staff:outbox_resend_failed", [])]:
        assert client.post(reverse(name, args=args)).status_code == 404
    email.refresh_from_db()
    assert email.status == OutboxStatus.FAILED


def test_not_even_a_superuser_deletes_an_outgoing_email_in_django_admin():
    superuser = UserFactory(staff=True, is_superuser=True)
    request = RequestFactory().get("/staff/admin/")
    request.user = superuser
    outbox_admin = site._registry[OutboxEmail]
    assert not outbox_admin.has_delete_permission(request)
    assert "delete_selected" not in outbox_admin.get_actions(request)
