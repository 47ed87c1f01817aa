"""The application file as one PDF: a summary rendered by WeasyPrint in the candidate's
language, followed by every uploaded document (images become PDF pages)."""

import io

from django.template.loader import render_to_string
from django.utils import translation
from PIL import Image
from pypdf import PdfReader, PdfWriter

from ecandidat.dossier.models import (
    Address,
    Baccalaureate,
    Internship,
    NonLocalStudy,
    PersonalInformation,
    WorkExperience,
)
from ecandidat.files.uploads import PDF

from .models import Application
from .services import questions_for


def _image_as_pdf(data: bytes) -> bytes:
    with Image.open(io.BytesIO(data)) as image:
        out = io.BytesIO()
        image.convert("RGB").save(out, format="PDF", resolution=150)
        return out.getvalue()


def application_pdf(application: Application, language: str) -> bytes:
    # Loaded on first use: WeasyPrint pulls in Pango and fonts (a second of start-up that
    # every web and worker process would pay, though few ever render a PDF).
    import weasyprint

    candidate = application.candidate
    documents = list(application.documents.select_related("document_type", "file"))
    answers = {a.question_id: a for a in application.answers.all()}
    context = {
        "application": application,
        "candidate": candidate,
        "personal": PersonalInformation.objects.filter(user=candidate)
        .select_related("nationality", "birth_country", "birth_department", "birth_commune")
        .first(),
        "address": Address.objects.filter(user=candidate)
        .select_related("country", "commune")
        .first(),
        "bac": Baccalaureate.objects.filter(user=candidate)
        .select_related("series", "honours", "country", "department", "commune", "high_school")
        .first(),
        "non_local_studies": NonLocalStudy.objects.filter(user=candidate).select_related(
            "country", "commune", "honours"
        ),
        "internships": Internship.objects.filter(user=candidate),
        "work_experiences": WorkExperience.objects.filter(user=candidate),
        "questions": [(q, answers.get(q.pk)) for q in questions_for(application)],
        "documents": documents,
    }
    with translation.override(language):
        html = render_to_string("applications/pdf.html", context)
    writer = PdfWriter()
    writer.append(PdfReader(io.BytesIO(weasyprint.HTML(string=html).write_pdf())))
    for document in documents:
        if document.file_id is None:
            continue
        with document.file.file.open("rb") as handle:
            data = handle.read()
        if document.file.content_type != PDF:
            data = _image_as_pdf(data)
        writer.append(PdfReader(io.BytesIO(data)))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
