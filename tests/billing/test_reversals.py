"""Payment reversals: a mistaken or returned payment stops counting, through an insert-only,
chained reversal row (service, balances, ledger, database guards, exports)."""

import csv
import datetime as dt
import io
from collections import defaultdict
from decimal import Decimal as D

import pytest
from django.db import IntegrityError, connection, transaction

from billing.errors import BillingError
from billing.exports import fec_bytes, letter_of, payments_csv
from billing.models import Invoice, LedgerEntry, PaymentReversal
from billing.selectors import balance_of, unpaid_invoices, unpaid_member_ids, with_balances
from billing.services.ledger import close_period, verify_ledger
from billing.services.payments import record_payment, reverse_payment, reverse_system_payment
from core.models import AuditLog
from tests.billing.conftest import ISSUE_DAY, issue
from tests.billing.test_exports import YEAR, amount, parse
from tests.billing.test_ledger import run, sql
from tests.conftest import NOW

pytestmark = pytest.mark.django_db
LATER = NOW + dt.timedelta(days=40)  # 2027-01-02: the invoice (due by then) is overdue
AFTER_DUE = LATER.date()


@pytest.fixture
def paid(billed):
    """A 100 € invoice paid 30 € in cash then 40 € by a mistaken transfer."""
    invoice = issue(billed.network, member=billed.member)
    staff = billed.concierge.user
    billed.invoice = invoice
    billed.cash = record_payment(invoice, amount="30", method="cash", received_on=ISSUE_DAY,
                                 actor=staff, now=NOW)
    billed.transfer = record_payment(invoice, amount="40", method="transfer",
                                     received_on=ISSUE_DAY, reference="VIR 12",
                                     actor=staff, now=NOW)
    return billed


def test_reversal_restores_the_balance_exactly(paid):
    w = paid
    assert balance_of(w.invoice) == D("30.00")
    reversal = reverse_payment(w.transfer, reason="entry_error", reversed_on=ISSUE_DAY,
                               note="Virement d'un autre client", actor=w.concierge.user,
                               now=NOW)
    assert (reversal.network, reversal.payment, reversal.recorded_by) == (
        w.network, w.transfer, w.concierge.user)
    assert balance_of(w.invoice) == D("70.00")  # 100 − 30: only the cash still counts
    row = with_balances(Invoice.objects.filter(pk=w.invoice.pk)).get()
    assert (row.paid, row.credited, row.balance) == (D("30.00"), D("0.00"), D("70.00"))
    audit = AuditLog.objects.get(action="billing.payment.reversed")
    assert (audit.actor, audit.data["amount"], audit.data["reason"]) == (
        w.concierge.user, "40.00", "entry_error")
    # The right amount can then be recorded, up to the restored balance.
    record_payment(w.invoice, amount="70", method="transfer", received_on=ISSUE_DAY,
                   actor=w.concierge.user, now=NOW)
    assert balance_of(w.invoice) == 0


def test_a_reversed_payment_makes_the_member_unpaid_again(paid):
    w = paid
    record_payment(w.invoice, amount="30", method="cheque", received_on=ISSUE_DAY,
                   reference="Chèque 1234567, remise 42", actor=w.concierge.user, now=NOW)
    assert not unpaid_invoices(w.network, today=AFTER_DUE).exists()
    cheque = w.invoice.payments.get(method="cheque")
    reverse_payment(cheque, reason="cheque_bounced", reversed_on=AFTER_DUE,
                    actor=w.coordinator.user, now=LATER)
    assert list(unpaid_invoices(w.network, today=AFTER_DUE)) == [w.invoice]
    assert unpaid_member_ids(w.network, [w.member.pk], today=AFTER_DUE, grace_days=0) == {
        w.member.pk}


def test_with_balances_stays_one_query(paid, django_assert_num_queries):
    reverse_payment(paid.transfer, reason="entry_error", reversed_on=ISSUE_DAY,
                    actor=paid.concierge.user, now=NOW)
    issue(paid.network, member=paid.member)
    with django_assert_num_queries(1):
        balances = sorted(i.balance for i in with_balances(Invoice.objects.all()))
    assert balances == [D("70.00"), D("100.00")]


def test_twice_is_refused_with_a_clear_message(paid):
    w = paid
    reverse_payment(w.transfer, reason="entry_error", reversed_on=ISSUE_DAY,
                    actor=w.concierge.user, now=NOW)
    with pytest.raises(BillingError) as err:
        reverse_payment(w.transfer, reason="refund", reversed_on=ISSUE_DAY,
                        actor=w.coordinator.user, now=NOW)
    assert err.value.code == "already_reversed"
    assert err.value.message == ("Ce paiement a déjà été annulé le 23/11/2026 : il ne peut "
                                 "l'être deux fois.")
    assert PaymentReversal.objects.count() == 1 and balance_of(w.invoice) == D("70.00")


def test_closed_period_is_refused(paid):
    w = paid
    close_period(w.network, through=ISSUE_DAY, actor=None, now=NOW + dt.timedelta(days=1))
    with pytest.raises(BillingError) as err:
        reverse_payment(w.transfer, reason="entry_error", reversed_on=ISSUE_DAY,
                        actor=w.concierge.user, now=NOW + dt.timedelta(days=1))
    assert err.value.code == "period_closed" and "close jusqu'au 2026-11-23" in err.value.message
    # Dated after the closing, the reversal is accepted.
    reverse_payment(w.transfer, reason="entry_error", reversed_on=ISSUE_DAY + dt.timedelta(1),
                    actor=w.concierge.user, now=NOW + dt.timedelta(days=1))
    assert balance_of(w.invoice) == D("70.00")


@pytest.mark.parametrize("kw,code", [
    ({"reason": "oops"}, "reason"),
    ({"reversed_on": ISSUE_DAY + dt.timedelta(days=1)}, "future"),
    ({"reversed_on": ISSUE_DAY - dt.timedelta(days=1)}, "before_payment"),
])
def test_bad_reason_or_date_is_refused(paid, kw, code):
    args = {"reason": "entry_error", "reversed_on": ISSUE_DAY, **kw}
    with pytest.raises(BillingError) as err:
        reverse_payment(paid.transfer, actor=paid.concierge.user, now=NOW, **args)
    assert err.value.code == code and not PaymentReversal.objects.exists()


@pytest.mark.parametrize("persona", ["member", "concierge_b", "outsider", None])
def test_only_the_networks_staff_reverses(paid, persona):
    actor = (None if persona is None else paid.outsider if persona == "outsider"
             else getattr(paid, persona).user)
    with pytest.raises(BillingError) as err:
        reverse_payment(paid.transfer, reason="entry_error", reversed_on=ISSUE_DAY,
                        actor=actor, now=NOW)
    assert err.value.code == "forbidden" and not PaymentReversal.objects.exists()


def test_system_path_only_reverses_machine_payments(paid):
    with pytest.raises(BillingError) as err:
        reverse_system_payment(paid.cash, reason="debit_returned", reversed_on=ISSUE_DAY,
                               source="test", now=NOW)
    assert err.value.code == "forbidden" and not PaymentReversal.objects.exists()


def test_reversal_is_chained_and_the_ledger_verifies(paid):
    w = paid
    reversal = reverse_payment(w.transfer, reason="entry_error", reversed_on=ISSUE_DAY,
                               actor=w.concierge.user, now=NOW)
    entry = LedgerEntry.objects.get(network=w.network, kind="reversal")
    assert (entry.sequence, entry.object_id, entry.reference) == (4, reversal.pk,
                                                                  f"ANN{reversal.pk}")
    assert '"amount":"40.00"' in entry.payload and '"reason":"entry_error"' in entry.payload
    assert verify_ledger(w.network) == (4, [])
    assert run(w.network) == (True, "registre de vercors intègre : 4 entrée(s)\n")


def test_altered_reversal_is_named(paid):
    w = paid
    reversal = reverse_payment(w.transfer, reason="entry_error", reversed_on=ISSUE_DAY,
                               actor=w.concierge.user, now=NOW)
    sql("UPDATE billing_paymentreversal SET reason = 'refund' WHERE id = %s", [reversal.pk])
    ok, message = run(w.network)
    assert not ok and (f"annulation de paiement ANN{reversal.pk} modifié(e) après "
                       "enregistrement (entrée n° 4 ; reason)") in message


def test_removed_reversal_is_named(paid):
    w = paid
    reversal = reverse_payment(w.transfer, reason="entry_error", reversed_on=ISSUE_DAY,
                               actor=w.concierge.user, now=NOW)
    sql("DELETE FROM billing_paymentreversal WHERE id = %s", [reversal.pk])
    ok, message = run(w.network)
    assert not ok and (f"annulation de paiement ANN{reversal.pk} supprimé(e) (entrée n° 4)"
                       in message)


def test_reversal_missing_from_the_ledger_is_named(paid):
    w = paid
    reversal = reverse_payment(w.transfer, reason="entry_error", reversed_on=ISSUE_DAY,
                               actor=w.concierge.user, now=NOW)
    sql("DELETE FROM billing_ledgerentry WHERE kind = 'reversal'")
    ok, message = run(w.network)
    assert not ok and f"annulation de paiement ANN{reversal.pk} absente du registre" in message


def raw(statement, params=()):
    with transaction.atomic(), connection.cursor() as cursor:  # savepoint: PG goes on
        cursor.execute(statement, params)


@pytest.mark.parametrize("statement", [
    "UPDATE billing_paymentreversal SET reason = 'refund'",
    "UPDATE billing_paymentreversal SET reversed_on = '2026-11-24'",
    "DELETE FROM billing_paymentreversal",
])
def test_database_refuses_to_change_or_delete_a_reversal(paid, statement):
    reverse_payment(paid.transfer, reason="entry_error", reversed_on=ISSUE_DAY,
                    actor=paid.concierge.user, now=NOW)
    with pytest.raises(IntegrityError, match="cannot be changed"):
        raw(statement)
    reversal = PaymentReversal.objects.get()
    assert (reversal.reason, reversal.reversed_on) == ("entry_error", ISSUE_DAY)


def test_database_refuses_a_second_reversal_of_a_payment(paid):
    reversal = reverse_payment(paid.transfer, reason="entry_error", reversed_on=ISSUE_DAY,
                               actor=paid.concierge.user, now=NOW)
    with pytest.raises(IntegrityError), transaction.atomic():
        PaymentReversal.objects.create(network=paid.network, payment=paid.transfer,
                                       reason="refund", reversed_on=ISSUE_DAY, recorded_at=NOW)
    assert list(PaymentReversal.objects.all()) == [reversal]


# --- exports ---------------------------------------------------------------------------------

def test_fec_reversal_debits_the_customer_credits_the_bank_and_stays_balanced(paid):
    w = paid
    reversal = reverse_payment(w.transfer, reason="entry_error", reversed_on=ISSUE_DAY,
                               actor=w.concierge.user, now=NOW)
    rows = parse(fec_bytes(w.network, *YEAR))
    by_entry = defaultdict(lambda: [D(0), D(0)])
    for row in rows:
        by_entry[row["EcritureNum"]][0] += amount(row["Debit"])
        by_entry[row["EcritureNum"]][1] += amount(row["Credit"])
    assert len(by_entry) == 4  # invoice, 2 payments, the reversal
    assert all(debit == credit for debit, credit in by_entry.values())
    lines = [r for r in rows if r["PieceRef"] == f"ANN-{reversal.pk}"]
    assert {(r["JournalCode"], r["CompteNum"], amount(r["Debit"]), amount(r["Credit"]))
            for r in lines} == {("BQ", "411000", D("40.00"), D(0)),
                                ("BQ", "512000", D(0), D("40.00"))}
    assert lines[0]["EcritureNum"] == "4" and lines[0]["CompAuxLib"] == "Camille Martin"
    assert "erreur de saisie" in lines[0]["EcritureLib"]
    # The customer account of the invoice nets to what is still due (100 − 30).
    customer = [r for r in rows if r["CompteNum"] == "411000"]
    assert sum(amount(r["Debit"]) - amount(r["Credit"]) for r in customer) == D("70.00")
    assert all(r["EcritureLet"] == "" for r in customer)  # not settled: no letter


def test_fec_letters_the_reversal_once_the_invoice_is_settled(paid):
    w = paid
    reverse_payment(w.transfer, reason="entry_error", reversed_on=ISSUE_DAY,
                    actor=w.concierge.user, now=NOW)
    record_payment(w.invoice, amount="70", method="transfer", received_on=ISSUE_DAY,
                   actor=w.concierge.user, now=NOW)
    rows = parse(fec_bytes(w.network, *YEAR))
    lettered = [r for r in rows if r["EcritureLet"] == letter_of(w.invoice.pk)]
    assert len(lettered) == 5  # invoice, 3 payments, the reversal
    assert sum(amount(r["Debit"]) - amount(r["Credit"]) for r in lettered) == 0


def test_payments_csv_shows_the_reversal_as_a_negative_row(paid):
    w = paid
    reverse_payment(w.transfer, reason="entry_error", reversed_on=ISSUE_DAY,
                    actor=w.concierge.user, now=NOW)
    rows = list(csv.DictReader(io.StringIO(payments_csv(w.network, *YEAR)
                                           .decode("utf-8-sig")), delimiter=";"))
    assert [(r["facture"], r["moyen"], r["montant"]) for r in rows] == [
        (w.invoice.number, "espèces", "30,00"), (w.invoice.number, "virement", "40,00"),
        (w.invoice.number, "virement", "-40,00")]
    assert rows[2]["reference"] == ("Annulation du paiement du 2026-11-23 "
                                    "(erreur de saisie)")


# --- the staff page ----------------------------------------------------------------------------

@pytest.fixture
def clock(monkeypatch):
    """The page's "now" is the suite's fixed NOW, never the machine's."""
    from django.utils import timezone

    monkeypatch.setattr(timezone, "now", lambda: NOW)


def page_url(invoice):
    return f"/r/vercors/accueil/factures/{invoice.pk}/paiements/"


@pytest.mark.parametrize("persona", ["concierge", "coordinator"])
def test_staff_cancels_a_payment_from_the_invoice_page(client, paid, persona, clock):
    w = paid
    user = getattr(w, persona).user
    client.force_login(user)
    listing = client.get("/r/vercors/accueil/factures/").content.decode()
    assert f'href="{page_url(w.invoice)}"' in listing
    page = client.get(page_url(w.invoice) + f"?paiement={w.transfer.pk}")
    body = page.content.decode()
    assert page.status_code == 200 and "Annuler ce paiement" in body and "VIR 12" in body
    assert f'<option value="{w.transfer.pk}" selected>' in body
    today = NOW.astimezone(w.network.tz).date().isoformat()
    done = client.post(page_url(w.invoice), {"payment": w.transfer.pk, "reason": "entry_error",
                                             "reversed_on": today, "note": "Montant erroné"},
                       follow=True)
    assert done.redirect_chain == [(page_url(w.invoice), 302)]
    body = done.content.decode()
    assert "Paiement annulé" in body and "erreur de saisie" in body and "Montant erroné" in body
    reversal = PaymentReversal.objects.get()
    assert (reversal.payment, reversal.recorded_by, reversal.note) == (
        w.transfer, user, "Montant erroné")
    assert balance_of(w.invoice) == D("70.00")
    # The reversed payment cannot be chosen again.
    again = client.post(page_url(w.invoice), {"payment": w.transfer.pk, "reason": "refund",
                                              "reversed_on": today})
    assert again.status_code == 200 and PaymentReversal.objects.count() == 1


def test_refused_cancellation_keeps_what_was_typed(client, paid, clock):
    w = paid
    client.force_login(w.concierge.user)
    page = client.post(page_url(w.invoice), {
        "payment": w.transfer.pk, "reason": "cheque_bounced", "reversed_on": "2026-11-22",
        "note": "Relevé du 22"})
    body = page.content.decode()
    assert page.status_code == 200 and not PaymentReversal.objects.exists()
    assert "ne peut être datée avant le paiement" in body
    assert 'value="Relevé du 22"' in body and 'value="2026-11-22"' in body
    assert '<option value="cheque_bounced" selected>' in body


@pytest.mark.parametrize("persona,status", [("member", 403), ("concierge_b", 404),
                                            ("outsider", 404)])
def test_invoice_payments_page_is_for_the_networks_staff(client, paid, persona, status):
    w = paid
    user = w.outsider if persona == "outsider" else getattr(w, persona).user
    client.force_login(user)
    assert client.get(page_url(w.invoice)).status_code == status
    assert client.post(page_url(w.invoice), {
        "payment": w.transfer.pk, "reason": "entry_error",
        "reversed_on": ISSUE_DAY.isoformat()}).status_code == status
    assert not PaymentReversal.objects.exists()



def test_member_sees_the_payment_cancelled(client, paid):
    reverse_payment(paid.transfer, reason="entry_error", reversed_on=ISSUE_DAY,
                    actor=paid.concierge.user, now=NOW)
    client.force_login(paid.member.user)
    body = client.get("/r/vercors/factures/").content.decode()
    assert "annulé le 23/11/2026 (erreur de saisie)" in body and "70,00 €" in body
