"""The database refuses UPDATE/DELETE of issued invoices and their lines (see db_guards)."""

from django.db import migrations

from billing import db_guards


def install(apps, schema_editor):
    db_guards.install(schema_editor.connection, groups=["invoices"])


def uninstall(apps, schema_editor):
    db_guards.uninstall(schema_editor.connection, groups=["invoices"])


class Migration(migrations.Migration):
    dependencies = [("billing", "0002_invoices")]

    operations = [migrations.RunPython(install, uninstall)]
