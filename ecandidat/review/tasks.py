from django_tasks import task

from . import services


@task()
def run_bulk_job(job_id: int) -> None:
    services.run_bulk(job_id)
