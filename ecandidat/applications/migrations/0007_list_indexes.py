"""Indexes for the staff application list on PostgreSQL.

The list's default order is the newest transmission first with the untransmitted last
(``submitted_at DESC NULLS LAST``, then the id): with this index the first page of a
campaign is read in order and the scan stops after 50 rows, whatever the volume. SQLite
cannot create a ``NULLS LAST`` index; it needs none at the demo's size."""

from django.db import migrations

from ecandidat.common.migrations import RunSQLOnPostgreSQL


class Migration(migrations.Migration):
    dependencies = [("applications", "0006_decision_kind")]

    operations = [
        RunSQLOnPostgreSQL(
            "CREATE INDEX IF NOT EXISTS applications_campaign_submitted ON "
            "applications_application (campaign_id, submitted_at DESC NULLS LAST, id)",
            "DROP INDEX IF EXISTS applications_campaign_submitted",
        ),
        RunSQLOnPostgreSQL(
            "CREATE INDEX IF NOT EXISTS applications_submitted ON "
            "applications_application (submitted_at DESC NULLS LAST, id)",
            "DROP INDEX IF EXISTS applications_submitted",
        ),
    ]
