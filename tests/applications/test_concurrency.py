"""Fifty simultaneous submissions make exactly one transition (PostgreSQL only: SQLite
serialises writers anyway)."""

import threading

import pytest
from django.db import connection, connections

from ecandidat.applications import services
from ecandidat.applications.enums import FileStatus
from ecandidat.applications.models import Application
from ecandidat.audit.models import AuditEvent
from ecandidat.notifications.models import OutboxEmail

from .conftest import prepared

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_fifty_concurrent_submissions(candidate, program, document_types, questions, settings):
    if connection.vendor != "postgresql":
        pytest.skip("concurrency test runs on PostgreSQL (make test-postgres, CI)")
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    application = prepared(candidate, program, document_types, questions)
    barrier = threading.Barrier(50)
    errors = []

    def worker():
        try:
            barrier.wait()
            services.submit(application_id=application.pk, actor=candidate)
        except Exception as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert Application.objects.get(pk=application.pk).file_status == FileStatus.RECEIVED
    assert AuditEvent.objects.filter(action="application.submitted").count() == 1
    assert OutboxEmail.objects.filter(template="application_submitted").count() == 1
