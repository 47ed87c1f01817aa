"""Migration operations for what only PostgreSQL has (the portal also runs on SQLite for the
demo and the quick test run, where these are left out)."""

from django.db import migrations


class RunSQLOnPostgreSQL(migrations.RunSQL):
    """``RunSQL`` applied on PostgreSQL only: indexes SQLite cannot build (``DESC NULLS
    LAST``, trigram GIN) and extensions. The model state is unchanged either way, so these
    indexes are not in any model's ``Meta`` and ``makemigrations`` never sees them."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)
