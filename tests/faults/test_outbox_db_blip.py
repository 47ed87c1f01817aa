"""The worker's database connection is killed while the relay is taking a message (issue
#19: the email was delivered, shown pending, and sent again). The result is recorded once
the connection is back, and nothing leaves twice."""

import collections
import logging

import psycopg
import pytest
from django.db import connection

from ecandidat.notifications import services
from ecandidat.notifications.enums import OutboxStatus
from ecandidat.notifications.models import OutboxEmail
from tests.notifications.helpers import make_emails
from tests.notifications.smtp_sink import SmtpSink, use_smtp

pytestmark = [pytest.mark.chaos, pytest.mark.django_db(transaction=True)]


def test_a_database_connection_killed_during_a_send_is_recovered(settings, caplog):
    if connection.vendor != "postgresql":
        pytest.skip("kills a PostgreSQL backend (pg_terminate_backend)")
    emails = make_emails(10)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (worker_pid,) = cursor.fetchone()
    db = connection.settings_dict
    admin = psycopg.connect(
        host=db["HOST"],
        port=db["PORT"],
        user=db["USER"],
        password=db["PASSWORD"] or None,
        dbname=db["NAME"],
        autocommit=True,
    )
    sink = SmtpSink()
    killed = []

    def kill_the_worker_s_connection(count):
        # While the relay holds message 4: the worker is waiting for "250 OK".
        if count == 4:
            admin.execute("SELECT pg_terminate_backend(%s)", [worker_pid])
            killed.append(worker_pid)

    sink.on_message = kill_the_worker_s_connection
    sink.start()
    use_smtp(settings, sink.port)
    try:
        with caplog.at_level(logging.WARNING, "ecandidat.notifications"):
            outcome = services.drain()
    finally:
        sink.stop()
        admin.close()

    assert killed == [worker_pid]
    assert "Database unavailable while recording a delivery" in caplog.text
    assert outcome.sent == 10
    assert set(OutboxEmail.objects.values_list("status", flat=True)) == {OutboxStatus.SENT}
    received = collections.Counter(sink.message_ids)
    assert set(received) == {email.message_id for email in emails}
    assert set(received.values()) == {1}
