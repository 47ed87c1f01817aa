"""Starting bulk jobs: one action on many applications, a large export or a download, queued
for the worker (``jobs.runner`` runs them). The page the staff member is on shows progress."""

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from ecandidat.audit import codes
from ecandidat.audit.services import record

from .models import BulkJob
from .runner import JobRefusal
from .tasks import run_bulk_job

__all__ = ["JobRefusal", "start_bulk_job", "start_export_job", "start_file_job"]


BULK_LIMIT = 500
BULK_ACTIONS = {
    "mark_complete": _("Mark the files complete"),
    "mark_incomplete": _("Mark the files incomplete"),
    "add_tag": _("Add a tag"),
    "enter_decision": _("Enter a decision"),
    "validate_decisions": _("Validate the entered decisions"),
    "schedule_publication": _("Schedule the publication of the entered decisions"),
}
# Actions on decisions need their own permission on top of the application's.
BULK_PERMISSIONS = {
    "enter_decision": "decisions.add_decision",
    "validate_decisions": "decisions.change_decision",
    "schedule_publication": "decisions.change_decision",
}


def start_bulk_job(*, user, action: str, application_ids: list[int], params: dict):
    if action not in BULK_ACTIONS:
        raise JobRefusal(_("Unknown action."))
    if action in BULK_PERMISSIONS and not user.has_perm(BULK_PERMISSIONS[action]):
        raise JobRefusal(_("You may not do this."))
    if not application_ids:
        raise JobRefusal(_("Select at least one application."))
    if len(application_ids) > BULK_LIMIT:
        raise JobRefusal(_("Select at most %(n)s applications at once.") % {"n": BULK_LIMIT})
    job = BulkJob.objects.create(
        user=user, action=action, params=params, application_ids=list(application_ids)
    )
    record(
        codes.REVIEW_BULK_STARTED,
        actor=user,
        target=job,
        data={"action": action, "count": job.total},
    )
    transaction.on_commit(lambda: run_bulk_job.enqueue(job.pk))
    return job


EXPORT_SYNC_LIMIT = 2000


def start_export_job(*, user, fmt: str, application_ids: list[int], columns: list[str]):
    """Large exports are written by the worker; the page shows progress, then the file."""
    job = BulkJob.objects.create(
        user=user,
        action=f"export_{fmt}",
        params={"columns": columns},
        application_ids=list(application_ids),
    )
    record(
        codes.REVIEW_EXPORT,
        actor=user,
        data={"format": fmt, "columns": columns, "background": True},
    )
    transaction.on_commit(lambda: run_bulk_job.enqueue(job.pk))
    return job


def start_file_job(*, user, action: str, application_ids: list[int], params: dict):
    job = BulkJob.objects.create(
        user=user, action=action, params=params, application_ids=list(application_ids)
    )
    transaction.on_commit(lambda: run_bulk_job.enqueue(job.pk))
    return job
