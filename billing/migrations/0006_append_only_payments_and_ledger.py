"""Payments, ledger entries and period closings are insert-only (see db_guards)."""

from django.db import migrations

from billing import db_guards


def install(apps, schema_editor):
    db_guards.install(schema_editor.connection, groups=["append_only"])


def uninstall(apps, schema_editor):
    db_guards.uninstall(schema_editor.connection, groups=["append_only"])


class Migration(migrations.Migration):
    dependencies = [("billing", "0005_grace_days_live_in_access_policy")]

    operations = [migrations.RunPython(install, uninstall)]
