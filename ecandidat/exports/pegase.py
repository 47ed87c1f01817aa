"""The three files Pégase imports, written byte for byte as eCandidat writes them.

eCandidat (``SiScolPegaseWSServiceImpl.launchBatchOpi``) writes its beans ``OpiCandidat``,
``OpiVoeu`` and ``OpiPegase`` with opencsv 5.3: UTF-8 without BOM, ``;`` between values, no
quote character, ``"`` as escape character, ``\\n`` after every line (the header included),
an empty string for an empty value, the columns in the beans' declaration order. For every
value made of ordinary characters our bytes are the same (tests/exports/test_pegase_golden.py
holds the lines, checked against opencsv 5.3 itself).

What opencsv does with the other characters breaks the row: a ``;``, a ``"``, a line feed
or a NUL get a ``"`` written before them (``12"; rue X`` is read as two values), and a
carriage return is written as it is. Here no value ever holds one of them: each value goes
through two steps, and whatever either changes is listed, per candidate and column, in the
export report (``Finding``) instead of being changed silently:

1. ``sis_value`` — what the student information system gets, in the files and in the JSON
   alike: surrounding spaces removed, names upper-cased as eCandidat stores them, line breaks
   and tabs turned into spaces, characters no XML 1.0 document may hold (controls, lone
   surrogates, non-characters) removed, values cut to Pégase's lengths (dossier/limits.py).
2. ``csv_value`` — what the ``;``-separated file cannot hold as is: ``;`` becomes ``,``,
   ``"`` becomes ``'``, and a value that starts like a spreadsheet formula gets the leading
   ``'`` every export of ours gives it (``writers.neutralise``: the files are opened in
   spreadsheets too).

So every row has exactly its header's number of values, one row per candidate.
"""

import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from ecandidat.dossier.limits import ADDRESS_LINE_MAX_LENGTH, NAME_MAX_LENGTH

from .writers import neutralise

SEPARATOR = ";"
LINE_END = "\n"
ENCODING = "utf-8"  # without BOM
ORIGIN = "EC"  # origine_admission: eCandidat's constant OPI_ORIGINE
FRANCE = "100"  # Pégase's code of France (ConstanteUtils.PAYS_CODE_FRANCE_PEGASE)
MAX_WISHES = 5  # wish groups of the single-file (Pégase v28+) format
WISH_CODE_MAX_LENGTH = 50  # Formation.codPegaseForm
PERIOD_CODE_MAX_LENGTH = 20  # Campagne.codCamp, which holds the period in Pégase mode

# OpiCandidat, in declaration order.
CANDIDAT_COLUMNS = (
    "numero_candidat",
    "sexe",
    "nom_famille",
    "nom_usuel",
    "prenom",
    "prenom2",
    "prenom3",
    "date_naissance",
    "code_pays_naissance",
    "code_commune_naissance",
    "libelle_commune_naissance",
    "code_nationalite",
    "ine",
    "adresse_code_pays",
    "adresse_ligne1_etage",
    "adresse_ligne2_batiment",
    "adresse_ligne3_voie",
    "adresse_ligne4_complement",
    "adresse_code_postal",
    "adresse_code_commune",
    "adresse_cp_ville_etranger",
    "numero_telephone1",
    "numero_telephone2",
    "courriel",
)
# OpiVoeu.
CANDIDATURE_COLUMNS = (
    "numero_candidat",
    "origine_admission",
    "voie_admission",
    "annee_concours",
    "code_voeu",
    "code_periode",
    "code_formation_psup",
    "code_sise",
    "code_etablissement_affectation",
)
# OpiPegase: the identity, under its own names, then five groups of wish columns.
INSCRIPTION_IDENTITY = {
    # inscription column: the candidat column (or own value) it takes its value from
    "nom_naissance": "nom_famille",
    "nom_usage": "nom_usuel",
    "prenom": "prenom",
    "prenom2": "prenom2",
    "prenom3": "prenom3",
    "sexe": "sexe",
    "date_naissance": "date_naissance",
    "code_pays_naissance": "code_pays_naissance",
    "code_commune_naissance": "code_commune_naissance",
    "libelle_commune_naissance_etranger": "libelle_commune_naissance_etranger",
    "code_nationalite": "code_nationalite",
    "ine": "ine",
    "adresse_code_pays": "adresse_code_pays",
    "adresse_ligne1_etage": "adresse_ligne1_etage",
    "adresse_ligne2_batiment": "adresse_ligne2_batiment",
    "adresse_ligne3_voie": "adresse_ligne3_voie",
    "adresse_ligne4_complement": "adresse_ligne4_complement",
    "adresse_ligne5_etranger": "adresse_cp_ville_etranger",
    "adresse_code_postal": "adresse_code_postal",
    "adresse_code_commune": "adresse_code_commune",
    "numero_telephone1": "numero_telephone1",
    "numero_telephone2": "numero_telephone2",
    "mail": "courriel",
}
WISH_GROUP = ("origine_admission", "annee_concours", "code_voeu", "code_periode")
INSCRIPTION_COLUMNS = tuple(INSCRIPTION_IDENTITY) + tuple(
    f"{name}{k}" for k in range(1, MAX_WISHES + 1) for name in WISH_GROUP
)
# The candidate's values: the candidat file's columns, and the birth town abroad that only
# the inscription file has.
IDENTITY_KEYS = (*CANDIDAT_COLUMNS, "libelle_commune_naissance_etranger")

# eCandidat upper-cases these when the dossier is saved (MethodUtils.cleanForSiScol).
UPPER_CASE = frozenset(
    {
        "nom_famille",
        "nom_usuel",
        "prenom",
        "prenom2",
        "libelle_commune_naissance",
        "libelle_commune_naissance_etranger",
        "ine",
    }
)
LIMITS = {
    "nom_famille": NAME_MAX_LENGTH,
    "nom_usuel": NAME_MAX_LENGTH,
    "prenom": NAME_MAX_LENGTH,
    "prenom2": NAME_MAX_LENGTH,
    "adresse_ligne1_etage": ADDRESS_LINE_MAX_LENGTH,
    "adresse_ligne2_batiment": ADDRESS_LINE_MAX_LENGTH,
    "adresse_ligne3_voie": ADDRESS_LINE_MAX_LENGTH,
    "code_voeu": WISH_CODE_MAX_LENGTH,
    "code_periode": PERIOD_CODE_MAX_LENGTH,
}
# Pégase cannot identify or register a candidate without these.
REQUIRED = frozenset(
    {
        "numero_candidat",
        "sexe",
        "nom_famille",
        "prenom",
        "date_naissance",
        "code_pays_naissance",
        "code_nationalite",
        "adresse_code_pays",
        "code_voeu",
        "code_periode",
    }
)

FIELD_LABELS = {
    "numero_candidat": _("Dossier number"),
    "sexe": _("Title"),
    "nom_famille": _("Last name"),
    "nom_usuel": _("Married name"),
    "prenom": _("First name"),
    "prenom2": _("Other first name"),
    "date_naissance": _("Birthdate"),
    "code_pays_naissance": _("Country of birth"),
    "code_commune_naissance": _("City of birth"),
    "libelle_commune_naissance": _("City of birth"),
    "libelle_commune_naissance_etranger": _("City of birth"),
    "code_nationalite": _("Nationality"),
    "ine": _("INE"),
    "adresse_code_pays": _("Country"),
    "adresse_ligne1_etage": _("Additional address 1"),
    "adresse_ligne2_batiment": _("Additional address 2"),
    "adresse_ligne3_voie": _("Address"),
    "adresse_code_postal": _("Postal code"),
    "adresse_code_commune": _("Town"),
    "adresse_cp_ville_etranger": _("Postal code and town abroad"),
    "numero_telephone1": _("Phone number"),
    "numero_telephone2": _("Cell phone number"),
    "courriel": _("email address"),
    "code_voeu": _("Pégase code of the program"),
    "code_periode": _("Pégase period"),
}

# What each problem means, for the report.
PROBLEMS = {
    "line_break": _("line breaks or tabs replaced by spaces"),
    "character": _("characters the student information system cannot store removed"),
    "too_long": _("cut to the length the student information system accepts"),
    "separator": _('";" replaced by ","'),
    "quote": _("'\"' replaced by an apostrophe"),
    "formula": _("a leading apostrophe added (the value starts like a spreadsheet formula)"),
    "missing": _("empty, but the student information system needs it"),
    "extra_wish": _("more than five wishes: only in the candidature file"),
    "no_pegase_code": _("the program has no Pégase code: this wish is not sent"),
    # A candidate left out of the files (never marked exported), eCandidat's reasons.
    "no_personal_information": _("no personal information in the dossier: not sent"),
    "no_address": _("no address in the dossier: not sent"),
    "bac_year_future": _("the baccalaureate year is later than this year: not sent"),
}

# Turned into a space: a value is one line.
_SPACES = frozenset("\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f\x85\u2028\u2029")


def _storable(char: str) -> bool:
    """A character an XML 1.0 document may hold (the student information system's web
    services speak XML and JSON): no control character, lone surrogate or non-character."""
    code = ord(char)
    if unicodedata.category(char) in ("Cc", "Cs"):
        return False
    return not (0xFDD0 <= code <= 0xFDEF or (code & 0xFFFE) == 0xFFFE)


def sis_value(raw, column: str) -> tuple[str, list[str]]:
    """The value the student information system gets, and what had to change."""
    text = "" if raw is None else str(raw)
    problems = []
    if any(char in _SPACES for char in text):
        problems.append("line_break")
        text = "".join(" " if char in _SPACES else char for char in text)
    if not all(map(_storable, text)):
        problems.append("character")
        text = "".join(filter(_storable, text))
    text = text.strip()
    if column in UPPER_CASE:
        text = text.upper()
    limit = LIMITS.get(column)
    if limit and len(text) > limit:
        problems.append("too_long")
        text = text[:limit].rstrip()
    if column in REQUIRED and not text:
        problems.append("missing")
    return text, problems


def csv_value(text: str, column: str) -> tuple[str, list[str]]:
    """``text`` (a ``sis_value``) as the ``;``-separated file can hold it."""
    problems = []
    if SEPARATOR in text:
        problems.append("separator")
        text = text.replace(SEPARATOR, ",")
    if '"' in text:
        problems.append("quote")
        text = text.replace('"', "'")
    written = neutralise(text)
    if written != text:
        problems.append("formula")
        limit = LIMITS.get(column)
        if limit and len(written) > limit:
            written = neutralise(text[: limit - 1])
    return written, problems


@dataclass(frozen=True)
class Finding:
    """One value of one candidate that could not go to Pégase as it was (or one wish that
    could not go at all): the export report's line."""

    dossier_number: str
    name: str
    column: str
    problems: tuple[str, ...]
    value: str = ""
    written: str = ""
    detail: str = ""  # the program, for a wish

    @property
    def field(self):
        # A wish's column carries its number (code_voeu6); prenom2 is a column of its own.
        label = FIELD_LABELS.get(self.column) or FIELD_LABELS.get(self.column.rstrip("0123456789"))
        return label or self.column

    @property
    def messages(self) -> list[str]:
        return [str(PROBLEMS.get(code, code)) for code in self.problems]

    def as_dict(self) -> dict:
        return {
            "numero_candidat": self.dossier_number,
            "name": self.name,
            "column": self.column,
            "field": str(self.field),
            "problems": list(self.problems),
            "messages": self.messages,
            "value": self.value,
            "written": self.written,
            "detail": self.detail,
        }


@dataclass(frozen=True)
class WishData:
    code: str  # the program's Pégase code
    period: str  # the campaign's Pégase period
    label: str = ""  # the program, for the report


@dataclass
class CandidateData:
    """What the registration export reads of one candidate: the raw values (as stored) of
    ``IDENTITY_KEYS``, and the wishes in their order."""

    dossier_number: str
    name: str
    values: dict[str, str | None]
    wishes: Sequence[WishData] = field(default_factory=tuple)


@dataclass
class CleanCandidate:
    identity: dict[str, str]  # sis values, by IDENTITY_KEYS
    wishes: list[dict[str, str]]  # sis values, by CANDIDATURE_COLUMNS
    findings: list[Finding]


def clean(candidate: CandidateData, *, for_csv: bool) -> CleanCandidate:
    """The candidate's values for the student information system (``for_csv``: for the
    files, else for the JSON) and the report of what changed."""
    findings = []

    def value(raw, column, report_as=None, *, extra=(), detail=""):
        text, problems = sis_value(raw, column)
        if for_csv:
            text, more = csv_value(text, column)
            problems += more
        problems = [*extra, *problems]
        if problems:
            findings.append(
                Finding(
                    candidate.dossier_number,
                    candidate.name,
                    report_as or column,
                    tuple(problems),
                    "" if raw is None else str(raw),
                    text,
                    detail,
                )
            )
        return text

    identity = {key: value(candidate.values.get(key), key) for key in IDENTITY_KEYS}
    # The number links the candidature rows to the candidat row: the same value everywhere.
    number = identity["numero_candidat"]
    wishes = []
    for index, wish in enumerate(candidate.wishes, start=1):
        # The single-file format has five wish groups: a sixth goes in the candidature
        # file only (eCandidat drops it from the inscription file without a word).
        extra = ("extra_wish",) if index > MAX_WISHES else ()
        wishes.append(
            {
                "numero_candidat": number,
                "origine_admission": ORIGIN,
                "voie_admission": "",
                "annee_concours": "",
                "code_voeu": value(
                    wish.code, "code_voeu", f"code_voeu{index}", extra=extra, detail=wish.label
                ),
                "code_periode": value(
                    wish.period, "code_periode", f"code_periode{index}", detail=wish.label
                ),
                "code_formation_psup": "",
                "code_sise": "",
                "code_etablissement_affectation": "",
            }
        )
    return CleanCandidate(identity, wishes, findings)


def candidat_row(candidate: CleanCandidate) -> list[str]:
    return [candidate.identity[column] for column in CANDIDAT_COLUMNS]


def candidature_rows(candidate: CleanCandidate) -> list[list[str]]:
    return [[wish[column] for column in CANDIDATURE_COLUMNS] for wish in candidate.wishes]


def inscription_row(candidate: CleanCandidate) -> list[str]:
    row = [candidate.identity[source] for source in INSCRIPTION_IDENTITY.values()]
    for k in range(MAX_WISHES):
        wish = candidate.wishes[k] if k < len(candidate.wishes) else {}
        row.extend(wish.get(name, "") for name in WISH_GROUP)
    return row


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[str]]) -> bytes:
    """The header and the rows, ``;``-separated, LF after each line. Refuses (ValueError)
    a row that would not read back as its header's number of values: never a broken file."""
    lines = [SEPARATOR.join(header)]
    for row in rows:
        if len(row) != len(header) or any(
            SEPARATOR in value or "\n" in value or "\r" in value for value in row
        ):
            raise ValueError("A registration row would not keep its columns.")
        lines.append(SEPARATOR.join(row))
    return (LINE_END.join(lines) + LINE_END).encode(ENCODING)


@dataclass
class PegaseFiles:
    files: dict[str, bytes]  # file name: content, in eCandidat's order
    findings: list[Finding]


def file_names(day: str) -> tuple[str, str, str]:
    """eCandidat's names for the files of ``day`` (``YYYYMMDD``)."""
    return (f"candidat-{day}.csv", f"candidature-{day}.csv", f"inscription-{day}.csv")


def build_files(candidates: Iterable[CandidateData], *, day: str) -> PegaseFiles:
    """The three files of ``day`` for these candidates (each with at least one wish)."""
    cleaned = [clean(candidate, for_csv=True) for candidate in candidates]
    names = file_names(day)
    return PegaseFiles(
        files={
            names[0]: csv_bytes(CANDIDAT_COLUMNS, (candidat_row(c) for c in cleaned)),
            names[1]: csv_bytes(
                CANDIDATURE_COLUMNS, (row for c in cleaned for row in candidature_rows(c))
            ),
            names[2]: csv_bytes(INSCRIPTION_COLUMNS, (inscription_row(c) for c in cleaned)),
        },
        findings=[finding for c in cleaned for finding in c.findings],
    )
