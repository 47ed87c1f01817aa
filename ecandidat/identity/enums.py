from django.db import models
from django.utils.translation import gettext_lazy as _


class Protocol(models.TextChoices):
    CAS = "cas", "CAS"
    SAML = "saml", "SAML"
    OIDC = "oidc", "OpenID Connect"


class Audience(models.TextChoices):
    """Who is signing in through the university: the staff sign-in finds a staff account,
    the student sign-in a candidate account (created the first time)."""

    STAFF = "staff", _("Staff")
    STUDENT = "student", _("Student")


class Refusal(models.TextChoices):
    """Why a sign-in through the university was refused; each has its page text (see
    ``services.REFUSAL_MESSAGES``) and its audit row."""

    UNKNOWN_IDENTITY = "unknown_identity", _("No account for this identity")
    INACTIVE_ACCOUNT = "inactive_account", _("Account deactivated")
    MISSING_IDENTIFIER = "missing_identifier", _("Identifier not released")
    INVALID_RESPONSE = "invalid_response", _("Invalid answer from the identity provider")
    REPLAYED = "replayed", _("Answer already used")
    PROVIDER_UNAVAILABLE = "provider_unavailable", _("Identity provider unavailable")
