"""Registration export ("OPI"): confirmed candidates sent to the student information system.

Pégase imports CSV files; the format follows what eCandidat writes (see
docs/registration-export.md): UTF-8, ``;``-separated, a header row, one file per kind.
Unlike eCandidat, values are cleaned of separators and line breaks instead of being
escaped in a way that breaks the row, and a foreign address keeps its town. The files are
opened in spreadsheets too: a value starting like a formula gets a leading single quote
(``exports.neutralise``); the JSON for the SIS keeps the values as typed.
"""

import csv
import io
import zipfile

from django.conf import settings
from django.db.models import Exists, OuterRef
from django.utils import timezone

from ecandidat.applications.enums import CandidateAnswer
from ecandidat.applications.models import Application
from ecandidat.audit import codes
from ecandidat.audit.services import record
from ecandidat.decisions.models import Decision

from .writers import CsvWriter

MAX_WISHES = 5  # the single-file (Pégase v28+) format has five wish groups
# The API token opens every confirmed registration of the institution: shorter than this,
# it could be guessed, so it is ignored (checks.py warns at start-up).
API_TOKEN_MIN_LENGTH = 32


def api_token() -> str:
    """The REGISTRATION_API_TOKEN in force: "" (token access off) when unset or too short."""
    token = settings.REGISTRATION_API_TOKEN or ""
    return token if len(token) >= API_TOKEN_MIN_LENGTH else ""


def confirmed_registrations(queryset):
    """Confirmed applications whose latest validated decision asks for a registration."""
    latest_registration = Decision.objects.filter(
        application=OuterRef("pk"), validated_at__isnull=False
    ).order_by("-validated_at", "-id")
    return (
        queryset.filter(answer=CandidateAnswer.CONFIRMED)
        .annotate(
            registration=Exists(latest_registration.filter(decision_type__registration=True)[:1])
        )
        .filter(registration=True)
        .select_related(
            "candidate",
            "candidate__personal_information",
            "candidate__personal_information__nationality",
            "candidate__personal_information__birth_country",
            "candidate__personal_information__birth_commune",
            "candidate__address",
            "candidate__address__country",
            "candidate__address__commune",
            "program",
            "campaign",
        )
        .order_by("answered_at", "pk")
    )


def _clean(value, limit: int | None = None) -> str:
    text = " ".join(str(value or "").replace(";", " ").replace('"', " ").split())
    return text[:limit] if limit else text


def _country(country) -> str:
    code = getattr(country, "insee_code", "") or ""
    return code[2:] if code.startswith("99") and len(code) == 5 else code


def candidate_row(user) -> dict:
    info = getattr(user, "personal_information", None)
    address = getattr(user, "address", None)
    abroad_birth = info is not None and info.birth_country_id != "FR"
    foreign_address = address is not None and address.country_id != "FR"
    return {
        "numero_candidat": user.username,
        "sexe": {"M.": "M", "Mme": "F"}.get(getattr(info, "title", ""), ""),
        "nom_famille": _clean(user.last_name, 100),
        "nom_usuel": _clean(getattr(info, "married_name", ""), 100),
        "prenom": _clean(user.first_name, 100),
        "prenom2": _clean(getattr(info, "other_first_name", ""), 100),
        "prenom3": "",
        "date_naissance": info.birth_date.strftime("%d/%m/%Y") if info else "",
        "code_pays_naissance": _country(info.birth_country) if info else "",
        "code_commune_naissance": info.birth_commune_id or "" if info else "",
        "libelle_commune_naissance": _clean(info.birth_city) if info else "",
        "libelle_commune_naissance_etranger": _clean(info.birth_city_abroad)
        if abroad_birth
        else "",
        "code_nationalite": _country(info.nationality) if info else "",
        "ine": (info.ine or "").upper() if info else "",
        "adresse_code_pays": _country(address.country) if address else "",
        "adresse_ligne1_etage": _clean(getattr(address, "line2", ""), 38),
        "adresse_ligne2_batiment": _clean(getattr(address, "line3", ""), 38),
        "adresse_ligne3_voie": _clean(getattr(address, "line1", ""), 38),
        "adresse_ligne4_complement": "",
        "adresse_ligne5_etranger": _clean(f"{address.postal_code} {address.town_abroad}", 38)
        if foreign_address
        else "",
        "adresse_code_postal": address.postal_code if address and not foreign_address else "",
        "adresse_code_commune": (address.commune_id or "") if address else "",
        "numero_telephone1": getattr(info, "phone", "") or "",
        "numero_telephone2": getattr(info, "mobile", "") or "",
        "courriel": user.email,
    }


def wish_row(application) -> dict:
    return {
        "numero_candidat": application.candidate.username,
        "origine_admission": "EC",
        "voie_admission": "",
        "annee_concours": "",
        "code_voeu": _clean(application.program.sis_code or application.program.code, 50),
        "code_periode": _clean(application.campaign.code),
        "code_formation_psup": "",
        "code_sise": "",
        "code_etablissement_affectation": "",
    }


def _csv(rows: list[dict], columns: list[str]) -> bytes:
    out = io.StringIO()
    # The CSV dialect is Pégase's (docs/registration-export.md) and must not change; the
    # only change to a value is exports.neutralise's leading quote on a formula-like one.
    writer = CsvWriter(
        out, delimiter=";", quoting=csv.QUOTE_NONE, escapechar="\\", lineterminator="\n"
    )
    writer.writerow(columns)
    for row in rows:
        writer.writerow([row.get(c, "") for c in columns])
    return out.getvalue().encode("utf-8")


def pegase_files(applications) -> dict[str, bytes]:
    """The three Pégase files for these (confirmed) applications."""
    applications = list(applications)
    day = timezone.localdate().strftime("%Y%m%d")
    candidates, wishes = {}, []
    for application in applications:
        candidates.setdefault(application.candidate_id, (application.candidate, []))[1].append(
            application
        )
        wishes.append(wish_row(application))
    candidate_rows = [candidate_row(user) for user, _apps in candidates.values()]
    candidate_columns = (
        [c for c in candidate_rows[0] if c != "libelle_commune_naissance_etranger"]
        if candidate_rows
        else []
    )
    wish_columns = list(wishes[0]) if wishes else []
    single = []
    for user, apps in candidates.values():
        base = candidate_row(user)
        row = {
            "nom_naissance": base["nom_famille"],
            "nom_usage": base["nom_usuel"],
            "prenom": base["prenom"],
            "prenom2": base["prenom2"],
            "prenom3": "",
            "sexe": base["sexe"],
            "date_naissance": base["date_naissance"],
            "code_pays_naissance": base["code_pays_naissance"],
            "code_commune_naissance": base["code_commune_naissance"],
            "libelle_commune_naissance_etranger": base["libelle_commune_naissance_etranger"],
            "code_nationalite": base["code_nationalite"],
            "ine": base["ine"],
            "adresse_code_pays": base["adresse_code_pays"],
            "adresse_ligne1_etage": base["adresse_ligne1_etage"],
            "adresse_ligne2_batiment": base["adresse_ligne2_batiment"],
            "adresse_ligne3_voie": base["adresse_ligne3_voie"],
            "adresse_ligne4_complement": "",
            "adresse_ligne5_etranger": base["adresse_ligne5_etranger"],
            "adresse_code_postal": base["adresse_code_postal"],
            "adresse_code_commune": base["adresse_code_commune"],
            "numero_telephone1": base["numero_telephone1"],
            "numero_telephone2": base["numero_telephone2"],
            "mail": base["courriel"],
        }
        for k in range(1, MAX_WISHES + 1):
            wish = wish_row(apps[k - 1]) if k <= len(apps) else {}
            row[f"origine_admission{k}"] = wish.get("origine_admission", "")
            row[f"annee_concours{k}"] = ""
            row[f"code_voeu{k}"] = wish.get("code_voeu", "")
            row[f"code_periode{k}"] = wish.get("code_periode", "")
        single.append(row)
    return {
        f"candidat-{day}.csv": _csv(candidate_rows, candidate_columns),
        f"candidature-{day}.csv": _csv(wishes, wish_columns),
        f"inscription-{day}.csv": _csv(single, list(single[0]) if single else []),
    }


def pegase_zip(applications) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in pegase_files(applications).items():
            archive.writestr(name, content)
    return out.getvalue()


def as_json(applications) -> list[dict]:
    return [
        {
            **candidate_row(a.candidate),
            "wish": wish_row(a),
            "application": a.pk,
            "program": a.program.code,
            "confirmed_at": a.answered_at.isoformat() if a.answered_at else None,
            "exported_at": a.registration_exported_at.isoformat()
            if a.registration_exported_at
            else None,
        }
        for a in applications
    ]


def mark_exported(applications) -> None:
    Application.objects.filter(
        pk__in=[a.pk for a in applications], registration_exported_at=None
    ).update(registration_exported_at=timezone.now())


def export_pegase(applications: list, *, actor) -> bytes:
    """The Pégase files of ``applications`` as one ZIP, marked exported and audited."""
    content = pegase_zip(applications)
    mark_exported(applications)
    record(
        codes.REGISTRATION_EXPORTED,
        actor=actor,
        data={"applications": [a.pk for a in applications], "format": "pegase"},
    )
    return content


def record_api_read(*, actor, client: str, count: int) -> None:
    record(codes.REGISTRATION_API, actor=actor, data={"client": client, "count": count})


def record_api_refusal(*, actor, reason: str) -> None:
    """The reason and the client address only: never the header, which holds the secret."""
    record(codes.REGISTRATION_API_REFUSED, actor=actor, data={"reason": reason})
