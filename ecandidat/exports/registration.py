"""Registration export ("OPI"): the admitted candidates sent to the student information system.

Which candidates and wishes, following eCandidat (docs/registration-export.md §1):

* only the **active campaign**, and only if it names its Pégase period;
* a wish is an application the candidate confirmed whose latest validated decision is of a
  type that feeds the registration export, on a program that has a Pégase code. A program
  without one never goes out as a wish: it is listed on the export screen instead;
* the **day's files**: every candidate with a wish not exported yet or exported today, with
  **all** their wishes (whatever their export date). Each download of the day's files is
  the complete file of the day, as eCandidat overwrites its files of the day at each run;
* a candidate without personal information or address, or whose baccalaureate year is
  later than this year, is held back (not marked exported) and listed;
* once downloaded, every wish written is marked exported now.

Where eCandidat is wrong we do better, and say so in the report: a wish that stops being
a registration after its export (a withdrawal) is listed for the central office to cancel
in Pégase, and is never a reason to select the candidate again (eCandidat's candidates
who reappear in every file, EsupPortail/esup-ecandidat#117); the foreign town is sent;
nothing is changed without a line in the report (pegase.py).

The JSON for the student information system carries the same fields and the same
selection, without the files' CSV step.
"""

import io
import logging
import zipfile
from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.db.models import Count, Q
from django.utils import timezone

from ecandidat.applications.enums import CandidateAnswer
from ecandidat.applications.models import Application
from ecandidat.audit import codes
from ecandidat.audit.services import record
from ecandidat.catalog.models import Campaign, Program
from ecandidat.decisions.services import latest_validated_subquery
from ecandidat.dossier.enums import Title

from . import pegase
from .pegase import CandidateData, Finding, WishData

logger = logging.getLogger("ecandidat.exports.registration")

# The API token opens every confirmed registration of the institution: shorter than this,
# it could be guessed, so it is ignored (checks.py warns at start-up).
API_TOKEN_MIN_LENGTH = 32

SEX = {Title.MR: "M", Title.MS: "F"}


def api_token() -> str:
    """The REGISTRATION_API_TOKEN in force: "" (token access off) when unset or too short."""
    token = settings.REGISTRATION_API_TOKEN or ""
    return token if len(token) >= API_TOKEN_MIN_LENGTH else ""


def confirmed_registrations(queryset):
    """Applications the candidate confirmed whose latest validated decision is of a type
    that feeds the registration export (eCandidat's OPI rows still confirmed)."""
    return (
        queryset.filter(answer=CandidateAnswer.CONFIRMED)
        .annotate(registration=latest_validated_subquery("decision_type__registration"))
        .filter(registration=True)
    )


def programs_without_code(decision_type):
    """Programs in service where a decision of ``decision_type`` would be confirmed and not
    exported, for want of a Pégase code (none unless the type feeds the export)."""
    if not decision_type.registration:
        return Program.objects.none()
    programs = Program.objects.filter(in_service=True, sis_code="")
    if decision_type.centre_id:
        programs = programs.filter(centre_id=decision_type.centre_id)
    return programs


def active_campaign() -> Campaign | None:
    return Campaign.objects.active().select_related("pegase_period").first()


def _country(country) -> str:
    """Pégase's country code: the INSEE code without its "99" (France: 99100 → 100)."""
    code = getattr(country, "insee_code", "") or ""
    return code[2:] if code.startswith("99") and len(code) == 5 else code


def candidate_values(user) -> dict[str, str | None]:
    """The candidate's raw values, by pegase.IDENTITY_KEYS (OpiCandidat and OpiPegase)."""
    info = user.personal_information
    address = user.address
    birth_abroad = _country(info.birth_country) != pegase.FRANCE
    address_abroad = address.country_id != "FR"
    birth_commune = info.birth_commune
    return {
        "numero_candidat": user.username,
        "sexe": SEX.get(info.title, ""),
        "nom_famille": user.last_name,
        "nom_usuel": info.married_name,
        "prenom": user.first_name,
        "prenom2": info.other_first_name,
        "prenom3": "",
        "date_naissance": info.birth_date.strftime("%d/%m/%Y"),
        "code_pays_naissance": _country(info.birth_country),
        "code_commune_naissance": birth_commune.insee_code if birth_commune else "",
        # The commune's name for a birth in France, the town typed for a birth abroad.
        "libelle_commune_naissance": info.birth_city,
        "libelle_commune_naissance_etranger": info.birth_city_abroad if birth_abroad else "",
        "code_nationalite": _country(info.nationality),
        "ine": info.ine,
        "adresse_code_pays": _country(address.country),
        # eCandidat's order: the complements first, the street third.
        "adresse_ligne1_etage": address.line2,
        "adresse_ligne2_batiment": address.line3,
        "adresse_ligne3_voie": address.line1,
        "adresse_ligne4_complement": "",
        "adresse_code_postal": "" if address_abroad else address.postal_code,
        "adresse_code_commune": address.commune_id or "",
        # eCandidat leaves the foreign postal code and town out (the town is lost); the
        # column is theirs, we fill it.
        "adresse_cp_ville_etranger": f"{address.postal_code} {address.town_abroad}".strip()
        if address_abroad
        else "",
        "numero_telephone1": info.phone,
        "numero_telephone2": info.mobile,
        "courriel": user.email,
    }


@dataclass
class SelectedCandidate:
    user: object
    applications: list  # the wishes, in their order
    held_back: list = field(default_factory=list)  # confirmed, but no Pégase code

    def data(self) -> CandidateData:
        return CandidateData(
            dossier_number=self.user.username,
            name=self.user.full_name,
            values=candidate_values(self.user),
            wishes=[
                WishData(
                    code=a.program.sis_code,
                    period=a.campaign.pegase_period.code,
                    label=a.program.label,
                )
                for a in self.applications
            ],
        )

    def held_back_findings(self) -> list[Finding]:
        return [
            Finding(
                self.user.username,
                self.user.full_name,
                "code_voeu",
                ("no_pegase_code",),
                detail=a.program.label,
            )
            for a in self.held_back
        ]


@dataclass
class Selection:
    campaign: Campaign | None
    candidates: list[SelectedCandidate] = field(default_factory=list)
    skipped: list[Finding] = field(default_factory=list)
    # [{"program": Program, "count": confirmed wishes not sent}]
    programs_without_code: list[dict] = field(default_factory=list)
    # Exported wishes that are no longer registrations: to cancel in Pégase by hand.
    withdrawn_after_export: list = field(default_factory=list)
    day: date | None = None

    @property
    def period(self):
        return self.campaign.pegase_period if self.campaign else None

    @property
    def applications(self) -> list:
        return [a for c in self.candidates for a in c.applications]

    @property
    def day_code(self) -> str:
        return (self.day or timezone.localdate()).strftime("%Y%m%d")


_RELATED = (
    "candidate",
    "candidate__personal_information",
    "candidate__personal_information__nationality",
    "candidate__personal_information__birth_country",
    "candidate__personal_information__birth_commune",
    "candidate__address",
    "candidate__address__country",
    "candidate__baccalaureate",
    "program",
    "campaign",
    "campaign__pegase_period",
)


def _skip_reason(user, today: date) -> str | None:
    if not hasattr(user, "personal_information"):
        return "no_personal_information"
    if not hasattr(user, "address"):
        return "no_address"
    bac = getattr(user, "baccalaureate", None)
    if bac is not None and bac.year and bac.year > today.year:
        return "bac_year_future"
    return None


def select(queryset, *, everything: bool = False, today: date | None = None) -> Selection:
    """The candidates and wishes of the export among ``queryset`` (applications, already
    scoped to the reader): the day's files, or ``everything`` confirmed in the campaign."""
    today = today or timezone.localdate()
    campaign = active_campaign()
    selection = Selection(campaign, day=today)
    if campaign is None:
        return selection
    registrations = confirmed_registrations(queryset.filter(campaign=campaign))
    without_code = registrations.filter(program__sis_code="")
    counts = dict(
        without_code.order_by()
        .values_list("program")
        .annotate(n=Count("pk"))
        .values_list("program", "n")
    )
    selection.programs_without_code = [
        {"program": program, "count": counts[program.pk]}
        for program in Program.objects.filter(pk__in=counts).select_related("centre")
    ]
    selection.programs_without_code.sort(key=lambda p: (-p["count"], p["program"].label_fr))
    # Exported, then no longer a registration (a program that lost its code after the
    # export is held back above, not withdrawn).
    selection.withdrawn_after_export = list(
        queryset.filter(campaign=campaign, registration_exported_at__isnull=False)
        .exclude(pk__in=registrations.values("pk"))
        .select_related("candidate", "program")
        .order_by("registration_exported_at", "pk")
    )
    exportable = registrations.exclude(program__sis_code="")
    if campaign.pegase_period_id is None:
        exportable = exportable.none()
    if not everything:
        due = exportable.filter(
            Q(registration_exported_at__isnull=True) | Q(registration_exported_at__date=today)
        )
        exportable = exportable.filter(candidate__in=due.values("candidate"))
    wishes = exportable.select_related(*_RELATED).order_by("answered_at", "pk")
    by_candidate: dict[int, SelectedCandidate] = {}
    for application in wishes:
        by_candidate.setdefault(
            application.candidate_id, SelectedCandidate(application.candidate, [])
        ).applications.append(application)
    for application in (
        without_code.filter(candidate__in=list(by_candidate))
        .select_related("program")
        .order_by("answered_at", "pk")
    ):
        by_candidate[application.candidate_id].held_back.append(application)
    for candidate in by_candidate.values():
        reason = _skip_reason(candidate.user, today)
        if reason is None:
            selection.candidates.append(candidate)
            continue
        logger.warning(
            "Registration export: candidate %s held back (%s)", candidate.user.username, reason
        )
        selection.skipped.append(
            Finding(candidate.user.username, candidate.user.full_name, "", (reason,))
        )
    return selection


@dataclass
class Export:
    """What an export of a selection holds: the files and their report."""

    selection: Selection
    files: dict[str, bytes]
    report: list[Finding]

    @property
    def zip_name(self) -> str:
        return f"{self.selection.day_code}.zip"


def report_of(selection: Selection, findings: list[Finding]) -> list[Finding]:
    held_back = [f for c in selection.candidates for f in c.held_back_findings()]
    return [*selection.skipped, *findings, *held_back]


def build(selection: Selection) -> Export:
    files = pegase.build_files(
        (candidate.data() for candidate in selection.candidates), day=selection.day_code
    )
    return Export(selection, files.files, report_of(selection, files.findings))


def zip_bytes(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return out.getvalue()


def export_pegase(selection: Selection, *, actor, now=None) -> Export:
    """The Pégase files of ``selection``; every wish written is marked exported now (those
    exported on an earlier day too, as eCandidat does), and the export is audited."""
    export = build(selection)
    now = now or timezone.now()
    applications = selection.applications
    Application.objects.filter(pk__in=[a.pk for a in applications]).update(
        registration_exported_at=now
    )
    record(
        codes.REGISTRATION_EXPORTED,
        actor=actor,
        data={
            "format": "pegase",
            "day": selection.day_code,
            "applications": [a.pk for a in applications],
            "candidates": len(selection.candidates),
            "report": len(export.report),
        },
    )
    return export


def as_json(selection: Selection) -> dict:
    """The same candidates, fields and wishes as the files, without the CSV step."""
    registrations, findings = [], []
    for candidate in selection.candidates:
        cleaned = pegase.clean(candidate.data(), for_csv=False)
        findings += cleaned.findings
        registrations.append(
            {
                **{column: cleaned.identity[column] for column in pegase.CANDIDAT_COLUMNS},
                "libelle_commune_naissance_etranger": cleaned.identity[
                    "libelle_commune_naissance_etranger"
                ],
                "voeux": [
                    {
                        **wish,
                        "application": application.pk,
                        "confirmed_at": application.answered_at.isoformat()
                        if application.answered_at
                        else None,
                        "exported_at": application.registration_exported_at.isoformat()
                        if application.registration_exported_at
                        else None,
                    }
                    for wish, application in zip(
                        cleaned.wishes, candidate.applications, strict=True
                    )
                ],
            }
        )
    return {
        "campaign": selection.campaign.code if selection.campaign else None,
        "code_periode": selection.period.code if selection.period else None,
        "registrations": registrations,
        "report": [f.as_dict() for f in report_of(selection, findings)],
    }


def record_api_read(*, actor, client: str, count: int) -> None:
    record(codes.REGISTRATION_API, actor=actor, data={"client": client, "count": count})


def record_api_refusal(*, actor, reason: str) -> None:
    """The reason and the client address only: never the header, which holds the secret."""
    record(codes.REGISTRATION_API_REFUSED, actor=actor, data={"reason": reason})
