"""How long exports take, and the memory they hold, at volume (printed, never asserted).

``EXPORT_BENCH_APPLICATIONS`` applications (2,000 by default; 100,000 for issue 16's
figures) are made in bulk with every column filled, then exported with the 7 default
columns and with all of them, in CSV and XLSX: by the worker (what runs beyond
``EXPORT_SYNC_LIMIT`` rows) and, for CSV, streamed in the request. Run on PostgreSQL with a
database of your own::

    EXPORT_BENCH_APPLICATIONS=100000 DATABASE_URL=postgres://postgres@127.0.0.1:5432/NAME \\
        python -m pytest -m benchmark -s tests/exports/test_export_benchmark.py

CPU is this process's time, plus its PostgreSQL backend's when the server runs on this
machine: on a busy machine it tells more than the wall clock. Peak memory is the process's
peak resident set (Linux ``VmHWM``,
reset before each export), printed with its growth over the resident set at its start.
"""

import contextlib
import os
import time
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.db import connection
from django.urls import reverse

from ecandidat.accounts.enums import StaffRole
from ecandidat.applications.models import Application
from ecandidat.exports.columns import COLUMNS, DEFAULT_COLUMNS
from ecandidat.jobs import runner
from ecandidat.jobs import services as jobs
from ecandidat.jobs.models import BulkJob
from tests.factories import ProgramFactory, staff_with_role

from .volume import make_applications

APPLICATIONS = int(os.environ.get("EXPORT_BENCH_APPLICATIONS", "2000"))
_STATUS = Path("/proc/self/status")


def _rss_kib(field: str) -> int | None:
    if not _STATUS.exists():
        return None
    for line in _STATUS.read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return None


def _reset_peak() -> None:
    """Start the peak resident set again from the current one (Linux, ``clear_refs`` 5)."""
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def _server_cpu() -> float | None:
    """CPU seconds of this connection's PostgreSQL backend so far, when it runs on this
    machine (its /proc entry is readable); None otherwise."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _cpu(client: float, server_before: float | None) -> str:
    server = _server_cpu()
    if server is None or server_before is None:
        return f"CPU {client:.1f} s"
    return f"CPU {client:.1f} s + database {server - server_before:.1f} s"


def _memory(before_kib: int | None) -> str:
    peak = _rss_kib("VmHWM")
    if peak is None or before_kib is None:
        return "peak RSS not measured (no /proc)"
    return f"peak RSS {peak / 1024:.0f} MB (+{(peak - before_kib) / 1024:.0f} MB over the start)"


@pytest.mark.benchmark
def test_exports_at_volume(client, program, campaign, bench, monkeypatch):
    manager = staff_with_role(StaffRole.CENTRE_MANAGER, centre=program.centre)
    programs = [program, *(ProgramFactory(centre=program.centre) for _ in range(2))]
    started = time.perf_counter()
    make_applications(APPLICATIONS, programs=programs, campaign=campaign, staff=manager)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # what autovacuum does to tables filled in bulk
            # The web processes' statement timeout would cancel the check of the deferred
            # constraints of a million rows when the test's transaction ends.
            cursor.execute("SET statement_timeout = 0")
    ids = list(Application.objects.order_by("pk").values_list("pk", flat=True))
    print(f"\n[benchmark] {len(ids)} applications made in {time.perf_counter() - started:.0f} s")
    choices = {"7 default columns": DEFAULT_COLUMNS, "all columns": [c.key for c in COLUMNS]}
    for label, keys in choices.items():
        for fmt in ("csv", "xlsx"):
            job = BulkJob.objects.create(
                user=manager, action=f"export_{fmt}", params={"columns": keys}, application_ids=ids
            )
            _reset_peak()
            before = _rss_kib("VmRSS")
            server = _server_cpu()
            started, cpu = time.perf_counter(), time.process_time()
            runner.run_bulk(job.pk)
            elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
            job.refresh_from_db()
            assert job.status == BulkJob.Status.DONE, job.error
            size = default_storage.size(job.params["file"])
            bench.report(
                f"export of {len(ids)} applications, {label} ({len(keys)}), {fmt.upper()}, "
                "by the worker",
                elapsed,
                f"{_cpu(cpu, server)}, {size / 1e6:.1f} MB written, {_memory(before)}",
            )
            default_storage.delete(job.params["file"])

    # The request's streamed CSV (the worker's path beyond EXPORT_SYNC_LIMIT rows).
    monkeypatch.setattr(jobs, "EXPORT_SYNC_LIMIT", len(ids))
    client.force_login(manager)
    for label, keys in choices.items():
        url = (
            reverse("staff:applications_export", args=["csv"])
            + "?"
            + "&".join(f"columns={k}" for k in keys)
        )
        _reset_peak()
        before = _rss_kib("VmRSS")
        server = _server_cpu()
        started, cpu = time.perf_counter(), time.process_time()
        response = client.get(url)
        size = sum(len(chunk) for chunk in response.streaming_content)
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
        bench.report(
            f"export of {len(ids)} applications, {label} ({len(keys)}), CSV, streamed in the "
            "request",
            elapsed,
            f"{_cpu(cpu, server)}, {size / 1e6:.1f} MB sent, {_memory(before)}",
        )
