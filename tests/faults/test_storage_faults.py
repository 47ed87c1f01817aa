"""The document storage failing under the pages: full, read-only, a replaced file that cannot
be deleted, a file gone, a storage that cannot be read, an object storage that cannot be
reached. Each test counts the rows and the files on disk, and no page answers 500.

The faults are injected at the storage layer (``tests.faults.storages``): the suite may run
as root, for whom a read-only directory is still writable, so the chmod variant runs only for
another user.
"""

import io
import logging
import os
import stat
from datetime import timedelta

import pytest
from botocore.config import Config
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from PIL import Image
from pypdf import PdfReader

from ecandidat.accounts.enums import StaffRole
from ecandidat.applications import services
from ecandidat.applications.enums import ScanStatus
from ecandidat.applications.models import ApplicationDocument, CandidateFile
from ecandidat.audit.models import AuditEvent
from ecandidat.catalog.models import DocumentType
from ecandidat.decisions import services as decisions
from ecandidat.decisions.enums import DecisionKind
from ecandidat.files import antivirus
from tests.applications.conftest import make_pdf
from tests.decisions.test_decisions import received, type_of
from tests.directory.slapd import free_port
from tests.factories import UserFactory, staff_with_role

from .storages import (
    DiskFullStorage,
    ReadOnlyStorage,
    UndeletableStorage,
    UnreadableStorage,
    stored_files,
    use,
)

pytestmark = [pytest.mark.django_db, pytest.mark.chaos]


def noisy_jpeg(size=(300, 300)) -> bytes:
    """A photo-like JPEG: noise does not compress, so its re-encoded copy is ~100 KB."""
    out = io.BytesIO()
    Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3)).save(out, "JPEG")
    return out.getvalue()


@pytest.fixture
def web(client):
    """A client that gets the page a visitor gets when a view raises (the 500 page)."""
    client.raise_request_exception = False
    return client


@pytest.fixture
def application(candidate, program, document_types):
    application = services.apply(candidate=candidate, program=program, actor=candidate)
    services.upload_document(
        application=application,
        document_type_id=document_types["cv"].pk,
        data=noisy_jpeg(),
        filename="cv.jpg",
        actor=candidate,
    )
    return application


def _upload(web, application, document_type, data=None, name="letter.jpg"):
    return web.post(
        reverse("candidate:document_upload", args=[application.pk, document_type.pk]),
        {"file": SimpleUploadedFile(name, data or noisy_jpeg())},
    )


def _document(application, document_type):
    return ApplicationDocument.objects.get(application=application, document_type=document_type)


def _assert_try_again_next_to_the_field(response, application, document_type):
    assert response.status_code == 503
    page = response.content.decode()
    row = _document(application, document_type)
    # The application page again, the message under this document's upload field.
    assert f'id="file-{row.pk}-error"' in page
    assert "could not be saved because of a problem on our side" in page
    assert "try again" in page or "send the file again" in page


def test_disk_full_answers_try_again_and_leaves_no_partial_file(
    settings, web, application, document_types
):
    web.force_login(application.candidate)
    files_before = stored_files(settings.MEDIA_ROOT)
    rows_before = CandidateFile.objects.count()
    cv_before = _document(application, document_types["cv"]).file_id
    use(settings, DiskFullStorage, fill_after=24 * 1024)

    for key in ("letter", "cv"):  # a new document, and one replacing the stored one
        response = _upload(web, application, document_types[key])
        _assert_try_again_next_to_the_field(response, application, document_types[key])

    assert stored_files(settings.MEDIA_ROOT) == files_before  # no partial file
    assert CandidateFile.objects.count() == rows_before
    assert _document(application, document_types["cv"]).file_id == cv_before
    assert _document(application, document_types["letter"]).file_id is None


@pytest.mark.parametrize("how", ["storage", "chmod"])
def test_read_only_media_folder_answers_try_again(settings, web, application, document_types, how):
    web.force_login(application.candidate)
    files_before = stored_files(settings.MEDIA_ROOT)
    if how == "chmod":
        if os.geteuid() == 0:
            pytest.skip("root writes into a read-only directory: the storage variant covers it")
        for directory, _dirs, _files in os.walk(settings.MEDIA_ROOT):
            os.chmod(directory, stat.S_IRUSR | stat.S_IXUSR)
    else:
        use(settings, ReadOnlyStorage)
    try:
        response = _upload(web, application, document_types["letter"])
    finally:
        for directory, _dirs, _files in os.walk(settings.MEDIA_ROOT):
            os.chmod(directory, stat.S_IRWXU)
    _assert_try_again_next_to_the_field(response, application, document_types["letter"])
    assert stored_files(settings.MEDIA_ROOT) == files_before
    assert CandidateFile.objects.count() == 1


def test_object_storage_unreachable_answers_try_again(settings, web, application, document_types):
    web.force_login(application.candidate)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": "ecandidat",
                "endpoint_url": f"http://127.0.0.1:{free_port()}",  # nobody listens
                "access_key": "test",
                "secret_key": "test",
                "region_name": "us-east-1",
                "client_config": Config(
                    connect_timeout=1, retries={"max_attempts": 1, "mode": "standard"}
                ),
            },
        },
    }
    response = _upload(web, application, document_types["letter"])
    _assert_try_again_next_to_the_field(response, application, document_types["letter"])
    assert CandidateFile.objects.count() == 1


def test_a_replaced_file_that_cannot_be_deleted_is_swept_later(
    settings, web, application, document_types, django_capture_on_commit_callbacks, caplog
):
    web.force_login(application.candidate)
    old = _document(application, document_types["cv"]).file
    old_name = old.file.name
    use(settings, UndeletableStorage)
    with (
        caplog.at_level(logging.WARNING, logger="ecandidat.files.storage"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = _upload(web, application, document_types["cv"], name="new-cv.jpg")
    assert response.status_code == 302  # the upload is saved
    new = _document(application, document_types["cv"]).file
    assert new.pk != old.pk and new.original_name == "new-cv.jpg"
    assert not CandidateFile.objects.filter(pk=old.pk).exists()
    assert f"could not delete {old_name}" in caplog.text
    assert stored_files(settings.MEDIA_ROOT) == sorted([old_name, new.file.name])  # orphan

    # Within the grace period the sweep keeps it; after, it deletes it once it can.
    out = io.StringIO()
    call_command("sweep_orphan_files", stdout=out)
    assert "1 recent orphans kept, 0 orphans deleted" in out.getvalue()
    stamp = (timezone.now() - timedelta(days=2)).timestamp()
    os.utime(os.path.join(settings.MEDIA_ROOT, old_name), (stamp, stamp))
    call_command("sweep_orphan_files", stdout=out)
    assert "1 failed" in out.getvalue()  # still undeletable: tried again next run
    use(settings, DiskFullStorage)  # deletes work again
    out = io.StringIO()
    call_command("sweep_orphan_files", stdout=out)
    assert out.getvalue().strip() == (
        "2 files: 1 in use, 0 recent orphans kept, 1 orphans deleted, 0 failed."
    )
    assert stored_files(settings.MEDIA_ROOT) == [new.file.name]
    response = web.get(reverse("candidate:file", args=[new.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content)[:3] == b"\xff\xd8\xff"


def test_a_missing_file_gives_a_clear_404_and_a_pdf_that_names_it(
    settings, web, application, document_types
):
    candidate = application.candidate
    services.upload_document(
        application=application,
        document_type_id=document_types["letter"].pk,
        data=make_pdf(),
        filename="letter.pdf",
        actor=candidate,
    )
    cv = _document(application, document_types["cv"]).file
    os.remove(os.path.join(settings.MEDIA_ROOT, cv.file.name))  # lost behind our back
    staff = staff_with_role(StaffRole.CENTRE_MANAGER, centre=application.program.centre)

    for user, url in [
        (candidate, reverse("candidate:file", args=[cv.pk])),
        (staff, reverse("staff:candidate_file", args=[cv.pk])),
    ]:
        web.force_login(user)
        response = web.get(url)
        assert response.status_code == 404
        assert "can no longer be found" in response.content.decode()

    cv.refresh_from_db()
    assert cv.is_missing
    for user, url, says in [
        (candidate, reverse("candidate:application", args=[application.pk]), "upload it again"),
        (staff, reverse("staff:application", args=[application.pk]), "stored file missing"),
    ]:
        web.force_login(user)
        assert says in web.get(url).content.decode()
    flagged = AuditEvent.objects.filter(action="document.file_missing")
    assert flagged.count() == 1 and flagged.get().target_id == str(application.pk)

    for user, url in [
        (candidate, reverse("candidate:application_pdf", args=[application.pk])),
        (staff, reverse("staff:application_pdf", args=[application.pk])),
    ]:
        web.force_login(user)
        response = web.get(url)
        assert response.status_code == 200
        reader = PdfReader(io.BytesIO(response.content))
        text = " ".join(page.extract_text() for page in reader.pages).replace("\n", " ")
        assert "One document is not included" in text
        assert "CV (cv.jpg)" in text
        assert len(reader.pages) == 2  # the summary, then the letter that is there
    assert flagged.count() == 1  # flagged once, however often it is asked for


def test_an_unreadable_storage_answers_try_again_on_downloads(
    settings, web, application, document_types
):
    cv = _document(application, document_types["cv"]).file
    web.force_login(application.candidate)
    use(settings, UnreadableStorage)
    for url in (
        reverse("candidate:file", args=[cv.pk]),
        reverse("candidate:application_pdf", args=[application.pk]),
    ):
        response = web.get(url)
        assert response.status_code == 503
        assert response["Retry-After"]
        assert "try again in a few minutes" in response.content.decode()
    cv.refresh_from_db()
    assert not cv.is_missing  # unreadable is not lost


def test_the_rescan_skips_and_flags_a_missing_file_and_scans_the_others(
    settings, monkeypatch, candidate, program, document_types, django_capture_on_commit_callbacks
):
    settings.CLAMAV_URL = f"tcp://127.0.0.1:{free_port()}"  # clamd down at upload time
    settings.CLAMAV_UNAVAILABLE_POLICY = "accept"
    application = services.apply(candidate=candidate, program=program, actor=candidate)
    sent = {}
    for key in ("cv", "letter", "language"):  # the first one uploaded goes missing
        sent[key] = make_pdf() + f"\n% sent as {key}\n".encode()
        services.upload_document(
            application=application,
            document_type_id=document_types[key].pk,
            data=sent[key],
            filename=f"{key}.pdf",
            actor=candidate,
        )
    files = {key: _document(application, document_types[key]).file for key in sent}
    assert {f.scan_status for f in files.values()} == {ScanStatus.PENDING}
    received = [os.path.join(settings.MEDIA_ROOT, f.received.name) for f in files.values()]
    assert all(os.path.exists(path) for path in received)
    os.remove(received[0])  # the CV is lost: what was received and its rewritten copy
    os.remove(os.path.join(settings.MEDIA_ROOT, files["cv"].file.name))

    scanned = []

    def scan_bytes(data):
        scanned.append(data)
        return antivirus.ScanResult(False)

    monkeypatch.setattr(antivirus, "scan_bytes", scan_bytes)
    with django_capture_on_commit_callbacks(execute=True):
        counts = services.rescan_pending_files()
    assert counts == {"clean": 2, "infected": 0, "missing": 1, "unreadable": 0, "pending": 1}
    # What was received was scanned, not the rewritten copy (which has lost the comment).
    assert scanned == [sent["letter"], sent["language"]]
    for key in ("letter", "language"):
        files[key].refresh_from_db()
        assert files[key].scan_status == ScanStatus.CLEAN and not files[key].received
    assert not any(os.path.exists(path) for path in received)  # received copies deleted
    files["cv"].refresh_from_db()
    assert files["cv"].is_missing and files["cv"].scan_status == ScanStatus.PENDING

    out = io.StringIO()
    call_command("rescan_documents", stdout=out)
    assert "1 missing from the storage (flagged)" in out.getvalue()
    assert AuditEvent.objects.filter(action="document.file_missing").count() == 1


@pytest.mark.parametrize("backend", [DiskFullStorage, ReadOnlyStorage])
def test_a_staff_template_upload_on_a_failing_storage_answers_try_again(
    settings, web, referentials, backend
):
    settings.STAFF_2FA_REQUIRED = False
    office = UserFactory(staff=True, is_superuser=True)
    web.force_login(office)
    use(settings, backend, **({"fill_after": 1024} if backend is DiskFullStorage else {}))
    data = {"label_fr": "Modèle", "order": 1, "in_service": "on", "scope": "all"}
    url = reverse("staff:resource_new", args=["document-types"])
    response = web.post(url, {**data, "template": SimpleUploadedFile("m.jpg", noisy_jpeg())})
    assert response.status_code == 200
    assert "could not be saved because of a problem on our side" in response.content.decode()
    assert not DocumentType.objects.exists()
    assert stored_files(settings.MEDIA_ROOT) == []

    use(settings, DiskFullStorage, fill_after=10**9)  # the disk has room again
    response = web.post(url, {**data, "template": SimpleUploadedFile("m.jpg", noisy_jpeg())})
    assert response.status_code == 302
    template = DocumentType.objects.get().template
    assert stored_files(settings.MEDIA_ROOT) == [template.name]
    assert template.name.startswith("templates/m")


def test_a_letter_whose_signature_image_is_gone_is_made_unsigned(
    settings, web, program, campaign, caplog
):
    commission = program.commission
    commission.signatory_name = "La présidente du jury"
    commission.signature = "signatures/gone.png"  # the row says so, the storage has nothing
    commission.save()
    (application,) = received(program, campaign)
    manager = staff_with_role(StaffRole.CENTRE_MANAGER, centre=program.centre)
    decision = decisions.enter_decision(
        application_id=application.pk,
        decision_type=type_of(DecisionKind.FAVOURABLE),
        user=manager,
    )
    decisions.validate_decision(decision_id=decision.pk, user=manager)
    web.force_login(manager)
    url = reverse("staff:application_letter", args=[application.pk])
    response = web.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert (
        "La présidente du jury" in PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
    )
    assert "signature image missing" in caplog.text

    use(settings, UnreadableStorage)
    response = web.get(url)
    assert response.status_code == 503
    assert "try again in a few minutes" in response.content.decode()


def test_a_damaged_stored_file_is_left_out_of_the_pdf_and_named(
    settings, web, application, document_types
):
    cv = _document(application, document_types["cv"]).file
    with open(os.path.join(settings.MEDIA_ROOT, cv.file.name), "wb") as handle:
        handle.write(b"\xff\xd8\xff not a JPEG any more")  # bit rot, a bad restore
    web.force_login(application.candidate)
    response = web.get(reverse("candidate:application_pdf", args=[application.pk]))
    assert response.status_code == 200
    reader = PdfReader(io.BytesIO(response.content))
    text = " ".join(page.extract_text() for page in reader.pages).replace("\n", " ")
    assert "CV (cv.jpg)" in text and "cannot be opened" in text
    assert len(reader.pages) == 1
