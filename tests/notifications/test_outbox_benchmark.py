"""How many emails one worker delivers per second to a local SMTP server (printed, never
asserted; `make bench`). Issue #16's target is 300 mails/s per worker.

The SMTP server (aiosmtpd) runs in a process of its own, so it does not share this
interpreter; the database commits for real (each result is committed as in production).
For comparison, the same messages through Django's SMTP backend alone, on one connection
and with no database at all.
"""

import time

import pytest
from django.core.mail import EmailMultiAlternatives, get_connection

from ecandidat.notifications import services
from ecandidat.notifications.enums import OutboxStatus
from ecandidat.notifications.models import OutboxEmail
from ecandidat.notifications.registry import EMAIL_TEMPLATES

from .helpers import make_emails
from .smtp_sink import SinkProcess, use_smtp

pytestmark = [pytest.mark.benchmark, pytest.mark.django_db(transaction=True)]

COUNT = 3000


def _wait_for(sink, count, timeout=60):
    deadline = time.monotonic() + timeout
    while sink.count() < count and time.monotonic() < deadline:
        time.sleep(0.05)


def test_outbox_delivery_rate_per_worker(settings, tmp_path, bench, capsys):
    sink = SinkProcess(tmp_path / "sink.log").start()
    try:
        use_smtp(settings, sink.port)
        # A real email's size: the decision email, as rendered for a candidate.
        subject, text, html = services.render_email(
            "decision_published", EMAIL_TEMPLATES["decision_published"].sample, "fr"
        )
        make_emails(COUNT, subject=subject, body_text=text, body_html=html)

        started = time.perf_counter()
        outcome = services.drain(seconds=600)
        elapsed = time.perf_counter() - started
        _wait_for(sink, COUNT)
        assert outcome.sent == COUNT and sink.count() == COUNT
        assert not OutboxEmail.objects.exclude(status=OutboxStatus.SENT).exists()
        rate = COUNT / elapsed

        # Django's SMTP backend alone, same messages, one connection, no database.
        messages = []
        for email in OutboxEmail.objects.order_by("pk")[:1000]:
            message = EmailMultiAlternatives(
                email.subject,
                email.body_text,
                settings.DEFAULT_FROM_EMAIL,
                [email.recipient],
                headers={"Message-ID": email.message_id},
            )
            message.attach_alternative(email.body_html, "text/html")
            messages.append(message)
        before = sink.count()
        started = time.perf_counter()
        with get_connection() as connection:
            connection.send_messages(messages)
        elapsed = time.perf_counter() - started
        _wait_for(sink, before + len(messages))
        reference = len(messages) / elapsed
        trivial = bench.trivial_seconds()
        with capsys.disabled():
            print(
                f"\n[benchmark] outbox delivery, one worker, {COUNT} emails to a local SMTP "
                f"server: {rate:.0f} mails/s (target 300), {settings.EMAIL_BATCH_SIZE} per "
                f"batch and connection = {rate / reference:.2f}× Django's SMTP backend alone "
                f"on one connection, no database ({reference:.0f} mails/s); trivial page "
                f"{trivial * 1000:.1f} ms"
            )
    finally:
        sink.stop()
