import logging
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django_tasks import task

from ecandidat.audit import codes
from ecandidat.audit.services import record

from .attachments import build
from .enums import OutboxStatus
from .models import OutboxEmail
from .registry import EMAIL_TEMPLATES

logger = logging.getLogger(__name__)


def render_email(key: str, context: dict, language: str) -> tuple[str, str, str]:
    """Render (subject, text, html) of a declared email in ``language``."""
    template = EMAIL_TEMPLATES[key]
    with translation.override(language):
        ctx = {
            "INSTITUTION_NAME": settings.INSTITUTION_NAME,
            "SITE_URL": settings.SITE_URL,
            "LANGUAGE_CODE": language,
            **context,
        }
        subject = str(template.subject) % ctx
        text = render_to_string(f"emails/{key}.txt", ctx)
        html = render_to_string(f"emails/{key}.html", {**ctx, "subject": subject})
    # A subject must stay on one line whatever a name contains.
    return " ".join(subject.split()), text, html


def send_email(
    key: str,
    *,
    to: str,
    context: dict,
    language: str,
    user=None,
    attachment: str = "",
    about=None,
    secret_reference: str = "",
) -> OutboxEmail:
    """Render a declared email, store it in the outbox and send it after commit.

    Called inside the caller's transaction: if that transaction rolls back, the outbox row
    disappears with it and the delivery task is never enqueued. ``about`` (an application,
    say) gets an audit row, so the email shows in that object's timeline. An email carrying a
    secret link renders ``link_secrets.PLACEHOLDER`` in it and passes ``secret_reference``:
    the secret is put in at delivery, never stored.
    """
    subject, text, html = render_email(key, context, language)
    email = OutboxEmail.objects.create(
        template=key,
        language=language,
        recipient=to,
        user=user,
        subject=subject,
        body_text=text,
        body_html=html,
        attachment=attachment,
        secret_reference=secret_reference,
    )
    if about is not None:
        record(
            codes.EMAIL_QUEUED,
            target=about,
            data={"template": key, "subject": subject, "recipient": to, "outbox": email.pk},
        )
    transaction.on_commit(partial(enqueue_delivery, email.pk))
    return email


def enqueue_delivery(outbox_id: int, run_after=None) -> None:
    queued = deliver_email
    if run_after is not None:
        if not queued.get_backend().supports_defer:
            return  # the retry command picks it up when it is due
        queued = queued.using(run_after=run_after)
    queued.enqueue(outbox_id)


def retry_delay(attempts: int) -> timedelta:
    # 1, 2, 4, 8, 16… minutes: a relay that is down for a while is not hammered.
    return timedelta(minutes=2 ** max(attempts - 1, 0))


def deliver(outbox_id: int) -> OutboxEmail:
    """Send one outbox email through Django's mail layer, recording success or failure."""
    with transaction.atomic():
        email = OutboxEmail.objects.select_for_update().get(pk=outbox_id)
        if email.status in (OutboxStatus.SENT, OutboxStatus.FAILED):
            return email
        text, html = email.delivered_bodies()
        message = EmailMultiAlternatives(
            subject=email.subject,
            body=text,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[email.recipient],
        )
        if html:
            message.attach_alternative(html, "text/html")
        email.attempts += 1
        try:
            if email.attachment:
                built = build(email.attachment)
                if built is not None:
                    message.attach(*built)
            message.send(fail_silently=False)
        except Exception as exc:  # any transport error is retried the same way
            logger.warning("Email %s to %s failed: %s", email.pk, email.recipient, exc)
            email.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            if email.attempts >= settings.EMAIL_MAX_ATTEMPTS:
                email.status = OutboxStatus.FAILED
                email.next_attempt_at = None
            else:
                email.status = OutboxStatus.RETRYING
                email.next_attempt_at = timezone.now() + retry_delay(email.attempts)
                transaction.on_commit(
                    partial(enqueue_delivery, email.pk, run_after=email.next_attempt_at)
                )
        else:
            email.status = OutboxStatus.SENT
            email.sent_at = timezone.now()
            email.next_attempt_at = None
            email.last_error = ""
        email.save(update_fields=["status", "attempts", "last_error", "next_attempt_at", "sent_at"])
    return email


def retry_due_emails(now=None) -> int:
    """Re-send every email whose retry time has come; returns how many were tried."""
    now = now or timezone.now()
    ids = list(OutboxEmail.objects.due_for_retry(now).values_list("pk", flat=True)[:500])
    for pk in ids:
        deliver(pk)
    return len(ids)


def requeue(outbox_id: int, *, actor=None) -> None:
    """Give a failed email a fresh set of attempts (a staff action, audited)."""
    updated = (
        OutboxEmail.objects.filter(pk=outbox_id)
        .exclude(status=OutboxStatus.SENT)
        .update(status=OutboxStatus.PENDING, attempts=0, next_attempt_at=None)
    )
    if not updated:
        return
    if actor is not None:
        record(codes.EMAIL_REQUEUED, actor=actor, target=OutboxEmail(pk=outbox_id))
    transaction.on_commit(partial(enqueue_delivery, outbox_id))


# The worker's task, defined beside the function it runs rather than in tasks.py: the
# service queues it and the task calls the service, and one module cannot import the other
# both ways at load time. tasks.py keeps the name under which queued rows may refer to it.
@task()
def deliver_email(outbox_id: int) -> str:
    return deliver(outbox_id).status
