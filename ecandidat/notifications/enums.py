from django.db import models
from django.utils.translation import gettext_lazy as _


class OutboxStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    # Claimed by a worker, which holds it until ``leased_until`` (see notifications.delivery).
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    RETRYING = "retrying", _("Waiting for a retry")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


# What a worker may still send; SENT, FAILED and CANCELLED are final until staff act.
UNFINISHED = (OutboxStatus.PENDING, OutboxStatus.SENDING, OutboxStatus.RETRYING)
