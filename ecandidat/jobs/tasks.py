from django_tasks import task

from . import runner


@task()
def run_bulk_job(job_id: int) -> None:
    runner.run_bulk(job_id)
