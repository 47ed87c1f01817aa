from django.db import models
from django.utils.translation import gettext_lazy as _


class UserKind(models.TextChoices):
    CANDIDATE = "candidate", _("Candidate")
    STAFF = "staff", _("Staff")


class TokenPurpose(models.TextChoices):
    ACTIVATION = "activation", _("Account activation")
    PASSWORD_RESET = "password_reset", _("Password reset")
    EMAIL_CHANGE = "email_change", _("Email address change")
    IDENTITY_LINK = "identity_link", _("Link with the university sign-in")


class Language(models.TextChoices):
    FRENCH = "fr", "Français"
    ENGLISH = "en", "English"


class StaffRole(models.TextChoices):
    ADMINISTRATOR = "administrator", _("Administrator")
    CENTRAL_OFFICE = "central_office", _("Central office")
    CENTRE_MANAGER = "centre_manager", _("Centre manager")
    COMMISSION_MEMBER = "commission_member", _("Commission member")
    CANDIDATE_MANAGER = "candidate_manager", _("Candidate manager")


GLOBAL_ROLES = (StaffRole.ADMINISTRATOR, StaffRole.CENTRAL_OFFICE)

# Who may grant what: nobody grants a role above their own, so only administrators grant
# administrator, and the central office grants everything below it.
ROLE_RANK: dict[str, int] = {
    StaffRole.ADMINISTRATOR: 3,
    StaffRole.CENTRAL_OFFICE: 2,
    StaffRole.CENTRE_MANAGER: 1,
    StaffRole.COMMISSION_MEMBER: 1,
    StaffRole.CANDIDATE_MANAGER: 1,
}
ADMINISTRATOR_RANK = ROLE_RANK[StaffRole.ADMINISTRATOR]
