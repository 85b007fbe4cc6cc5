"""Indexes of the staff ticket list: the priority and source filters, and on PostgreSQL a
trigram index for the subject search (`subject__icontains` is UPPER(subject) LIKE
UPPER('%...%') there, which only a GIN trigram index on UPPER(subject) can serve).

SQLite has no trigram index: the search stays a plain icontains scan there (the
single-machine install has small tables). The trigram index is raw SQL, not model
state, so it runs only where `schema_editor.connection.vendor` is postgresql.
"""

from django.db import migrations, models

TRGM_INDEX = "tkt_subject_trgm"


def trigram_up(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {TRGM_INDEX} ON helpdesk_ticket "
        "USING gin ((UPPER(subject::text)) gin_trgm_ops)"
    )


def trigram_down(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {TRGM_INDEX}")


class Migration(migrations.Migration):
    dependencies = [
        ("helpdesk", "0001_initial"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="ticket",
            index=models.Index(fields=["priority", "status", "-updated_at"], name="tkt_priority"),
        ),
        migrations.AddIndex(
            model_name="ticket",
            index=models.Index(fields=["source", "status", "-updated_at"], name="tkt_source"),
        ),
        migrations.RunPython(trigram_up, trigram_down),
    ]
