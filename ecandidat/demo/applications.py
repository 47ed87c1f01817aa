"""Demo candidates with submitted applications, so staff screens have something to show.

Created through the same services as real candidates (apply, upload, answer, submit), so
the demo data is exactly what the platform would produce. Idempotent.
"""

import io
from datetime import date

from django.utils import timezone
from PIL import Image
from pypdf import PdfWriter

from ecandidat.accounts.enums import UserKind
from ecandidat.accounts.models import IssuedDossierNumber, User
from ecandidat.applications import services
from ecandidat.catalog.models import Program
from ecandidat.dossier.ine import bea_key
from ecandidat.dossier.models import Address, Baccalaureate, PersonalInformation

CANDIDATES = [
    ("DEMO0002", "MARTIN", "Léa", "F", "SCI-LP-ASSR", True),
    ("DEMO0003", "BERNARD", "Hugo", "M", "SCI-LP-ASSR", True),
    ("DEMO0004", "DUBOIS", "Chloé", "F", "SCI-LP-ASSR", True),
    ("DEMO0005", "MOREAU", "Lucas", "M", "SCI-LP-ELEC", True),
    ("DEMO0006", "LAURENT", "Emma", "F", "SCI-LP-CHIM", False),
    ("DEMO0007", "SIMON", "Nathan", "M", "DEG-LP-ABF", True),
]


def _ine(index: int) -> str:
    # A valid BEA number (French nationals must give one before applying).
    body = f"{1000000001 + index:010d}"
    return body + bea_key(body)


def sample_pdf() -> bytes:
    """A one-page blank PDF (the demo's and the generated volume's documents)."""
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def sample_jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (600, 400), (230, 230, 240)).save(out, format="JPEG")
    return out.getvalue()


def load_demo_applications(password: str) -> int:
    created = 0
    for number, last_name, first_name, sex, program_code, submit in CANDIDATES:
        if User.objects.filter(username=number).exists():
            continue
        user = User.objects.create(
            username=number,
            kind=UserKind.CANDIDATE,
            last_name=last_name,
            first_name=first_name,
            email=f"{number.lower()}@example.org",
            activated_at=timezone.now(),
        )
        user.set_password(password)
        user.save(update_fields=["password"])
        IssuedDossierNumber.objects.get_or_create(number=number)
        PersonalInformation.objects.create(
            user=user,
            nationality_id="FR",
            ine=_ine(created),
            title="Mme" if sex == "F" else "M.",
            birth_date=date(2001, 3, 10 + created),
            birth_country_id="FR",
            birth_department_id="76",
            birth_commune_id="76540",
        )
        Address.objects.create(
            user=user,
            country_id="FR",
            postal_code="76130",
            commune_id="76451",
            line1="Place Colbert",
        )
        Baccalaureate.objects.create(
            user=user,
            completed=True,
            year=2020,
            series_id="S",
            honours_id="AB",
            country_id="FR",
            department_id="76",
        )
        program = Program.objects.get(code=program_code)
        application = services.apply(candidate=user, program=program, actor=user)
        if submit:
            for document in application.documents.select_related("document_type"):
                if document.document_type.conditional:
                    services.declare_not_concerned(
                        application=application,
                        document_type_id=document.document_type_id,
                        actor=user,
                    )
                elif document.status == "missing":
                    services.upload_document(
                        application=application,
                        document_type_id=document.document_type_id,
                        data=sample_jpeg()
                        if "identit" in document.document_type.label_fr.lower()
                        else sample_pdf(),
                        filename="document",
                        actor=user,
                    )
            services.save_answers(
                application=application,
                answers={
                    q.pk: {
                        "yes_no": False,
                        "text": "Travailler dans les réseaux.",
                        "not_concerned": False,
                    }
                    for q in services.questions_for(application)
                },
                actor=user,
            )
            services.submit(application_id=application.pk, actor=user)
        created += 1
    return created
