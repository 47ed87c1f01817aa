"""The client address reaches the audit trail without services ever seeing the request."""

from django.urls import reverse
from django_tasks import default_task_backend

from ecandidat.accounts import tasks
from ecandidat.audit import codes
from ecandidat.audit.context import bound_ip, current_ip
from ecandidat.audit.models import AuditEvent
from ecandidat.audit.services import record
from tests.factories import PASSWORD, UserFactory


def test_rows_written_by_a_request_carry_its_client_address(client, db):
    staff = UserFactory(staff=True)
    client.post(
        reverse("staff:login"),
        {"username": staff.username, "password": PASSWORD},
        REMOTE_ADDR="203.0.113.5",
    )
    event = AuditEvent.objects.get(action=codes.ACCOUNT_LOGIN)
    assert event.ip_address == "203.0.113.5"
    # The binding ends with the request.
    assert current_ip() is None


def test_rows_outside_any_request_have_no_address(db):
    assert record(codes.ACCOUNT_LOGIN).ip_address is None


def test_the_worker_writes_the_address_of_the_request_that_queued_the_work(db, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    user = UserFactory()
    with bound_ip("198.51.100.7"):
        tasks.request_recovery(kind="identification", value=user.email)
    (queued,) = default_task_backend.results
    assert current_ip() is None
    # What the worker runs, later, in another process: only the queued arguments.
    tasks.run_recovery.call(*queued.args, **queued.kwargs)
    event = AuditEvent.objects.get(action=codes.ACCOUNT_PASSWORD_RESET_REQUESTED)
    assert event.ip_address == "198.51.100.7"
    assert current_ip() is None


def test_bindings_nest_and_unwind():
    with bound_ip("192.0.2.1"):
        with bound_ip("192.0.2.2"):
            assert current_ip() == "192.0.2.2"
        assert current_ip() == "192.0.2.1"
    assert current_ip() is None
