from django.db import models
from django.utils.translation import gettext_lazy as _


class DecisionKind(models.TextChoices):
    FAVOURABLE = "favourable", _("Favourable")
    UNFAVOURABLE = "unfavourable", _("Unfavourable")
    WAITING_LIST = "waiting_list", _("Waiting list")
    COMPLEMENTARY_LIST = "complementary_list", _("Complementary list")
    PRESELECTION = "preselection", _("Preselection")


class CandidateAnswer(models.TextChoices):
    CONFIRMED = "confirmed", _("Confirmed")
    WITHDRAWN = "withdrawn", _("Withdrawn")
