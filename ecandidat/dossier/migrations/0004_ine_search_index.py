"""An INE typed in the staff search is found from an index (``ine__iexact``) on PostgreSQL."""

from django.db import migrations

from ecandidat.common.migrations import RunSQLOnPostgreSQL


class Migration(migrations.Migration):
    dependencies = [("dossier", "0003_pending_local_studies")]

    operations = [
        RunSQLOnPostgreSQL(
            "CREATE INDEX IF NOT EXISTS dossier_personalinformation_ine_upper ON "
            'dossier_personalinformation (UPPER("ine"::text))',
            "DROP INDEX IF EXISTS dossier_personalinformation_ine_upper",
        ),
    ]
