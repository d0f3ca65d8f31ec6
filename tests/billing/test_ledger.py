import datetime as dt
from decimal import Decimal as D

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from billing import db_guards
from billing.errors import BillingError
from billing.models import LedgerEntry, PeriodClosing
from billing.services import issue_credit_note
from billing.services.ledger import chain_hash, close_period, verify_ledger
from billing.services.payments import record_payment
from tests.billing.conftest import ISSUE_DAY, issue
from tests.conftest import NOW

pytestmark = pytest.mark.django_db


@pytest.fixture
def chain(billed):
    """Invoice 1, a payment, invoice 2, a credit note on invoice 2."""
    first = issue(billed.network, member=billed.member)
    payment = record_payment(first, amount="40", method="cash", received_on=ISSUE_DAY,
                             actor=billed.concierge.user, now=NOW)
    second = issue(billed.network, member=billed.member)
    note = issue_credit_note(second, reason="Erreur", issue_date=ISSUE_DAY, actor=None, now=NOW)
    return billed, first, payment, second, note


def run(network):
    try:
        call_command("verify_ledger", network.slug, stdout=(out := _Buf()), stderr=(err := _Buf()))
    except CommandError as exc:
        return False, err.text + str(exc)
    return True, out.text


class _Buf:
    def __init__(self):
        self.text = ""

    def write(self, s):
        self.text += s

    def flush(self):
        pass


def sql(statement, params=()):
    """Tamper as someone who lifted the database's guards would (the chain still sees it)."""
    db_guards.uninstall(connection)
    try:
        with connection.cursor() as cursor:
            cursor.execute(statement, params)
    finally:
        db_guards.install(connection)


def test_every_issued_document_and_payment_is_chained(chain):
    world, first, payment, second, note = chain
    entries = list(LedgerEntry.objects.filter(network=world.network))
    assert [(e.sequence, e.kind, e.reference) for e in entries] == [
        (1, "invoice", "VER-2026-000001"), (2, "payment", f"P{payment.pk}"),
        (3, "invoice", "VER-2026-000002"), (4, "credit_note", "AV-2026-000001")]
    assert entries[0].previous_hash == "0" * 64
    for before, entry in zip([None, *entries], entries):
        assert entry.previous_hash == (before.hash if before else "0" * 64)
        assert entry.hash == chain_hash(entry.previous_hash, entry.payload)
    assert verify_ledger(world.network) == (4, [])
    assert run(world.network) == (True, "registre de vercors intègre : 4 entrée(s)\n")


def test_altered_ledger_entry_is_named(chain):
    world = chain[0]
    sql("UPDATE billing_ledgerentry SET payload = REPLACE(payload, '40.00', '4.00') "
        "WHERE sequence = 2")
    ok, message = run(world.network)
    assert not ok
    assert "entrée n° 2 (paiement P" in message and "modifiée dans le registre" in message


def test_removed_ledger_entry_is_named(chain):
    world = chain[0]
    sql("DELETE FROM billing_ledgerentry WHERE sequence = 3")
    ok, message = run(world.network)
    assert not ok
    assert "entrée n° 3 du registre supprimée" in message
    assert "facture VER-2026-000002 absente du registre" in message
    assert "entrée n° 4 (avoir AV-2026-000001) : chaînage rompu" in message


def test_altered_payment_is_named(chain):
    world, _, payment = chain[:3]
    sql("UPDATE billing_payment SET amount = 4 WHERE id = %s", [payment.pk])
    ok, message = run(world.network)
    assert not ok and f"paiement P{payment.pk} modifié(e) après enregistrement (entrée n° 2 ; " \
                      "amount)" in message


def test_removed_payment_is_named(chain):
    world, _, payment = chain[:3]
    sql("DELETE FROM billing_payment WHERE id = %s", [payment.pk])
    ok, message = run(world.network)
    assert not ok and f"paiement P{payment.pk} supprimé(e) (entrée n° 2)" in message


def test_invoice_altered_behind_the_guards_is_named(chain):
    """Even someone who lifts the triggers is caught by the chain."""
    world = chain[0]
    sql("UPDATE billing_invoice SET total_gross = 10 WHERE number = 'VER-2026-000001'")
    ok, message = run(world.network)
    assert not ok and ("facture VER-2026-000001 modifié(e) après enregistrement (entrée n° 1 ; "
                       "total_gross)") in message


def test_unknown_network(db):
    with pytest.raises(CommandError, match="unknown network"):
        call_command("verify_ledger", "nulle-part")


def test_period_closing_chains_totals_and_locks_the_dates(chain):
    world, first = chain[:2]
    with pytest.raises(BillingError) as early:
        close_period(world.network, through=NOW.date(), actor=None, now=NOW)
    assert early.value.code == "period_not_over"
    later = NOW + dt.timedelta(days=10)
    closing = close_period(world.network, through=dt.date(2026, 11, 30),
                           actor=world.coordinator.user, now=later)
    assert closing.totals == {"invoiced": "200.00", "credited": "100.00", "paid": "40.00",
                              "reversed": "0.00", "ledger_through": 4}
    entry = LedgerEntry.objects.get(sequence=5)
    assert entry.kind == "closing" and '"invoiced":"200.00"' in entry.payload
    for attempt in (
        lambda: issue(world.network, member=world.member, day=dt.date(2026, 11, 30), now=later),
        lambda: record_payment(first, amount="1", method="cash", received_on=dt.date(2026, 11, 28),
                               actor=world.concierge.user, now=later),
        lambda: close_period(world.network, through=dt.date(2026, 11, 15), actor=None, now=later),
    ):
        with pytest.raises(BillingError) as refused:
            attempt()
        assert refused.value.code == "period_closed"
    assert LedgerEntry.objects.count() == 5 and PeriodClosing.objects.count() == 1
    december = issue(world.network, member=world.member, day=dt.date(2026, 12, 1), now=later)
    assert december.number == "VER-2026-000003"
    sql("UPDATE billing_periodclosing SET totals = %s WHERE id = %s",
        ['{"invoiced": "0.00", "credited": "100.00", "paid": "40.00", "ledger_through": 4}',
         closing.pk])
    ok, message = run(world.network)
    assert not ok and "clôture C2026-11-30 modifié(e) après enregistrement (entrée n° 5" in message
    assert D(closing.totals["paid"]) == D("40.00")
