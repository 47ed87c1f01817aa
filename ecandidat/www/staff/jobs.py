"""Administrators see every periodic job, its schedule and last runs, switch it on or off
and run it now (in the worker; the job's lock prevents a second simultaneous run)."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ecandidat.core import services as job_services
from ecandidat.core.jobs import ensure_jobs
from ecandidat.core.models import JobRun, PeriodicJob
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
        job_services.toggle_job(job, actor=request.user)
        messages.success(request, _("Saved."))
    elif action == "run":
        job_services.request_run(job, actor=request.user)
        messages.success(request, _("The job has been queued: the worker runs it."))
    return redirect("staff:jobs")
