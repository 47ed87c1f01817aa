import contextlib
import statistics
import time

import pytest
from django.core.cache import caches
from django.test import Client
from django.urls import reverse

from ecandidat.common import breaker
from ecandidat.referentials.importer import import_all
from ecandidat.referentials.models import Country
from ecandidat.sitemode import models as sitemode

# Application fixtures (a campaign, an open program, documents, questions, a candidate with a
# complete dossier), shared by the applications, review and browser tests.
from tests.applications.conftest import (
    campaign,  # noqa: F401
    candidate,  # noqa: F401
    document_types,  # noqa: F401
    program,  # noqa: F401
    questions,  # noqa: F401
)

# The identity providers (CAS, OIDC, SAML): real processes, started once per worker by the
# first test that asks (the sign-in tests and the browser tests).
from tests.sso.servers.fixtures import *  # noqa: F403


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Load the shipped reference data once into the test database."""
    with django_db_blocker.unblock():
        import_all(log=lambda *args: None)


@pytest.fixture
def referentials(db):
    """The reference data; reloaded when a transactional test flushed the tables."""
    if not Country.objects.exists():
        import_all(log=lambda *args: None)


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    # Uploaded files go to a throw-away directory, never to the demo's var/media.
    settings.MEDIA_ROOT = str(tmp_path / "media")
    # Tasks run in the test process, synchronously, as soon as they are enqueued.
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.SITE_URL = "http://testserver"
    settings.ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
    # Fast hashing for tests; the tuned hasher is measured on its own (test_hashing.py).
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.LANGUAGE_CODE = "en"
    # Invalid template variables fail loudly instead of rendering as empty strings.
    settings.TEMPLATES[0]["OPTIONS"]["string_if_invalid"] = InvalidVariable("%s")
    for each in caches.all():  # the rate-limit counters are in their own cache
        each.clear()
    breaker.reset()
    # The site mode is read from the cache on every request; in production it stays there
    # (forgotten only when switched), so the query budgets are measured with it cached:
    # normal. Switching it (sitemode.services.set_mode) forgets it as in production.
    caches["default"].set(sitemode.CACHE_KEY, sitemode.SiteMode(pk=1))
    yield
    for each in caches.all():
        # A test's own Redis may be gone by now (tests/faults): nothing left to clear.
        with contextlib.suppress(Exception):
            each.clear()
    breaker.reset()


class InvalidVariable(str):
    def __mod__(self, other):
        raise AssertionError(f"Undefined template variable: {other!r}")


@pytest.fixture
def run_on_commit(django_capture_on_commit_callbacks):
    """Run the on-commit callbacks (email delivery…) of the block, as a real commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


class Bench:
    """What a benchmark prints: its figure, and the same figure as a multiple of a trivial
    page (the public home page, anonymous) measured in the same run, so figures from
    machines of different speeds compare."""

    def __init__(self, capsys):
        # A client of its own: the benchmark's client may be signed in.
        self._client, self._capsys, self._trivial = Client(), capsys, None

    def trivial_seconds(self) -> float:
        if self._trivial is None:
            url = reverse("public:home")
            self._client.get(url)  # warm caches and templates
            timings = []
            for _ in range(21):
                started = time.perf_counter()
                self._client.get(url)
                timings.append(time.perf_counter() - started)
            self._trivial = statistics.median(timings)
        return self._trivial

    def report(self, label: str, seconds: float, detail: str = "") -> None:
        trivial = self.trivial_seconds()
        with self._capsys.disabled():
            print(
                f"\n[benchmark] {label}: {seconds * 1000:.0f} ms = {seconds / trivial:.0f}× "
                f"the trivial page ({trivial * 1000:.1f} ms){', ' + detail if detail else ''}"
            )


@pytest.fixture
def bench(capsys, db):
    return Bench(capsys)
