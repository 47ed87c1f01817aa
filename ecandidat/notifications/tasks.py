from django_tasks import task

from . import services


@task()
def deliver_email(outbox_id: int) -> str:
    return services.deliver(outbox_id).status
