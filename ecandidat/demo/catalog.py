# ruff: noqa: E501 - one line per program reads better than wrapped tuples
"""Demo catalogue modelled on the seed (Université de Rouen Normandie).

Idempotent: objects are looked up by code and left alone when they exist, so re-running
``setup_demo`` keeps what a demo user changed. Dates are relative to the day it first runs,
so the programs are open for applications that day.
"""

from datetime import date, timedelta

from django.utils import timezone

from ecandidat.catalog.enums import CampaignStatus, QuestionKind, Scope
from ecandidat.catalog.models import (
    Campaign,
    Centre,
    Commission,
    DocumentType,
    PegasePeriod,
    Program,
    Question,
    TrainingType,
)
from ecandidat.decisions.enums import DecisionKind
from ecandidat.decisions.models import DecisionType

TRAINING_TYPES = [
    ("LIC", "Licence LMD", "Licence LMD", 1),
    ("LP", "Licence Professionnelle", "Licence Professionnelle", 2),
    ("MAS", "Master LMD", "Master LMD", 3),
    ("DU", "Diplôme d'université", "University diploma", 4),
]


def training_types() -> dict[str, TrainingType]:
    """The demo's training types by code, created when missing (the demo and the generated
    volume share them)."""
    types = {}
    for code, label_fr, label_en, order in TRAINING_TYPES:
        types[code], _ = TrainingType.objects.get_or_create(
            code=code, defaults={"label_fr": label_fr, "label_en": label_en, "order": order}
        )
    return types


CENTRES = [
    (
        "SCI",
        "Sciences et Techniques (Mont-St-Aignan)",
        "Mont-Saint-Aignan",
        "scolarite.sciences@example.org",
    ),
    ("DEG", "Droit, Économie, Gestion", "Rouen Pasteur", "scolarite.deg@example.org"),
    ("LSH", "Lettres et Sciences Humaines", "Mont-Saint-Aignan", "scolarite.lsh@example.org"),
]

# (code, centre, training type, French label, English label, keywords, capacity)
PROGRAMS = [
    (
        "SCI-L-MATH",
        "SCI",
        "LIC",
        "Licence Mathématiques",
        "Bachelor in Mathematics",
        "maths algèbre analyse",
        120,
    ),
    (
        "SCI-L-INFO",
        "SCI",
        "LIC",
        "Licence Informatique",
        "Bachelor in Computer Science",
        "informatique programmation",
        150,
    ),
    (
        "SCI-L-PC",
        "SCI",
        "LIC",
        "Licence Physique, Chimie",
        "Bachelor in Physics and Chemistry",
        "physique chimie",
        100,
    ),
    (
        "SCI-L-SV",
        "SCI",
        "LIC",
        "Licence Sciences de la vie",
        "Bachelor in Life Sciences",
        "biologie écologie",
        140,
    ),
    (
        "SCI-LP-ASSR",
        "SCI",
        "LP",
        "Licence professionnelle Métiers de l'informatique : administration et sécurité des systèmes et des réseaux",
        "Professional bachelor in systems and network administration and security",
        "réseaux sécurité cybersécurité alternance",
        24,
    ),
    (
        "SCI-LP-ELEC",
        "SCI",
        "LP",
        "Licence professionnelle Métiers de l'électricité et de l'énergie",
        "Professional bachelor in electricity and energy",
        "énergie électricité alternance",
        20,
    ),
    (
        "SCI-LP-CHIM",
        "SCI",
        "LP",
        "Licence professionnelle Chimie analytique, contrôle, qualité, environnement",
        "Professional bachelor in analytical chemistry and quality control",
        "chimie qualité laboratoire",
        18,
    ),
    (
        "SCI-M-INFO",
        "SCI",
        "MAS",
        "Master Informatique",
        "Master in Computer Science",
        "informatique IA données",
        60,
    ),
    (
        "SCI-M-MAS",
        "SCI",
        "MAS",
        "Master Mathématiques appliquées, statistique",
        "Master in Applied Mathematics and Statistics",
        "statistique data science",
        30,
    ),
    ("SCI-M-CHIM", "SCI", "MAS", "Master Chimie", "Master in Chemistry", "chimie", 40),
    ("DEG-L-DROIT", "DEG", "LIC", "Licence Droit", "Bachelor in Law", "droit", 300),
    (
        "DEG-L-ECO",
        "DEG",
        "LIC",
        "Licence Économie et gestion",
        "Bachelor in Economics and Management",
        "économie gestion",
        250,
    ),
    (
        "DEG-LP-ABF",
        "DEG",
        "LP",
        "Licence professionnelle Assurance, banque, finance",
        "Professional bachelor in insurance, banking and finance",
        "banque assurance alternance",
        30,
    ),
    (
        "DEG-M-DA",
        "DEG",
        "MAS",
        "Master Droit des affaires",
        "Master in Business Law",
        "droit affaires",
        45,
    ),
    (
        "DEG-M-MGT",
        "DEG",
        "MAS",
        "Master Management",
        "Master in Management",
        "management gestion",
        60,
    ),
    (
        "LSH-L-PSY",
        "LSH",
        "LIC",
        "Licence Psychologie",
        "Bachelor in Psychology",
        "psychologie",
        280,
    ),
    ("LSH-L-HIST", "LSH", "LIC", "Licence Histoire", "Bachelor in History", "histoire", 150),
    (
        "LSH-L-ANG",
        "LSH",
        "LIC",
        "Licence LLCER Anglais",
        "Bachelor in English Studies",
        "anglais langues",
        120,
    ),
    (
        "LSH-M-MEEF",
        "LSH",
        "MAS",
        "Master Sciences de l'éducation",
        "Master in Education Sciences",
        "éducation enseignement",
        50,
    ),
    (
        "LSH-DU-FLE",
        "LSH",
        "DU",
        "DU Français langue étrangère",
        "University diploma in French as a foreign language",
        "FLE français",
        40,
    ),
]

DOCUMENT_TYPES = [
    ("Curriculum vitae", "Curriculum vitae", Scope.ALL, None, True, False),
    ("Lettre de motivation", "Cover letter", Scope.ALL, None, False, False),
    (
        "Relevés de notes depuis le baccalauréat",
        "Transcripts since the baccalaureate",
        Scope.ALL,
        None,
        True,
        False,
    ),
    ("Pièce d'identité", "Identity document", Scope.ALL, None, True, False),
    (
        "Certificat de niveau de français (TCF, DELF, DALF)",
        "French language certificate (TCF, DELF, DALF)",
        Scope.ALL,
        None,
        True,
        True,
    ),
    (
        "Attestation de stage ou d'expérience professionnelle",
        "Internship or work certificate",
        Scope.CENTRE,
        "SCI",
        True,
        True,
    ),
]


def load_demo_catalog():
    now = timezone.now()
    today = timezone.localdate()
    campaign, _ = Campaign.objects.get_or_create(
        code=str(today.year),
        defaults={
            "label_fr": f"Campagne {today.year}-{today.year + 1}",
            "label_en": f"{today.year}-{today.year + 1} campaign",
            "starts_on": today - timedelta(days=60),
            "candidate_ends_on": today + timedelta(days=200),
            "ends_on": today + timedelta(days=300),
        },
    )
    if campaign.pegase_period_id is None:
        # The academic year the campaign recruits for, as Pégase names its periods.
        campaign.pegase_period, _ = PegasePeriod.objects.get_or_create(
            code=f"PER-{today.year}",
            defaults={
                "label": f"Année universitaire {today.year}-{today.year + 1}",
                "starts_on": date(today.year, 9, 1),
                "ends_on": max(date(today.year + 1, 8, 31), campaign.ends_on),
            },
        )
        campaign.save(update_fields=["pegase_period"])
    # A candidate who confirms a favourable decision goes to the registration export.
    DecisionType.objects.filter(kind=DecisionKind.FAVOURABLE, centre__isnull=True).update(
        registration=True
    )
    if not Campaign.objects.active().exists():
        campaign.status = CampaignStatus.ACTIVE
        campaign.activated_at = now
        campaign.save(update_fields=["status", "activated_at"])

    types = training_types()
    milestones = {
        "opens_at": now - timedelta(days=10),
        "closes_at": now + timedelta(days=45),
        "return_deadline": now + timedelta(days=52),
        "jury_on": today + timedelta(days=60),
        "results_at": now + timedelta(days=67),
        "confirmation_days": 8,
        "complementary_confirmation_days": 5,
    }
    centres, commissions = {}, {}
    for code, label, site, email in CENTRES:
        centres[code], _ = Centre.objects.get_or_create(
            code=code,
            defaults={"label": label, "site": site, "contact_email": email, **milestones},
        )
        for type_code, type_label in [
            ("L", "licences"),
            ("LP", "licences professionnelles"),
            ("M", "masters"),
        ]:
            commission_code = f"{code}-{type_code}"
            commissions[commission_code], _ = Commission.objects.get_or_create(
                code=commission_code,
                defaults={
                    "label": f"Commission {type_label} — {label}",
                    "centre": centres[code],
                    "contact_email": email,
                    "signatory_name": "La présidente du jury",
                },
            )
    for code, centre, type_code, label_fr, label_en, keywords, capacity in PROGRAMS:
        commission = {"LIC": "L", "LP": "LP", "MAS": "M", "DU": "L"}[type_code]
        Program.objects.get_or_create(
            code=code,
            defaults={
                "label_fr": label_fr,
                "label_en": label_en,
                "centre": centres[centre],
                "training_type": types[type_code],
                "commission": commissions[f"{centre}-{commission}"],
                "keywords": keywords,
                "capacity": capacity,
                "description_url": "https://www.univ-rouen.fr/formation/",
                # Pégase curriculum objects for the registration export; the university
                # diplomas (DU) have none, so the export screen shows what that means.
                "sis_code": "" if type_code == "DU" else f"PEG-{code}",
                **milestones,
            },
        )
    for order, (label_fr, label_en, scope, centre, common, conditional) in enumerate(
        DOCUMENT_TYPES
    ):
        DocumentType.objects.get_or_create(
            label_fr=label_fr,
            defaults={
                "label_en": label_en,
                "order": order,
                "scope": scope,
                "centre": centres[centre] if centre else None,
                "common": common,
                "conditional": conditional,
            },
        )
    Question.objects.get_or_create(
        label_fr="Avez-vous déjà été inscrit(e) à l'Université de Rouen Normandie ?",
        defaults={
            "label_en": "Have you ever been enrolled at the Université de Rouen Normandie?",
            "kind": QuestionKind.YES_NO,
        },
    )
    question, created = Question.objects.get_or_create(
        label_fr="Décrivez votre projet professionnel.",
        defaults={
            "label_en": "Describe your career plan.",
            "kind": QuestionKind.TEXT,
            "scope": Scope.PROGRAMS,
            "order": 1,
        },
    )
    if created:
        question.programs.set(Program.objects.filter(training_type__code="MAS"))
    return centres, commissions
