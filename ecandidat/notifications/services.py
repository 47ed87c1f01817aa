import logging
import time
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.db import transaction
from django.db.models import Min, Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django_tasks import TaskResultStatus, task
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.models import DBTaskResult, get_date_max

from ecandidat.audit import codes
from ecandidat.audit.services import record

from . import delivery
from .enums import OutboxStatus
from .models import OutboxEmail
from .registry import EMAIL_TEMPLATES

logger = logging.getLogger(__name__)

# The task queue of the delivery task, when the backend declares it (settings.TASKS): a
# worker of its own (`run_worker --queue-name email`), so a slow relay never delays the
# other background work, and the other work never delays an activation email.
EMAIL_QUEUE = "email"


def render_email(key: str, context: dict, language: str) -> tuple[str, str, str]:
    """Render (subject, text, html) of a declared email in ``language``."""
    template = EMAIL_TEMPLATES[key]
    with translation.override(language):
        ctx = {
            "INSTITUTION_NAME": settings.INSTITUTION_NAME,
            "SITE_URL": settings.SITE_URL,
            "LANGUAGE_CODE": language,
            **context,
        }
        subject = str(template.subject) % ctx
        text = render_to_string(f"emails/{key}.txt", ctx)
        html = render_to_string(f"emails/{key}.html", {**ctx, "subject": subject})
    # A subject must stay on one line whatever a name contains.
    return " ".join(subject.split()), text, html


def send_email(
    key: str,
    *,
    to: str,
    context: dict,
    language: str,
    user=None,
    attachment: str = "",
    about=None,
    secret_reference: str = "",
) -> OutboxEmail:
    """Render a declared email, store it in the outbox and send it after commit.

    Called inside the caller's transaction: if that transaction rolls back, the outbox row
    disappears with it and no delivery is queued. ``about`` (an application, say) gets an
    audit row, so the email shows in that object's timeline. An email carrying a secret
    link renders ``link_secrets.PLACEHOLDER`` in it and passes ``secret_reference``: the
    secret is put in at delivery, never stored.
    """
    subject, text, html = render_email(key, context, language)
    email = OutboxEmail.objects.create(
        template=key,
        language=language,
        recipient=to,
        user=user,
        subject=subject,
        body_text=text,
        body_html=html,
        attachment=attachment,
        secret_reference=secret_reference,
    )
    if about is not None:
        record(
            codes.EMAIL_QUEUED,
            target=about,
            data={"template": key, "subject": subject, "recipient": to, "outbox": email.pk},
        )
    _deliver_after_commit()
    return email


def _deliver_after_commit() -> None:
    """One delivery after the commit, however many emails the transaction queued (a
    decision publication queues thousands): the delivery sends every due email."""
    connection = transaction.get_connection()
    if connection.in_atomic_block and any(
        getattr(callback, "func", None) is enqueue_delivery
        for _savepoints, callback, _robust in connection.run_on_commit
    ):
        return
    transaction.on_commit(partial(enqueue_delivery))


def _delivery_task():
    backend = deliver_outbox.get_backend()
    if not backend.queues or EMAIL_QUEUE in backend.queues:
        return deliver_outbox.using(queue_name=EMAIL_QUEUE)
    return deliver_outbox


def enqueue_delivery(run_after=None) -> None:
    """Make sure a delivery task will run (now, or at ``run_after``).

    One waiting task is enough, since it sends every due email: on the database backend a
    task already waiting (and due by then) is not doubled, so a burst of 5,000 sign-ups
    queues a handful of tasks, not 5,000. Without deferred tasks, a later time is left to
    the sweep (``retry_emails``).
    """
    queued = _delivery_task()
    backend = queued.get_backend()
    if run_after is not None and run_after <= timezone.now():
        run_after = None
    if run_after is not None and not backend.supports_defer:
        return
    if isinstance(backend, DatabaseBackend) and _already_queued(queued, backend, run_after):
        return
    if run_after is not None:
        queued = queued.using(run_after=run_after)
    queued.enqueue()


def _already_queued(queued, backend, run_after) -> bool:
    return (
        DBTaskResult.objects.filter(
            status=TaskResultStatus.READY,
            backend_name=backend.alias,
            queue_name=queued.queue_name,
            task_path=queued.module_path,
        )
        .filter(Q(run_after=get_date_max()) | Q(run_after__lte=run_after or timezone.now()))
        .exists()
    )


def drain(*, seconds: float | None = None) -> delivery.Outcome:
    """Send due emails, batch after batch, for at most ``seconds`` (EMAIL_TASK_SECONDS).

    A full batch invites another worker (one more task queued, if none waits); a task
    whose time is up hands over to a new one; a failing relay ends the run, and the next
    one is queued for when the first retry is due.
    """
    deadline = time.monotonic() + (seconds or settings.EMAIL_TASK_SECONDS)
    total = delivery.Outcome()
    size = settings.EMAIL_BATCH_SIZE
    backend = _delivery_task().get_backend()
    while True:
        if time.monotonic() >= deadline:
            total.stopped = "deadline"
            break
        batch = delivery.claim(size)
        if batch is None:
            break
        if len(batch.emails) == size and isinstance(backend, DatabaseBackend):
            enqueue_delivery()
        outcome = delivery.send(batch, deadline=deadline)
        total.add(outcome)
        if outcome.stopped:
            total.stopped = outcome.stopped
            break
    if total.stopped == "deadline":
        enqueue_delivery()
    _schedule_next_retry()
    return total


def _schedule_next_retry() -> None:
    due = OutboxEmail.objects.filter(status=OutboxStatus.RETRYING).aggregate(
        at=Min("next_attempt_at")
    )["at"]
    if due is not None:
        enqueue_delivery(run_after=due)


class WorkerLost(Exception):
    """Recorded on a delivery task whose worker stopped while running it."""


def sweep(now=None) -> dict:
    """The periodic safety net (``retry_emails``) over every state a worker may leave:
    emails claimed by a worker that stopped go back to *pending*, delivery tasks left
    *running* by a killed worker are marked failed, and a delivery is queued if any email
    is due (pending, or waiting for a retry whose time has come)."""
    now = now or timezone.now()
    returned = OutboxEmail.objects.stale(now).update(status=OutboxStatus.PENDING, leased_until=None)
    if returned:
        logger.warning("%d email(s) left by a stopped worker are pending again", returned)
    stuck = _fail_stuck_tasks(now)
    due = OutboxEmail.objects.due(now).exists()
    if due:
        enqueue_delivery()
    _schedule_next_retry()
    return {"returned": returned, "stuck_tasks": stuck, "due": due}


def _fail_stuck_tasks(now) -> int:
    backend = _delivery_task().get_backend()
    if not isinstance(backend, DatabaseBackend):
        return 0
    # A delivery task ends within EMAIL_TASK_SECONDS plus one send, which the lease bounds.
    limit = now - timedelta(seconds=settings.EMAIL_TASK_SECONDS + settings.EMAIL_LEASE_SECONDS)
    stuck = DBTaskResult.objects.filter(
        backend_name=backend.alias,
        status=TaskResultStatus.RUNNING,
        task_path__in=[deliver_outbox.module_path, deliver_email.module_path],
        started_at__lt=limit,
    ).update(
        status=TaskResultStatus.FAILED,
        finished_at=now,
        exception_class_path=f"{WorkerLost.__module__}.{WorkerLost.__qualname__}",
        traceback="WorkerLost: the worker running this delivery stopped; "
        "its emails were given back to the outbox.",
    )
    if stuck:
        logger.warning("%d delivery task(s) left running by a stopped worker", stuck)
    return stuck


def requeue(outbox_id: int, *, actor=None) -> bool:
    """Queue an email again with a fresh retry window (a staff action, audited). Not one
    that was delivered, nor one a worker is sending at this moment."""
    updated = (
        OutboxEmail.objects.filter(pk=outbox_id)
        .exclude(status__in=[OutboxStatus.SENT, OutboxStatus.SENDING])
        .update(status=OutboxStatus.PENDING, next_attempt_at=None, failing_since=None)
    )
    if not updated:
        return False
    if actor is not None:
        record(codes.EMAIL_REQUEUED, actor=actor, target=OutboxEmail(pk=outbox_id))
    _deliver_after_commit()
    return True


def requeue_failed(*, actor) -> int:
    """Queue again every email that failed for good (after a long relay outage), audited
    in one row that lists them."""
    with transaction.atomic():
        ids = list(
            OutboxEmail.objects.select_for_update()
            .filter(status=OutboxStatus.FAILED)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        if not ids:
            return 0
        OutboxEmail.objects.filter(pk__in=ids).update(
            status=OutboxStatus.PENDING, next_attempt_at=None, failing_since=None
        )
        record(codes.EMAIL_REQUEUED, actor=actor, data={"outbox": ids, "count": len(ids)})
        _deliver_after_commit()
    return len(ids)


def cancel(outbox_id: int, *, actor) -> bool:
    """Stop an email that has not left (a staff action, audited). The row stays: outgoing
    emails are never deleted."""
    with transaction.atomic():
        email = OutboxEmail.objects.select_for_update().filter(pk=outbox_id).only("status").first()
        if email is None or not email.can_be_cancelled:
            return False
        OutboxEmail.objects.filter(pk=outbox_id).update(
            status=OutboxStatus.CANCELLED, next_attempt_at=None
        )
        record(
            codes.EMAIL_CANCELLED,
            actor=actor,
            target=email,
            data={"from": email.status, "to": OutboxStatus.CANCELLED},
        )
    return True


# The worker's tasks, defined beside the functions they run rather than in tasks.py: the
# service queues them and the tasks call the service, and one module cannot import the
# other both ways at load time. tasks.py keeps the names under which queued rows refer to
# them.
@task()
def deliver_outbox() -> dict:
    return drain().summary()


@task()
def deliver_email(outbox_id: int) -> dict:
    """The per-email task of earlier versions: rows still queued under it send the outbox."""
    return drain().summary()
