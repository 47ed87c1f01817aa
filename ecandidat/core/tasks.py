from django_tasks import task

from .jobs import run_job
from .models import PeriodicJob


@task()
def run_periodic_job(job_id: int, triggered_by: str) -> None:
    run_job(PeriodicJob.objects.get(pk=job_id), triggered_by=triggered_by)
