"""The volume the page benchmarks run on, and the table they print.

``make bench`` runs this directory on PostgreSQL with ``--reuse-db``: the first run builds
``BENCH_APPLICATIONS`` applications (100,000 by default, from 30 % as many candidates) with
``generate_volume`` into the test database and keeps it; the next runs find it there and
start measuring at once. Measurements are printed, never asserted.
"""

import os
import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from ecandidat.demo import volume

APPLICATIONS = int(os.environ.get("BENCH_APPLICATIONS", "100000"))
CANDIDATES = max(1, int(os.environ.get("BENCH_CANDIDATES", str(round(APPLICATIONS * 0.3)))))
REPEAT = int(os.environ.get("BENCH_REPEAT", "15"))
OUTPUT = Path(os.environ.get("BENCH_OUTPUT", "var/bench"))


@dataclass
class Figure:
    label: str
    timings: list[float]
    queries: int | None = None
    sql_ms: float | None = None
    note: str = ""
    captured: list = field(default_factory=list, repr=False)  # the queries of one request
    trivial: float | None = None  # p50 of the trivial page just before this one

    @property
    def p50(self) -> float:
        return statistics.median(self.timings)

    @property
    def p95(self) -> float:
        ordered = sorted(self.timings)
        return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


@dataclass
class Table:
    trivial: Figure | None = None
    rows: list[Figure] = field(default_factory=list)
    explains: list[str] = field(default_factory=list)

    def markdown(self) -> list[str]:
        lines = [
            f"{APPLICATIONS:,} applications, {CANDIDATES:,} candidates; Django test client, "
            f"{REPEAT} requests per page after a warm-up; ratio = p50 ÷ p50 of the trivial page "
            "timed just before the page",
            # Other work on the machine weighs on the figures: say how much there was.
            "load average at the end (1, 5, 15 min): "
            + ", ".join(f"{n:.1f}" for n in os.getloadavg()),
            "",
            "| page | p50 ms | p95 ms | × trivial | queries | SQL ms | note |",
            "|---|---:|---:|---:|---:|---:|---|",
        ]
        for row in [self.trivial, *self.rows] if self.trivial else self.rows:
            ratio = f"{row.p50 / row.trivial:.1f}" if row.trivial else ""
            lines.append(
                f"| {row.label} | {row.p50 * 1000:.1f} | {row.p95 * 1000:.1f} | {ratio} | "
                f"{'' if row.queries is None else row.queries} | "
                f"{'' if row.sql_ms is None else f'{row.sql_ms:.0f}'} | {row.note} |"
            )
        return lines


TABLE = Table()


def trivial_p50(repeat: int = 7) -> float:
    client, url = Client(), reverse("public:home")
    client.get(url)
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        client.get(url)
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)


def measure(client: Client, label: str, url: str, *, repeat: int = REPEAT, note="") -> Figure:
    """Time ``repeat`` GETs of ``url`` after one warm-up, then count the queries (and their
    time) of one more: counting records every query, which would weigh on the timings. The
    trivial page is timed again just before: on a shared machine the load changes during a
    run, and each ratio compares two figures taken under the same load."""
    local_trivial = trivial_p50()
    response = client.get(url)
    assert response.status_code == 200, (label, response.status_code)
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(url)
        timings.append(time.perf_counter() - started)
        assert response.status_code == 200, (label, response.status_code)
    with CaptureQueriesContext(connection) as captured:
        client.get(url)
    return Figure(
        label,
        timings,
        queries=len(captured),
        sql_ms=sum(float(q["time"]) for q in captured.captured_queries) * 1000,
        note=note,
        captured=captured.captured_queries,
        trivial=local_trivial,
    )


def record(figure: Figure, capsys) -> None:
    TABLE.rows.append(figure)
    base = figure.trivial or (TABLE.trivial.p50 if TABLE.trivial else None)
    figure.trivial = base
    with capsys.disabled():
        print(
            f"\n[benchmark] {figure.label}: p50 {figure.p50 * 1000:.1f} ms, p95 "
            f"{figure.p95 * 1000:.1f} ms"
            + (f" = {figure.p50 / base:.1f}× the trivial page" if base else "")
            + (f", {figure.queries} queries ({figure.sql_ms:.0f} ms SQL)" if figure.queries else "")
        )


@pytest.fixture(scope="session")
def volume_data(django_db_setup, django_db_blocker):
    """The generated volume, built once and kept by ``--reuse-db``."""
    if connection.vendor != "postgresql":
        pytest.skip("the volume benchmarks run on PostgreSQL: `make bench`")
    with django_db_blocker.unblock():
        volume.generate(
            candidates=CANDIDATES,
            applications=APPLICATIONS,
            log=lambda line: print(f"[volume] {line}", flush=True),
        )


@pytest.fixture
def trivial(volume_data, db, settings):
    """The anonymous public home page, measured once per run: the unit of the ratios."""
    # As in production: sessions in the cache (Redis there), staff with a second factor.
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cache"
    settings.STAFF_2FA_REQUIRED = True
    if TABLE.trivial is None:
        figure = measure(Client(), "trivial page (public home, anonymous)", reverse("public:home"))
        TABLE.trivial = figure
    return TABLE.trivial


def pytest_terminal_summary(terminalreporter):
    if TABLE.explains:
        OUTPUT.mkdir(parents=True, exist_ok=True)
        (OUTPUT / "explain.txt").write_text("\n\n".join(TABLE.explains) + "\n")
    if not TABLE.rows:
        return
    lines = TABLE.markdown()
    terminalreporter.section("benchmark: pages at volume")
    for line in lines:
        terminalreporter.write_line(line)
    OUTPUT.mkdir(parents=True, exist_ok=True)
    stamp = timezone.localtime().strftime("%Y-%m-%d %H:%M %Z")
    (OUTPUT / "pages.md").write_text(f"Measured {stamp}\n\n" + "\n".join(lines) + "\n")
    terminalreporter.write_line(f"(written to {OUTPUT}/pages.md)")
