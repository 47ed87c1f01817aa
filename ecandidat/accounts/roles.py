"""Django permissions granted by each staff role (on top of any given by hand).

Object scope (which centre, which commission) is applied separately by the querysets'
``visible_to`` / ``editable_by``; a permission only says what kind of action is possible.
"""

from .enums import StaffRole

_CATALOG = [
    "campaign",
    "centre",
    "trainingtype",
    "commission",
    "program",
    "documenttype",
    "question",
    "pegaseperiod",
]


def _crud(models, actions=("view", "add", "change", "delete")):
    return {f"catalog.{a}_{m}" for m in models for a in actions}


_CENTRAL = _crud(_CATALOG) | {
    "catalog.view_institutionsettings",
    "catalog.change_institutionsettings",
    "accounts.view_user",
    "accounts.add_user",
    "accounts.change_user",
    "accounts.view_roleassignment",
    "accounts.add_roleassignment",
    "accounts.change_roleassignment",
    "accounts.delete_roleassignment",
    "dossier.view_candidate_dossier",
    "applications.add_application",
    "applications.change_application",
    "dossier.change_candidate_dossier",
    "decisions.add_decision",
    "decisions.change_decision",
    "decisions.view_decisiontype",
    "decisions.add_decisiontype",
    "decisions.change_decisiontype",
    "review.view_tag",
    "review.add_tag",
    "review.change_tag",
    "decisions.view_decisionreason",
    "decisions.add_decisionreason",
    "decisions.change_decisionreason",
    "notifications.view_outboxemail",
    "audit.view_auditevent",
}

ROLE_PERMISSIONS: dict[str, set[str]] = {
    StaffRole.ADMINISTRATOR: _CENTRAL
    | {"core.view_periodicjob", "core.change_periodicjob", "sitemode.change_sitemode"},
    StaffRole.CENTRAL_OFFICE: _CENTRAL,
    StaffRole.CENTRE_MANAGER: (
        _crud(_CATALOG, ("view",))
        | _crud(["program", "commission", "documenttype", "question"], ("add", "change"))
        | {"catalog.change_centre", "dossier.view_candidate_dossier"}
        | {"applications.change_application", "decisions.add_decision", "decisions.change_decision"}
        | {
            "decisions.view_decisiontype",
            "decisions.add_decisiontype",
            "decisions.change_decisiontype",
        }
        | {"review.view_tag", "review.add_tag", "review.change_tag"}
    ),
    StaffRole.COMMISSION_MEMBER: _crud(
        ["program", "commission", "centre", "trainingtype"], ("view",)
    ),
    StaffRole.CANDIDATE_MANAGER: {"dossier.view_candidate_dossier", "applications.add_application"},
    "candidate_manager:edit": {"dossier.change_candidate_dossier"},
    "commission_member:decide": {"decisions.add_decision"},
}


def permissions_for_roles(roles) -> set[str]:
    granted: set[str] = set()
    for role in roles:
        granted |= ROLE_PERMISSIONS.get(role, set())
    return granted
