"""The application file as one PDF: a summary rendered by WeasyPrint in the candidate's
language, followed by every uploaded document (images become PDF pages).

A document whose stored file is gone (or cannot be opened) does not stop the PDF: the summary
says which document is not included and why, and the file is flagged for the staff. A
storage that cannot be reached at all raises ``files.storage.StorageUnavailable``: the page
asks to try again rather than handing out an incomplete file as if it were whole."""

import io
import logging

from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from PIL import Image
from pypdf import PdfReader, PdfWriter
from pypdf.errors import PyPdfError

from ecandidat.dossier.models import (
    Address,
    Baccalaureate,
    Internship,
    NonLocalStudy,
    PersonalInformation,
    WorkExperience,
)
from ecandidat.files.storage import FileMissing
from ecandidat.files.uploads import PDF

from .models import Application
from .services import questions_for, read_candidate_file

logger = logging.getLogger(__name__)

MISSING_NOTE = _("Not included: the stored file can no longer be found.")
DAMAGED_NOTE = _("Not included: the stored file cannot be opened.")


def _image_as_pdf(data: bytes) -> bytes:
    with Image.open(io.BytesIO(data)) as image:
        out = io.BytesIO()
        image.convert("RGB").save(out, format="PDF", resolution=150)
        return out.getvalue()


def _as_pdf(candidate_file) -> PdfReader:
    data = read_candidate_file(candidate_file)
    if candidate_file.content_type != PDF:
        data = _image_as_pdf(data)
    reader = PdfReader(io.BytesIO(data))
    len(reader.pages)  # a damaged file fails here, not half-way through the merge
    return reader


def application_pdf(application: Application, language: str) -> bytes:
    # Loaded on first use: WeasyPrint pulls in Pango and fonts (a second of start-up that
    # every web and worker process would pay, though few ever render a PDF).
    import weasyprint  # noqa: PLC0415

    candidate = application.candidate
    documents = list(application.documents.select_related("document_type", "file"))
    # Read (and checked) before the summary is rendered, so that it can say what is missing.
    pages = []
    for document in documents:
        document.pdf_note = ""
        if document.file is None:
            continue
        try:
            pages.append(_as_pdf(document.file))
        except FileMissing:
            document.pdf_note = MISSING_NOTE
        except (PyPdfError, OSError, ValueError, SyntaxError):
            logger.warning("stored file %s cannot be opened", document.file.pk, exc_info=True)
            document.pdf_note = DAMAGED_NOTE
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
        "not_included": [d for d in documents if d.pdf_note],
    }
    with translation.override(language):
        html = render_to_string("applications/pdf.html", context)
    writer = PdfWriter()
    writer.append(PdfReader(io.BytesIO(weasyprint.HTML(string=html).write_pdf())))
    for reader in pages:
        writer.append(reader)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
