import secrets
from email.utils import parseaddr

from django.conf import settings
from django.db import models
from django.db.models import Count, Min, Q
from django.utils.translation import gettext_lazy as _

from .enums import UNFINISHED, OutboxStatus
from .link_secrets import reveal


def new_message_id() -> str:
    """A Message-ID chosen once per email and sent with every attempt, so that a relay or a
    mailbox that already has the message can drop a second copy. 128 random bits: unique
    without asking the database (``email.utils.make_msgid`` collides within a burst)."""
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "localhost"
    return f"<{secrets.token_hex(16)}@{domain}>"


class OutboxQuerySet(models.QuerySet):
    def due(self, now):
        """Waiting for a worker: new, or failed earlier and due for another attempt."""
        return self.filter(
            Q(status=OutboxStatus.PENDING)
            | Q(status=OutboxStatus.RETRYING, next_attempt_at__lte=now)
        )

    def stale(self, now):
        """Claimed by a worker that did not finish in time (killed, frozen, cut off)."""
        return self.filter(status=OutboxStatus.SENDING, leased_until__lt=now)

    def claimable(self, now):
        return self.filter(
            Q(status=OutboxStatus.PENDING)
            | Q(status=OutboxStatus.RETRYING, next_attempt_at__lte=now)
            | Q(status=OutboxStatus.SENDING, leased_until__lt=now)
        )

    def unfinished(self):
        return self.filter(status__in=UNFINISHED)

    def health(self, now) -> dict:
        """What the staff outbox warns about, in one query over the unfinished and failed
        rows (an index range, whatever the number of sent emails): emails failed for good,
        emails waiting for a retry and since when they fail, the oldest email no worker
        has taken yet, emails held by a worker that stopped."""
        return self.filter(status__in=[*UNFINISHED, OutboxStatus.FAILED]).aggregate(
            failed=Count("pk", filter=Q(status=OutboxStatus.FAILED)),
            retrying=Count("pk", filter=Q(status=OutboxStatus.RETRYING)),
            failing_since=Min("failing_since", filter=Q(status=OutboxStatus.RETRYING)),
            oldest_pending=Min("created_at", filter=Q(status=OutboxStatus.PENDING)),
            stale=Count("pk", filter=Q(status=OutboxStatus.SENDING, leased_until__lt=now)),
        )


class OutboxEmail(models.Model):
    """An email as it was rendered, kept until (and after) it is delivered.

    Rendering happens in the request, in the recipient's language; sending happens in a
    background task once the transaction that produced the email has committed
    (notifications.delivery). Rows are never deleted by staff: a send is stopped by
    cancelling it, which is audited.
    """

    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    template = models.CharField(_("template"), max_length=64, db_index=True)
    language = models.CharField(_("language"), max_length=8)
    recipient = models.EmailField(_("recipient"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="emails",
        verbose_name=_("account"),
    )
    subject = models.CharField(_("subject"), max_length=255)
    body_text = models.TextField(_("text body"))
    body_html = models.TextField(_("HTML body"), blank=True)
    message_id = models.CharField(
        _("Message-ID"), max_length=255, unique=True, default=new_message_id, editable=False
    )
    status = models.CharField(
        _("status"), max_length=16, choices=OutboxStatus.choices, default=OutboxStatus.PENDING
    )
    # Every claim by a worker counts, recorded before the message leaves (never reset: a
    # worker whose lease ran out recognises its claim by ``last_attempt_at``).
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_attempt_at = models.DateTimeField(_("last attempt"), null=True, blank=True)
    leased_until = models.DateTimeField(_("claimed until"), null=True, blank=True)
    # Start of the current run of failures: an email is given up after EMAIL_RETRY_HOURS.
    failing_since = models.DateTimeField(_("failing since"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    # The reference of the link secret, never the secret (see notifications.link_secrets).
    secret_reference = models.CharField(max_length=64, blank=True, editable=False)
    # Built when the email is sent, e.g. "letter:42" (see notifications.attachments).
    attachment = models.CharField(_("attachment"), max_length=50, blank=True)

    objects = OutboxQuerySet.as_manager()

    class Meta:
        verbose_name = _("outgoing email")
        verbose_name_plural = _("outgoing emails")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="outbox_status_next"),
            # What the workers claim, oldest first: a few rows among millions of sent ones.
            models.Index(
                fields=["id"],
                name="outbox_unfinished",
                condition=Q(status__in=UNFINISHED),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=OutboxStatus.values), name="outbox_status_valid"
            ),
            # A lease exactly while a worker holds the email.
            models.CheckConstraint(
                condition=Q(status=OutboxStatus.SENDING, leased_until__isnull=False)
                | (~Q(status=OutboxStatus.SENDING) & Q(leased_until__isnull=True)),
                name="outbox_lease_while_sending",
            ),
            models.CheckConstraint(
                condition=~Q(status=OutboxStatus.SENT) | Q(sent_at__isnull=False),
                name="outbox_sent_has_date",
            ),
            models.CheckConstraint(
                condition=~Q(status=OutboxStatus.RETRYING) | Q(next_attempt_at__isnull=False),
                name="outbox_retry_has_date",
            ),
        ]

    def __str__(self):
        return f"{self.template} → {self.recipient}"

    @property
    def is_sent(self) -> bool:
        return self.status == OutboxStatus.SENT

    @property
    def can_be_sent_again(self) -> bool:
        """Staff may queue it again: not delivered, and no worker holds it right now."""
        return self.status not in (OutboxStatus.SENT, OutboxStatus.SENDING)

    @property
    def can_be_cancelled(self) -> bool:
        return self.status in (OutboxStatus.PENDING, OutboxStatus.RETRYING, OutboxStatus.FAILED)

    def delivered_bodies(self) -> tuple[str, str]:
        """(text, html) as they leave: with the link secret, never stored or shown to staff."""
        return (
            reveal(self.body_text, self.secret_reference),
            reveal(self.body_html, self.secret_reference),
        )
