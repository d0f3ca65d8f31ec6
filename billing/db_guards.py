"""The database's own refusal to change issued invoices (and their lines) and payments.

PostgreSQL: plpgsql triggers raising SQLSTATE 23001 (restrict_violation, an IntegrityError).
SQLite: triggers with RAISE(ABORT) (also an IntegrityError). Installed by migration
0003_invoice_immutability; `install()` is idempotent.

Beware on SQLite: when a later migration alters billing_invoice or billing_invoiceline, Django
rebuilds the table and its triggers are lost; tests/billing/test_immutability.py checks they
exist after all migrations, and such a migration must call `install()` again.
"""

MESSAGE = "billing: an issued invoice, its lines and recorded payments cannot be changed"

PG_INSTALL = [
    f"""
CREATE OR REPLACE FUNCTION billing_refuse_issued_invoice_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '{MESSAGE} (invoice %, %)', OLD.number, TG_OP
        USING ERRCODE = 'restrict_violation';
END $$ LANGUAGE plpgsql
""",
    "DROP TRIGGER IF EXISTS billing_invoice_frozen ON billing_invoice",
    """
CREATE TRIGGER billing_invoice_frozen BEFORE UPDATE OR DELETE ON billing_invoice
FOR EACH ROW WHEN (OLD.status = 'issued') EXECUTE FUNCTION billing_refuse_issued_invoice_change()
""",
    f"""
CREATE OR REPLACE FUNCTION billing_refuse_issued_line_change() RETURNS trigger AS $$
BEGIN
    IF (TG_OP <> 'INSERT' AND EXISTS (SELECT 1 FROM billing_invoice
                                      WHERE id = OLD.invoice_id AND status = 'issued'))
       OR (TG_OP <> 'DELETE' AND EXISTS (SELECT 1 FROM billing_invoice
                                         WHERE id = NEW.invoice_id AND status = 'issued')) THEN
        RAISE EXCEPTION '{MESSAGE} (line, %)', TG_OP USING ERRCODE = 'restrict_violation';
    END IF;
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
END $$ LANGUAGE plpgsql
""",  # noqa: S608 - a constant message, no input
    "DROP TRIGGER IF EXISTS billing_invoiceline_frozen ON billing_invoiceline",
    """
CREATE TRIGGER billing_invoiceline_frozen BEFORE INSERT OR UPDATE OR DELETE
ON billing_invoiceline FOR EACH ROW EXECUTE FUNCTION billing_refuse_issued_line_change()
""",
]
PG_UNINSTALL = [
    "DROP TRIGGER IF EXISTS billing_invoice_frozen ON billing_invoice",
    "DROP TRIGGER IF EXISTS billing_invoiceline_frozen ON billing_invoiceline",
    "DROP FUNCTION IF EXISTS billing_refuse_issued_invoice_change()",
    "DROP FUNCTION IF EXISTS billing_refuse_issued_line_change()",
]

_ISSUED = "(SELECT status FROM billing_invoice WHERE id = {ref}.invoice_id) = 'issued'"
SQLITE_TRIGGERS = {
    "billing_invoice_no_update": ("BEFORE UPDATE ON billing_invoice",
                                  "OLD.status = 'issued'"),
    "billing_invoice_no_delete": ("BEFORE DELETE ON billing_invoice",
                                  "OLD.status = 'issued'"),
    "billing_invoiceline_no_insert": ("BEFORE INSERT ON billing_invoiceline",
                                      _ISSUED.format(ref="NEW")),
    "billing_invoiceline_no_update": ("BEFORE UPDATE ON billing_invoiceline",
                                      f"{_ISSUED.format(ref='OLD')} OR "
                                      f"{_ISSUED.format(ref='NEW')}"),
    "billing_invoiceline_no_delete": ("BEFORE DELETE ON billing_invoiceline",
                                      _ISSUED.format(ref="OLD")),
}


def sqlite_install_sql() -> list[str]:
    return [f"CREATE TRIGGER IF NOT EXISTS {name} {event} FOR EACH ROW WHEN {when} "
            f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
            for name, (event, when) in SQLITE_TRIGGERS.items()]


def install(connection) -> None:
    statements = (PG_INSTALL if connection.vendor == "postgresql"
                  else sqlite_install_sql() if connection.vendor == "sqlite" else [])
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def uninstall(connection) -> None:
    statements = (PG_UNINSTALL if connection.vendor == "postgresql"
                  else [f"DROP TRIGGER IF EXISTS {name}" for name in SQLITE_TRIGGERS]
                  if connection.vendor == "sqlite" else [])
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def installed(connection) -> set[str]:
    """Names of the guard triggers present (to test they survive migrations)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT tgname FROM pg_trigger WHERE tgname LIKE 'billing_%%'")
        else:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' "
                           "AND name LIKE 'billing_%'")
        return {row[0] for row in cursor.fetchall()}
