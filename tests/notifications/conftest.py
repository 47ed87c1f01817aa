import pytest

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
