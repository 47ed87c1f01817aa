from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from ecandidat.applications import services
from ecandidat.applications.enums import DocumentStatus, FileStatus
from ecandidat.applications.models import Application, ApplicationDocument, CandidateFile
from ecandidat.audit.models import AuditEvent
from ecandidat.catalog.models import InstitutionSettings
from ecandidat.dossier.models import PersonalInformation
from ecandidat.notifications.models import OutboxEmail
from tests.factories import ProgramFactory, UserFactory

from .conftest import complete_dossier, make_image, make_pdf

pytestmark = pytest.mark.django_db


def upload(application, document_type, data=None, actor=None):
    return services.upload_document(
        application=application,
        document_type_id=document_type.pk,
        data=data or make_pdf(),
        filename="file.pdf",
        actor=actor or application.candidate,
    )


def ready(application, document_types, questions):
    upload(application, document_types["cv"])
    upload(application, document_types["letter"], make_image())
    services.declare_not_concerned(
        application=application,
        document_type_id=document_types["language"].pk,
        actor=application.candidate,
    )
    services.save_answers(
        application=application,
        answers={
            questions["yes_no"].pk: {"yes_no": False, "text": "", "not_concerned": False},
            questions["text"].pk: {"yes_no": None, "text": "Data engineer", "not_concerned": False},
        },
        actor=application.candidate,
    )


def codes(candidate, program):
    return {r.code for r in services.apply_refusals(candidate, program)}


def test_apply_creates_the_documents_and_emails(candidate, program, document_types):
    application = services.apply(candidate=candidate, program=program, actor=candidate)
    assert application.file_status == FileStatus.WAITING
    assert application.documents.count() == 3
    assert OutboxEmail.objects.filter(template="application_created").exists()
    assert AuditEvent.objects.filter(action="application.created").exists()


def test_apply_refusals(candidate, program, referentials):
    incomplete = UserFactory()
    assert {"missing_personal", "missing_address", "missing_baccalaureate"} <= codes(
        incomplete, program
    )
    services.apply(candidate=candidate, program=program, actor=candidate)
    assert "duplicate" in codes(candidate, program)
    program.in_service = False
    assert "out_of_service" in codes(candidate, program)
    program.in_service = True
    program.closes_at = timezone.now() - timedelta(seconds=1)
    assert "closed" in codes(candidate, program)


def test_ine_required_for_french_nationals(program, referentials):
    french = UserFactory()
    complete_dossier(french, nationality="FR")
    assert "missing_ine" in codes(french, program)
    PersonalInformation.objects.filter(user=french).update(ine="1234567890V")
    assert "missing_ine" not in codes(french, program)
    InstitutionSettings.objects.update_or_create(pk=1, defaults={"ine_required_for_french": False})
    PersonalInformation.objects.filter(user=french).update(ine="")
    assert "missing_ine" not in codes(french, program)


def test_limits_institution_wide_and_per_centre(candidate, program):
    InstitutionSettings.objects.update_or_create(pk=1, defaults={"max_applications": 2})
    services.apply(candidate=candidate, program=program, actor=candidate)
    other = ProgramFactory(
        centre=program.centre, opens_at=program.opens_at, closes_at=program.closes_at
    )
    program.centre.max_applications = 1
    program.centre.save()
    assert "centre_limit" in codes(candidate, other)
    elsewhere = ProgramFactory(opens_at=program.opens_at, closes_at=program.closes_at)
    services.apply(candidate=candidate, program=elsewhere, actor=candidate)
    third = ProgramFactory(opens_at=program.opens_at, closes_at=program.closes_at)
    assert "limit" in codes(candidate, third)


def test_submit_needs_everything_then_happens_once(candidate, program, document_types, questions):
    application = services.apply(candidate=candidate, program=program, actor=candidate)
    with pytest.raises(services.SubmitRefused) as refused:
        services.submit(application_id=application.pk, actor=candidate)
    assert len(refused.value.messages) == 5  # 3 documents, 2 questions
    ready(application, document_types, questions)
    services.submit(application_id=application.pk, actor=candidate)
    services.submit(application_id=application.pk, actor=candidate)  # double click
    application.refresh_from_db()
    assert application.file_status == FileStatus.RECEIVED and application.submitted_at
    assert AuditEvent.objects.filter(action="application.submitted").count() == 1
    assert OutboxEmail.objects.filter(template="application_submitted").count() == 1
    with pytest.raises(services.DocumentRefused):
        upload(application, document_types["letter"])


@pytest.mark.parametrize(("offset", "accepted"), [(-1, True), (1, False)])
def test_return_deadline_edges(candidate, program, document_types, questions, offset, accepted):
    application = services.apply(candidate=candidate, program=program, actor=candidate)
    ready(application, document_types, questions)
    moment = program.return_deadline + timedelta(seconds=offset)
    if accepted:
        services.submit(application_id=application.pk, actor=candidate, now=moment)
        assert Application.objects.get(pk=application.pk).file_status == FileStatus.RECEIVED
    else:
        with pytest.raises(services.SubmitRefused):
            services.submit(application_id=application.pk, actor=candidate, now=moment)
        with time_machine.travel(moment), pytest.raises(services.DocumentRefused):
            upload(application, document_types["letter"])


def test_a_common_document_serves_every_application(candidate, program, document_types):
    first = services.apply(candidate=candidate, program=program, actor=candidate)
    upload(first, document_types["cv"])
    second_program = ProgramFactory(opens_at=program.opens_at, closes_at=program.closes_at)
    second = services.apply(candidate=candidate, program=second_program, actor=candidate)
    cv = second.documents.get(document_type=document_types["cv"])
    assert (
        cv.status == DocumentStatus.SUBMITTED
        and cv.file == first.documents.get(document_type=document_types["cv"]).file
    )
    assert CandidateFile.objects.count() == 1


def test_cancelling_never_removes_a_document_another_submitted_application_uses(
    candidate, program, document_types, questions
):
    """eCandidat issue #37."""
    submitted = services.apply(candidate=candidate, program=program, actor=candidate)
    ready(submitted, document_types, questions)
    services.submit(application_id=submitted.pk, actor=candidate)
    other = services.apply(
        candidate=candidate,
        program=ProgramFactory(opens_at=program.opens_at, closes_at=program.closes_at),
        actor=candidate,
    )
    upload(other, document_types["letter"])  # unique to `other`
    shared = submitted.documents.get(document_type=document_types["cv"]).file
    assert other.documents.get(document_type=document_types["cv"]).file == shared
    services.remove_document(
        application=other, document_type_id=document_types["cv"].pk, actor=candidate
    )
    services.cancel(application_id=other.pk, actor=candidate)
    assert Application.objects.get(pk=other.pk).file_status == FileStatus.CANCELLED
    assert CandidateFile.objects.filter(pk=shared.pk).exists()
    assert shared.file.storage.exists(shared.file.name)
    assert (
        ApplicationDocument.objects.get(
            application=submitted, document_type=document_types["cv"]
        ).file
        == shared
    )
    assert CandidateFile.objects.count() == 2  # the shared CV and the submitted letter
    assert OutboxEmail.objects.filter(template="application_cancelled").exists()


def test_cannot_cancel_a_transmitted_application(candidate, program, document_types, questions):
    application = services.apply(candidate=candidate, program=program, actor=candidate)
    ready(application, document_types, questions)
    services.submit(application_id=application.pk, actor=candidate)
    with pytest.raises(services.DocumentRefused):
        services.cancel(application_id=application.pk, actor=candidate)


def test_not_concerned_only_for_conditional_documents(candidate, program, document_types):
    application = services.apply(candidate=candidate, program=program, actor=candidate)
    with pytest.raises(services.DocumentRefused):
        services.declare_not_concerned(
            application=application, document_type_id=document_types["letter"].pk, actor=candidate
        )


def test_reminder_is_sent_once(candidate, program, settings):
    settings.APPLICATION_REMINDER_DAYS = 3
    services.apply(candidate=candidate, program=program, actor=candidate)
    early = program.return_deadline - timedelta(days=5)
    assert services.send_reminders(now=early) == 0
    due = program.return_deadline - timedelta(days=2)
    assert services.send_reminders(now=due) == 1
    assert services.send_reminders(now=due) == 0
    assert OutboxEmail.objects.filter(template="application_reminder").count() == 1
    assert len(mail.outbox) == 0  # delivered after commit, by the worker
