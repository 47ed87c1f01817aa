"""A university's worth of data for benchmarks and load tests: ``manage.py generate_volume``.

``generate(candidates=30_000, applications=100_000)`` builds, beside whatever the database
holds, a catalogue of some 200 programs in ten centres (volume_catalog.py), an active campaign
(the one already active, if any) and last year's, archived, and candidates with complete
dossiers and applications spread as a results evening finds them: not yet transmitted,
received, incomplete, complete, cancelled; documents uploaded, validated, refused or "not
concerned"; decisions of every kind, entered or validated, some with an earlier one
(preselection, complementary list then promotion); offers confirmed, withdrawn or awaiting
an answer before their deadline; audit rows for each step.

It is bulk-created (``bulk_create`` in batches, PostgreSQL's ``COPY`` for the largest tables,
one transaction per thousand candidates), not run through the services: no email, no
per-row signal, minutes rather than hours at 100,000 applications. What the services
maintain is brought in line afterwards the way a bulk import must
(``refresh_decision_kind``, ``ANALYZE``, the caches). The random choices follow a seed, so two runs
with the same arguments build the same data.

Everything generated is recognisable, so a second run neither doubles it nor touches
anything else: candidates are ``VL000001``, ``VL000002``... and staff ``volume.*``, all at
``@volume.example.org``; catalogue codes start with ``VOL-``. A run that finds the same volume
already there does nothing; one asked for another volume deletes the generated accounts and
their rows first (``delete()``). Every account has the same known password: this is for test
and measurement databases only.

Uploaded documents are rows (name, size, hash) pointing at two small files stored once
(``documents/volume/``): the storage holds two files, not 190,000. Replacing or removing
one of them through the site may delete the shared content: ``ensure_samples`` (every run)
stores it again.
"""

# Random choices shape generated data here; nothing secret comes from them.
# ruff: noqa: S311

import hashlib
import random
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.contrib.auth.hashers import make_password
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from ecandidat.accounts.enums import Language, StaffRole, UserKind
from ecandidat.accounts.models import IssuedDossierNumber, RoleAssignment, User
from ecandidat.applications.enums import (
    NO_ANSWER,
    CandidateAnswer,
    DecisionKind,
    DocumentStatus,
    FileStatus,
    ScanStatus,
)
from ecandidat.applications.models import Answer, Application, ApplicationDocument, CandidateFile
from ecandidat.audit import codes
from ecandidat.audit.models import AuditEvent
from ecandidat.catalog.enums import CampaignStatus, QuestionKind, Treatment
from ecandidat.catalog.models import Campaign, Centre, Commission, DocumentType, Program, Question
from ecandidat.common.cache import forget_model
from ecandidat.decisions.enums import DecisionOrigin
from ecandidat.decisions.models import Decision, DecisionReason, DecisionType
from ecandidat.decisions.services import refresh_decision_kind
from ecandidat.dossier.enums import StudyResult, Title, TrainingLevel
from ecandidat.dossier.ine import bea_key
from ecandidat.dossier.models import (
    Address,
    Baccalaureate,
    Internship,
    LocalStudy,
    NonLocalStudy,
    PersonalInformation,
    WorkExperience,
)
from ecandidat.dossier.services import forget_summaries
from ecandidat.notifications.models import OutboxEmail
from ecandidat.referentials.models import Commune, Country, HighSchool, Honours, PostalCode
from ecandidat.review.models import Note, Tag

from . import volume_catalog as catalog
from .applications import sample_jpeg, sample_pdf

PREFIX = "VL"  # + 6 digits: a dossier number (8 characters)
STAFF_PREFIX = "volume."
DOMAIN = "volume.example.org"
DEFAULT_PASSWORD = "volume-ecandidat-2026"  # noqa: S105 - known on purpose (docstring)
MAX_CANDIDATES = 999_999
SAMPLE_PDF = "documents/volume/sample.pdf"
SAMPLE_JPEG = "documents/volume/sample.jpg"
CHUNK = 1000  # candidates per transaction
BATCH = 2000  # rows per INSERT
PREVIOUS_SHARE = 0.15  # of the applications, in last year's campaign

# (login, last name, first name, role, centre, commission): scoped to the first centre's
# masters, so the benchmarks can compare a narrow scope with the whole campaign.
STAFF = [
    ("volume.admin", "ADMIN", "Volume", StaffRole.ADMINISTRATOR, None, None),
    ("volume.central", "CENTRALE", "Volume", StaffRole.CENTRAL_OFFICE, None, None),
    ("volume.manager", "GESTION", "Volume", StaffRole.CENTRE_MANAGER, "SCI", None),
    ("volume.member", "COMMISSION", "Volume", StaffRole.COMMISSION_MEMBER, "SCI", "SCI-M"),
]

# Shares, as weights (they need not add up to 100).
ACTIVE_STATUSES = {
    FileStatus.WAITING: 22,
    FileStatus.RECEIVED: 18,
    FileStatus.INCOMPLETE: 5,
    FileStatus.COMPLETE: 50,
    FileStatus.CANCELLED: 5,
}
PREVIOUS_STATUSES = {
    FileStatus.WAITING: 8,
    FileStatus.INCOMPLETE: 2,
    FileStatus.COMPLETE: 80,
    FileStatus.CANCELLED: 10,
}
ACTIVE_KINDS = {
    DecisionKind.FAVOURABLE: 35,
    DecisionKind.UNFAVOURABLE: 30,
    DecisionKind.COMPLEMENTARY_LIST: 15,
    DecisionKind.WAITING_LIST: 10,
    DecisionKind.PRESELECTION: 10,
}
PREVIOUS_KINDS = {
    DecisionKind.FAVOURABLE: 40,
    DecisionKind.UNFAVOURABLE: 40,
    DecisionKind.COMPLEMENTARY_LIST: 15,
    DecisionKind.WAITING_LIST: 5,
}
LEVELS = {"LIC": 45, "MAS": 35, "LP": 15, "DU": 5}
REFUSAL_COMMENTS = ["Document illisible.", "Pièce incomplète.", "Relevé du semestre 2 manquant."]


def _weighted(rng: random.Random, weights: dict):
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _between(rng: random.Random, start: datetime, end: datetime) -> datetime:
    if end <= start:
        return start
    return start + (end - start) * rng.random()


def _ascii(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(c for c in plain.lower() if c.isalnum())


def dossier_number(index: int) -> str:
    return f"{PREFIX}{index + 1:06d}"


def generated_candidates():
    return User.objects.filter(
        kind=UserKind.CANDIDATE, username__startswith=PREFIX, email__endswith=f"@{DOMAIN}"
    )


def generated_users():
    """The generated candidates and staff: the login pattern and the address domain both."""
    return User.objects.filter(
        Q(kind=UserKind.CANDIDATE, username__startswith=PREFIX)
        | Q(kind=UserKind.STAFF, username__startswith=STAFF_PREFIX),
        email__endswith=f"@{DOMAIN}",
    )


def generated_applications():
    return Application.objects.filter(candidate__in=generated_candidates())


def present() -> tuple[int, int]:
    """(candidates, applications) generated and in the database."""
    return generated_candidates().count(), generated_applications().count()


@contextmanager
def explicit_timestamps() -> Iterator[None]:
    """Let bulk_create write the dates we give instead of "now": the generated history spans
    a campaign, and ``auto_now_add`` would stamp every row with the same second."""
    fields = [
        Application._meta.get_field("created_at"),
        CandidateFile._meta.get_field("uploaded_at"),
        Decision._meta.get_field("entered_at"),
    ]
    saved = [(f, f.auto_now, f.auto_now_add) for f in fields]
    for f in fields:
        f.auto_now = f.auto_now_add = False
    try:
        yield
    finally:
        for f, auto_now, auto_now_add in saved:
            f.auto_now, f.auto_now_add = auto_now, auto_now_add


def ensure_samples() -> dict[str, tuple[int, str]]:
    """Store the two shared contents (again, if a replaced document took one away): name →
    (size, sha256)."""
    found = {}
    for name, build in ((SAMPLE_PDF, sample_pdf), (SAMPLE_JPEG, sample_jpeg)):
        content = build()
        if not default_storage.exists(name):
            stored = default_storage.save(name, ContentFile(content))
            if stored != name:  # a storage that renames would leave the rows pointing nowhere
                raise RuntimeError(f"the storage saved {name} as {stored}")
        found[name] = (len(content), hashlib.sha256(content).hexdigest())
    return found


def insert_rows(model, columns: list[str], rows: list[tuple]) -> None:
    """Insert plain rows (values in the order of ``columns``, attribute names) without a model
    instance each: COPY on PostgreSQL, executemany elsewhere. For the largest tables, where
    building and compiling an instance per row was most of the time. The database's
    constraints check them as they check any row."""
    if not rows:
        return
    fields = [model._meta.get_field(column) for column in columns]
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    names = ", ".join(quote(field.column) for field in fields)
    prepared = (
        tuple(
            field.get_db_prep_save(value, connection)
            for field, value in zip(fields, row, strict=True)
        )
        for row in rows
    )
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in prepared:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(fields))
            # Names from the model's metadata, values as parameters.
            sql = f"INSERT INTO {table} ({names}) VALUES ({marks})"  # noqa: S608
            cursor.executemany(sql, list(prepared))


# --------------------------------------------------------------------------- deletion


def delete(log: Callable[[str], None] = print) -> int:
    """Delete every generated account and what hangs from it, table by table (a cascade
    through Django's collector would load every row first). The catalogue stays. Returns
    the number of accounts deleted."""
    users = generated_users()
    user_ids = list(users.values_list("pk", flat=True))
    if not user_ids:
        return 0
    applications = Application.objects.filter(candidate__in=users)
    application_ids = [str(pk) for pk in applications.values_list("pk", flat=True)]
    with transaction.atomic():
        AuditEvent.objects.filter(actor__in=users)._raw_delete(AuditEvent.objects.db)
        for start in range(0, len(application_ids), 5000):
            AuditEvent.objects.filter(
                target_type="applications.application",
                target_id__in=application_ids[start : start + 5000],
            )._raw_delete(AuditEvent.objects.db)
        OutboxEmail.objects.filter(user__in=users)._raw_delete(OutboxEmail.objects.db)
        tags = Tag.applications.through.objects.filter(application__in=applications)
        tags._raw_delete(tags.db)
        for model in (Note, Decision, Answer, ApplicationDocument):
            model.objects.filter(application__in=applications)._raw_delete(model.objects.db)
        CandidateFile.objects.filter(owner__in=users)._raw_delete(CandidateFile.objects.db)
        applications._raw_delete(applications.db)
        specialities = Baccalaureate.specialities.through.objects.filter(
            baccalaureate__user__in=users
        )
        specialities._raw_delete(specialities.db)
        for dossier_model in (
            PersonalInformation,
            Address,
            Baccalaureate,
            LocalStudy,
            NonLocalStudy,
            Internship,
            WorkExperience,
            RoleAssignment,
        ):
            rows = dossier_model.objects.filter(user__in=users)
            rows._raw_delete(rows.db)
        # What is left (sessions, tokens, preferences...) is small: the collector's way.
        User.objects.filter(pk__in=user_ids).delete()
        forget_summaries(user_ids)
    log(f"deleted {len(user_ids)} generated accounts and their {len(application_ids)} applications")
    return len(user_ids)


# --------------------------------------------------------------------------- references


@dataclass
class ProgramInfo:
    pk: int
    code: str
    kind: str  # training type code
    treatment: str
    documents: list[tuple[int, bool, bool, bool]]  # id, common, conditional, identity
    questions: list[tuple[int, str]]  # id, kind


class References:
    """What the rows point at, read once: referentials, catalogue, decision types, staff."""

    def __init__(self, rng: random.Random, programs: list[Program]):
        places = list(
            PostalCode.objects.filter(commune__department_id__in=catalog.DEPARTMENTS)
            .values_list("commune_id", "commune__department_id", "code")
            .order_by("commune_id", "code")
        )
        if not places or not Country.objects.filter(iso2="FR").exists():
            raise RuntimeError(
                "The reference data is missing: run `manage.py import_referentials` first."
            )
        by_department: dict[str, list[tuple[str, str]]] = {}
        for commune, department, postal_code in places:
            by_department.setdefault(department, []).append((commune, postal_code))
        self.departments = {d: w for d, w in catalog.DEPARTMENTS.items() if d in by_department}
        self.places = by_department
        self.schools: dict[str, list[str]] = {}
        for uai, department in HighSchool.objects.filter(
            department_id__in=self.departments
        ).values_list("uai", "department_id"):
            self.schools.setdefault(department, []).append(uai)
        known = set(
            Country.objects.filter(iso2__in=catalog.FOREIGN_NAMES).values_list("iso2", flat=True)
        )
        self.countries = sorted(known)
        self.honours = list(Honours.objects.values_list("code", flat=True))
        self.commune_names = dict(
            Commune.objects.filter(department_id__in=self.departments).values_list(
                "insee_code", "name"
            )
        )
        self.types, self.type_codes = {}, {}
        for kind in DecisionKind.values:
            found = (
                DecisionType.objects.filter(kind=kind, centre__isnull=True, in_service=True)
                .order_by("pk")
                .first()
            )
            if found is None:
                found = DecisionType.objects.create(
                    code=f"VOL-{kind[:12]}", kind=kind, label_fr=kind, label_en=kind
                )
            self.types[kind], self.type_codes[found.pk] = found.pk, found.code
        self.reasons = list(DecisionReason.objects.values_list("pk", flat=True))
        self.programs = []
        identity = catalog.IDENTITY_DOCUMENT
        for program in programs:
            documents = [
                (d.pk, d.common, d.conditional, d.label_fr == identity)
                for d in DocumentType.objects.for_program(program).order_by("order", "pk")
            ]
            questions = [
                (q.pk, q.kind)
                for q in Question.objects.for_program(program).order_by("order", "pk")
            ]
            self.programs.append(
                ProgramInfo(
                    program.pk,
                    program.code,
                    program.training_type.code,
                    program.treatment,
                    documents,
                    questions,
                )
            )
        # Some programs draw far more candidates than others.
        self.weights = [
            catalog.POPULARITY.get(p.kind, 0.5) * rng.lognormvariate(0, 0.8) for p in self.programs
        ]
        self.by_kind: dict[str, list[int]] = {}
        for index, program_info in enumerate(self.programs):
            self.by_kind.setdefault(program_info.kind, []).append(index)


def load_staff(password_hash: str, now) -> dict[str, User]:
    staff = {}
    centres = {c.code: c for c in Centre.objects.filter(code__startswith=catalog.CODE_PREFIX)}
    commissions = {
        c.code: c for c in Commission.objects.filter(code__startswith=catalog.CODE_PREFIX)
    }
    for login, last_name, first_name, role, centre, commission in STAFF:
        user, _created = User.objects.get_or_create(
            username=login,
            defaults={
                "kind": UserKind.STAFF,
                "last_name": last_name,
                "first_name": first_name,
                "email": f"{login}@{DOMAIN}",
                "is_staff": True,
                "is_superuser": role == StaffRole.ADMINISTRATOR,
                "activated_at": now,
                "password": password_hash,
            },
        )
        RoleAssignment.objects.get_or_create(
            user=user,
            role=role,
            centre=centres.get(f"{catalog.CODE_PREFIX}{centre}") if centre else None,
            commission=commissions.get(f"{catalog.CODE_PREFIX}{commission}")
            if commission
            else None,
            defaults={"can_decide": role == StaffRole.COMMISSION_MEMBER},
        )
        staff[login] = user
    return staff


# --------------------------------------------------------------------------- generation


def application_counts(rng: random.Random, candidates: int, applications: int, most: int):
    """How many applications each candidate makes: some none (an account, never used), one
    for most, up to ``most`` for a few; ``applications`` in all."""
    applying = min(candidates, applications, max(1, round(candidates * 0.95)))
    counts = [0] * candidates
    chosen = rng.sample(range(candidates), applying)
    for index in chosen:
        counts[index] = 1
    weights = [rng.lognormvariate(0, 0.9) for _ in chosen]
    left = applications - applying
    while left > 0:
        for index in rng.choices(chosen, weights=weights, k=left):
            if counts[index] < most:
                counts[index] += 1
                left -= 1
        if all(counts[index] >= most for index in chosen):
            raise ValueError(f"{applications} applications do not fit: at most {most} each")
    return counts


class Generator:
    def __init__(self, *, candidates: int, applications: int, seed: int, password: str, log):
        self.total_candidates, self.total_applications = candidates, applications
        self.seed, self.log = seed, log
        self.password_hash = make_password(password)
        self.now = timezone.now()

    def run(self) -> None:
        rng = random.Random(self.seed)
        with transaction.atomic():
            self.active, self.previous = catalog.load_campaigns(self.now)
            programs = catalog.load_catalog(rng, self.now)
            self.staff = load_staff(self.password_hash, self.now)
        self.refs = References(rng, programs)
        self.samples = ensure_samples()
        most = min(15, len(self.refs.programs))
        counts = application_counts(rng, self.total_candidates, self.total_applications, most)
        self.ranks: Counter = Counter()
        started = timezone.now()
        for start in range(0, self.total_candidates, CHUNK):
            indexes = range(start, min(start + CHUNK, self.total_candidates))
            chunk_rng = random.Random(f"{self.seed}-{start}")
            with transaction.atomic(), explicit_timestamps():
                self.chunk(chunk_rng, indexes, counts)
            done = indexes.stop
            elapsed = (timezone.now() - started).total_seconds()
            self.log(
                f"  {done}/{self.total_candidates} candidates, "
                f"{sum(counts[:done])} applications ({elapsed:.0f} s)"
            )
        self.log("recording each application's latest validated decision...")
        refresh_decision_kind(generated_applications())
        if connection.vendor == "postgresql":
            # Statistics for the planner now, as a live database has them (autovacuum would
            # gather them some minutes later): plans measured on a fresh volume are real ones.
            with transaction.atomic(), connection.cursor() as cursor:
                # A maintenance statement: the web processes' statement timeout (30 s, which
                # the tests' process has too) does not apply to it.
                cursor.execute("SET LOCAL statement_timeout = 0")
                cursor.execute("ANALYZE")
        forget_caches()

    # ---- one chunk of candidates, their dossiers and applications

    def chunk(self, rng: random.Random, indexes: range, counts: list[int]) -> None:
        refs = self.refs
        users, profiles = [], []
        for index in indexes:
            foreign = rng.random() < 0.15
            country = rng.choice(refs.countries) if foreign and refs.countries else "FR"
            if country == "FR":
                female = rng.random() < 0.56
                last_name = rng.choice(catalog.LAST_NAMES)
                first_name = rng.choice(catalog.FIRST_NAMES_F if female else catalog.FIRST_NAMES_M)
            else:
                last_names, first_names = catalog.FOREIGN_NAMES[country]
                female = rng.random() < 0.5
                last_name, first_name = rng.choice(last_names), rng.choice(first_names)
            level = _weighted(rng, LEVELS)
            joined = self.now - timedelta(days=rng.uniform(1, 500) if counts[index] else 30)
            number = dossier_number(index)
            users.append(
                User(
                    username=number,
                    kind=UserKind.CANDIDATE,
                    last_name=last_name,
                    first_name=first_name,
                    email=f"{_ascii(first_name)}.{_ascii(last_name)}.{number.lower()}@{DOMAIN}",
                    preferred_language=Language.ENGLISH if rng.random() < 0.1 else Language.FRENCH,
                    password=self.password_hash,
                    date_joined=joined,
                    activated_at=joined + timedelta(minutes=rng.uniform(2, 600)),
                    last_login=self.now - timedelta(days=rng.uniform(0, 20)),
                )
            )
            profiles.append((index, country, female, level))
        User.objects.bulk_create(users, batch_size=BATCH)
        IssuedDossierNumber.objects.bulk_create(
            [IssuedDossierNumber(number=u.username) for u in users],
            batch_size=BATCH,
            ignore_conflicts=True,
        )
        self.dossiers(rng, users, profiles, counts)
        self.applications(rng, users, profiles, counts)

    def dossiers(self, rng, users, profiles, counts) -> None:
        refs = self.refs
        infos, addresses, bacs, studies, local, internships, jobs = [], [], [], [], [], [], []
        for user, (index, country, female, level) in zip(users, profiles, strict=True):
            if not counts[index] and rng.random() < 0.3:
                continue  # an account opened and left: no dossier yet
            age = {"LIC": 20, "LP": 21, "MAS": 23, "DU": 27}[level] + int(rng.expovariate(0.4))
            birth = date(self.now.year - age, 1, 1) + timedelta(days=rng.randrange(365))
            french = country == "FR"
            department = _weighted(rng, refs.departments)
            commune, _postal_code = rng.choice(refs.places[department])
            infos.append(
                PersonalInformation(
                    user=user,
                    nationality_id=country,
                    ine=f"{2_000_000_000 + index:010d}" + bea_key(f"{2_000_000_000 + index:010d}")
                    if french
                    else "",
                    title=Title.MS if female else Title.MR,
                    birth_date=birth,
                    birth_country_id=country,
                    birth_department_id=department if french else None,
                    birth_commune_id=commune if french else None,
                    birth_city_abroad="" if french else catalog.FOREIGN_CITIES[country],
                    mobile=f"06{rng.randrange(10**8):08d}",
                )
            )
            lives_in_france = french or rng.random() < 0.6
            home_department = _weighted(rng, refs.departments)
            home, home_postal = rng.choice(refs.places[home_department])
            addresses.append(
                Address(
                    user=user,
                    country_id="FR" if lives_in_france else country,
                    department_id=home_department if lives_in_france else None,
                    commune_id=home if lives_in_france else None,
                    postal_code=home_postal if lives_in_france else "",
                    town_abroad="" if lives_in_france else catalog.FOREIGN_CITIES[country],
                    line1=f"{rng.randint(1, 120)} {rng.choice(catalog.STREETS)}",
                )
            )
            year = birth.year + 18
            if french:
                series = (
                    "GEN"
                    if year >= 2021
                    else rng.choice(["S", "ES", "L", "STMG", "STI2D"])
                    if year >= 2013
                    else rng.choice(["S", "ES", "L", "STG"])
                )
                schools = refs.schools.get(department) or [None]
                bacs.append(
                    Baccalaureate(
                        user=user,
                        completed=True,
                        year=year,
                        series_id=series,
                        honours_id=rng.choice([*refs.honours, None, None]),
                        country_id="FR",
                        department_id=department,
                        high_school_id=rng.choice(schools),
                    )
                )
            else:
                bacs.append(
                    Baccalaureate(
                        user=user, completed=True, year=year, series_id="ETR", country_id=country
                    )
                )
            studies.extend(
                NonLocalStudy(
                    user=user,
                    country_id="FR" if french else country,
                    department_id=department if french else None,
                    commune_id=commune if french else None,
                    town_abroad="" if french else catalog.FOREIGN_CITIES[country],
                    establishment="Université de Caen Normandie"
                    if french
                    else f"Université de {catalog.FOREIGN_CITIES[country]}",
                    year=study_year,
                    training=TrainingLevel.LICENCE
                    if study_year - year <= 3
                    else TrainingLevel.MASTER,
                    description="Licence générale",
                    result=StudyResult.OBTAINED,
                )
                for study_year in range(year + 1, min(self.now.year, year + 1 + age - 19))
                if level in ("MAS", "LP") and rng.random() < 0.6
            )
            if french and rng.random() < 0.15:
                local.append(
                    LocalStudy(
                        user=user,
                        ine=f"{2_000_000_000 + index:010d}",
                        academic_year=f"{self.now.year - 2}-{self.now.year - 1}",
                        program_code=f"L{rng.randint(1, 3)}{rng.choice(['INF', 'MAT', 'DRT'])}",
                        program_label="Licence",
                        result=rng.choice(["ADM", "AJ", "ADM"]),
                    )
                )
            if rng.random() < 0.2:
                internships.append(
                    Internship(
                        user=user,
                        year=self.now.year - 1,
                        duration="8 semaines",
                        hours_per_week=35,
                        employer="Métropole Rouen Normandie",
                        description="Stage d'assistant(e) de projet.",
                    )
                )
            if age > 24 and rng.random() < 0.5:
                jobs.append(
                    WorkExperience(
                        user=user,
                        year=self.now.year - rng.randint(1, 4),
                        title="Assistant(e) administratif(ve)",
                        duration="2 ans",
                        employer="CHU de Rouen",
                    )
                )
        for model, rows in (
            (PersonalInformation, infos),
            (Address, addresses),
            (Baccalaureate, bacs),
            (NonLocalStudy, studies),
            (LocalStudy, local),
            (Internship, internships),
            (WorkExperience, jobs),
        ):
            model.objects.bulk_create(rows, batch_size=BATCH)

    def applications(self, rng, users, profiles, counts) -> None:
        refs = self.refs
        planned = []  # (application, user, program info, campaign is the active one)
        for user, (index, _country, _female, level) in zip(users, profiles, strict=True):
            choices: list[int] = []
            pool = refs.by_kind.get(level) or list(range(len(refs.programs)))
            pool_weights = [refs.weights[i] for i in pool]
            while len(choices) < counts[index]:
                if rng.random() < 0.85:
                    pick = rng.choices(pool, weights=pool_weights)[0]
                else:
                    pick = rng.choices(range(len(refs.programs)), weights=refs.weights)[0]
                if pick not in choices:
                    choices.append(pick)
            for pick in choices:
                program = refs.programs[pick]
                current = rng.random() >= PREVIOUS_SHARE
                planned.append((self.application(rng, user, program, current), program, current))
        # Decided before the applications are inserted: the offers' answers are columns of
        # the application, and the decisions take the applications' ids once they have them.
        decisions = self.decisions(rng, planned)
        Application.objects.bulk_create([a for a, _p, _c in planned], batch_size=BATCH)
        self.files_and_documents(rng, planned)
        self.answers(rng, planned)
        Decision.objects.bulk_create(decisions, batch_size=BATCH)
        self.audit(planned, decisions)

    def application(self, rng, user, program: ProgramInfo, current: bool) -> Application:
        now = self.now
        if current:
            status = _weighted(rng, ACTIVE_STATUSES)
            opened, closes = now - timedelta(days=50), now - timedelta(hours=2)
        else:
            status = _weighted(rng, PREVIOUS_STATUSES)
            opened, closes = now - timedelta(days=415), now - timedelta(days=335)
        created = _between(rng, opened, closes - timedelta(days=1))
        submitted = None
        if status in (FileStatus.RECEIVED, FileStatus.COMPLETE, FileStatus.INCOMPLETE):
            submitted = _between(rng, created + timedelta(hours=1), created + timedelta(days=10))
            submitted = min(submitted, closes)
        return Application(
            candidate=user,
            program_id=program.pk,
            campaign=self.active if current else self.previous,
            file_status=status,
            treatment=program.treatment,
            created_at=created,
            submitted_at=submitted,
            cancelled_at=_between(rng, created, closes) if status == FileStatus.CANCELLED else None,
        )

    def files_and_documents(self, rng, planned) -> None:
        files: dict[tuple, CandidateFile] = {}
        documents = []  # (application, type, key of its file or None, status, comment)
        for application, program, _current in planned:
            status = application.file_status
            submitted = status in (FileStatus.RECEIVED, FileStatus.COMPLETE, FileStatus.INCOMPLETE)
            refused = None
            if status == FileStatus.INCOMPLETE:
                required = [d for d in program.documents if not d[2]]
                refused = rng.choice(required)[0] if required else None
            for type_id, common, conditional, identity in program.documents:
                key = (application.candidate_id, type_id) if common else (id(application), type_id)
                if conditional and (rng.random() < 0.7 or not submitted):
                    uploaded = False
                    doc_status = (
                        DocumentStatus.NOT_CONCERNED
                        if submitted or rng.random() < 0.5
                        else DocumentStatus.MISSING
                    )
                else:
                    uploaded = submitted or key in files or rng.random() < 0.5
                    doc_status = {
                        FileStatus.RECEIVED: DocumentStatus.SUBMITTED,
                        FileStatus.COMPLETE: DocumentStatus.VALIDATED,
                        FileStatus.INCOMPLETE: DocumentStatus.VALIDATED,
                    }.get(status, DocumentStatus.SUBMITTED if uploaded else DocumentStatus.MISSING)
                    if type_id == refused:
                        doc_status = DocumentStatus.REFUSED
                if uploaded and key not in files:
                    name = SAMPLE_JPEG if identity else SAMPLE_PDF
                    size, sha256 = self.samples[name]
                    files[key] = CandidateFile(
                        owner_id=application.candidate_id,
                        document_type_id=type_id,
                        file=name,
                        original_name="piece-identite.jpg" if identity else "document.pdf",
                        content_type="image/jpeg" if identity else "application/pdf",
                        size=size,
                        sha256=sha256,
                        scan_status=ScanStatus.NOT_SCANNED,
                        uploaded_at=_between(
                            rng, application.created_at, application.submitted_at or self.now
                        ),
                    )
                comment = (
                    rng.choice(REFUSAL_COMMENTS) if doc_status == DocumentStatus.REFUSED else ""
                )
                documents.append(
                    (application, type_id, key if uploaded else None, doc_status, comment)
                )
        CandidateFile.objects.bulk_create(list(files.values()), batch_size=BATCH)
        insert_rows(
            ApplicationDocument,
            ["application_id", "document_type_id", "file_id", "status", "comment"],
            [
                (application.pk, type_id, files[key].pk if key else None, doc_status, comment)
                for application, type_id, key, doc_status, comment in documents
            ],
        )

    def answers(self, rng, planned) -> None:
        rows = []
        for application, program, _current in planned:
            if application.submitted_at is None and rng.random() < 0.5:
                continue
            for question_id, kind in program.questions:
                yes_no = kind == QuestionKind.YES_NO
                rows.append(
                    (
                        application.pk,
                        question_id,
                        rng.random() < 0.3 if yes_no else None,
                        "" if yes_no else rng.choice(catalog.CAREER_PLANS),
                        False,
                        application.submitted_at or application.created_at,
                    )
                )
        insert_rows(
            Answer,
            ["application_id", "question_id", "yes_no", "text", "not_concerned", "updated_at"],
            rows,
        )

    def decisions(self, rng, planned) -> list[Decision]:
        refs, now = self.refs, self.now
        member = self.staff["volume.member"]
        rows, offers = [], []
        for application, program, current in planned:
            if application.file_status != FileStatus.COMPLETE:
                continue
            base = application.submitted_at
            end = now - timedelta(minutes=30) if current else now - timedelta(days=300)
            if program.treatment == Treatment.DIRECT:
                moment = _between(rng, base, min(end, base + timedelta(days=3)))
                rows.append(
                    Decision(
                        application=application,
                        decision_type_id=refs.types[DecisionKind.FAVOURABLE],
                        automatic=DecisionOrigin.DIRECT_ACCESS,
                        entered_at=moment,
                        validated_at=moment,
                    )
                )
                offers.append((application, moment, current))
                continue
            roll = rng.random()
            if current and roll >= 0.8:
                continue  # not examined yet
            kind = _weighted(rng, ACTIVE_KINDS if current else PREVIOUS_KINDS)
            entered = _between(rng, base + timedelta(days=1), end)
            validated = _between(rng, entered, min(end, entered + timedelta(days=2)))
            if current and roll >= 0.7:
                validated = None  # entered, waiting for its validation
            earlier = None
            if validated and kind in (DecisionKind.FAVOURABLE, DecisionKind.UNFAVOURABLE):
                if rng.random() < 0.15:
                    earlier = DecisionKind.PRESELECTION
                elif kind == DecisionKind.FAVOURABLE and rng.random() < 0.1:
                    earlier = DecisionKind.COMPLEMENTARY_LIST
            if earlier:
                first = _between(rng, base, entered)
                rows.append(self.decision(rng, application, program, earlier, first, first, member))
            decision = self.decision(rng, application, program, kind, entered, validated, member)
            if earlier == DecisionKind.COMPLEMENTARY_LIST:
                decision.automatic = DecisionOrigin.PROMOTION
                decision.entered_by = decision.validated_by = None
            rows.append(decision)
            if validated and kind == DecisionKind.FAVOURABLE:
                offers.append((application, validated, current))
        self.offers(rng, offers)
        return rows

    def decision(self, rng, application, program, kind, entered, validated, member) -> Decision:
        decision = Decision(
            application=application,
            decision_type_id=self.refs.types[kind],
            entered_by=member,
            entered_at=entered,
            validated_by=member if validated else None,
            validated_at=validated,
        )
        if kind == DecisionKind.UNFAVOURABLE and self.refs.reasons:
            decision.reason_id = rng.choice(self.refs.reasons)
        elif kind == DecisionKind.COMPLEMENTARY_LIST:
            self.ranks[(program.pk, application.campaign_id)] += 1
            decision.rank = self.ranks[(program.pk, application.campaign_id)]
        elif kind == DecisionKind.PRESELECTION:
            decision.preselection_at = entered + timedelta(days=rng.randint(5, 15))
            decision.preselection_place = rng.choice(catalog.PRESELECTION_PLACES)
        return decision

    def offers(self, rng, offers) -> None:
        """The candidates' answers to favourable decisions, on the applications."""
        for application, validated, current in offers:
            roll = rng.random()
            if current:
                answer = (
                    CandidateAnswer.CONFIRMED
                    if roll < 0.4
                    else CandidateAnswer.WITHDRAWN
                    if roll < 0.52
                    else NO_ANSWER
                )
            else:
                answer = CandidateAnswer.CONFIRMED if roll < 0.6 else CandidateAnswer.WITHDRAWN
            if answer == NO_ANSWER:
                # Awaiting an answer: the deadline is still ahead (results night).
                application.confirmation_deadline = self.now + timedelta(days=rng.uniform(1, 8))
            else:
                application.confirmation_deadline = validated + timedelta(days=8)
                application.answer = answer
                application.answered_at = _between(
                    rng, validated, min(self.now, validated + timedelta(days=5))
                )
                if answer == CandidateAnswer.WITHDRAWN:
                    application.withdrawal_reason = rng.choice(catalog.WITHDRAWAL_REASONS)
                elif not current and rng.random() < 0.8:
                    application.registration_exported_at = application.answered_at + timedelta(
                        days=1
                    )

    def audit(self, planned, decisions: list[Decision]) -> None:
        """The audit rows the services would have written for the main steps."""
        target = "applications.application"
        rows = [
            (
                decision.validated_at,
                decision.validated_by_id,
                decision.validated_by.username if decision.validated_by else "system",
                codes.DECISION_VALIDATED,
                target,
                str(decision.application_id),
                {"decision": decision.pk, "type": self.refs.type_codes[decision.decision_type_id]},
            )
            for decision in decisions
            if decision.validated_at
        ]
        for application, program, _current in planned:
            candidate, pk = application.candidate, str(application.pk)
            steps = [(application.created_at, codes.APPLICATION_CREATED, {"program": program.code})]
            if application.submitted_at:
                steps.append((application.submitted_at, codes.APPLICATION_SUBMITTED, {}))
            if application.answer:
                steps.append((application.answered_at, codes.answered(application.answer), {}))
            rows.extend(
                (moment, candidate.pk, candidate.username, action, target, pk, data)
                for moment, action, data in steps
            )
        insert_rows(
            AuditEvent,
            ["created_at", "actor_id", "actor_label", "action", "target_type", "target_id", "data"],
            rows,
        )


def forget_caches() -> None:
    """What the services' signals would have forgotten: the cached catalogue lists and the
    generated candidates' sidebar summaries (bulk writes send no signal). Targeted rather
    than ``cache.clear()``: with Redis the cache also holds the sessions and rate limits."""
    for model in (Campaign, DocumentType, DecisionType, DecisionReason):
        forget_model(model)
    forget_summaries(list(generated_candidates().values_list("pk", flat=True)))


def generate(
    *,
    candidates: int,
    applications: int,
    seed: int = 2026,
    password: str = DEFAULT_PASSWORD,
    replace: bool = False,
    log: Callable[[str], None] = print,
) -> bool:
    """Generate the volume unless it is there already (True when it was generated)."""
    if not 0 < candidates <= MAX_CANDIDATES:
        raise ValueError(f"between 1 and {MAX_CANDIDATES} candidates")
    if applications < 0:
        raise ValueError("a number of applications, 0 or more")
    if not replace and present() == (candidates, applications):
        ensure_samples()
        log(f"{candidates} generated candidates and {applications} applications already there")
        return False
    delete(log)
    started = timezone.now()
    log(f"generating {candidates} candidates and {applications} applications...")
    Generator(
        candidates=candidates, applications=applications, seed=seed, password=password, log=log
    ).run()
    log(f"done in {(timezone.now() - started).total_seconds():.0f} s")
    return True


def personas(*, password: str = DEFAULT_PASSWORD, limit: int = 5000) -> dict:
    """Who the load test plays (scripts/loadtest/): candidates of the active campaign with
    an application still to complete (the documents it misses), candidates with a decision
    to read, and those with an offer awaiting their answer before its deadline."""
    now = timezone.now()
    current = generated_applications().filter(campaign__status=CampaignStatus.ACTIVE)
    deadline: dict[str, dict] = {}
    missing = (
        ApplicationDocument.objects.filter(
            application__in=current.filter(
                file_status=FileStatus.WAITING,
                program__opens_at__lte=now,
                program__closes_at__gt=now,
            ),
            status=DocumentStatus.MISSING,
            document_type__conditional=False,
        )
        .order_by("application__candidate__username", "application_id", "document_type_id")
        .values_list("application__candidate__username", "application_id", "document_type_id")
    )
    for login, application_id, type_id in missing.iterator():
        entry = deadline.setdefault(login, {"login": login, "application": application_id})
        if entry["application"] == application_id:
            entry.setdefault("documents", []).append(type_id)
        if len(deadline) > limit:
            break
    readers = (
        current.exclude(decision_kind="")
        .exclude(decision_kind=DecisionKind.FAVOURABLE, answer=NO_ANSWER)
        .order_by("candidate__username", "pk")
        .values_list("candidate__username", "pk")
    )
    offers = (
        current.filter(
            decision_kind=DecisionKind.FAVOURABLE,
            answer=NO_ANSWER,
            confirmation_deadline__gt=now + timedelta(hours=1),
        )
        .order_by("candidate__username", "pk")
        .values_list("candidate__username", "pk")
    )

    def one_each(rows) -> list[dict]:
        found: dict[str, dict] = {}
        for login, application_id in rows.iterator():
            found.setdefault(login, {"login": login, "application": application_id})
            if len(found) >= limit:
                break
        return list(found.values())

    return {
        "password": password,
        "staff": [login for login, *_rest in STAFF],
        "deadline": list(deadline.values())[:limit],
        "readers": one_each(readers),
        "results": one_each(offers),
    }
