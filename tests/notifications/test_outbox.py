import pytest
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


@pytest.mark.django_db
def test_one_delivery_for_a_transaction_that_queues_many_emails(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        for i in range(30):
            services.send_email(
                "account_created", to=f"a{i}@example.org", context=CONTEXT, language="en"
            )
    deliveries = [c for c in callbacks if getattr(c, "func", None) is services.enqueue_delivery]
    assert len(deliveries) == 1
    assert len(mail.outbox) == 30
    assert set(OutboxEmail.objects.values_list("status", flat=True)) == {OutboxStatus.SENT}


@pytest.mark.django_db(transaction=True)
def test_an_email_queued_in_a_savepoint_that_rolled_back_leaves_the_delivery_of_the_others():
    with transaction.atomic():
        try:
            with transaction.atomic():
                services.send_email(
                    "account_created", to="gone@example.org", context=CONTEXT, language="en"
                )
                raise RuntimeError
        except RuntimeError:
            pass
        services.send_email(
            "account_created", to="kept@example.org", context=CONTEXT, language="en"
        )
    assert [m.to for m in mail.outbox] == [["kept@example.org"]]


@pytest.mark.django_db
def test_every_email_gets_its_own_message_id_and_sends_it(run_on_commit):
    with run_on_commit():
        first = services.send_email(
            "account_created", to="a@example.org", context=CONTEXT, language="en"
        )
        second = services.send_email(
            "account_created", to="b@example.org", context=CONTEXT, language="en"
        )
    assert first.message_id != second.message_id
    assert first.message_id.startswith("<") and first.message_id.endswith("@ecandidat.local>")
    sent = {m.to[0]: m.message()["Message-ID"] for m in mail.outbox}
    assert sent == {"a@example.org": first.message_id, "b@example.org": second.message_id}
