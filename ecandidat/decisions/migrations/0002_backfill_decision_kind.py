"""Fill Application.decision_kind from the decisions validated before the column existed."""

from django.db import migrations
from django.db.models import OuterRef, Subquery, Value
from django.db.models.functions import Coalesce


def backfill(apps, schema_editor):
    Application = apps.get_model("applications", "Application")
    Decision = apps.get_model("decisions", "Decision")
    latest = (
        Decision.objects.filter(application=OuterRef("pk"), validated_at__isnull=False)
        .order_by("-validated_at", "-id")
        .values("decision_type__kind")[:1]
    )
    Application.objects.update(decision_kind=Coalesce(Subquery(latest), Value("")))


class Migration(migrations.Migration):
    dependencies = [
        ("decisions", "0001_initial"),
        ("applications", "0006_decision_kind"),
    ]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
