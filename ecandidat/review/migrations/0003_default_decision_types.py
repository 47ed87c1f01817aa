from django.db import migrations

TYPES = [
    ("FAV", "favourable", "Avis favorable", "Favourable decision", True, True),
    ("DEF", "unfavourable", "Avis défavorable", "Unfavourable decision", True, False),
    ("LA", "waiting_list", "Liste d'attente", "Waiting list", False, False),
    ("LC", "complementary_list", "Liste complémentaire", "Complementary list", False, False),
    ("PRE", "preselection", "Présélection (entretien)", "Preselection (interview)", False, False),
]
REASONS = [
    ("Dossier insuffisant", "Insufficient application"),
    ("Prérequis non satisfaits", "Prerequisites not met"),
    ("Capacité d'accueil atteinte", "Capacity reached"),
    ("Projet professionnel inadapté à la formation", "Career plan does not match the program"),
]


def seed(apps, schema_editor):
    DecisionType = apps.get_model("review", "DecisionType")
    DecisionReason = apps.get_model("review", "DecisionReason")
    for code, kind, fr, en, final, registration in TYPES:
        DecisionType.objects.get_or_create(
            code=code,
            defaults={
                "kind": kind,
                "label_fr": fr,
                "label_en": en,
                "final": final,
                "registration": registration,
            },
        )
    for fr, en in REASONS:
        DecisionReason.objects.get_or_create(label_fr=fr, defaults={"label_en": en})


class Migration(migrations.Migration):
    dependencies = [("review", "0002_decisions")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
