"""Import of the local studies (years followed at this institution) from the student
information system.

The file is a UTF-8 CSV with a header row and these columns (``;`` or ``,`` separated):

    student_number, ine, academic_year, program_code, program_label, result, honours

A row is matched to a candidate by student number, then by INE. For every candidate the file
mentions, the file *replaces* their local studies, so re-importing the same extract changes
nothing. When a candidate is matched by INE and has no student number yet, the file's one is
recorded. Rows that match nobody are reported, never guessed, and kept under their student
number and INE: the student who signs in through the university later claims them
(``claim_pending``), so their studies appear at once.
"""

import csv
import io
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Q

from ecandidat.accounts.models import User
from ecandidat.audit import codes
from ecandidat.audit.services import record

from .ine import normalize_ine
from .models import LocalStudy, PersonalInformation
from .services import forget_summaries

COLUMNS = [
    "student_number",
    "ine",
    "academic_year",
    "program_code",
    "program_label",
    "result",
    "honours",
]


@dataclass
class ImportReport:
    candidates: int = 0
    rows: int = 0
    unmatched: list[int] = field(default_factory=list)  # line numbers
    invalid: list[tuple[int, str]] = field(default_factory=list)


def _reader(text: str) -> csv.DictReader:
    dialect = csv.Sniffer().sniff(text.splitlines()[0], delimiters=",;")
    return csv.DictReader(io.StringIO(text), dialect=dialect)


@transaction.atomic
def import_local_studies(text: str) -> ImportReport:
    report = ImportReport()
    reader = _reader(text)
    missing = [
        name
        for name in ("academic_year", "program_code", "program_label")
        if name not in (reader.fieldnames or [])
    ]
    if missing or not {"student_number", "ine"} & set(reader.fieldnames or []):
        raise ValueError(f"Missing columns; expected {', '.join(COLUMNS)}")
    rows = list(reader)
    numbers = {r.get("student_number", "").strip() for r in rows} - {""}
    ines = {normalize_ine(r.get("ine", "")) for r in rows} - {""}
    infos = PersonalInformation.objects.filter(
        student_number__in=numbers
    ) | PersonalInformation.objects.filter(ine__in=ines)
    by_number = {i.student_number: i for i in infos if i.student_number}
    by_ine = {i.ine: i for i in infos if i.ine}
    studies = defaultdict(list)
    pending: list[LocalStudy] = []
    new_numbers = {}
    for line, row in enumerate(rows, start=2):
        number = (row.get("student_number") or "").strip()
        ine = normalize_ine(row.get("ine") or "")
        info = by_number.get(number) if number else None
        if info is None and ine:
            info = by_ine.get(ine)
            if info is not None and number and not info.student_number:
                new_numbers[info.pk] = number
        year, code, label = (
            row.get(k, "").strip() for k in ("academic_year", "program_code", "program_label")
        )
        if not (year and code and label):
            report.invalid.append(
                (line, "academic_year, program_code and program_label are required")
            )
            continue
        study = LocalStudy(
            user_id=info.user_id if info is not None else None,
            student_number=number[:20],
            ine=ine,
            academic_year=year[:9],
            program_code=code[:20],
            program_label=label[:200],
            result=(row.get("result") or "").strip()[:50],
            honours=(row.get("honours") or "").strip()[:50],
        )
        if info is None:
            report.unmatched.append(line)
            pending.append(study)
        else:
            studies[info.user_id].append(study)
    for pk, number in new_numbers.items():
        PersonalInformation.objects.filter(pk=pk, student_number="").update(student_number=number)
    LocalStudy.objects.filter(user_id__in=studies).delete()
    # The file replaces the waiting rows of the students it mentions, as it does for accounts.
    _pending({s.student_number for s in pending} - {""}, {s.ine for s in pending} - {""}).delete()
    LocalStudy.objects.bulk_create([s for rows_ in studies.values() for s in rows_] + pending)
    forget_summaries(studies)  # bulk_create sends no signal
    for user_id, user_rows in studies.items():
        record(
            codes.DOSSIER_LOCAL_STUDIES_IMPORTED,
            target=User(pk=user_id),
            data={"rows": len(user_rows)},
        )
    report.candidates = len(studies)
    report.rows = sum(len(v) for v in studies.values())
    return report


def _pending(numbers, ines):
    condition = Q(student_number__in=numbers) if numbers else Q(pk__in=[])
    if ines:
        condition |= Q(ine__in=ines)
    return LocalStudy.objects.filter(condition, user__isnull=True)


@transaction.atomic
def claim_pending(user, *, student_number: str, ine: str) -> int:
    """Give ``user`` the imported rows waiting under their student number (or INE): called
    when a student signs in through the university. Returns how many rows were claimed."""
    numbers = {student_number} - {""}
    ines = {normalize_ine(ine)} - {""}
    if not (numbers or ines):
        return 0
    claimed = _pending(numbers, ines).update(user=user)
    forget_summaries([user.pk])  # update() sends no signal
    if claimed:
        record(codes.DOSSIER_LOCAL_STUDIES_IMPORTED, target=user, data={"rows": claimed})
    return claimed
