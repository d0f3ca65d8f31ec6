"""PostgreSQL guarantees that an exclusive resource never holds two overlapping bookings.

SQLite has no exclusion constraints: there, writers are serialised by IMMEDIATE
transactions and the booking service re-checks under that lock.
"""

from django.contrib.postgres.operations import BtreeGistExtension
from django.db import migrations

CONSTRAINT_SQL = """
ALTER TABLE bookings_booking ADD CONSTRAINT booking_exclusive_no_overlap
EXCLUDE USING gist (
    resource_id WITH =,
    tstzrange("start", "end", '[)') WITH &&
) WHERE (is_exclusive AND status IN ('pending', 'confirmed', 'checked_in', 'completed'))
"""
DROP_SQL = "ALTER TABLE bookings_booking DROP CONSTRAINT IF EXISTS booking_exclusive_no_overlap"


def add_constraint(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CONSTRAINT_SQL)


def drop_constraint(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_SQL)


class Migration(migrations.Migration):
    dependencies = [("bookings", "0002_relations")]

    operations = [
        BtreeGistExtension(),
        migrations.RunPython(add_constraint, drop_constraint),
    ]
