"""On PostgreSQL the database itself refuses to change or delete a timeline
event, whatever code path tries."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION refunds_timeline_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the refund timeline is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER refunds_timeline_append_only
    BEFORE UPDATE OR DELETE ON refunds_timelineevent
    FOR EACH ROW EXECUTE FUNCTION refunds_timeline_append_only();
"""

DROP = """
DROP TRIGGER IF EXISTS refunds_timeline_append_only ON refunds_timelineevent;
DROP FUNCTION IF EXISTS refunds_timeline_append_only();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("refunds", "0002_refund_item_amount_adds_up_within_half_cent")]
    operations = [migrations.RunPython(forwards, backwards)]
