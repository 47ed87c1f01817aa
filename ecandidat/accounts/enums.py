from django.db import models
from django.utils.translation import gettext_lazy as _


class UserKind(models.TextChoices):
    CANDIDATE = "candidate", _("Candidate")
    STAFF = "staff", _("Staff")


class TokenPurpose(models.TextChoices):
    ACTIVATION = "activation", _("Account activation")
    PASSWORD_RESET = "password_reset", _("Password reset")
    EMAIL_CHANGE = "email_change", _("Email address change")


class Language(models.TextChoices):
    FRENCH = "fr", "Français"
    ENGLISH = "en", "English"
