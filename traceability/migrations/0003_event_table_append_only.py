"""On PostgreSQL, the trace event and identifier tables refuse UPDATE, DELETE and TRUNCATE."""

from django.db import migrations

TABLES = ("traceability_traceevent", "traceability_eventidentifier")

CREATE = """
CREATE OR REPLACE FUNCTION tracelens_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'trace events are append-only: % on % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(CREATE, params=None)
    for table in TABLES:
        schema_editor.execute(
            f"CREATE TRIGGER {table}_no_change BEFORE UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION tracelens_append_only()"
        )
        schema_editor.execute(
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION tracelens_append_only()"
        )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_change ON {table}")
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
    schema_editor.execute("DROP FUNCTION IF EXISTS tracelens_append_only()")


class Migration(migrations.Migration):
    dependencies = [("traceability", "0002_events_genealogy_recall")]
    operations = [migrations.RunPython(forwards, backwards)]
