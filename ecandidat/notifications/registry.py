"""The declared emails: every message the platform sends is listed here.

Each entry names a subject (translated, with ``%(name)s`` placeholders filled from the
context) and the pair of templates ``emails/<key>.txt`` and ``emails/<key>.html``; both are
rendered in the recipient's language. Staff can preview every entry (see the preview page).
"""

from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class EmailTemplate:
    key: str
    subject: str
    description: str
    # Sample context for previews and template tests: every variable the template uses.
    sample: dict = field(default_factory=dict)


_ACCOUNT_SAMPLE = {
    "first_name": "Laurent",
    "last_name": "LEBRUN",
    "dossier_number": "RUU99UM3",
    "link": "https://ecandidat.example.org/account/activate/sample-token/",
    "valid_until": "2026-12-04 18:00",
}

_APPLICATION_SAMPLE = {
    **_ACCOUNT_SAMPLE,
    "program": "Licence professionnelle Métiers de l'informatique",
    "return_deadline": "2027-01-20 18:00",
    "link": "https://ecandidat.example.org/candidate/applications/1/",
}

EMAIL_TEMPLATES: dict[str, EmailTemplate] = {
    t.key: t
    for t in [
        EmailTemplate(
            "account_created",
            _("Your eCandidat account %(dossier_number)s: activate it"),
            _("Sent after sign-up: login and activation link."),
            _ACCOUNT_SAMPLE,
        ),
        EmailTemplate(
            "account_exists",
            _("Your eCandidat account already exists"),
            _("Sent when someone signs up with an address that already has an account."),
            {**_ACCOUNT_SAMPLE, "link": "https://ecandidat.example.org/account/lost/"},
        ),
        EmailTemplate(
            "activation_resent",
            _("Your eCandidat account %(dossier_number)s: new activation link"),
            _("Sent on “I lost my activation code.” to an account not yet activated."),
            _ACCOUNT_SAMPLE,
        ),
        EmailTemplate(
            "already_activated",
            _("Your eCandidat account %(dossier_number)s is already activated"),
            _("Sent on “I lost my activation code.” to an account already activated."),
            {**_ACCOUNT_SAMPLE, "link": "https://ecandidat.example.org/account/lost/"},
        ),
        EmailTemplate(
            "identity_link",
            _("Your eCandidat account %(dossier_number)s: link it to your university sign-in"),
            _(
                "Sent when a student signing in through the university for the first time "
                "asks to link the account they already had."
            ),
            {**_ACCOUNT_SAMPLE, "link": "https://ecandidat.example.org/account/link/sample/"},
        ),
        EmailTemplate(
            "identification_lost",
            _("Your eCandidat login and a link to choose a new password"),
            _("Sent on “Identification lost”: dossier number and password-reset link."),
            _ACCOUNT_SAMPLE,
        ),
        EmailTemplate(
            "staff_invitation",
            _("Your eCandidat staff account %(username)s: choose your password"),
            _("Sent when an administrator creates a staff account: login and password link."),
            {**_ACCOUNT_SAMPLE, "username": "m.durand", "dossier_number": ""},
        ),
        EmailTemplate(
            "staff_password_reset",
            _("Your eCandidat staff account %(username)s: choose a new password"),
            _("Sent when a staff member asks for a new password on the staff login page."),
            {
                **_ACCOUNT_SAMPLE,
                "username": "m.durand",
                "dossier_number": "",
                "link": "https://ecandidat.example.org/account/password/sample-token/",
            },
        ),
        EmailTemplate(
            "email_change",
            _("Confirm your new eCandidat email address"),
            _("Sent to the new address when a candidate changes it."),
            {**_ACCOUNT_SAMPLE, "new_email": "laurent.lebrun@example.org"},
        ),
        EmailTemplate(
            "email_change_notice",
            _("A change of your eCandidat email address was requested"),
            _("Sent to the current address when a change is requested."),
            {**_ACCOUNT_SAMPLE, "new_email": "laurent.lebrun@example.org"},
        ),
        EmailTemplate(
            "email_in_use",
            _("This address is already used by an eCandidat account"),
            _("Sent to a new address that already belongs to another account."),
            {**_ACCOUNT_SAMPLE, "link": "https://ecandidat.example.org/account/lost/"},
        ),
        EmailTemplate(
            "application_created",
            _("Your application to %(program)s has been created"),
            _("Sent when a candidate (or staff for them) applies to a program."),
            _APPLICATION_SAMPLE,
        ),
        EmailTemplate(
            "application_submitted",
            _("Your application to %(program)s has been transmitted"),
            _("Sent when the candidate transmits the application, with its documents."),
            {**_APPLICATION_SAMPLE, "documents": [("Curriculum vitae", "Uploaded")]},
        ),
        EmailTemplate(
            "application_cancelled",
            _("Your application to %(program)s has been cancelled"),
            _("Sent when the candidate cancels an application."),
            _APPLICATION_SAMPLE,
        ),
        EmailTemplate(
            "application_reminder",
            _("Reminder: transmit your application to %(program)s"),
            _("Sent before the return deadline to candidates who have not transmitted."),
            _APPLICATION_SAMPLE,
        ),
        EmailTemplate(
            "document_refused",
            _("A document of your application to %(program)s was refused"),
            _("Sent when staff refuse a document, with their comment."),
            {**_APPLICATION_SAMPLE, "document": "Curriculum vitae", "comment": "Illegible scan."},
        ),
        EmailTemplate(
            "application_incomplete",
            _("Your application to %(program)s is incomplete"),
            _("Sent when staff mark a file incomplete, listing what to provide."),
            {**_APPLICATION_SAMPLE, "documents": [("Curriculum vitae", "Illegible scan.")]},
        ),
        EmailTemplate(
            "decision_published",
            _("Decision on your application to %(program)s"),
            _("Sent when a decision is validated (published), with the type's own text if any."),
            {
                **_APPLICATION_SAMPLE,
                "kind": "favourable",
                "decision": "Favourable decision",
                "comment": "",
                "reason": "",
                "deadline": "2027-02-12 23:59",
                "rank": "",
                "custom_body": "",
            },
        ),
        EmailTemplate(
            "application_confirmed",
            _("You have confirmed your place in %(program)s"),
            _("Sent when the candidate confirms."),
            {**_APPLICATION_SAMPLE, "automatic": False},
        ),
        EmailTemplate(
            "application_withdrawn",
            _("You have withdrawn from %(program)s"),
            _("Sent when the candidate withdraws, or the deadline passed without an answer."),
            {**_APPLICATION_SAMPLE, "automatic": False},
        ),
        EmailTemplate(
            "confirmation_reminder",
            _("Reminder: confirm your place in %(program)s"),
            _("Sent before the confirmation deadline to candidates who have not answered."),
            {**_APPLICATION_SAMPLE, "deadline": "2027-02-12 23:59"},
        ),
        EmailTemplate(
            "commission_confirmation",
            _("%(dossier_number)s confirmed a place in %(program)s"),
            _("Alert to the commission when a candidate confirms (if it asked for it)."),
            _APPLICATION_SAMPLE,
        ),
        EmailTemplate(
            "commission_withdrawal",
            _("%(dossier_number)s withdrew from %(program)s"),
            _("Alert to the commission when a candidate withdraws (if it asked for it)."),
            _APPLICATION_SAMPLE,
        ),
        EmailTemplate(
            "commission_promotion",
            _("%(dossier_number)s was promoted from the complementary list of %(program)s"),
            _("Alert to the commission when a withdrawal promotes the next candidate."),
            _APPLICATION_SAMPLE,
        ),
        EmailTemplate(
            "password_changed",
            _("Your eCandidat password was changed"),
            _("Sent after a password change or reset."),
            {**_ACCOUNT_SAMPLE, "link": "https://ecandidat.example.org/account/lost/"},
        ),
    ]
}
