from django.db import models
from django.utils.translation import gettext_lazy as _


class DecisionKind(models.TextChoices):
    FAVOURABLE = "favourable", _("Favourable")
    UNFAVOURABLE = "unfavourable", _("Unfavourable")
    WAITING_LIST = "waiting_list", _("Waiting list")
    COMPLEMENTARY_LIST = "complementary_list", _("Complementary list")
    PRESELECTION = "preselection", _("Preselection")


# The kinds of decision that come with a letter (decisions.letters).
LETTER_KINDS = (DecisionKind.FAVOURABLE, DecisionKind.UNFAVOURABLE)


class DecisionOrigin(models.TextChoices):
    """Who entered a decision: a person, or the platform on its own."""

    STAFF = "", _("Entered by staff")
    PROMOTION = "promotion", _("Promotion from the complementary list")
    DIRECT_ACCESS = "direct_access", _("Direct access")
