"""Uploads scanned by a real clamd, started here with an offline signature database."""

import io
import os
import shutil
import socket
import subprocess
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from ecandidat.applications import services
from ecandidat.applications.enums import DocumentStatus, ScanStatus
from ecandidat.applications.models import ApplicationDocument, CandidateFile
from ecandidat.audit.models import AuditEvent
from ecandidat.catalog.models import DocumentType
from ecandidat.files import antivirus
from ecandidat.files import storage as stored_files
from ecandidat.files.uploads import UploadRefused
from ecandidat.notifications.models import OutboxEmail
from ecandidat.www.staff.forms import DocumentTypeForm
from tests.factories import UserFactory
from tests.servers import wait_until

from .conftest import make_pdf

EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
CLAMD = shutil.which("clamd") or "/usr/sbin/clamd"
SIGTOOL = shutil.which("sigtool") or "/usr/bin/sigtool"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def clamd_url(tmp_path_factory):
    if not (Path(CLAMD).exists() and Path(SIGTOOL).exists()):
        if os.environ.get("CI"):
            pytest.fail("clamd is not installed (apt-get install clamav-daemon)")
        pytest.skip(
            "clamd is not installed (apt-get install clamav-daemon): antivirus tests skipped"
        )
    root = tmp_path_factory.mktemp("clamav")
    database = root / "db"
    database.mkdir()
    eicar = root / "eicar.com"
    eicar.write_bytes(EICAR)
    hdb = subprocess.run([SIGTOOL, "--md5", str(eicar)], capture_output=True, check=True, text=True)
    (database / "test.hdb").write_text(hdb.stdout)
    # A body signature also catches the test string inside another file (a PDF here).
    (database / "test.ndb").write_text(f"Eicar-Test-Body:0:*:{EICAR.hex()}\n")
    port = _free_port()
    config = root / "clamd.conf"
    config.write_text(
        f"DatabaseDirectory {database}\nTCPSocket {port}\nTCPAddr 127.0.0.1\nForeground yes\n"
        f"LogFile {root / 'clamd.log'}\n"
    )
    process = subprocess.Popen(
        [CLAMD, "-c", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    url = f"tcp://127.0.0.1:{port}"
    wait_until(
        lambda: antivirus.ping(url),
        process=process,
        timeout=60,
        what="clamd",
        log=lambda: (root / "clamd.log").read_text(errors="replace"),
    )
    yield url
    process.terminate()
    process.wait(timeout=10)


def test_clamd_answers(clamd_url):
    assert antivirus.ping(clamd_url)
    assert antivirus.scan_bytes(make_pdf(), clamd_url).infected is False
    found = antivirus.scan_bytes(EICAR, clamd_url)
    assert found.infected and found.signature


@pytest.mark.django_db
def test_a_pdf_carrying_eicar_is_refused_and_logged(
    clamd_url, settings, candidate, program, document_types
):
    settings.CLAMAV_URL = clamd_url
    application = services.apply(candidate=candidate, program=program, actor=candidate)
    infected_pdf = make_pdf() + b"\n%" + EICAR + b"\n"
    with pytest.raises(services.DocumentRefused, match="virus"):
        services.upload_document(
            application=application,
            document_type_id=document_types["letter"].pk,
            data=infected_pdf,
            filename="letter.pdf",
            actor=candidate,
        )
    assert not CandidateFile.objects.exists()
    assert AuditEvent.objects.filter(action="document.infected").exists()
    clean = services.upload_document(
        application=application,
        document_type_id=document_types["letter"].pk,
        data=make_pdf(),
        filename="letter.pdf",
        actor=candidate,
    )
    assert clean.file.scan_status == ScanStatus.CLEAN


@pytest.mark.django_db
@pytest.mark.parametrize(("policy", "stored"), [("refuse", False), ("accept", True)])
def test_unreachable_daemon_follows_the_policy(
    settings, candidate, program, document_types, policy, stored
):
    settings.CLAMAV_URL = f"tcp://127.0.0.1:{_free_port()}"
    settings.CLAMAV_UNAVAILABLE_POLICY = policy
    application = services.apply(candidate=candidate, program=program, actor=candidate)
    upload = lambda: services.upload_document(  # noqa: E731
        application=application,
        document_type_id=document_types["letter"].pk,
        data=make_pdf(),
        filename="letter.pdf",
        actor=candidate,
    )
    if stored:
        assert upload().file.scan_status == ScanStatus.PENDING
    else:
        with pytest.raises(services.DocumentRefused, match="unavailable"):
            upload()
        assert not CandidateFile.objects.exists()
    assert AuditEvent.objects.filter(action="document.scan_unavailable").exists()


@pytest.mark.django_db
def test_files_accepted_without_antivirus_are_rescanned_later_from_what_was_received(
    clamd_url, settings, candidate, program, document_types, django_capture_on_commit_callbacks
):
    """A PDF carrying EICAR outside its objects is refused when clamd is up; accepted during
    an outage, its rewritten copy no longer carries the string (the rewrite drops it), so
    the rescan checks the bytes received, kept until then."""

    settings.CLAMAV_URL = f"tcp://127.0.0.1:{_free_port()}"  # nobody listens
    settings.CLAMAV_UNAVAILABLE_POLICY = "accept"
    application = services.apply(candidate=candidate, program=program, actor=candidate)
    infected_pdf = make_pdf() + b"\n%" + EICAR + b"\n"
    uploaded = {
        key: services.upload_document(
            application=application,
            document_type_id=document_types[key].pk,
            data=data,
            filename=f"{key}.pdf",
            actor=candidate,
        ).file
        for key, data in (("letter", infected_pdf), ("cv", make_pdf()))
    }
    assert {f.scan_status for f in uploaded.values()} == {ScanStatus.PENDING}
    bad = uploaded["letter"]
    storage = bad.file.storage
    assert stored_files.read(storage, bad.received.name) == infected_pdf
    rewritten = stored_files.read(storage, bad.file.name)
    assert EICAR not in rewritten
    assert not antivirus.scan_bytes(rewritten, clamd_url).infected  # what the old rescan saw
    stored = [bad.file.name, bad.received.name]

    # Still no antivirus: nothing changes, nothing is lost.
    out = io.StringIO()
    call_command("rescan_documents", stdout=out)
    assert "2 still pending" in out.getvalue()
    assert CandidateFile.objects.filter(scan_status=ScanStatus.PENDING).count() == 2

    settings.CLAMAV_URL = clamd_url
    with django_capture_on_commit_callbacks(execute=True):
        assert services.rescan_pending_files() == {
            "clean": 1,
            "infected": 1,
            "missing": 0,
            "unreadable": 0,
            "pending": 0,
        }
    cv = CandidateFile.objects.get(pk=uploaded["cv"].pk)
    assert cv.scan_status == ScanStatus.CLEAN and not cv.received
    assert not storage.exists(uploaded["cv"].received.name)  # kept only until scanned
    assert not CandidateFile.objects.filter(pk=bad.pk).exists()
    assert not any(storage.exists(name) for name in stored)
    letter = ApplicationDocument.objects.get(
        application=application, document_type=document_types["letter"]
    )
    assert letter.file_id is None and letter.status == DocumentStatus.REFUSED
    assert "virus" in letter.comment
    assert AuditEvent.objects.filter(action="document.infected", target_id=str(application.pk))
    assert OutboxEmail.objects.filter(template="document_refused", recipient=candidate.email)


@pytest.mark.django_db
def test_only_files_awaiting_the_antivirus_keep_what_was_received(
    clamd_url, settings, candidate, program, document_types
):
    settings.CLAMAV_URL = clamd_url
    application = services.apply(candidate=candidate, program=program, actor=candidate)
    document = services.upload_document(
        application=application,
        document_type_id=document_types["letter"].pk,
        data=make_pdf(),
        filename="letter.pdf",
        actor=candidate,
    )
    assert document.file.scan_status == ScanStatus.CLEAN and not document.file.received
    assert os.listdir(settings.MEDIA_ROOT) == ["documents"]


@pytest.mark.django_db
def test_a_staff_template_carrying_eicar_is_refused(clamd_url, settings):
    settings.CLAMAV_URL = clamd_url
    office = UserFactory(staff=True, is_superuser=True)
    data = {"label_fr": "Modèle", "order": 1, "scope": "all", "treatment": "controlled"}
    infected = make_pdf() + b"\n%" + EICAR + b"\n"
    form = DocumentTypeForm(
        data, {"template": SimpleUploadedFile("modele.pdf", infected)}, user=office
    )
    assert not form.is_valid()
    assert "virus" in " ".join(form.errors["template"])
    assert not DocumentType.objects.exists()
    clean = DocumentTypeForm(
        data, {"template": SimpleUploadedFile("modele.pdf", make_pdf())}, user=office
    )
    assert clean.is_valid(), clean.errors


@pytest.mark.parametrize(
    ("scanner", "accept", "outcome", "called"),
    [
        (None, False, antivirus.NOT_SCANNED, []),
        (antivirus.ScanResult(False), False, antivirus.CLEAN, []),
        (antivirus.ScanResult(True, "Eicar-Signature"), True, "virus", ["infected"]),
        (antivirus.ScannerUnavailable("refused"), False, "unavailable", ["unavailable"]),
        (antivirus.ScannerUnavailable("refused"), True, antivirus.PENDING, ["unavailable"]),
    ],
)
def test_one_refusal_rule_for_every_file(monkeypatch, settings, scanner, accept, outcome, called):
    """antivirus.check, used by candidates' documents (policy from the settings, audited)
    and staff's files (always refused when clamd is down, logged)."""

    settings.CLAMAV_URL = "" if scanner is None else "tcp://127.0.0.1:1"

    def scan_bytes(data):
        if isinstance(scanner, Exception):
            raise scanner
        return scanner

    monkeypatch.setattr(antivirus, "scan_bytes", scan_bytes)
    calls = []
    check = lambda: antivirus.check(  # noqa: E731
        b"%PDF",
        accept_unavailable=accept,
        on_unavailable=lambda error: calls.append("unavailable"),
        on_infected=lambda signature: calls.append("infected"),
    )
    if outcome in ("virus", "unavailable"):
        with pytest.raises(UploadRefused, match=outcome):
            check()
    else:
        assert check() == outcome
    assert calls == called
