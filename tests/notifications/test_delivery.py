"""The outbox's sender against a real SMTP server on 127.0.0.1 (aiosmtpd): batches over one
connection, the same Message-ID at every attempt, leases that run out, relay failures."""

import email as email_lib
import io
import logging
import time
from datetime import timedelta
from email import policy

import pytest
import time_machine
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.core.management import call_command
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from ecandidat.notifications import attachments, delivery, services
from ecandidat.notifications.enums import OutboxStatus
from ecandidat.notifications.models import OutboxEmail
from ecandidat.notifications.registry import EMAIL_TEMPLATES
from ecandidat.sitemode.services import set_mode
from tests.directory.slapd import free_port

from .helpers import make_emails
from .smtp_sink import use_smtp

pytestmark = pytest.mark.django_db


def statuses(emails):
    by_pk = dict(OutboxEmail.objects.values_list("pk", "status"))
    return [by_pk[email.pk] for email in emails]


def test_a_batch_goes_out_over_one_connection_and_each_email_once(smtp, settings):
    settings.EMAIL_BATCH_SIZE = 40
    emails = make_emails(100)

    outcome = services.drain()

    assert (outcome.claimed, outcome.sent, outcome.stopped) == (100, 100, "")
    assert sorted(smtp.message_ids) == sorted(e.message_id for e in emails)
    assert smtp.connections == 3  # 40 + 40 + 20
    rows = OutboxEmail.objects.all()
    assert {(row.status, row.attempts, row.leased_until) for row in rows} == {
        (OutboxStatus.SENT, 1, None)
    }
    assert all(row.sent_at and row.last_attempt_at for row in rows)
    first = next(m for m in smtp.received if m["message_id"] == emails[0].message_id)
    parsed = email_lib.message_from_bytes(first["content"], policy=policy.default)
    assert first["rcpt"] == [emails[0].recipient]
    assert parsed["Subject"] == emails[0].subject
    assert parsed.get_body(("plain",)).get_content() == emails[0].body_text.replace("\n", "\r\n")
    assert "Bonjour Élodie n°0" in parsed.get_body(("html",)).get_content()


def test_the_message_id_is_the_same_at_every_attempt(smtp):
    (first,) = make_emails(1)
    smtp.stop()  # the relay is down

    services.drain()

    first.refresh_from_db()
    assert first.status == OutboxStatus.RETRYING and first.attempts == 1
    assert "ConnectionRefused" in first.last_error and first.failing_since
    smtp.start()
    # Not due yet: nothing leaves.
    assert services.drain().claimed == 0
    with time_machine.travel(first.next_attempt_at + timedelta(seconds=1)):
        services.drain()
    first.refresh_from_db()
    assert first.status == OutboxStatus.SENT and first.attempts == 2
    assert (first.last_error, first.failing_since) == ("", None)
    assert smtp.message_ids == [first.message_id]


def test_a_temporary_refusal_is_retried_and_the_batch_goes_on(smtp):
    emails = make_emails(3)
    smtp.refused[emails[1].recipient] = "451 4.3.0 Try again later"

    services.drain()

    assert statuses(emails) == [OutboxStatus.SENT, OutboxStatus.RETRYING, OutboxStatus.SENT]
    assert smtp.connections == 1
    del smtp.refused[emails[1].recipient]
    with time_machine.travel(timezone.now() + timedelta(minutes=2)):
        services.drain()
    assert statuses(emails) == [OutboxStatus.SENT] * 3
    assert sorted(smtp.message_ids) == sorted(e.message_id for e in emails)


def test_an_address_refused_for_good_fails_at_once(smtp, caplog):
    emails = make_emails(3)
    smtp.refused[emails[1].recipient] = "550 5.1.1 No such user"

    with caplog.at_level(logging.ERROR, "ecandidat.notifications"):
        services.drain()

    assert statuses(emails) == [OutboxStatus.SENT, OutboxStatus.FAILED, OutboxStatus.SENT]
    refused = OutboxEmail.objects.get(pk=emails[1].pk)
    assert "No such user" in refused.last_error and refused.next_attempt_at is None
    assert f"Email {refused.pk} to {refused.recipient} failed for good" in caplog.text


def test_a_connection_lost_mid_batch_keeps_what_was_sent_and_retries_the_rest(smtp):
    emails = make_emails(5)
    smtp.drop_after = 2

    outcome = services.drain()

    assert outcome.stopped == "relay"
    assert statuses(emails) == [OutboxStatus.SENT] * 2 + [OutboxStatus.RETRYING] * 3
    assert smtp.message_ids == [e.message_id for e in emails[:2]]


def test_a_slow_relay_costs_one_timeout_for_the_batch_not_one_per_email(smtp, settings):
    settings.EMAIL_TIMEOUT = 0.5
    smtp.delay = 1.5
    emails = make_emails(20)

    started = time.monotonic()
    outcome = services.drain()
    elapsed = time.monotonic() - started

    assert outcome.stopped == "relay" and outcome.retrying == 20
    assert "timed out" in OutboxEmail.objects.first().last_error
    # One timeout, not twenty of them (20 × 1.5 s with no timeout).
    assert elapsed < 10
    smtp.delay = 0
    with time_machine.travel(timezone.now() + timedelta(minutes=2)):
        services.drain()
    assert statuses(emails) == [OutboxStatus.SENT] * 20
    # The relay dropped the message it was still handling when the client gave up.
    assert sorted(smtp.message_ids) == sorted(e.message_id for e in emails)


def test_a_relay_down_for_a_day_is_retried_with_capped_back_off_then_fails(settings, caplog):
    use_smtp(settings, free_port())  # nothing listens there
    (stuck,) = make_emails(1)
    start = timezone.now()
    delays = []
    with (
        time_machine.travel(start, tick=False) as traveller,
        caplog.at_level(logging.WARNING, "ecandidat.notifications"),
    ):
        for _ in range(100):
            services.drain()
            stuck.refresh_from_db()
            if stuck.status == OutboxStatus.FAILED:
                break
            delays.append(round((stuck.next_attempt_at - timezone.now()).total_seconds() / 60))
            traveller.move_to(stuck.next_attempt_at)
        failed_at = timezone.now()

    assert stuck.status == OutboxStatus.FAILED
    assert delays[:8] == [1, 2, 4, 8, 16, 32, 60, 60] and set(delays[6:]) == {60}
    assert failed_at - start >= timedelta(hours=24)
    assert failed_at - start < timedelta(hours=25)
    assert stuck.failing_since == start and stuck.attempts == len(delays) + 1
    assert "will be sent again later" in caplog.text
    assert f"Email {stuck.pk} to {stuck.recipient} failed for good" in caplog.text


def test_a_killed_worker_s_emails_are_sent_once_after_its_lease_ran_out(smtp, settings):
    emails = make_emails(5)
    dead = delivery.claim(10)  # claimed, then the worker was killed
    assert statuses(emails) == [OutboxStatus.SENDING] * 5
    # Leased: no other worker takes them, the sweep leaves them.
    assert services.drain().claimed == 0
    assert services.sweep()["returned"] == 0

    later = timezone.now() + timedelta(seconds=settings.EMAIL_LEASE_SECONDS + 1)
    with time_machine.travel(later):
        report = services.sweep()  # back to pending; the delivery it queues runs here

    assert report["returned"] == 5
    assert statuses(emails) == [OutboxStatus.SENT] * 5
    assert sorted(smtp.message_ids) == sorted(e.message_id for e in emails)
    assert set(OutboxEmail.objects.values_list("attempts", flat=True)) == {2}
    # The killed worker's claim no longer holds anything: a late record of it is ignored.
    delivery._failed(dead, dead.emails, RuntimeError("late"), delivery.Outcome())
    assert statuses(emails) == [OutboxStatus.SENT] * 5


def test_a_lease_that_ran_out_is_taken_over_by_one_worker_only(smtp, settings):
    emails = make_emails(3)
    slow = delivery.claim(10)
    later = timezone.now() + timedelta(seconds=settings.EMAIL_LEASE_SECONDS + 1)
    with time_machine.travel(later):
        taken = delivery.claim(10)
        assert delivery.claim(10) is None
        outcome = delivery.send(taken, deadline=time.monotonic() + 60)
    assert outcome.sent == 3
    # The slow worker wakes up and records what it believes: the new claim's result stays.
    delivery._failed(slow, slow.emails, RuntimeError("late"), delivery.Outcome())
    delivery._record_sent(slow, slow.emails[0])
    rows = OutboxEmail.objects.order_by("pk")
    assert [(row.status, row.last_attempt_at) for row in rows] == [
        (OutboxStatus.SENT, taken.claimed_at)
    ] * 3
    assert smtp.message_ids == [e.message_id for e in emails]


def test_a_worker_whose_emails_were_given_back_but_not_taken_records_what_it_sent(smtp):
    (only,) = make_emails(1)
    slow = delivery.claim(10)
    OutboxEmail.objects.filter(pk=only.pk).update(status=OutboxStatus.PENDING, leased_until=None)

    delivery.send(slow, deadline=time.monotonic() + 60)

    only.refresh_from_db()
    assert only.status == OutboxStatus.SENT and smtp.message_ids == [only.message_id]
    assert services.drain().claimed == 0


def test_a_long_batch_renews_its_lease(smtp, settings):
    settings.EMAIL_LEASE_SECONDS = 0.4
    smtp.delay = 0.1
    emails = make_emails(6)
    batch = delivery.claim(10)
    first_lease = OutboxEmail.objects.get(pk=emails[-1].pk).leased_until

    outcome = delivery.send(batch, deadline=time.monotonic() + 60)

    assert outcome.sent == 6 and smtp.message_ids == [e.message_id for e in emails]
    assert OutboxEmail.objects.get(pk=emails[-1].pk).sent_at > first_lease


def test_a_task_whose_time_is_up_gives_the_rest_back(smtp, settings):
    smtp.delay = 0.05
    emails = make_emails(30)
    batch = delivery.claim(30)

    outcome = delivery.send(batch, deadline=time.monotonic() + 0.3)

    assert outcome.stopped == "deadline" and 0 < outcome.sent < 30
    assert outcome.released == 30 - outcome.sent
    assert statuses(emails).count(OutboxStatus.PENDING) == outcome.released
    services.drain()
    assert statuses(emails) == [OutboxStatus.SENT] * 30
    assert sorted(smtp.message_ids) == sorted(e.message_id for e in emails)


def test_an_attachment_is_built_at_send_time_and_a_failing_one_does_not_stop_the_batch(
    smtp, monkeypatch
):
    def builder(key):
        if key == "broken":
            raise OSError("storage unavailable")
        return (f"letter-{key}.txt", b"Admission letter", "text/plain")

    monkeypatch.setitem(attachments.BUILDERS, "test", builder)
    emails = make_emails(3)
    OutboxEmail.objects.filter(pk=emails[0].pk).update(attachment="test:7")
    OutboxEmail.objects.filter(pk=emails[1].pk).update(attachment="test:broken")

    services.drain()

    assert statuses(emails) == [OutboxStatus.SENT, OutboxStatus.RETRYING, OutboxStatus.SENT]
    assert "storage unavailable" in OutboxEmail.objects.get(pk=emails[1].pk).last_error
    letter = next(m for m in smtp.received if m["message_id"] == emails[0].message_id)
    parsed = email_lib.message_from_bytes(letter["content"], policy=policy.default)
    (attached,) = list(parsed.iter_attachments())
    assert attached.get_filename() == "letter-7.txt"
    assert attached.get_content() == "Admission letter"


def test_other_backends_get_django_messages_with_the_message_id():
    (only,) = make_emails(1)
    services.drain()
    (message,) = mail.outbox
    assert message.to == [only.recipient] and message.subject == only.subject
    assert message.message()["Message-ID"] == only.message_id
    assert message.alternatives[0][1] == "text/html"


@pytest.mark.parametrize(
    ("subject", "text", "html"),
    [
        ("Plain ASCII", "Hello\nworld\n", ""),
        ("Décision sur votre candidature", "Bonjour Élodie,\n.\nUne ligne seule.\n", "<p>é</p>"),
        ("É" * 120, "x" * 1200 + "\nfin é\n", "<p>" + "é" * 800 + "</p>"),
        ("Fenêtre", "Windows\r\nline ends\rand old Mac ones\n", "<b>ok</b>\r\n"),
        ("Trailing spaces", "spaces at the end   \n\ttab\n", ""),
        ("Résultats 😀 " * 12, "Emoji 😀\n", "<p>😀</p>"),
    ],
)
def test_the_fast_encoding_reads_as_django_s(settings, subject, text, html):
    settings.DEFAULT_FROM_EMAIL = "Université de Rouen <candidatures@univ-rouen.fr>"
    (row,) = make_emails(1, subject=subject, body_text=text, body_html=html)
    row.recipient = "laurent.lebrun@exämple.org"
    sender, recipients, data = delivery.MimeWriter().encode(row, text, html)
    django = EmailMultiAlternatives(
        subject, text, settings.DEFAULT_FROM_EMAIL, [row.recipient],
        headers={"Message-ID": row.message_id},
    )  # fmt: skip
    if html:
        django.attach_alternative(html, "text/html")
    ours = email_lib.message_from_bytes(data, policy=policy.default)
    theirs = email_lib.message_from_bytes(
        django.message().as_bytes(linesep="\r\n"), policy=policy.default
    )

    assert recipients == ["laurent.lebrun@xn--exmple-cua.org"]
    assert sender == "=?utf-8?q?Universit=C3=A9_de_Rouen?= <candidatures@univ-rouen.fr>"
    for header in ("From", "To", "Subject", "Message-ID", "MIME-Version"):
        # (Django folds a long encoded subject from the line after "Subject:".)
        assert str(ours[header]).strip() == str(theirs[header]).strip(), header
    assert b"\r\n" in data and b"\n" not in data.replace(b"\r\n", b"")
    assert max(len(line) for line in data.split(b"\r\n")) <= 998
    head = data.split(b"\r\n\r\n", 1)[0]
    assert max(len(line) for line in head.split(b"\r\n")) <= 78
    ours_parts, theirs_parts = list(ours.walk()), list(theirs.walk())
    assert [p.get_content_type() for p in ours_parts] == [
        p.get_content_type() for p in theirs_parts
    ]
    for mine, reference in zip(ours_parts, theirs_parts, strict=True):
        if not mine.is_multipart():
            assert mine["Content-Transfer-Encoding"] == reference["Content-Transfer-Encoding"]
            assert mine.get_content_charset() == reference.get_content_charset()
            assert mine.get_content() == reference.get_content()


@pytest.mark.django_db(transaction=True)
def test_a_burst_of_emails_queues_one_delivery_task(database_tasks):
    for i in range(20):  # each in its own transaction, as 20 sign-ups
        services.send_email(
            "password_changed",
            to=f"c{i}@example.org",
            context=EMAIL_TEMPLATES["password_changed"].sample,
            language="fr",
        )
    queued = DBTaskResult.objects.filter(status=TaskResultStatus.READY)
    assert [(t.queue_name, t.task_path) for t in queued] == [
        ("email", "ecandidat.notifications.services.deliver_outbox")
    ]


@pytest.mark.django_db(transaction=True)
def test_the_mail_worker_sends_the_burst_and_a_full_batch_calls_for_help(
    database_tasks, smtp, settings
):
    settings.EMAIL_BATCH_SIZE = 10
    emails = make_emails(35)
    services.enqueue_delivery()

    call_command(
        "db_worker", "--batch", "--queue-name", "email", "--no-startup-delay", "--no-reload",
        verbosity=0,
    )  # fmt: skip

    assert statuses(emails) == [OutboxStatus.SENT] * 35
    assert sorted(smtp.message_ids) == sorted(e.message_id for e in emails)
    runs = DBTaskResult.objects.filter(task_path__endswith="deliver_outbox")
    # The first task asked for a second one (to be run by another worker), which found
    # nothing left: no task per email.
    assert sorted(run.status for run in runs) == [TaskResultStatus.SUCCESSFUL] * 2
    assert sorted(run.return_value["sent"] for run in runs) == [0, 35]


@pytest.mark.django_db(transaction=True)
def test_a_failed_batch_queues_the_next_attempt_for_when_it_is_due(database_tasks, settings):
    use_smtp(settings, free_port())
    (only,) = make_emails(1)

    services.drain()

    only.refresh_from_db()
    (deferred,) = DBTaskResult.objects.filter(status=TaskResultStatus.READY)
    assert deferred.run_after == only.next_attempt_at


@pytest.mark.django_db(transaction=True)
def test_the_sweep_frees_a_killed_worker_s_emails_and_task(database_tasks, settings):
    emails = make_emails(3)
    run = services.deliver_outbox.using(queue_name="email").enqueue()
    started = timezone.now()
    DBTaskResult.objects.filter(pk=run.id).update(
        status=TaskResultStatus.RUNNING, started_at=started
    )
    delivery.claim(10)  # ...and then the worker was killed

    assert services.sweep() == {"returned": 0, "stuck_tasks": 0, "due": False}
    later = started + timedelta(
        seconds=settings.EMAIL_TASK_SECONDS + settings.EMAIL_LEASE_SECONDS + 1
    )
    with time_machine.travel(later):
        report = services.sweep()

    assert report == {"returned": 3, "stuck_tasks": 1, "due": True}
    assert statuses(emails) == [OutboxStatus.PENDING] * 3
    lost = DBTaskResult.objects.get(pk=run.id)
    assert lost.status == TaskResultStatus.FAILED and "WorkerLost" in lost.exception_class_path
    assert DBTaskResult.objects.filter(status=TaskResultStatus.READY).count() == 1


def test_the_sweep_command_reports_what_it_did():
    make_emails(2)
    out = io.StringIO()
    call_command("retry_emails", stdout=out)
    assert out.getvalue().strip() == (
        "0 email(s) given back by a stopped worker, 0 stuck delivery task(s), delivery queued."
    )
    assert len(mail.outbox) == 2


def test_read_only_mode_holds_the_outbox_then_sends_each_email_once(smtp):
    emails = make_emails(5)
    set_mode(mode="read_only", actor=None)
    outcome = services.drain()
    assert outcome.claimed == 0 and smtp.message_ids == []
    assert set(statuses(emails)) == {OutboxStatus.PENDING}
    set_mode(mode="normal", actor=None)
    services.drain()
    assert sorted(smtp.message_ids) == sorted(e.message_id for e in emails)
