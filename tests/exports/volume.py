"""Applications with every export column filled, made in bulk (bulk_create, no service, no
signal): the query-budget tests and the export benchmark need hundreds to 100,000 of them.

Each candidate has a dossier (personal information, address, baccalaureate), a local and a
non-local study, an internship and a work experience, and up to three applications (one
per program); each application has three documents (missing, refused, validated), two
answers, a tag, a note and a validated decision, and some candidates type formulas.
"""

from datetime import date, timedelta
from itertools import islice

from django.utils import timezone

from ecandidat.accounts.models import User
from ecandidat.applications.enums import FileStatus
from ecandidat.applications.models import Answer, Application, ApplicationDocument
from ecandidat.catalog.enums import QuestionKind, Scope
from ecandidat.catalog.models import DocumentType, Question
from ecandidat.decisions.models import Decision, DecisionReason
from ecandidat.dossier.models import (
    Address,
    Baccalaureate,
    Internship,
    LocalStudy,
    NonLocalStudy,
    PersonalInformation,
    WorkExperience,
)
from ecandidat.referentials.models import HighSchool, Honours
from ecandidat.review.models import Note, Tag
from tests.factories import decision_type

BATCH = 5000
HOSTILE_EVERY = 50  # one candidate in 50 has a last name a spreadsheet would run


def _batches(items, size=BATCH):
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def _references():
    documents = [
        DocumentType.objects.get_or_create(
            label_fr=f"Pièce {i}",
            defaults={"label_en": f"Document {i}", "scope": Scope.ALL, "order": i},
        )[0]
        for i in range(3)
    ]
    questions = [
        Question.objects.get_or_create(
            label_fr="Déjà inscrit ?",
            defaults={"label_en": "Enrolled before?", "kind": QuestionKind.YES_NO},
        )[0],
        Question.objects.get_or_create(
            label_fr="Projet", defaults={"label_en": "Plan", "kind": QuestionKind.TEXT, "order": 1}
        )[0],
    ]
    tags = [Tag.objects.get_or_create(label=label)[0] for label in ("Priority", "=Watch")]
    reason = DecisionReason.objects.first() or DecisionReason.objects.create(
        label_fr="Dossier insuffisant", label_en="Insufficient file"
    )
    return {
        "documents": documents,
        "questions": questions,
        "tags": tags,
        "reason": reason,
        "decision_type": decision_type("favourable"),
        "honours": Honours.objects.order_by("pk").first(),
        "high_school": HighSchool.objects.exclude(city="").order_by("pk").first(),
    }


def make_applications(n: int, *, programs, campaign, prefix: str = "V", staff=None) -> None:
    """``n`` applications to ``programs`` (up to one per program and candidate), with every
    column of the export filled; ``staff`` (optional) created them and wrote the notes."""
    refs = _references()
    per_candidate = min(3, len(programs))
    candidates = -(-n // per_candidate)
    now = timezone.now()
    made = 0
    for numbers in _batches(range(candidates)):
        users = User.objects.bulk_create(
            [
                User(
                    username=f"{prefix}{i:08d}",
                    kind="candidate",
                    last_name=f"=HYPERLINK({i})" if i % HOSTILE_EVERY == 0 else f"Nom{i}",
                    first_name=f"Prénom{i}",
                    email=f"{prefix.lower()}{i}@example.org",
                    password="!",
                    preferred_language="fr" if i % 2 else "en",
                    activated_at=now,
                )
                for i in numbers
            ]
        )
        PersonalInformation.objects.bulk_create(
            [
                PersonalInformation(
                    user=u,
                    nationality_id="FR" if i % 3 else "DE",
                    ine=f"{prefix[:1]}{i:09d}A",
                    student_number=f"{prefix}{i}",
                    title="M." if i % 2 else "Mme",
                    married_name=f"Épouse{i}" if i % 4 == 0 else "",
                    other_first_name="+cmd|x" if i % HOSTILE_EVERY == 0 else f"Autre{i}",
                    birth_date=date(2000, 1, 1) + timedelta(days=i % 3000),
                    birth_country_id="FR" if i % 3 else "DE",
                    birth_department_id="76" if i % 3 else None,
                    birth_commune_id="76540" if i % 3 else None,
                    birth_city_abroad="" if i % 3 else "Berlin",
                    phone="+33235146000",
                    mobile="-2+3" if i % HOSTILE_EVERY == 0 else "+33612345678",
                )
                for i, u in zip(numbers, users, strict=True)
            ]
        )
        Address.objects.bulk_create(
            [
                Address(
                    user=u,
                    country_id="FR" if i % 3 else "DE",
                    department_id="76" if i % 3 else None,
                    commune_id="76451" if i % 3 else None,
                    town_abroad="" if i % 3 else "München",
                    postal_code="76130",
                    line1=f"{i} rue Becket",
                    line2="Bâtiment B",
                    line3="=1+1" if i % HOSTILE_EVERY == 0 else "Escalier 3",
                )
                for i, u in zip(numbers, users, strict=True)
            ]
        )
        Baccalaureate.objects.bulk_create(
            [
                Baccalaureate(
                    user=u,
                    completed=True,
                    year=2015 + i % 8,
                    series_id="S",
                    honours=refs["honours"],
                    country_id="FR",
                    high_school=refs["high_school"],
                )
                for u, i in zip(users, numbers, strict=True)
            ]
        )
        LocalStudy.objects.bulk_create(
            [
                LocalStudy(
                    user=u, academic_year="2023-2024", program_code="L3", program_label="Licence"
                )
                for u in users
            ]
        )
        NonLocalStudy.objects.bulk_create(
            [
                NonLocalStudy(
                    user=u,
                    country_id="FR",
                    establishment="Lycée",
                    year=2022,
                    training="bts",
                    description="BTS",
                    result="obtained",
                )
                for u in users
            ]
        )
        Internship.objects.bulk_create(
            [
                Internship(
                    user=u, year=2023, duration="2 mois", employer="Acme", description="Stage"
                )
                for u in users
            ]
        )
        WorkExperience.objects.bulk_create(
            [
                WorkExperience(user=u, year=2021, title="Vendeur", duration="1 an", employer="Shop")
                for u in users
            ]
        )
        applications = []
        for u in users:
            for program in programs[:per_candidate]:
                if made + len(applications) < n:
                    applications.append(
                        Application(
                            candidate=u,
                            program=program,
                            campaign=campaign,
                            treatment="controlled",
                            file_status=FileStatus.RECEIVED,
                            submitted_at=now,
                            created_by=staff,
                            personal_return_deadline=now + timedelta(days=10),
                            confirmation_deadline=now + timedelta(days=20),
                        )
                    )
        applications = Application.objects.bulk_create(applications)
        made += len(applications)
        _application_rows(applications, refs, staff, now)


def _application_rows(applications, refs, staff, now) -> None:
    statuses = ["missing", "refused", "validated"]
    for batch in _batches(applications, BATCH // 3):
        ApplicationDocument.objects.bulk_create(
            [
                ApplicationDocument(application=a, document_type=t, status=s)
                for a in batch
                for t, s in zip(refs["documents"], statuses, strict=True)
            ]
        )
        yes_no, text = refs["questions"]
        Answer.objects.bulk_create(
            [
                row
                for a in batch
                for row in (
                    Answer(application=a, question=yes_no, yes_no=a.pk % 2 == 0),
                    Answer(application=a, question=text, text=f"Projet {a.pk}"),
                )
            ]
        )
        Tag.applications.through.objects.bulk_create(
            [
                Tag.applications.through(application_id=a.pk, tag_id=refs["tags"][a.pk % 2].pk)
                for a in batch
            ]
        )
        Note.objects.bulk_create(
            [Note(application=a, author=staff, text=f"Note {a.pk}") for a in batch]
        )
        Decision.objects.bulk_create(
            [
                Decision(
                    application=a,
                    decision_type=refs["decision_type"],
                    reason=refs["reason"],
                    rank=a.pk % 7 or None,
                    entered_by=staff,
                    validated_by=staff,
                    validated_at=now,
                )
                for a in batch
            ]
        )
