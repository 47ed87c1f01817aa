"""Administrators see every periodic job, its schedule and last runs, switch it on or off
and run it now (in the worker; the job's lock prevents a second simultaneous run). A running
job shows since when, on which host and by which process; a stuck run can be released."""

from datetime import datetime

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from ecandidat.core import jobs as job_locks
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
    holders = job_locks.holders(jobs)
    return render(
        request,
        "staff/jobs.html",
        {"jobs": [(job, holders.get(job.pk), recent.get(job.pk, [])[:5]) for job in jobs]},
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


def _parse_since(value: str) -> datetime | None:
    try:
        return datetime.fromisoformat(value) if value else None
    except ValueError:
        return None


@staff_permission_required(PERMISSION)
@require_http_methods(["GET", "POST"])
def job_release(request, pk):
    """Confirmation page of a release, then the release itself (POST)."""
    job = get_object_or_404(PeriodicJob, pk=pk)
    holder = job_locks.holders([job]).get(job.pk)
    if holder is None:
        messages.info(request, _("This job is not running any more."))
        return redirect("staff:jobs")
    if request.method == "POST":
        if not request.POST.get("confirm"):
            messages.error(request, _("Tick the box to confirm."))
        else:
            try:
                terminated = job_services.release_job(
                    job,
                    actor=request.user,
                    seen_since=_parse_since(request.POST.get("since", "")),
                )
            except job_services.ReleaseRefused as refusal:
                messages.error(request, refusal.message)
                return redirect("staff:jobs")
            if terminated:
                messages.success(
                    request,
                    _(
                        "Released: the database session holding the job was ended. "
                        "The next check of the scheduler starts the job again."
                    ),
                )
            else:
                messages.success(
                    request, _("Released: the next check of the scheduler starts the job again.")
                )
            return redirect("staff:jobs")
    return render(
        request,
        "staff/job_release.html",
        {
            "job": job,
            "holder": holder,
            "since": holder.since.isoformat() if holder.since else "",
            "postgresql": job_locks.uses_advisory_locks(),
        },
    )
