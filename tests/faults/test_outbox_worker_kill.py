"""5,000 emails, two real mail workers (`manage.py run_worker --queue-name email`), and one of
them SIGKILLed three times while it sends: every email reaches the SMTP server, and only the
messages a killed worker had out and not yet recorded at that instant (two at most: one on
the wire, one being recorded) can reach it a second time, with the same Message-ID (so a
relay or mailbox that keeps Message-IDs drops them).

The SMTP server runs in a process of its own and logs each Message-ID before it answers
"250 OK"; the scheduler is played by this test, which runs `retry_emails` every second (in
production every five minutes). Leases are shortened to 5 s so that the killed worker's
emails come back within the test's two minutes.
"""

import collections
import io
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection

from ecandidat.notifications import services
from ecandidat.notifications.enums import OutboxStatus
from ecandidat.notifications.models import OutboxEmail
from tests.notifications.helpers import make_emails
from tests.notifications.smtp_sink import SinkProcess, use_smtp

pytestmark = [pytest.mark.chaos, pytest.mark.django_db(transaction=True)]

TOTAL = 5000
KILLS = 3
LEASE_SECONDS = 5
ROOT = Path(__file__).resolve().parents[2]


class MailWorker:
    def __init__(self, name: str, env: dict, log_dir: Path):
        self.name, self.env, self.log_dir = name, env, log_dir
        self.process: subprocess.Popen | None = None
        self.starts = 0

    def start(self):
        self.starts += 1
        log = open(self.log_dir / f"{self.name}-{self.starts}.log", "wb")  # noqa: SIM115
        self.process = subprocess.Popen(
            [
                sys.executable,
                "manage.py",
                "run_worker",
                "--queue-name",
                "email",
                "--interval",
                "0.1",
                "--no-startup-delay",
                "--no-reload",
                "--worker-id",
                f"{self.name}-{self.starts}",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()

    def kill(self):
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()

    def logs(self) -> str:
        return "\n".join(p.read_text(errors="replace")[-1500:] for p in self.log_dir.glob("*.log"))


def _database_url() -> str:
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    return f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def test_killing_a_mail_worker_three_times_during_5000_sends(settings, tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip(
            "needs PostgreSQL: worker processes share the outbox through the database "
            "(SELECT … FOR UPDATE SKIP LOCKED); SQLite's test database is in memory"
        )
    sink = SinkProcess(tmp_path / "sink.log").start()
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "TASKS_BACKEND": "database",
        "EMAIL_URL": f"smtp://127.0.0.1:{sink.port}",
        "EMAIL_LEASE_SECONDS": str(LEASE_SECONDS),
        "EMAIL_TASK_SECONDS": "10",
        "DEBUG": "false",
        "SECRET_KEY": "outbox-worker-kill-test-" + "k" * 40,
        "ALLOWED_HOSTS": "127.0.0.1",
        "LOG_FORMAT": "plain",
    }
    # This process plays the scheduler (retry_emails) with the workers' settings.
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "email"]}
    }
    settings.EMAIL_LEASE_SECONDS, settings.EMAIL_TASK_SECONDS = LEASE_SECONDS, 10
    use_smtp(settings, sink.port)
    emails = make_emails(TOTAL)
    services.enqueue_delivery()
    workers = [MailWorker(f"w{i}", env, tmp_path) for i in range(2)]
    for worker in workers:
        worker.start()

    started = time.monotonic()
    kill_at = [TOTAL * (k + 1) // (KILLS + 2) for k in range(KILLS)]  # 1000, 2000, 3000
    kills, in_flight, last_sweep = [], [], 0.0
    try:
        while True:
            received = sink.count()
            if len(kills) < KILLS and received >= kill_at[len(kills)]:
                victim = workers[len(kills) % 2]
                victim.kill()
                kills.append(received)
                in_flight.append(OutboxEmail.objects.filter(status=OutboxStatus.SENDING).count())
                victim.start()
            if time.monotonic() - last_sweep >= 1:
                call_command("retry_emails", stdout=io.StringIO())
                last_sweep = time.monotonic()
            if len(kills) == KILLS and received >= TOTAL:
                unsent = OutboxEmail.objects.exclude(status=OutboxStatus.SENT).count()
                if not unsent:
                    break
            elapsed = time.monotonic() - started
            assert elapsed < 150, (
                f"{received} of {TOTAL} received after {elapsed:.0f} s, kills at {kills}\n"
                + workers[0].logs()
            )
            time.sleep(0.05)
        elapsed = time.monotonic() - started
    finally:
        for worker in workers:
            worker.stop()
        sink.stop()

    received = collections.Counter(sink.message_ids())
    expected = {email.message_id for email in emails}
    # Nothing lost, nothing foreign: every email reached the SMTP server.
    assert set(received) == expected
    # Sent again: only what a killed worker had out and not yet recorded, at most two
    # messages per kill, and always under their own Message-ID.
    again = {mid: n - 1 for mid, n in received.items() if n > 1}
    assert sum(again.values()) <= 2 * KILLS, again
    attempts = dict(
        OutboxEmail.objects.filter(message_id__in=again).values_list("message_id", "attempts")
    )
    assert all(attempts[mid] >= 2 for mid in again)
    assert all(n > 0 for n in in_flight), in_flight  # each kill hit a worker while sending
    print(
        f"\n[chaos] {TOTAL} emails, {KILLS} SIGKILLs at {kills} received "
        f"({in_flight} claimed at each kill): all delivered in {elapsed:.1f} s "
        f"({TOTAL / elapsed:.0f} mails/s, 2 workers), {sum(again.values())} sent twice "
        "with the same Message-ID"
    )
