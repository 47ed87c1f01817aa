from django.db import models
from django.utils.translation import gettext_lazy as _


class CampaignStatus(models.TextChoices):
    PREPARED = "prepared", _("Prepared")
    ACTIVE = "active", _("Active")
    ARCHIVED = "archived", _("Archived")


class Treatment(models.TextChoices):
    CONTROLLED = "controlled", _("Controlled access")
    DIRECT = "direct", _("Direct access")


class Scope(models.TextChoices):
    """Which programs a document type or a question applies to."""

    ALL = "all", _("Every program")
    CENTRE = "centre", _("The programs of a centre")
    PROGRAMS = "programs", _("Chosen programs")


class QuestionKind(models.TextChoices):
    YES_NO = "yes_no", _("Yes / no")
    TEXT = "text", _("Text")
