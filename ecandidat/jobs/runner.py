"""Running bulk jobs in the worker: one action on many applications, a large export or a
download, with progress the page shows live. Each application is
its own transaction, so a refusal or an error on one leaves the others done; an unexpected
error stops the job as FAILED with a message for the person who started it."""

import logging
import uuid

from django.core.files.base import File
from django.core.files.storage import default_storage
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from ecandidat.applications import workflow
from ecandidat.applications.models import Application
from ecandidat.audit import codes
from ecandidat.audit.services import record
from ecandidat.catalog.models import Program
from ecandidat.common.errors import DomainError
from ecandidat.decisions.models import Decision, DecisionReason
from ecandidat.decisions.services import (
    enter_decision,
    parse_moment,
    schedule_publication,
    types_for,
    validate_decision,
)
from ecandidat.exports.columns import BY_KEY
from ecandidat.exports.downloads import as_file, build
from ecandidat.exports.rows import export_rows_of
from ecandidat.exports.writers import csv_file, xlsx_file
from ecandidat.review import services as review

from .models import BulkJob

logger = logging.getLogger(__name__)


class JobRefusal(DomainError):
    """Why a bulk job, or one application of it, was refused (shown in the job's report)."""


def run_bulk(job_id: int) -> None:
    """Run a bulk job. An unexpected error stops it as FAILED, with a message for the person
    who started it and the traceback in the log, instead of "In progress…" forever; what
    was done before the error stays done (each application is its own transaction)."""
    job = BulkJob.objects.select_related("user").get(pk=job_id)
    if job.is_over:
        return
    job.status = BulkJob.Status.RUNNING
    job.save(update_fields=["status"])
    try:
        _run_job(job)
    except Exception as exc:
        logger.exception("bulk job %s (%s) failed", job.pk, job.action)
        with translation.override(job.user.preferred_language):
            message = str(
                _(
                    "The job stopped on an unexpected error (%(error)s) after %(done)d of "
                    "%(total)d. What was done is kept. Start it again, or give the job "
                    "number %(job)s to the platform's administrators."
                )
                % {
                    "error": type(exc).__name__,
                    "done": job.done,
                    "total": job.total,
                    "job": job.pk,
                }
            )
        BulkJob.objects.filter(pk=job.pk).update(
            status=BulkJob.Status.FAILED, finished_at=timezone.now(), error=message
        )
        record(
            codes.REVIEW_BULK_FAILED,
            actor=job.user,
            target=job,
            data={"error": type(exc).__name__, "done": job.done},
        )


def _run_job(job) -> None:
    if job.action.startswith("export_"):
        _run_export(job)
        return
    if job.action.startswith("download_"):
        _run_download(job)
        return
    # Entering a decision has its own scope (a member's can_decide is per commission);
    # every other action needs the application to be editable.
    in_scope = (
        Application.objects.decidable_by(job.user)
        if job.action == "enter_decision"
        else Application.objects.filter(program__in=Program.objects.editable_by(job.user))
    )
    editable = set(in_scope.filter(pk__in=job.application_ids).values_list("pk", flat=True))
    with translation.override(job.user.preferred_language):
        for application_id in job.application_ids[job.done :]:
            try:
                if application_id not in editable:
                    raise JobRefusal(_("Not found or outside your scope."))
                if job.action in workflow.STAFF_ACTIONS:
                    review.change_file_status(
                        application_id=application_id, action=job.action, user=job.user
                    )
                elif job.action == "enter_decision":
                    _bulk_enter_decision(job, application_id)
                elif job.action == "validate_decisions":
                    _bulk_validate(job, application_id)
                elif job.action == "schedule_publication":
                    _bulk_schedule(job, application_id)
                elif job.action == "add_tag":
                    application = Application.objects.get(pk=application_id)
                    tag = review.tags_for(application).filter(pk=job.params.get("tag")).first()
                    if tag is None:
                        raise JobRefusal(_("This tag cannot be used here."))
                    review.set_tags(
                        application=application,
                        tags=[*application.tags.all(), tag],
                        user=job.user,
                    )
                job.succeeded.append(application_id)
            except DomainError as error:  # a refusal of the rules, reported per application
                job.refused.append([application_id, str(error.message)])
            job.done += 1
            job.save(update_fields=["done", "succeeded", "refused"])
    job.status = BulkJob.Status.DONE
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "finished_at"])
    record(
        codes.REVIEW_BULK_FINISHED,
        actor=job.user,
        target=job,
        data={"succeeded": len(job.succeeded), "refused": len(job.refused)},
    )


def _run_export(job) -> None:
    """The export streamed into a temporary file (rows read a chunk at a time), then handed
    to the storage: memory stays flat whatever the number of rows."""
    columns = [BY_KEY[k] for k in job.params.get("columns", []) if k in BY_KEY]
    fmt = job.action.removeprefix("export_")

    def progress(count):
        job.done += count
        BulkJob.objects.filter(pk=job.pk).update(done=job.done)

    with translation.override(job.user.preferred_language):
        header = [str(c.label) for c in columns]
        rows = export_rows_of(job.application_ids, columns, progress=progress)
        handle = xlsx_file(header, rows) if fmt == "xlsx" else csv_file(header, rows)
    with handle:
        _store(job, handle, fmt)


def _bulk_enter_decision(job, application_id: int) -> None:
    application = Application.objects.select_related("program").get(pk=application_id)
    decision_type = types_for(application).filter(pk=job.params.get("decision_type") or 0).first()
    if decision_type is None:
        raise JobRefusal(_("Choose the decision."))
    reason = DecisionReason.objects.filter(pk=job.params.get("reason") or 0).first()
    enter_decision(
        application_id=application_id,
        decision_type=decision_type,
        user=job.user,
        reason=reason,
        comment=job.params.get("comment", ""),
    )


def _bulk_validate(job, application_id: int) -> None:
    pending = list(
        Decision.objects.filter(
            application_id=application_id, validated_at__isnull=True
        ).values_list("pk", flat=True)
    )
    if not pending:
        raise JobRefusal(_("No decision to validate."))
    for decision_id in pending:
        validate_decision(decision_id=decision_id, user=job.user)


def _bulk_schedule(job, application_id: int) -> None:
    """Results released at once: every entered decision of the selection is published by
    the scheduler at the chosen time."""
    moment = parse_moment(job.params.get("publish_at"))
    if moment is None:
        raise JobRefusal(_("Enter a valid date and time."))
    schedule_publication(application_id=application_id, publish_at=moment, user=job.user)


def _store(job, handle, extension: str) -> None:
    """Keep the open file ``handle`` (read from its start) as the job's result."""
    name = default_storage.save(
        f"exports/{uuid.uuid4().hex}.{extension}", File(handle, name=f"export.{extension}")
    )
    job.params = {**job.params, "file": name}
    job.status = BulkJob.Status.DONE
    job.done = job.total
    job.finished_at = timezone.now()
    job.save(update_fields=["params", "status", "done", "finished_at"])


def _run_download(job) -> None:
    applications = list(
        Application.objects.filter(pk__in=job.application_ids).select_related(
            "candidate", "program"
        )
    )
    content, name, _mime = build(
        applications,
        kind=job.action.removeprefix("download_"),
        document_type=job.params.get("document_type", ""),
        language=job.user.preferred_language,
    )
    with as_file(content) as handle:
        _store(job, handle, name.rsplit(".", 1)[-1])
