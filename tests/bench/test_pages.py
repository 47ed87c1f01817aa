"""The pages of the issue's table at volume (issue #16), each as p50/p95 of the Django test
client in this process and as a multiple of the trivial page measured in the same run, with
its query count and SQL time. Printed and written to var/bench/, never asserted.

The test client runs the whole Django stack (middleware, sessions in the cache as Redis keeps
them in production, templates, DEBUG off) without a network or an application server: it
measures the application's own cost per request, on one core. Throughput under concurrency
is `make loadtest`'s (gunicorn, PostgreSQL, Redis)."""

import time

import pytest
from django.db import connection
from django.db.models import Count
from django.test import Client
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

import ecandidat.settings as project_settings
from ecandidat.accounts.models import User
from ecandidat.accounts.scope import scope_of
from ecandidat.applications.enums import DecisionKind
from ecandidat.demo import volume

from .conftest import REPEAT, TABLE, Figure, measure, record, trivial_p50

pytestmark = [pytest.mark.benchmark, pytest.mark.postgres]


def staff_client(login: str) -> Client:
    """A signed-in staff member; the central office with its second factor verified, as
    production requires (django-otp reads the device on every request)."""
    user = User.objects.get(username=login)
    client = Client()
    client.force_login(user)
    if scope_of(user).is_global:
        device, _created = TOTPDevice.objects.get_or_create(
            user=user, name="bench", defaults={"confirmed": True}
        )
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client


def busy_candidate():
    """A candidate with several applications this year, one of them decided."""
    applications = volume.generated_applications().filter(campaign__status="active")
    decided = applications.exclude(decision_kind="").values("candidate_id")
    row = (
        applications.filter(candidate_id__in=decided)
        .values("candidate_id")
        .annotate(n=Count("pk"))
        .order_by("-n", "candidate_id")
        .first()
    )
    return User.objects.get(pk=row["candidate_id"])


def common_last_name() -> str:
    row = (
        volume.generated_candidates()
        .values("last_name")
        .annotate(n=Count("pk"))
        .order_by("-n", "last_name")
        .first()
    )
    return row["last_name"][:5]


STAFF_PAGES = [
    ("staff list, default (central office)", "volume.central", "", REPEAT),
    ("staff list, sorted by name", "volume.central", "?sort=candidate__last_name", REPEAT),
    ("staff list, text search (part of a name)", "volume.central", "?q={name}", REPEAT),
    ("staff list, dossier number", "volume.central", "?q={number}", REPEAT),
    ("staff list, decision filter", "volume.central", "?decision=favourable", REPEAT),
    ("staff list, commission member (one commission)", "volume.member", "", REPEAT),
]


@pytest.mark.parametrize(("label", "login", "query", "repeat"), STAFF_PAGES)
def test_staff_application_list(trivial, capsys, label, login, query, repeat):
    number = volume.generated_candidates().order_by("username").last().username
    url = reverse("staff:applications") + query.format(name=common_last_name(), number=number)
    record(measure(staff_client(login), label, url, repeat=repeat), capsys)


def test_staff_home(trivial, capsys):
    record(
        measure(staff_client("volume.central"), "staff home", reverse("staff:dashboard")), capsys
    )


@pytest.mark.parametrize("by", ["program", "centre"])
def test_statistics(trivial, capsys, by):
    url = reverse("staff:applications_dashboard") + f"?by={by}"
    figure = measure(staff_client("volume.central"), f"statistics by {by}", url, repeat=7)
    record(figure, capsys)


def test_staff_application_page(trivial, capsys):
    # Decided by a person: the page's template reads a platform decision's missing author
    # as an invalid variable, which the test settings turn into an error.
    application = (
        volume.generated_applications()
        .filter(decision_kind=DecisionKind.FAVOURABLE)
        .exclude(decisions__entered_by__isnull=True)
        .first()
    )
    url = reverse("staff:application", args=[application.pk])
    record(measure(staff_client("volume.central"), "staff application page", url), capsys)


CANDIDATE_PAGES = [
    ("candidate home", "candidate:home", ""),
    ("candidate applications", "candidate:applications", ""),
    ("candidate personal information, edit form", "candidate:dossier_personal", "?edit=1"),
    ("candidate baccalaureate, edit form", "candidate:dossier_baccalaureate", "?edit=1"),
]


@pytest.mark.parametrize(("label", "name", "query"), CANDIDATE_PAGES)
def test_candidate_pages(trivial, capsys, label, name, query):
    client = Client()
    client.force_login(busy_candidate())
    record(measure(client, label, reverse(name) + query), capsys)


def test_candidate_application_with_a_decision(trivial, capsys):
    application = (
        volume.generated_applications()
        .filter(campaign__status="active", decision_kind=DecisionKind.FAVOURABLE, answer="")
        .first()
    )
    client = Client()
    client.force_login(application.candidate)
    url = reverse("candidate:application", args=[application.pk])
    record(measure(client, "candidate application with an offer", url), capsys)


def test_login(trivial, capsys, settings):
    """A candidate's login with the production password hasher (Argon2, tuned): the
    figure that bounds logins per second and per core."""
    settings.PASSWORD_HASHERS = project_settings.PASSWORD_HASHERS
    logins = list(
        volume.generated_candidates()
        .order_by("username")
        .values_list("username", flat=True)[: REPEAT + 1]
    )
    local_trivial = trivial_p50()
    timings = []
    for number in logins:
        client = Client()
        client.get(reverse("public:home"))
        started = time.perf_counter()
        response = client.post(
            reverse("public:home"), {"username": number, "password": volume.DEFAULT_PASSWORD}
        )
        timings.append(time.perf_counter() - started)
        assert response.status_code == 302, response.status_code
    figure = Figure("login (POST, Argon2)", timings[1:], trivial=local_trivial)
    figure.note = f"{1 / figure.p50:.0f} logins/s on one core"
    record(figure, capsys)


SLOW_PAGES = [
    ("staff list", "staff:applications", ""),
    ("staff list by name", "staff:applications", "?sort=candidate__last_name"),
    ("staff list, text search", "staff:applications", "?q={name}"),
    ("staff list, dossier number", "staff:applications", "?q={number}"),
    ("staff home", "staff:dashboard", ""),
    ("statistics", "staff:applications_dashboard", ""),
]


def test_explain_the_slowest_queries(trivial, capsys):
    """EXPLAIN (ANALYZE, BUFFERS) of the two slowest queries of the heavy staff pages, for
    docs/performance.md (written to var/bench/explain.txt)."""
    client = staff_client("volume.central")
    number = volume.generated_candidates().order_by("username").last().username
    for label, name, query in SLOW_PAGES:
        url = reverse(name) + query.format(name=common_last_name(), number=number)
        figure = measure(client, label, url, repeat=1)
        slowest = sorted(figure.captured, key=lambda q: float(q["time"]), reverse=True)[:2]
        for captured in slowest:
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + captured["sql"])
                plan = "\n".join(row[0] for row in cursor.fetchall())
            TABLE.explains.append(
                f"-- {label}: {float(captured['time']) * 1000:.0f} ms\n{captured['sql']}\n\n{plan}"
            )
    with capsys.disabled():
        print(f"\n[benchmark] {len(TABLE.explains)} query plans for var/bench/explain.txt")
