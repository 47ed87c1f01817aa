import socket
import threading

import pytest
from aiosmtpd.controller import Controller
from django.core import mail
from django.db import transaction
from django.utils import translation

from ecandidat.notifications import services
from ecandidat.notifications.enums import OutboxStatus
from ecandidat.notifications.models import OutboxEmail
from ecandidat.notifications.registry import EMAIL_TEMPLATES

CONTEXT = {
    "first_name": "Laurent",
    "last_name": "LEBRUN",
    "dossier_number": "RUU99UM3",
    "link": "http://testserver/x/",
    "valid_until": "demain",
}


@pytest.mark.django_db
@pytest.mark.parametrize("key", sorted(EMAIL_TEMPLATES))
@pytest.mark.parametrize("language", ["fr", "en"])
def test_every_declared_email_renders_in_both_languages(key, language):
    subject, text, html = services.render_email(key, EMAIL_TEMPLATES[key].sample, language)
    assert subject and text.strip() and "<html" in html
    assert f'lang="{language}"' in html
    with translation.override(language):
        expected = translation.gettext(
            "This email was sent automatically; please do not reply to it."
        )
    assert expected in text and expected in html


@pytest.mark.django_db
def test_french_email_is_in_french():
    subject, text, _ = services.render_email("account_created", CONTEXT, "fr")
    assert "Activez" in subject or "activez" in subject
    assert "Bonjour Laurent LEBRUN" in text


@pytest.mark.django_db(transaction=True)
def test_no_email_when_the_transaction_rolls_back():
    class Boom(Exception):
        pass

    with pytest.raises(Boom), transaction.atomic():
        services.send_email("account_created", to="a@example.org", context=CONTEXT, language="en")
        raise Boom
    assert not OutboxEmail.objects.exists()
    assert mail.outbox == []


@pytest.mark.django_db(transaction=True)
def test_email_is_sent_after_commit():
    with transaction.atomic():
        services.send_email("account_created", to="a@example.org", context=CONTEXT, language="en")
        assert mail.outbox == []
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["a@example.org"] and "RUU99UM3" in message.body
    assert message.alternatives[0][1] == "text/html"
    assert OutboxEmail.objects.get().status == OutboxStatus.SENT


class _Handler:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope)
        return "250 OK"


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.django_db
def test_retry_on_smtp_failure_with_a_real_smtp_server(settings):
    """First the relay is down (connection refused), then it is up: the email gets through."""
    port = _free_port()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_TIMEOUT = 5
    email = services.send_email(
        "account_created", to="a@example.org", context=CONTEXT, language="en"
    )

    services.deliver(email.pk)
    email.refresh_from_db()
    assert email.status == OutboxStatus.RETRYING and email.attempts == 1
    assert "ConnectionRefused" in email.last_error and email.next_attempt_at

    # Not yet due: nothing is retried.
    assert services.retry_due_emails() == 0
    handler = _Handler()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        assert services.retry_due_emails(now=email.next_attempt_at) == 1
    finally:
        controller.stop()
    email.refresh_from_db()
    assert email.status == OutboxStatus.SENT and email.attempts == 2 and email.last_error == ""
    assert handler.messages[0].rcpt_tos == ["a@example.org"]
    assert threading.active_count() >= 1


@pytest.mark.django_db
def test_email_fails_for_good_after_max_attempts(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", _free_port()
    settings.EMAIL_MAX_ATTEMPTS = 2
    email = services.send_email(
        "account_created", to="a@example.org", context=CONTEXT, language="en"
    )
    services.deliver(email.pk)
    services.deliver(email.pk)
    email.refresh_from_db()
    assert email.status == OutboxStatus.FAILED and email.attempts == 2
    services.deliver(email.pk)  # a failed email is not retried silently
    email.refresh_from_db()
    assert email.attempts == 2
