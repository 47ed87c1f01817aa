"""scripts/backup.sh and scripts/restore_drill.sh for real, on PostgreSQL: the test
database (reference data and a candidate's application with its documents) backed up,
restored into a fresh database by the drill, counts and documents checked; a damaged or
inconsistent backup fails the drill; documents on local disk or in S3 (SeaweedFS), the S3
copy incremental between backups."""

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from ecandidat.applications import services
from ecandidat.applications.models import Application, CandidateFile
from tests.applications.conftest import make_image, make_pdf
from tests.scaleout.stack import BUCKET, Stack
from tests.scaleout.test_two_servers import database_url
from tests.servers import unavailable

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _postgres_and_its_client():
    if connection.vendor != "postgresql":
        pytest.skip("pg_dump and pg_restore: PostgreSQL only")
    for name in ("pg_dump", "pg_restore", "psql"):
        if subprocess.run(["which", name], capture_output=True).returncode:
            unavailable(f"{name} is not installed (Debian package postgresql-client)")


@pytest.fixture
def application(candidate, program, document_types):
    application = services.apply(candidate=candidate, program=program, actor=candidate)
    for key, data in [("cv", make_pdf()), ("letter", make_image())]:
        services.upload_document(
            application=application,
            document_type_id=document_types[key].pk,
            data=data,
            filename=key,
            actor=candidate,
        )
    return application


def run(script: str, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [str(ROOT / "scripts" / script), *args],
        env={
            "PATH": os.environ["PATH"],
            "DATABASE_URL": database_url(connection.settings_dict),
            "PYTHON": sys.executable,
            **(env or {}),
        },
        capture_output=True,
        text=True,
        timeout=600,
    )
    print(result.stdout, result.stderr)
    return result


def only_backup(destination: Path) -> Path:
    [backup] = [p for p in destination.iterdir() if p.name.startswith("ecandidat-")]
    return backup


def drill_databases() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT datname FROM pg_database WHERE datname LIKE %s", ["%\\_drill\\_%"])
        return [row[0] for row in cursor.fetchall()]


def test_a_backup_restores_into_a_fresh_database_with_every_row(application, tmp_path):
    result = run("backup.sh", str(tmp_path), env={"MEDIA_ROOT": settings.MEDIA_ROOT})
    assert result.returncode == 0, result.stderr
    backup = only_backup(tmp_path)
    assert sorted(p.name for p in backup.iterdir()) == [
        "SHA256SUMS",
        "database.dump",
        "media.tar",
        "row-counts.tsv",
    ]
    counts = dict(
        line.split("\t") for line in (backup / "row-counts.tsv").read_text().split("\n") if line
    )
    assert counts["public.applications_application"] == str(Application.objects.count()) == "1"
    assert counts["public.applications_candidatefile"] == str(CandidateFile.objects.count())
    assert int(counts["public.referentials_commune"]) > 30_000
    listed = subprocess.run(["tar", "-tf", backup / "media.tar"], capture_output=True, text=True)
    assert len([n for n in listed.stdout.split() if not n.endswith("/")]) == 2

    drill = run("restore_drill.sh", str(backup))
    assert drill.returncode == 0, drill.stderr
    assert "every count as at backup time" in drill.stdout
    assert "2 documents present" in drill.stdout and "drill: OK in" in drill.stdout
    assert drill_databases() == []  # the drill database is dropped


def test_the_drill_fails_on_a_damaged_or_inconsistent_backup(application, tmp_path):
    assert run("backup.sh", str(tmp_path), env={"MEDIA_ROOT": settings.MEDIA_ROOT}).returncode == 0
    backup = only_backup(tmp_path)

    # A byte changed in the dump: refused before anything is restored.
    dump = backup / "database.dump"
    original = dump.read_bytes()
    dump.write_bytes(original[:-1] + bytes([original[-1] ^ 1]))
    damaged = run("restore_drill.sh", str(backup))
    assert damaged.returncode != 0 and "FAILED" in damaged.stderr
    dump.write_bytes(original)

    # Counts that do not match what is restored (checksums made to agree): the table named.
    counts = backup / "row-counts.tsv"
    counts.write_text(
        counts.read_text().replace(
            "public.applications_application\t1", "public.applications_application\t2"
        )
    )
    (backup / "SHA256SUMS").write_text(
        "".join(
            f"{hashlib.sha256((backup / name).read_bytes()).hexdigest()}  {name}\n"
            for name in ("database.dump", "row-counts.tsv", "media.tar")
        )
    )
    inconsistent = run("restore_drill.sh", str(backup))
    assert inconsistent.returncode != 0
    assert "public.applications_application: 2 at backup, 1 restored" in inconsistent.stderr
    assert drill_databases() == []


@pytest.fixture(scope="module")
def s3(tmp_path_factory):
    if connection.vendor != "postgresql":
        pytest.skip("pg_dump and pg_restore: PostgreSQL only")
    stack = Stack(tmp_path_factory.mktemp("backup-s3"), database_url="")
    try:
        stack.start_s3()
        yield stack
    finally:
        stack.stop()


def test_documents_in_s3_are_copied_incrementally_and_checked(s3, db, tmp_path):
    for n in range(3):
        s3.s3.put_object(
            Bucket=BUCKET, Key=f"documents/{n:02x}/file{n}", Body=f"document {n}".encode()
        )
    env = {
        "S3_BUCKET": BUCKET,
        "S3_ENDPOINT_URL": s3.s3_endpoint,
        "S3_ACCESS_KEY": "test",
        "S3_SECRET_KEY": "test",
        "S3_REGION": "us-east-1",
    }
    first = run("backup.sh", str(tmp_path), env=env)
    assert first.returncode == 0, first.stderr
    assert "3 objects, 3 copied" in first.stdout
    backup = only_backup(tmp_path)
    assert (backup / "media" / "documents" / "01" / "file1").read_bytes() == b"document 1"
    assert len((backup / "media.tsv").read_text().splitlines()) == 3

    s3.s3.put_object(Bucket=BUCKET, Key="documents/03/file3", Body=b"document 3")
    older = backup.rename(tmp_path / "older")  # two backups could be named the same second
    second = run("backup.sh", str(tmp_path), env=env)
    assert second.returncode == 0, second.stderr
    assert "4 objects, 1 copied" in second.stdout  # only the new document downloaded
    newer = only_backup(tmp_path)
    # The unchanged documents are the same file in both backups (hard links), not copies.
    unchanged = Path("media") / "documents" / "01" / "file1"
    assert (newer / unchanged).stat().st_ino == (older / unchanged).stat().st_ino

    drill = run("restore_drill.sh", str(newer))
    assert drill.returncode == 0, drill.stderr
    assert "4 documents present" in drill.stdout
    (newer / "media" / "documents" / "02" / "file2").unlink()
    missing = run("restore_drill.sh", str(newer))
    assert missing.returncode != 0 and "documents/02/file2" in missing.stderr
