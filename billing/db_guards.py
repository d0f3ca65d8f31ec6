"""The database's own refusal to change what billing must never change.

- group "invoices": issued invoices and their lines (migration 0003_invoice_immutability);
- group "append_only": payments, ledger entries, period closings and payment reversals, which
  are only ever inserted (migration 0006_append_only_payments_and_ledger; reversals added by
  0009_payment_reversals).

PostgreSQL: plpgsql triggers raising SQLSTATE 23001 (restrict_violation, an IntegrityError).
SQLite: triggers with RAISE(ABORT) (also an IntegrityError). `install()` is idempotent.
Someone who lifts the triggers is still caught by the ledger's hash chain (verify_ledger).

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

APPEND_ONLY_TABLES = ("billing_payment", "billing_ledgerentry", "billing_periodclosing",
                      "billing_paymentreversal")
APPEND_ONLY_MESSAGE = ("billing: payments, reversals, ledger entries and closings cannot be "
                       "changed")
PG_APPEND_ONLY_INSTALL = [
    f"""
CREATE OR REPLACE FUNCTION billing_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '{APPEND_ONLY_MESSAGE} (%, %)', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'restrict_violation';
END $$ LANGUAGE plpgsql
""",  # noqa: S608 - a constant message, no input
] + [sql for table in APPEND_ONLY_TABLES for sql in (
    f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}",
    f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
    "FOR EACH ROW EXECUTE FUNCTION billing_refuse_change()",
)]
PG_APPEND_ONLY_UNINSTALL = [f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}"
                            for table in APPEND_ONLY_TABLES] + [
    "DROP FUNCTION IF EXISTS billing_refuse_change()"]
SQLITE_APPEND_ONLY_TRIGGERS = {
    f"{table}_no_{op.lower()}": f"BEFORE {op} ON {table}"
    for table in APPEND_ONLY_TABLES for op in ("UPDATE", "DELETE")}


def _on_missing_table(sql: str, missing: set[str]) -> bool:
    """A statement about an append-only table that does not exist yet: migration 0006 runs
    before 0009 creates billing_paymentreversal, whose triggers 0009 installs."""
    return any(sql.endswith(f" ON {table}") or f" ON {table} " in sql for table in missing)

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


def sqlite_install_sql(group: str) -> list[str]:
    if group == "invoices":
        return [f"CREATE TRIGGER IF NOT EXISTS {name} {event} FOR EACH ROW WHEN {when} "
                f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
                for name, (event, when) in SQLITE_TRIGGERS.items()]
    return [f"CREATE TRIGGER IF NOT EXISTS {name} {event} FOR EACH ROW "
            f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY_MESSAGE}'); END"
            for name, event in SQLITE_APPEND_ONLY_TRIGGERS.items()]


GROUPS = ("invoices", "append_only")


def _statements(connection, group: str, *, drop: bool) -> list[str]:
    statements = _all_statements(connection, group, drop=drop)
    if group != "append_only":
        return statements
    missing = set(APPEND_ONLY_TABLES) - set(connection.introspection.table_names())
    return [sql for sql in statements if not _on_missing_table(sql, missing)]


def _all_statements(connection, group: str, *, drop: bool) -> list[str]:
    if connection.vendor == "postgresql":
        if group == "invoices":
            return PG_UNINSTALL if drop else PG_INSTALL
        return PG_APPEND_ONLY_UNINSTALL if drop else PG_APPEND_ONLY_INSTALL
    if connection.vendor == "sqlite":
        if drop:
            names = SQLITE_TRIGGERS if group == "invoices" else SQLITE_APPEND_ONLY_TRIGGERS
            return [f"DROP TRIGGER IF EXISTS {name}" for name in names]
        return sqlite_install_sql(group)
    return []


def install(connection, groups=GROUPS) -> None:
    with connection.cursor() as cursor:
        for group in groups:
            for sql in _statements(connection, group, drop=False):
                cursor.execute(sql)


def uninstall(connection, groups=GROUPS) -> None:
    with connection.cursor() as cursor:
        for group in groups:
            for sql in _statements(connection, group, drop=True):
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
