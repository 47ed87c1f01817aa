import io
from datetime import date, timedelta

import pytest
from django.utils import timezone
from PIL import Image
from pypdf import PdfWriter

from ecandidat.applications import services
from ecandidat.catalog.enums import CampaignStatus, QuestionKind, Scope
from ecandidat.catalog.models import Campaign, DocumentType, Question
from ecandidat.dossier.models import Address, Baccalaureate, PersonalInformation
from tests.factories import ProgramFactory, UserFactory


def make_pdf(pages=1, text_size=(200, 200)) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(*text_size)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def make_image(fmt="JPEG", size=(40, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, format=fmt)
    return out.getvalue()


def complete_dossier(user, nationality="DE", ine=""):
    PersonalInformation.objects.create(
        user=user,
        nationality_id=nationality,
        ine=ine,
        title="M.",
        birth_date=date(2000, 5, 17),
        birth_country_id="FR",
        birth_department_id="76",
        birth_commune_id="76540",
    )
    Address.objects.create(
        user=user, country_id="FR", postal_code="76130", commune_id="76451", line1="1 rue Becket"
    )
    Baccalaureate.objects.create(
        user=user, completed=True, year=2015, series_id="S", country_id="DE"
    )


@pytest.fixture
def campaign(db):
    today = timezone.localdate()
    return Campaign.objects.create(
        code="C",
        label_fr="Campagne",
        starts_on=today - timedelta(days=30),
        candidate_ends_on=today + timedelta(days=100),
        ends_on=today + timedelta(days=200),
        status=CampaignStatus.ACTIVE,
    )


@pytest.fixture
def program(campaign, referentials):
    now = timezone.now()
    return ProgramFactory(
        opens_at=now - timedelta(days=1),
        closes_at=now + timedelta(days=10),
        return_deadline=now + timedelta(days=15),
    )


@pytest.fixture
def document_types(program):
    cv = DocumentType.objects.create(
        label_fr="CV", label_en="CV", scope=Scope.ALL, common=True, order=1
    )
    letter = DocumentType.objects.create(
        label_fr="Lettre", label_en="Cover letter", scope=Scope.ALL, order=2
    )
    language = DocumentType.objects.create(
        label_fr="Certificat de langue",
        label_en="Language certificate",
        scope=Scope.ALL,
        conditional=True,
        order=3,
    )
    return {"cv": cv, "letter": letter, "language": language}


@pytest.fixture
def questions(program):
    yes_no = Question.objects.create(
        label_fr="Déjà inscrit ?", label_en="Enrolled before?", kind=QuestionKind.YES_NO
    )
    text = Question.objects.create(
        label_fr="Projet", label_en="Plan", kind=QuestionKind.TEXT, order=1
    )
    return {"yes_no": yes_no, "text": text}


@pytest.fixture
def candidate(referentials):
    user = UserFactory(last_name="LEBRUN", first_name="LAURENT")
    complete_dossier(user)
    return user


def prepared(candidate, program, document_types, questions):
    """An application with every document and answer in place, not transmitted yet."""

    application = services.apply(candidate=candidate, program=program, actor=candidate)
    for key, data in [("cv", make_pdf()), ("letter", make_image())]:
        services.upload_document(
            application=application,
            document_type_id=document_types[key].pk,
            data=data,
            filename="f",
            actor=candidate,
        )
    services.declare_not_concerned(
        application=application, document_type_id=document_types["language"].pk, actor=candidate
    )
    services.save_answers(
        application=application,
        answers={
            questions["yes_no"].pk: {"yes_no": True, "text": "", "not_concerned": False},
            questions["text"].pk: {"yes_no": None, "text": "x", "not_concerned": False},
        },
        actor=candidate,
    )
    return application
