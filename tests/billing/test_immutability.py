"""Issued invoices never change: model guard, and the database itself (both engines)."""

from decimal import Decimal as D

import pytest
from django.db import IntegrityError, connection, transaction

from billing import db_guards
from billing.errors import BillingError
from billing.models import Invoice, InvoiceLine
from billing.services import LineInput, draft_invoice
from tests.billing.conftest import ISSUE_DAY, issue

pytestmark = pytest.mark.django_db


def raw(sql, params=()):
    with transaction.atomic(), connection.cursor() as cursor:  # savepoint: PG goes on
        cursor.execute(sql, params)


def test_guards_are_installed_by_the_migrations():
    expected = ({"billing_invoice_frozen", "billing_invoiceline_frozen"}
                | {f"{t}_append_only" for t in db_guards.APPEND_ONLY_TABLES}
                if connection.vendor == "postgresql"
                else set(db_guards.SQLITE_TRIGGERS) | set(db_guards.SQLITE_APPEND_ONLY_TRIGGERS))
    assert expected <= db_guards.installed(connection)


def test_model_refuses_to_change_or_delete_an_issued_invoice(billed):
    invoice = issue(billed.network, member=billed.member)
    line = invoice.lines.get()
    invoice.total_gross = D("1.00")
    for action in (invoice.save, invoice.delete, line.save, line.delete):
        with pytest.raises(BillingError):
            action()
    invoice.refresh_from_db()
    assert invoice.total_gross == D("100.00") and invoice.lines.count() == 1


@pytest.mark.parametrize("sql", [
    "UPDATE billing_invoice SET total_gross = 1 WHERE id = %s",
    "UPDATE billing_invoice SET status = 'draft' WHERE id = %s",
    "DELETE FROM billing_invoice WHERE id = %s",
    "UPDATE billing_invoiceline SET net = 1 WHERE invoice_id = %s",
    "DELETE FROM billing_invoiceline WHERE invoice_id = %s",
    "INSERT INTO billing_invoiceline (network_id, invoice_id, position, label, quantity, "
    "unit_price, vat_rate, net, vat, gross) SELECT network_id, id, 9, 'ajout', 1, 1, 0, 1, 0, 1 "
    "FROM billing_invoice WHERE id = %s",
])
def test_database_refuses_raw_changes_to_an_issued_invoice(billed, sql):
    invoice = issue(billed.network, member=billed.member)
    with pytest.raises(IntegrityError, match="cannot be changed"):
        raw(sql, [invoice.pk])
    stored = Invoice.objects.get(pk=invoice.pk)
    assert (stored.status, stored.total_gross) == ("issued", D("100.00"))
    assert [(line.position, line.net) for line in stored.lines.all()] == [(1, D("100.00"))]


def test_queryset_update_is_refused_too(billed):
    invoice = issue(billed.network, member=billed.member)
    with pytest.raises(IntegrityError), transaction.atomic():
        Invoice.objects.filter(pk=invoice.pk).update(buyer_name="Autre")
    assert Invoice.objects.get(pk=invoice.pk).buyer_name == "Camille Martin"


def test_drafts_stay_editable(billed):
    """Control: the guards only hold issued documents."""
    draft = draft_invoice(billed.network, lines=[LineInput("x", D("5"))],
                          service_start=ISSUE_DAY, service_end=ISSUE_DAY,
                          buyer_member=billed.member)
    raw("UPDATE billing_invoiceline SET label = 'y' WHERE invoice_id = %s", [draft.pk])
    raw("UPDATE billing_invoice SET reason = 'z' WHERE id = %s", [draft.pk])
    draft.delete()
    assert not Invoice.objects.exists() and not InvoiceLine.objects.exists()


@pytest.mark.parametrize("sql", [
    "UPDATE billing_payment SET amount = 1",
    "DELETE FROM billing_payment",
    "UPDATE billing_ledgerentry SET payload = '{}'",
    "DELETE FROM billing_ledgerentry",
    "UPDATE billing_periodclosing SET totals = '{}'",
    "DELETE FROM billing_periodclosing",
])
def test_payments_ledger_and_closings_are_insert_only(billed, sql):
    import datetime as dt

    from billing.models import LedgerEntry, Payment, PeriodClosing
    from billing.services.ledger import close_period
    from billing.services.payments import record_payment
    from tests.conftest import NOW

    invoice = issue(billed.network, member=billed.member)
    record_payment(invoice, amount="30", method="cash", received_on=ISSUE_DAY,
                   actor=billed.concierge.user, now=NOW)
    close_period(billed.network, through=ISSUE_DAY, actor=None, now=NOW + dt.timedelta(days=1))
    before = (list(Payment.objects.values_list("amount", flat=True)),
              list(LedgerEntry.objects.values_list("payload", flat=True)),
              list(PeriodClosing.objects.values_list("totals", flat=True)))
    with pytest.raises(IntegrityError, match="cannot be changed"):
        raw(sql)
    assert before == (list(Payment.objects.values_list("amount", flat=True)),
                      list(LedgerEntry.objects.values_list("payload", flat=True)),
                      list(PeriodClosing.objects.values_list("totals", flat=True)))
