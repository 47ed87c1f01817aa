import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _test_settings(settings):
    # Tasks run in the test process, synchronously, as soon as they are enqueued.
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.SITE_URL = "http://testserver"
    settings.ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
    # Fast hashing for tests; the tuned hasher is measured on its own (test_hashing.py).
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.LANGUAGE_CODE = "en"
    # Invalid template variables fail loudly instead of rendering as empty strings.
    settings.TEMPLATES[0]["OPTIONS"]["string_if_invalid"] = InvalidVariable("%s")
    cache.clear()
    yield
    cache.clear()


class InvalidVariable(str):
    def __mod__(self, other):
        raise AssertionError(f"Undefined template variable: {other!r}")


@pytest.fixture
def run_on_commit(django_capture_on_commit_callbacks):
    """Run the on-commit callbacks (email delivery…) of the block, as a real commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)
