"""Indexes for the staff searches on PostgreSQL: a dossier number typed exactly, and any part
of a name or an email address (trigram GIN: ``UPPER(col) LIKE UPPER('%text%')``, what
``icontains`` sends, is answered from the index instead of a scan of every account). Each
expression is the one Django writes, cast included, or the planner would not use it."""

from django.db import migrations

from ecandidat.common.migrations import RunSQLOnPostgreSQL


def _trigram(column):
    return RunSQLOnPostgreSQL(
        f'CREATE INDEX IF NOT EXISTS accounts_user_{column}_trgm ON accounts_user '
        f'USING gin (UPPER("{column}"::text) gin_trgm_ops)',
        f"DROP INDEX IF EXISTS accounts_user_{column}_trgm",
    )


class Migration(migrations.Migration):
    dependencies = [("accounts", "0004_alter_accounttoken_purpose")]

    operations = [
        # pg_trgm is a trusted extension (PostgreSQL 13+): a database owner may create it.
        RunSQLOnPostgreSQL("CREATE EXTENSION IF NOT EXISTS pg_trgm", migrations.RunSQL.noop),
        RunSQLOnPostgreSQL(
            'CREATE INDEX IF NOT EXISTS accounts_user_username_upper ON accounts_user '
            '(UPPER("username"::text))',
            "DROP INDEX IF EXISTS accounts_user_username_upper",
        ),
        _trigram("last_name"),
        _trigram("first_name"),
        _trigram("email"),
    ]
