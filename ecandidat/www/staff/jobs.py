"""Administrators see every periodic job, its schedule and last runs, switch it on or off
and run it now (in the worker; the job's lock prevents a second simultaneous run)."""

from django.contrib import messages
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ecandidat.audit import codes
from ecandidat.audit.services import record
from ecandidat.core.jobs import ensure_jobs
from ecandidat.core.models import JobRun, PeriodicJob
from ecandidat.core.tasks import run_periodic_job
from ecandidat.www.access import staff_permission_required

PERMISSION = "core.change_periodicjob"


@staff_permission_required(PERMISSION)
def job_list(request):
    ensure_jobs()
    jobs = list(PeriodicJob.objects.all())
    recent = {}
    for run in JobRun.objects.order_by("-started_at")[:200]:
        recent.setdefault(run.job_id, []).append(run)
    return render(
        request,
        "staff/jobs.html",
        {"jobs": [(job, recent.get(job.pk, [])[:5]) for job in jobs]},
    )


@staff_permission_required(PERMISSION)
@require_POST
def job_action(request, pk, action):
    job = get_object_or_404(PeriodicJob, pk=pk)
    if action == "toggle":
        job.enabled = not job.enabled
        job.save(update_fields=["enabled"])
        record(
            codes.JOB_TOGGLED,
            actor=request.user,
            target=job,
            data={"enabled": job.enabled},
            request=request,
        )
        messages.success(request, _("Saved."))
    elif action == "run":
        record(codes.JOB_RUN_REQUESTED, actor=request.user, target=job, request=request)
        transaction.on_commit(lambda: run_periodic_job.enqueue(job.pk, request.user.get_username()))
        messages.success(request, _("The job has been queued: the worker runs it."))
    return redirect("staff:jobs")
