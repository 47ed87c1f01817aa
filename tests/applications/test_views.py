import io
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pypdf import PdfReader

from ecandidat.accounts.enums import StaffRole
from ecandidat.applications import services
from ecandidat.applications.enums import FileStatus
from ecandidat.applications.models import Application
from ecandidat.applications.pdf import application_pdf
from ecandidat.audit.models import AuditEvent
from tests.factories import CentreFactory, ProgramFactory, UserFactory, staff_with_role

from .conftest import make_image, make_pdf

pytestmark = pytest.mark.django_db


@pytest.fixture
def application(candidate, program, document_types, questions):
    application = services.apply(candidate=candidate, program=program, actor=candidate)
    services.upload_document(
        application=application,
        document_type_id=document_types["cv"].pk,
        data=make_pdf(2),
        filename="cv.pdf",
        actor=candidate,
    )
    services.upload_document(
        application=application,
        document_type_id=document_types["letter"].pk,
        data=make_image(),
        filename="letter.jpg",
        actor=candidate,
    )
    return application


def test_apply_from_the_offer_tree(client, candidate, program, document_types):
    client.force_login(candidate)
    tree = client.get(reverse("public:programs")).content.decode()
    assert reverse("candidate:apply", args=[program.pk]) in tree
    response = client.post(reverse("candidate:apply", args=[program.pk]))
    application = Application.objects.get()
    assert response["Location"] == reverse("candidate:application", args=[application.pk])
    again = client.post(reverse("candidate:apply", args=[program.pk]))
    assert again.status_code == 409 and "already applied" in again.content.decode()


def test_upload_through_the_page_and_refusal_message(client, application, document_types):
    client.force_login(application.candidate)
    url = reverse("candidate:document_upload", args=[application.pk, document_types["letter"].pk])

    response = client.post(url, {"file": SimpleUploadedFile("fake.pdf", b"not a pdf")}, follow=True)
    assert "Only PDF, JPEG and PNG files are accepted." in response.content.decode()


def test_pdf_of_the_file_contains_the_documents(client, application):
    client.force_login(application.candidate)
    response = client.get(reverse("candidate:application_pdf", args=[application.pk]))
    assert response["Content-Type"] == "application/pdf"
    pages = len(PdfReader(io.BytesIO(response.content)).pages)
    assert pages >= 1 + 2 + 1  # summary, the 2-page CV, the image


@pytest.mark.benchmark
def test_pdf_generation_time(application, bench):
    started = time.perf_counter()
    application_pdf(application, "fr")
    bench.report("application PDF", time.perf_counter() - started)


def _urls(application):
    file_id = application.documents.exclude(file=None).first().file_id
    return {
        "page": reverse("candidate:application", args=[application.pk]),
        "pdf": reverse("candidate:application_pdf", args=[application.pk]),
        "file": reverse("candidate:file", args=[file_id]),
        "submit": reverse("candidate:submit", args=[application.pk]),
        "cancel": reverse("candidate:cancel", args=[application.pk]),
        "staff pdf": reverse("staff:application_pdf", args=[application.pk]),
        "staff file": reverse("staff:candidate_file", args=[file_id]),
    }


@pytest.mark.parametrize(
    "persona", ["owner", "other candidate", "staff in scope", "staff out of scope"]
)
def test_three_personas_on_document_and_pdf_urls(client, application, persona):
    people = {
        "owner": application.candidate,
        "other candidate": UserFactory(),
        "staff in scope": staff_with_role(
            StaffRole.CENTRE_MANAGER, centre=application.program.centre
        ),
        "staff out of scope": staff_with_role(StaffRole.CENTRE_MANAGER, centre=CentreFactory()),
    }
    client.force_login(people[persona])
    for name, url in _urls(application).items():
        response = client.get(url)
        status = response.status_code
        if response.streaming:
            # Consuming the stream lets the test client close the file safely.
            b"".join(response.streaming_content)
        is_staff_url = name.startswith("staff")
        if persona == "owner":
            expected = 404 if is_staff_url else 200
        elif persona == "staff in scope":
            expected = 200 if is_staff_url else 404
        else:
            expected = 404
        assert status == expected, f"{persona} {name}"


def _count(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx)


def test_list_and_detail_query_counts_are_constant(
    client, application, program, document_types, questions
):
    candidate = application.candidate
    client.force_login(candidate)
    # The sidebar's dossier summary is cached: warm it so both measures count the same work.
    _count(client, reverse("candidate:applications"))
    list_before = _count(client, reverse("candidate:applications"))
    detail_before = _count(client, reverse("candidate:application", args=[application.pk]))
    for _ in range(5):
        services.apply(
            candidate=candidate,
            program=ProgramFactory(opens_at=program.opens_at, closes_at=program.closes_at),
            actor=candidate,
        )
    _count(client, reverse("candidate:applications"))
    assert _count(client, reverse("candidate:applications")) == list_before
    assert _count(client, reverse("candidate:application", args=[application.pk])) == detail_before


def test_submit_page_confirms_then_transmits(client, application, document_types, questions):
    client.force_login(application.candidate)
    services.declare_not_concerned(
        application=application,
        document_type_id=document_types["language"].pk,
        actor=application.candidate,
    )
    response = client.get(reverse("candidate:submit", args=[application.pk]))
    assert "Question" in response.content.decode()
    client.post(
        reverse("candidate:answers", args=[application.pk]),
        {f"q{questions['yes_no'].pk}": "yes", f"q{questions['text'].pk}": "My plan"},
    )
    response = client.get(reverse("candidate:submit", args=[application.pk]))
    assert (
        "irreversible" in response.content.decode()
        or "no longer be changed" in response.content.decode()
    )
    client.post(reverse("candidate:submit", args=[application.pk]))
    assert Application.objects.get(pk=application.pk).file_status == FileStatus.RECEIVED


def test_candidate_manager_applies_on_behalf(client, candidate, program, document_types):
    manager = staff_with_role(StaffRole.CANDIDATE_MANAGER)
    client.force_login(manager)
    url = reverse("staff:apply_for_candidate", args=[candidate.dossier_number])
    assert program.label in client.get(url).content.decode()
    response = client.post(url, {"program": program.pk})
    assert response.status_code == 302
    application = Application.objects.get(candidate=candidate)
    assert application.created_by == manager

    assert AuditEvent.objects.get(action="application.created").actor == manager
    again = client.post(url, {"program": program.pk})
    assert "already applied" in again.content.decode()


def test_only_candidate_managers_apply_on_behalf(client, candidate):
    client.force_login(
        staff_with_role(StaffRole.COMMISSION_MEMBER, commission=ProgramFactory().commission)
    )
    url = reverse("staff:apply_for_candidate", args=[candidate.dossier_number])
    assert client.get(url).status_code == 404


def test_answers_are_saved_as_the_candidate_types(client, application, questions):
    client.force_login(application.candidate)
    response = client.post(
        reverse("candidate:answers", args=[application.pk]),
        {f"q{questions['text'].pk}": "Half a sentence"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 204
    assert application.answers.get(question=questions["text"]).text == "Half a sentence"
