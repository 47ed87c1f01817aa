from django.db import models
from django.utils.translation import gettext_lazy as _


class FileStatus(models.TextChoices):
    WAITING = "waiting", _("Waiting")
    RECEIVED = "received", _("Received")
    INCOMPLETE = "incomplete", _("Incomplete")
    COMPLETE = "complete", _("Complete")
    CANCELLED = "cancelled", _("Cancelled")


# Named state sets used by guards and queries.
ACTIVE_STATUSES = (
    FileStatus.WAITING,
    FileStatus.RECEIVED,
    FileStatus.INCOMPLETE,
    FileStatus.COMPLETE,
)


# States that follow a transmission: the file has a submitted_at (a database constraint).
SUBMITTED_STATUSES = (FileStatus.RECEIVED, FileStatus.COMPLETE, FileStatus.INCOMPLETE)


class DecisionKind(models.TextChoices):
    """The kind of a decision type, whatever its label; an application records the kind of
    its latest validated decision (``Application.decision_kind``, "" when none)."""

    FAVOURABLE = "favourable", _("Favourable")
    UNFAVOURABLE = "unfavourable", _("Unfavourable")
    WAITING_LIST = "waiting_list", _("Waiting list")
    COMPLEMENTARY_LIST = "complementary_list", _("Complementary list")
    PRESELECTION = "preselection", _("Preselection")


NO_DECISION = ""


class CandidateAnswer(models.TextChoices):
    """The candidate's answer to a validated favourable decision ("" until they answer)."""

    CONFIRMED = "confirmed", _("Confirmed")
    WITHDRAWN = "withdrawn", _("Withdrawn")


NO_ANSWER = ""


class DocumentStatus(models.TextChoices):
    MISSING = "missing", _("Missing")
    SUBMITTED = "submitted", _("Uploaded")
    VALIDATED = "validated", _("Validated")
    REFUSED = "refused", _("Refused")
    NOT_CONCERNED = "not_concerned", _("Not concerned")


class ScanStatus(models.TextChoices):
    CLEAN = "clean", _("Scanned, clean")
    NOT_SCANNED = "not_scanned", _("Not scanned (no antivirus configured)")
    PENDING = "pending", _("To be scanned again (antivirus unavailable)")
