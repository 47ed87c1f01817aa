from django.db import models
from django.utils.translation import gettext_lazy as _

# The kinds live with the application, which records the kind of its latest validated
# decision (Application.decision_kind); decisions code imports them from here as before.
from ecandidat.applications.enums import DecisionKind

__all__ = ["LETTER_KINDS", "DecisionKind", "DecisionOrigin"]


# The kinds of decision that come with a letter (decisions.letters).
LETTER_KINDS = (DecisionKind.FAVOURABLE, DecisionKind.UNFAVOURABLE)


class DecisionOrigin(models.TextChoices):
    """Who entered a decision: a person, or the platform on its own."""

    STAFF = "", _("Entered by staff")
    PROMOTION = "promotion", _("Promotion from the complementary list")
    DIRECT_ACCESS = "direct_access", _("Direct access")
