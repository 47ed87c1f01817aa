"""The catalogue and the name pools behind ``generate_volume`` (ecandidat/demo/volume.py).

A university of the size the issue measures: ten centres (faculties, institutes), some
240 programs across the four training types, one commission per centre and training type,
and the usual required documents and questions. Every code starts with ``VOL-`` so the
generated catalogue sits beside the demo's (``setup_demo``) without touching it.
"""

from datetime import timedelta

from django.utils import timezone

from ecandidat.catalog.enums import CampaignStatus, QuestionKind, Scope, Treatment
from ecandidat.catalog.models import (
    Campaign,
    Centre,
    Commission,
    DocumentType,
    Program,
    Question,
)

from .catalog import training_types

CODE_PREFIX = "VOL-"

# (code, label, site, the kinds of programs it offers, disciplines)
CENTRES = [
    (
        "SCI",
        "UFR Sciences et Techniques",
        "Mont-Saint-Aignan",
        ("LIC", "MAS"),
        [
            "Mathématiques",
            "Informatique",
            "Physique",
            "Chimie",
            "Sciences de la vie",
            "Sciences de la Terre",
            "Électronique, énergie électrique, automatique",
            "Mécanique",
        ],
    ),
    (
        "DEG",
        "UFR Droit, Sciences économiques et Gestion",
        "Rouen Pasteur",
        ("LIC", "MAS"),
        [
            "Droit",
            "Économie et gestion",
            "Administration économique et sociale",
            "Droit des affaires",
            "Droit public",
            "Finance",
            "Économie appliquée",
        ],
    ),
    (
        "LSH",
        "UFR Lettres et Sciences humaines",
        "Mont-Saint-Aignan",
        ("LIC", "MAS"),
        [
            "Lettres modernes",
            "Histoire",
            "Géographie et aménagement",
            "Philosophie",
            "Psychologie",
            "Sociologie",
            "Sciences du langage",
            "Musicologie",
        ],
    ),
    (
        "LAN",
        "UFR Langues, littératures et civilisations étrangères",
        "Mont-Saint-Aignan",
        ("LIC", "MAS"),
        [
            "Anglais",
            "Espagnol",
            "Allemand",
            "Italien",
            "Langues étrangères appliquées",
            "Études chinoises",
        ],
    ),
    (
        "SAN",
        "UFR Santé",
        "Rouen Martainville",
        ("LIC", "MAS", "DU"),
        ["Sciences pour la santé", "Santé publique", "Sciences du médicament", "Biologie santé"],
    ),
    (
        "STA",
        "UFR STAPS",
        "Mont-Saint-Aignan",
        ("LIC", "MAS"),
        [
            "STAPS Activité physique adaptée",
            "STAPS Entraînement sportif",
            "STAPS Management du sport",
            "STAPS Éducation et motricité",
        ],
    ),
    (
        "IAE",
        "IAE Rouen Normandie",
        "Rouen Pasteur",
        ("MAS", "DU"),
        [
            "Management",
            "Marketing",
            "Contrôle de gestion",
            "Ressources humaines",
            "Finance d'entreprise",
        ],
    ),
    (
        "INS",
        "INSPÉ Normandie Rouen-Le Havre",
        "Mont-Saint-Aignan",
        ("MAS",),
        [
            "MEEF Premier degré",
            "MEEF Second degré",
            "MEEF Encadrement éducatif",
            "MEEF Pratiques et ingénierie de la formation",
        ],
    ),
    (
        "IUR",
        "IUT de Rouen",
        "Mont-Saint-Aignan",
        ("LP", "DU"),
        [
            "Métiers de l'informatique",
            "Métiers de l'électricité et de l'énergie",
            "Chimie analytique",
            "Génie des procédés",
            "Gestion des ressources humaines",
            "Commerce et distribution",
            "Logistique et transports",
            "Qualité, hygiène, sécurité",
        ],
    ),
    (
        "IUE",
        "IUT d'Évreux",
        "Évreux",
        ("LP", "DU"),
        [
            "Métiers du multimédia et de l'internet",
            "Techniques de commercialisation",
            "Gestion des entreprises",
            "Packaging, emballage et conditionnement",
            "Réseaux et télécommunications",
            "Génie biologique",
        ],
    ),
]

# The variants of one discipline that are programs of their own.
VARIANTS = {
    "LIC": [("L2", "2e année", "2nd year"), ("L3", "3e année", "3rd year")],
    "MAS": [
        ("MR", "parcours recherche", "research track"),
        ("MP", "parcours professionnel", "professional track"),
    ],
    "LP": [("FI", "formation initiale", "full time"), ("AL", "en alternance", "work-study")],
    "DU": [("DU", "", "")],
}
TYPE_LABELS = {
    "LIC": ("Licence", "Bachelor"),
    "MAS": ("Master", "Master"),
    "LP": ("Licence professionnelle", "Professional bachelor"),
    "DU": ("DU", "University diploma"),
}
CAPACITY = {"LIC": (80, 300), "MAS": (18, 40), "LP": (16, 30), "DU": (15, 40)}
# How many candidates a program of each kind draws, relative to the others.
POPULARITY = {"LIC": 1.0, "MAS": 1.3, "LP": 0.7, "DU": 0.3}
COMMISSION_OF_TYPE = {"LIC": "L", "MAS": "M", "LP": "LP", "DU": "DU"}

# (French label, English label, common to all applications, conditional, for masters only)
DOCUMENT_TYPES = [
    ("Curriculum vitae", "Curriculum vitae", True, False, False),
    ("Lettre de motivation", "Cover letter", False, False, False),
    (
        "Relevés de notes depuis le baccalauréat",
        "Transcripts since the baccalaureate",
        True,
        False,
        False,
    ),
    ("Pièce d'identité", "Identity document", True, False, False),
    (
        "Certificat de niveau de français (TCF, DELF, DALF)",
        "French language certificate (TCF, DELF, DALF)",
        True,
        True,
        False,
    ),
    (
        "Attestation de stage ou d'expérience professionnelle",
        "Internship or work certificate",
        True,
        True,
        True,
    ),
]
IDENTITY_DOCUMENT = "Pièce d'identité"

# (French label, English label, kind, for masters only)
QUESTIONS = [
    (
        "Avez-vous déjà été inscrit(e) à l'Université de Rouen Normandie ?",
        "Have you ever been enrolled at the Université de Rouen Normandie?",
        QuestionKind.YES_NO,
        False,
    ),
    (
        "Décrivez votre projet professionnel.",
        "Describe your career plan.",
        QuestionKind.TEXT,
        True,
    ),
]


def _words(text: str) -> list[str]:
    # An underscore joins the words of one name ("LE_GALL").
    return [word.replace("_", " ") for word in text.split()]


LAST_NAMES = _words(
    "MARTIN BERNARD THOMAS PETIT ROBERT RICHARD DURAND DUBOIS MOREAU LAURENT SIMON MICHEL "
    "LEFEBVRE LEROY ROUX DAVID BERTRAND MOREL FOURNIER GIRARD BONNET DUPONT LAMBERT "
    "FONTAINE ROUSSEAU VINCENT MULLER LEFÈVRE FAURE ANDRÉ MERCIER BLANC GUÉRIN BOYER "
    "GARNIER CHEVALIER FRANÇOIS LEGRAND GAUTHIER GARCIA PERRIN ROBIN CLÉMENT MORIN "
    "NICOLAS HENRY ROUSSEL MATHIEU GAUTIER MASSON MARCHAND DUVAL DENIS DUMONT MARIE "
    "LEMAIRE NOËL MEYER DUFOUR MEUNIER BRUN BLANCHARD GIRAUD JOLY RIVIÈRE LUCAS BRUNET "
    "GAILLARD BARBIER ARNAUD MARTINEZ GÉRARD ROCHE RENARD SCHMITT ROY LEROUX COLIN VIDAL "
    "CARON PICARD ROGER FABRE AUBERT LEMOINE RENAUD DUMAS LACROIX OLIVIER PHILIPPE "
    "BOURGEOIS PIERRE BENOÎT REY LECLERC PAYET ROLLAND LECLERCQ GUILLAUME LECOMTE LÓPEZ "
    "JEAN DUPUY GUILLOT HUBERT BERGER CARPENTIER SANCHEZ DUPUIS MOULIN LOUIS DESCHAMPS "
    "HUET VASSEUR PEREZ BOUCHER FLEURY ROYER KLEIN JACQUET ADAM PARIS POIRIER MARTY AUBRY "
    "GUYOT CARRÉ CHARLES RENAULT CHARPENTIER MÉNARD MAILLARD BARON BERTIN BAILLY HERVÉ "
    "SCHNEIDER FERNANDEZ LE_GALL COLLET LÉGER BOUVIER JULIEN PRÉVOST MILLET PERROT DANIEL "
    "LE_ROUX COUSIN GERMAIN BRETON BESSON LANGLOIS RÉMY LE_GOFF PELLETIER LÉVÊQUE PERRIER "
    "LEBLANC BARRÉ LEBRUN MARCHAL WEBER MALLET HAMON BOULANGER JACOB MONNIER MICHAUD "
    "RODRIGUEZ GUICHARD GILLET ÉTIENNE GRONDIN POULAIN TESSIER CHEVALLIER COLLIN CHAUVIN "
    "DA_SILVA BOUCHET GAY LEMAÎTRE BENARD MARÉCHAL HUMBERT REYNAUD ANTOINE HOARAU PERRET "
    "BARTHÉLEMY CORDIER PICHON LEJEUNE GILBERT LAMY DELAUNAY PASQUIER CARLIER LAPORTE _"
)
FIRST_NAMES_F = _words(
    "Emma Jade Louise Alice Chloé Lina Léa Rose Anna Mila Inès Ambre Julia Mia Léna Manon "
    "Juliette Lou Zoé Camille Agathe Jeanne Lola Éva Nina Sarah Romane Inaya Charlotte "
    "Léonie Margaux Clara Adèle Louna Victoire Lucie Iris Capucine Lana Mathilde Élise "
    "Océane Pauline Marie Laura Justine Anaïs Émilie Morgane Mélanie Claire Julie Hélène "
    "Céline Aurélie"
)
FIRST_NAMES_M = _words(
    "Gabriel Léo Raphaël Arthur Louis Jules Adam Maël Lucas Hugo Noah Liam Gabin Sacha "
    "Paul Nathan Aaron Mohamed Ethan Tom Éden Léon Noé Tiago Théo Isaac Marius Victor "
    "Martin Nolan Axel Mathis Timéo Naël Antoine Valentin Clément Maxime Alexandre Thomas "
    "Quentin Romain Julien Nicolas Baptiste Florian Kévin Guillaume Pierre Benjamin Enzo "
    "Yanis Rayan Mathéo"
)
FOREIGN_NAMES = {
    "MA": (
        ["EL AMRANI", "BENNANI", "ALAOUI", "IDRISSI", "TAZI"],
        ["Yassine", "Salma", "Omar", "Imane"],
    ),
    "DZ": (["BENALI", "BOUZID", "HAMIDI", "MEKKI", "SAADI"], ["Amine", "Lina", "Karim", "Yasmine"]),
    "TN": (["BEN SALAH", "TRABELSI", "GHARBI", "JEBALI"], ["Mehdi", "Sarra", "Aymen", "Rania"]),
    "SN": (["DIOP", "NDIAYE", "FALL", "SARR", "DIALLO"], ["Moussa", "Awa", "Cheikh", "Fatou"]),
    "CI": (["KOUASSI", "KONAN", "YAO", "TOURÉ"], ["Kouamé", "Aya", "Serge", "Mariam"]),
    "CM": (["NGUEMA", "MBARGA", "FOTSO", "TCHOUA"], ["Junior", "Brenda", "Arnaud", "Grâce"]),
    "CN": (["WANG", "LI", "ZHANG", "LIU", "CHEN"], ["Wei", "Jing", "Hao", "Xin"]),
    "VN": (["NGUYEN", "TRAN", "LE", "PHAM"], ["Minh", "Linh", "Huy", "Trang"]),
    "IT": (["ROSSI", "RUSSO", "FERRARI", "ESPOSITO"], ["Giulia", "Marco", "Chiara", "Luca"]),
    "ES": (["GARCÍA", "FERNÁNDEZ", "GONZÁLEZ", "RODRÍGUEZ"], ["Lucía", "Pablo", "María", "Javier"]),
    "DE": (["MÜLLER", "SCHMIDT", "SCHNEIDER", "FISCHER"], ["Lena", "Jonas", "Anna", "Felix"]),
    "BR": (["SILVA", "SANTOS", "OLIVEIRA", "SOUZA"], ["Gabriela", "Rafael", "Beatriz", "Pedro"]),
    "US": (["SMITH", "JOHNSON", "WILLIAMS", "BROWN"], ["Emily", "Michael", "Olivia", "James"]),
}
FOREIGN_CITIES = {
    "MA": "Casablanca",
    "DZ": "Alger",
    "TN": "Tunis",
    "SN": "Dakar",
    "CI": "Abidjan",
    "CM": "Yaoundé",
    "CN": "Shanghai",
    "VN": "Hanoï",
    "IT": "Milano",
    "ES": "Sevilla",
    "DE": "Köln",
    "BR": "São Paulo",
    "US": "Boston",
}
# Where French candidates were born and live: mostly the region, some from everywhere.
DEPARTMENTS = {"76": 40, "27": 14, "14": 8, "50": 4, "61": 3, "60": 4, "80": 4, "75": 6, "92": 3}
STREETS = [
    "rue de la République",
    "rue Jeanne d'Arc",
    "avenue Pasteur",
    "boulevard de l'Yser",
    "rue du Gros-Horloge",
    "rue Beauvoisine",
    "place du Vieux-Marché",
    "rue des Carmes",
    "chemin de la Forêt",
    "allée des Tilleuls",
]
CAREER_PLANS = [
    "Devenir ingénieur(e) d'études dans un laboratoire public.",
    "Travailler dans une PME de la région après un stage de fin d'études.",
    "Préparer un doctorat puis enseigner à l'université.",
    "Rejoindre un cabinet de conseil.",
    "Passer les concours de la fonction publique.",
    "Créer mon entreprise dans le numérique.",
]
WITHDRAWAL_REASONS = [
    "J'ai accepté une autre proposition.",
    "Je reste dans mon établissement actuel.",
    "Raisons personnelles.",
    "",
]
PRESELECTION_PLACES = ["Salle du conseil, bâtiment A", "Visioconférence", "Amphithéâtre 2"]


def load_campaigns(now):
    """(active, previous): the active campaign (created when there is none) and the one
    before it, archived, for last year's applications."""
    today = timezone.localdate(now)
    active = Campaign.objects.active().first()
    if active is None:
        active, _created = Campaign.objects.get_or_create(
            code=f"{CODE_PREFIX}{today.year}",
            defaults={
                "label_fr": f"Campagne {today.year}-{today.year + 1}",
                "label_en": f"{today.year}-{today.year + 1} campaign",
                "starts_on": today - timedelta(days=60),
                "candidate_ends_on": today + timedelta(days=200),
                "ends_on": today + timedelta(days=300),
                "status": CampaignStatus.ACTIVE,
                "activated_at": now - timedelta(days=60),
            },
        )
    year = active.starts_on.year - 1
    previous, _created = Campaign.objects.get_or_create(
        code=f"{CODE_PREFIX}{year}",
        defaults={
            "label_fr": f"Campagne {year}-{year + 1}",
            "label_en": f"{year}-{year + 1} campaign",
            "starts_on": active.starts_on - timedelta(days=365),
            "candidate_ends_on": active.candidate_ends_on - timedelta(days=365),
            "ends_on": active.ends_on - timedelta(days=365),
            "status": CampaignStatus.ARCHIVED,
            "activated_at": now - timedelta(days=425),
            "archived_at": now - timedelta(days=65),
        },
    )
    return active, previous


def load_catalog(rng, now) -> list[Program]:
    """The generated centres, commissions, programs, document types and questions (found by
    code when they exist): the generated programs, in a stable order."""
    types = training_types()
    milestones = {
        "opens_at": now - timedelta(days=50),
        "closes_at": now + timedelta(days=30),
        "return_deadline": now + timedelta(days=37),
        "jury_on": timezone.localdate(now) + timedelta(days=45),
        "results_at": now + timedelta(days=52),
        "confirmation_days": 8,
        "complementary_confirmation_days": 5,
    }
    existing = {
        p.code: p
        for p in Program.objects.filter(code__startswith=CODE_PREFIX).select_related(
            "training_type"
        )
    }
    programs, missing = [], []
    for centre_code, label, site, kinds, disciplines in CENTRES:
        email = f"scolarite.{centre_code.lower()}@volume.example.org"
        centre, _ = Centre.objects.get_or_create(
            code=f"{CODE_PREFIX}{centre_code}",
            defaults={"label": label, "site": site, "contact_email": email, **milestones},
        )
        for kind in kinds:
            commission, _ = Commission.objects.get_or_create(
                code=f"{CODE_PREFIX}{centre_code}-{COMMISSION_OF_TYPE[kind]}",
                defaults={
                    "label": f"Commission {TYPE_LABELS[kind][0]} — {label}",
                    "centre": centre,
                    "contact_email": email,
                    "signatory_name": "La présidente du jury",
                },
            )
            chosen = disciplines if kind != "DU" else disciplines[:2]
            for number, discipline in enumerate(chosen, start=1):
                for variant, variant_fr, variant_en in VARIANTS[kind]:
                    code = f"{CODE_PREFIX}{centre_code}-{variant}-{number:02d}"
                    name_fr, name_en = TYPE_LABELS[kind]
                    low, high = CAPACITY[kind]
                    capacity = rng.randint(low, high)
                    program = existing.get(code)
                    if program is None:
                        program = Program(
                            code=code,
                            label_fr=f"{name_fr} {discipline}"
                            + (f" — {variant_fr}" if variant_fr else ""),
                            label_en=f"{name_en} {discipline}"
                            + (f" — {variant_en}" if variant_en else ""),
                            centre=centre,
                            training_type=types[kind],
                            commission=commission,
                            keywords=discipline.lower(),
                            capacity=capacity,
                            # Direct access: university diplomas and a few second years.
                            treatment=Treatment.DIRECT
                            if kind == "DU" or (variant == "L2" and number % 5 == 0)
                            else Treatment.CONTROLLED,
                            **milestones,
                        )
                        missing.append(program)
                    programs.append(program)
    Program.objects.bulk_create(missing)
    masters = [p for p in programs if p.training_type_id == types["MAS"].pk]
    for order, (label_fr, label_en, common, conditional, masters_only) in enumerate(DOCUMENT_TYPES):
        document_type = DocumentType.objects.filter(label_fr=label_fr).order_by("pk").first()
        if document_type is None:
            document_type = DocumentType.objects.create(
                label_fr=label_fr,
                label_en=label_en,
                order=order,
                scope=Scope.PROGRAMS,
                common=common,
                conditional=conditional,
            )
        # The demo's, if it is there, serves as it is when it applies to every program.
        if document_type.scope == Scope.PROGRAMS:
            document_type.programs.add(*(masters if masters_only else programs))
    for order, (label_fr, label_en, kind, masters_only) in enumerate(QUESTIONS):
        question = Question.objects.filter(label_fr=label_fr).order_by("pk").first()
        if question is None:
            question = Question.objects.create(
                label_fr=label_fr, label_en=label_en, kind=kind, scope=Scope.PROGRAMS, order=order
            )
        if question.scope == Scope.PROGRAMS:
            question.programs.add(*(masters if masters_only else programs))
    return programs


def generated_programs():
    return Program.objects.filter(code__startswith=CODE_PREFIX).order_by("code")
