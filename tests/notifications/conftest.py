import pytest

from ecandidat.notifications.models import OutboxEmail

from .smtp_sink import SmtpSink, use_smtp


@pytest.fixture
def smtp(settings):
    """A real SMTP server on 127.0.0.1, and Django's SMTP backend pointed at it."""
    sink = SmtpSink().start()
    use_smtp(settings, sink.port)
    yield sink
    sink.stop()


@pytest.fixture
def database_tasks(settings):
    """The task backend of production (django-tasks-db), instead of the tests' immediate
    one: queued tasks are rows, run by nobody unless the test runs them."""
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "email"]}
    }


def make_emails(count: int, **fields) -> list[OutboxEmail]:
    """Outbox rows as ``send_email`` stores them, without rendering each one."""
    rows = []
    for i in range(count):
        values = {
            "template": "password_changed",
            "language": "fr",
            "recipient": f"candidat{i}@example.org",
            "subject": f"Votre mot de passe eCandidat a été modifié ({i})",
            "body_text": f"Bonjour Élodie n°{i},\n\nVotre mot de passe a été modifié.\n",
            "body_html": f'<html lang="fr"><body><p>Bonjour Élodie n°{i}</p></body></html>',
        }
        rows.append(OutboxEmail(**{**values, **fields}))
    return OutboxEmail.objects.bulk_create(rows, batch_size=1000)
