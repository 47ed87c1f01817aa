"""Every audit action code, declared once: listable (``ALL``), searchable, and checked.

``audit.services.record`` refuses a code that is neither a constant below nor in one of
the ``FAMILIES`` (codes built from a model or state name, each with its pattern), so a
typo or an ad-hoc f-string fails in the tests instead of writing rows nobody searches for.
The staff audit-log screen filters on these codes.
"""

import re

ACCOUNT_ACTIVATED = "account.activated"
ACCOUNT_ACTIVATION_RESEND_REFUSED = "account.activation_resend_refused"
ACCOUNT_ACTIVATION_RESENT = "account.activation_resent"
ACCOUNT_CREATED = "account.created"
ACCOUNT_EMAIL_CHANGE_REQUESTED = "account.email_change_requested"
ACCOUNT_EMAIL_CHANGED = "account.email_changed"
ACCOUNT_ERASED = "account.erased"
ACCOUNT_IDENTITY_LINK_REQUESTED = "account.identity_link_requested"
ACCOUNT_IDENTITY_LINKED = "account.identity_linked"
ACCOUNT_LANGUAGE_CHANGED = "account.language_changed"
ACCOUNT_LOGIN = "account.login"
ACCOUNT_LOGIN_FAILED = "account.login_failed"
ACCOUNT_LOGIN_LOCKED = "account.login_locked"
ACCOUNT_LOGOUT = "account.logout"
ACCOUNT_PASSWORD_CHANGED = "account.password_changed"
ACCOUNT_PASSWORD_RESET = "account.password_reset"
ACCOUNT_PASSWORD_RESET_REQUESTED = "account.password_reset_requested"
ACCOUNT_PURGED = "account.purged"
ACCOUNT_SIGNUP_EXISTING_EMAIL = "account.signup_existing_email"
ACCOUNT_STAFF_INVITED = "account.staff_invited"
ACCOUNT_STUDENT_CREATED = "account.student_created"
ACCOUNT_TWO_FACTOR_ENABLED = "account.two_factor_enabled"
ACCOUNT_TWO_FACTOR_FAILED = "account.two_factor_failed"
ACCOUNT_TWO_FACTOR_VERIFIED = "account.two_factor_verified"

APPLICATION_ANSWERS_SAVED = "application.answers_saved"
APPLICATION_CANCELLED = "application.cancelled"
APPLICATION_CONFIRMATION_DEADLINE = "application.confirmation_deadline"
APPLICATION_CONFIRMATION_REMINDER = "application.confirmation_reminder"
APPLICATION_CREATED = "application.created"
APPLICATION_FILE_STATUS = "application.file_status"
APPLICATION_NOTE_ADDED = "application.note_added"
APPLICATION_PERSONAL_DEADLINE = "application.personal_deadline"
APPLICATION_REMINDER_SENT = "application.reminder_sent"
APPLICATION_SUBMITTED = "application.submitted"
APPLICATION_TAGS = "application.tags"
APPLICATION_TREATMENT = "application.treatment"

CAMPAIGN_PURGED = "campaign.purged"

CATALOG_CAMPAIGN_ACTIVATED = "catalog.campaign.activated"
CATALOG_CAMPAIGN_ARCHIVED = "catalog.campaign.archived"
CATALOG_PROGRAM_BULK_UPDATED = "catalog.program.bulk_updated"

DECISION_ENTERED = "decision.entered"
DECISION_PROMOTED = "decision.promoted"
DECISION_SCHEDULED = "decision.scheduled"
DECISION_VALIDATED = "decision.validated"

DIRECTORY_UNAVAILABLE = "directory.unavailable"

DOCUMENT_FILE_MISSING = "document.file_missing"
DOCUMENT_INFECTED = "document.infected"
DOCUMENT_NOT_CONCERNED = "document.not_concerned"
DOCUMENT_REMOVED = "document.removed"
DOCUMENT_SCAN_UNAVAILABLE = "document.scan_unavailable"
DOCUMENT_UPLOADED = "document.uploaded"

DOSSIER_LOCAL_STUDIES_IMPORTED = "dossier.local_studies.imported"

EMAIL_CANCELLED = "email.cancelled"
EMAIL_QUEUED = "email.queued"
EMAIL_REQUEUED = "email.requeued"

JOB_RELEASED = "job.released"
JOB_RUN_REQUESTED = "job.run_requested"
JOB_TOGGLED = "job.toggled"

REGISTRATION_API = "registration.api"
REGISTRATION_EXPORTED = "registration.exported"

REGISTRATION_API_REFUSED = "registration_api.refused"

REVIEW_BULK_FAILED = "review.bulk_failed"
REVIEW_BULK_FINISHED = "review.bulk_finished"
REVIEW_BULK_STARTED = "review.bulk_started"
REVIEW_DOWNLOAD = "review.download"
REVIEW_EXPORT = "review.export"

SSO_METADATA_REFRESHED = "sso.metadata_refreshed"
SSO_METADATA_REFUSED = "sso.metadata_refused"
SSO_REFUSED = "sso.refused"
SSO_SIGNED_IN = "sso.signed_in"
SSO_SINGLE_LOGOUT = "sso.single_logout"

# The portal's mode (sitemode: normal, maintenance, read-only).
SITE_MODE_CHANGED = "site.mode_changed"

# Answers to an offer (review.enums.CandidateAnswer): application.confirmed / .withdrawn.
APPLICATION_CONFIRMED = "application.confirmed"
APPLICATION_WITHDRAWN = "application.withdrawn"
# Staff checks of a document (applications.enums.DocumentStatus).
DOCUMENT_VALIDATED = "document.validated"
DOCUMENT_REFUSED = "document.refused"

ALL = frozenset(
    value for name, value in list(globals().items()) if name.isupper() and isinstance(value, str)
)

# Codes named after a model or a section: "catalog.program.updated", "dossier.address.saved".
FAMILIES = {
    "catalog.<model>.created|updated": re.compile(r"catalog\.[a-z]+\.(created|updated)"),
    "dossier.<section>.saved|added|updated|deleted": re.compile(
        r"dossier\.[a-z_]+\.(saved|added|updated|deleted)"
    ),
}


def is_declared(code: str) -> bool:
    return code in ALL or any(pattern.fullmatch(code) for pattern in FAMILIES.values())


def catalog_saved(model_name: str, *, created: bool) -> str:
    return f"catalog.{model_name}.{'created' if created else 'updated'}"


def dossier(section: str, what: str) -> str:
    return f"dossier.{section}.{what}"


def answered(answer: str) -> str:
    """The code of a candidate's answer (``CandidateAnswer`` value)."""
    return {"confirmed": APPLICATION_CONFIRMED, "withdrawn": APPLICATION_WITHDRAWN}[answer]


def document_checked(status: str) -> str:
    """The code of a staff check of a document (``DocumentStatus`` value)."""
    return {"validated": DOCUMENT_VALIDATED, "refused": DOCUMENT_REFUSED}[status]
