from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .enums import OutboxStatus
from .link_secrets import reveal


class OutboxQuerySet(models.QuerySet):
    def due_for_retry(self, now):
        return self.filter(status=OutboxStatus.RETRYING, next_attempt_at__lte=now)


class OutboxEmail(models.Model):
    """An email as it was rendered, kept until (and after) it is delivered.

    Rendering happens in the request, in the recipient's language; sending happens in a
    background task once the transaction that produced the email has committed.
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
    status = models.CharField(
        _("status"), max_length=16, choices=OutboxStatus.choices, default=OutboxStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
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
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="outbox_status_next")]

    def __str__(self):
        return f"{self.template} → {self.recipient}"

    @property
    def is_sent(self) -> bool:
        return self.status == OutboxStatus.SENT

    def delivered_bodies(self) -> tuple[str, str]:
        """(text, html) as they leave: with the link secret, never stored or shown to staff."""
        return (
            reveal(self.body_text, self.secret_reference),
            reveal(self.body_html, self.secret_reference),
        )
