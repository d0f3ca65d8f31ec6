import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
import sepaxml
from lxml import etree

from billing.models import LedgerEntry, Payment, PaymentMethod
from billing.selectors import balance_of
from billing.services.payments import record_payment
from payments.errors import PaymentsError
from payments.models import BatchStatus, ItemStatus, Mandate, MandateStatus
from payments.sepa import build_batch, create_mandate, export_pain008, mark_collected
from tests import factories as f
from tests.conftest import NOW, PARIS
from tests.payments.conftest import BIC_A, BIC_B, IBAN_A, IBAN_B, due_invoice

NS = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.008.001.02"}
XSD = Path(sepaxml.__file__).parent / "schemas" / "pain.008.001.02.xsd"
COLLECTION = dt.date(2026, 12, 2)
AFTER_COLLECTION = dt.datetime(2026, 12, 3, 10, 0, tzinfo=PARIS)


def mandate_for(world, member=None, organisation=None, **kw):
    defaults = {"debtor_name": "Camille Martin", "iban": IBAN_A, "bic": BIC_A,
                "signed_on": dt.date(2026, 10, 1), "actor": world.coordinator.user, "now": NOW}
    return create_mandate(world.network, member=member, organisation=organisation,
                          **{**defaults, **kw})


def parse_valid(xml: bytes):
    """Parse and validate against the pain.008.001.02 XSD shipped with sepaxml (lxml, not
    sepaxml's own validation)."""
    schema = etree.XMLSchema(etree.parse(str(XSD)))
    doc = etree.fromstring(xml)
    schema.assertValid(doc)
    return doc


def transactions(doc):
    rows = []
    for info in doc.iterfind(".//p:PmtInf", NS):
        seq = info.findtext("p:PmtTpInf/p:SeqTp", namespaces=NS)
        day = info.findtext("p:ReqdColltnDt", namespaces=NS)
        for tx in info.iterfind("p:DrctDbtTxInf", NS):
            rows.append({
                "seq": seq, "date": day,
                "amount": Decimal(tx.findtext("p:InstdAmt", namespaces=NS)),
                "rum": tx.findtext(".//p:MndtId", namespaces=NS),
                "signed": tx.findtext(".//p:DtOfSgntr", namespaces=NS),
                "iban": tx.findtext("p:DbtrAcct/p:Id/p:IBAN", namespaces=NS),
                "e2e": tx.findtext("p:PmtId/p:EndToEndId", namespaces=NS),
                "text": tx.findtext("p:RmtInf/p:Ustrd", namespaces=NS),
            })
    return rows


# --- Mandates ---------------------------------------------------------------------------------
def test_mandate_validates_iban_and_bic(creditor):
    w = creditor
    with pytest.raises(PaymentsError) as err:
        mandate_for(w, member=w.member, iban="FR7630006000011234567890188")
    assert err.value.code == "iban" and "IBAN invalide" in err.value.message
    with pytest.raises(PaymentsError) as err:
        mandate_for(w, member=w.member, bic="AGRI")
    assert err.value.code == "bic"
    mandate = mandate_for(w, member=w.member, iban="fr76 3000 6000 0112 3456 7890 189",
                          bic="agrifrpp")
    assert (mandate.iban, mandate.bic) == (IBAN_A, BIC_A)
    assert mandate.rum.startswith("VERCORS-") and mandate.masked_iban == "FR76 **** **** 0189"


def test_rum_is_unique_per_creditor_and_one_active_mandate_per_debtor(creditor):
    w = creditor
    mandate_for(w, member=w.member, rum="RUM-0001")
    other = f.make_member(w.network, f.make_user("autre@example.org"))
    with pytest.raises(PaymentsError) as err:
        mandate_for(w, member=other, rum="RUM-0001")
    assert err.value.code == "rum_taken"
    with pytest.raises(PaymentsError) as err:
        mandate_for(w, member=w.member, rum="RUM-0002")
    assert err.value.code == "already"
    # Another creditor (network) may use the same RUM.
    member_b = f.make_member(w.network_b, f.make_user("gers@example.org"))
    create_mandate(w.network_b, member=member_b, debtor_name="X", iban=IBAN_B, bic=BIC_B,
                   signed_on=dt.date(2026, 10, 1), rum="RUM-0001", actor=None, now=NOW)


def test_mandate_refuses_future_signature_and_other_networks_debtor(creditor):
    w = creditor
    with pytest.raises(PaymentsError) as err:
        mandate_for(w, member=w.member, signed_on=dt.date(2026, 11, 24))
    assert err.value.code == "signed_on"
    member_b = f.make_member(w.network_b, f.make_user("gers@example.org"))
    with pytest.raises(PaymentsError) as err:
        mandate_for(w, member=member_b)
    assert err.value.code == "other_network"


# --- Batches ----------------------------------------------------------------------------------
def test_batch_takes_unpaid_invoices_of_debtors_with_a_mandate_and_exports_valid_pain008(
        creditor):
    w = creditor
    mandate = mandate_for(w, member=w.member)
    org_mandate = mandate_for(w, organisation=w.organisation, debtor_name="Scierie du Plateau",
                              iban=IBAN_B, bic=BIC_B, signed_on=dt.date(2026, 9, 15))
    first = due_invoice(w, member=w.member, amount="100.00")
    partly_paid = due_invoice(w, member=w.member, amount="60.00")
    record_payment(partly_paid, amount="15.50", method=PaymentMethod.CASH,
                   received_on=NOW.date(), actor=w.concierge.user, now=NOW)
    org_invoice = due_invoice(w, organisation=w.organisation, amount="240.00")
    paid = due_invoice(w, member=w.member, amount="10.00")
    record_payment(paid, amount="10.00", method=PaymentMethod.CASH, received_on=NOW.date(),
                   actor=w.concierge.user, now=NOW)
    no_mandate = f.make_member(w.network, f.make_user("sans-mandat@example.org"))
    due_invoice(w, member=no_mandate, amount="30.00")

    batch = build_batch(w.network, collection_date=COLLECTION, actor=w.coordinator.user,
                        now=NOW)
    items = {i.invoice_id: i for i in batch.items.all()}
    assert {k: (v.amount, v.sequence_type) for k, v in items.items()} == {
        first.pk: (Decimal("100.00"), "FRST"),
        partly_paid.pk: (Decimal("44.50"), "FRST"),
        org_invoice.pk: (Decimal("240.00"), "FRST"),
    }

    doc = parse_valid(export_pain008(batch))
    assert doc.findtext(".//p:GrpHdr/p:MsgId", namespaces=NS) == batch.message_id
    assert doc.findtext(".//p:GrpHdr/p:NbOfTxs", namespaces=NS) == "3"
    assert doc.findtext(".//p:GrpHdr/p:CtrlSum", namespaces=NS) == "384.50"
    assert doc.findtext(".//p:CdtrSchmeId/p:Id/p:PrvtId/p:Othr/p:Id",
                        namespaces=NS) == "FR72ZZZ123456"
    rows = sorted(transactions(doc), key=lambda r: r["amount"])
    assert [(r["seq"], r["date"], r["amount"], r["rum"], r["signed"], r["iban"])
            for r in rows] == [
        ("FRST", "2026-12-02", Decimal("44.50"), mandate.rum, "2026-10-01", IBAN_A),
        ("FRST", "2026-12-02", Decimal("100.00"), mandate.rum, "2026-10-01", IBAN_A),
        ("FRST", "2026-12-02", Decimal("240.00"), org_mandate.rum, "2026-09-15", IBAN_B),
    ]
    assert {r["e2e"] for r in rows} == {i.end_to_end_id for i in items.values()}
    assert rows[2]["text"] == f"Facture {org_invoice.number}"


def test_an_invoice_in_a_batch_waiting_for_collection_is_not_debited_twice(creditor):
    w = creditor
    mandate_for(w, member=w.member)
    due_invoice(w, member=w.member)
    build_batch(w.network, collection_date=COLLECTION, actor=w.coordinator.user, now=NOW)
    with pytest.raises(PaymentsError) as err:
        build_batch(w.network, collection_date=COLLECTION, actor=w.coordinator.user, now=NOW)
    assert err.value.code == "empty"


def test_batch_needs_a_creditor_and_a_future_date(billed):
    w = billed
    mandate_for(w, member=w.member)
    due_invoice(w, member=w.member)
    with pytest.raises(PaymentsError) as err:
        build_batch(w.network, collection_date=COLLECTION, actor=None, now=NOW)
    assert err.value.code == "creditor"


def test_batch_date_must_be_after_today(creditor):
    w = creditor
    mandate_for(w, member=w.member)
    due_invoice(w, member=w.member)
    with pytest.raises(PaymentsError) as err:
        build_batch(w.network, collection_date=NOW.date(), actor=None, now=NOW)
    assert err.value.code == "collection_date"


def test_revoked_mandate_is_not_debited(creditor):
    from payments.sepa import revoke_mandate

    w = creditor
    mandate = revoke_mandate(mandate_for(w, member=w.member), actor=None, now=NOW)
    assert mandate.status == MandateStatus.REVOKED and mandate.revoked_on == NOW.date()
    due_invoice(w, member=w.member)
    with pytest.raises(PaymentsError):
        build_batch(w.network, collection_date=COLLECTION, actor=None, now=NOW)


# --- Collection, FRST then RCUR, rejections ---------------------------------------------------
def test_collected_batch_records_sepa_payments_and_the_next_debit_is_rcur(creditor):
    w = creditor
    mandate = mandate_for(w, member=w.member)
    invoice = due_invoice(w, member=w.member, amount="100.00")
    batch = build_batch(w.network, collection_date=COLLECTION, actor=w.coordinator.user,
                        now=NOW)
    entries = LedgerEntry.objects.filter(network=w.network).count()
    result = mark_collected(batch, rejected={}, actor=w.coordinator.user, now=AFTER_COLLECTION)
    assert (result["collected"], result["rejected"]) == (1, 0)
    payment = Payment.objects.get(invoice=invoice)
    assert (payment.method, payment.amount, payment.received_on) == (
        "sepa", Decimal("100.00"), COLLECTION)
    assert mandate.rum in payment.reference
    assert balance_of(invoice) == 0
    assert LedgerEntry.objects.filter(network=w.network).count() == entries + 1
    batch.refresh_from_db()
    assert batch.status == BatchStatus.COLLECTED
    assert batch.items.get().payment == payment

    with pytest.raises(PaymentsError) as err:  # not twice
        mark_collected(batch, rejected={}, actor=w.coordinator.user, now=AFTER_COLLECTION)
    assert err.value.code == "done"

    later = due_invoice(w, member=w.member, amount="80.00", day=dt.date(2026, 11, 20))
    next_batch = build_batch(w.network, collection_date=dt.date(2027, 1, 4),
                             actor=w.coordinator.user, now=AFTER_COLLECTION)
    assert [(i.invoice_id, i.sequence_type) for i in next_batch.items.all()] == [
        (later.pk, "RCUR")]
    [row] = transactions(parse_valid(export_pain008(next_batch)))
    assert (row["seq"], row["amount"]) == ("RCUR", Decimal("80.00"))


def test_rejected_first_debit_stays_unpaid_and_is_presented_again_as_frst(creditor):
    w = creditor
    mandate_for(w, member=w.member)
    invoice = due_invoice(w, member=w.member, amount="100.00")
    batch = build_batch(w.network, collection_date=COLLECTION, actor=w.coordinator.user,
                        now=NOW)
    item = batch.items.get()
    result = mark_collected(batch, rejected={item.pk: "AM04"}, actor=w.coordinator.user,
                            now=AFTER_COLLECTION)
    assert (result["collected"], result["rejected"]) == (0, 1)
    item.refresh_from_db()
    assert (item.status, item.reject_reason, item.payment) == (ItemStatus.REJECTED, "AM04", None)
    assert not Payment.objects.filter(invoice=invoice).exists()
    assert balance_of(invoice) == Decimal("100.00")
    again = build_batch(w.network, collection_date=dt.date(2026, 12, 10),
                        actor=w.coordinator.user, now=AFTER_COLLECTION)
    assert [(i.invoice_id, i.sequence_type) for i in again.items.all()] == [
        (invoice.pk, "FRST")]


def test_collection_refuses_unknown_reason_and_early_marking(creditor):
    w = creditor
    mandate_for(w, member=w.member)
    due_invoice(w, member=w.member)
    batch = build_batch(w.network, collection_date=COLLECTION, actor=w.coordinator.user,
                        now=NOW)
    item = batch.items.get()
    with pytest.raises(PaymentsError) as err:
        mark_collected(batch, rejected={item.pk: "XX99"}, actor=w.coordinator.user,
                       now=AFTER_COLLECTION)
    assert err.value.code == "reason"
    with pytest.raises(PaymentsError) as err:
        mark_collected(batch, rejected={}, actor=w.coordinator.user, now=NOW)
    assert err.value.code == "early"


def test_invoice_paid_meanwhile_is_recorded_only_up_to_its_balance(creditor):
    w = creditor
    mandate_for(w, member=w.member)
    invoice = due_invoice(w, member=w.member, amount="100.00")
    batch = build_batch(w.network, collection_date=COLLECTION, actor=w.coordinator.user,
                        now=NOW)
    record_payment(invoice, amount="30.00", method=PaymentMethod.CASH, received_on=NOW.date(),
                   actor=w.concierge.user, now=NOW)
    result = mark_collected(batch, rejected={}, actor=w.coordinator.user, now=AFTER_COLLECTION)
    assert result["excess"] == [(invoice.number, Decimal("30.00"))]
    assert Payment.objects.get(invoice=invoice, method="sepa").amount == Decimal("70.00")
    assert balance_of(invoice) == 0


def test_only_staff_can_mark_a_batch_collected(creditor):
    w = creditor
    mandate_for(w, member=w.member)
    due_invoice(w, member=w.member)
    batch = build_batch(w.network, collection_date=COLLECTION, actor=w.coordinator.user,
                        now=NOW)
    with pytest.raises(PaymentsError) as err:
        mark_collected(batch, rejected={}, actor=w.member.user, now=AFTER_COLLECTION)
    assert err.value.code == "forbidden"
    batch.refresh_from_db()
    assert batch.status == BatchStatus.CREATED
    assert not Mandate.objects.filter(status="revoked").exists()


def test_return_after_collection_reverses_the_payment_and_the_invoice_is_unpaid_again(
        creditor):
    from billing.models import PaymentReversal
    from billing.selectors import unpaid_invoices, unpaid_member_ids
    from billing.services.ledger import verify_ledger
    from payments.sepa import record_return

    w = creditor
    mandate_for(w, member=w.member)
    invoice = due_invoice(w, member=w.member, amount="100.00")
    batch = build_batch(w.network, collection_date=COLLECTION, actor=w.coordinator.user,
                        now=NOW)
    item = batch.items.get()
    with pytest.raises(PaymentsError) as err:  # not collected yet
        record_return(item, reason="MD06", returned_on=COLLECTION, actor=None,
                      now=AFTER_COLLECTION)
    assert err.value.code == "not_collected"
    mark_collected(batch, rejected={}, actor=w.coordinator.user, now=AFTER_COLLECTION)
    assert balance_of(invoice) == 0
    assert not unpaid_invoices(w.network, today=AFTER_COLLECTION.date()).exists()
    with pytest.raises(PaymentsError) as err:
        record_return(item, reason="MD06", returned_on=dt.date(2026, 12, 1), actor=None,
                      now=AFTER_COLLECTION)
    assert err.value.code == "returned_on"
    assert not PaymentReversal.objects.exists()
    item = record_return(item, reason="MD06", returned_on=AFTER_COLLECTION.date(),
                         actor=w.coordinator.user, now=AFTER_COLLECTION)
    assert (item.status, item.reject_reason, item.returned_on) == (
        ItemStatus.RETURNED, "MD06", AFTER_COLLECTION.date())
    payment = Payment.objects.get(invoice=invoice)  # insert-only: it stays, reversed
    reversal = payment.reversal
    assert (reversal.reason, reversal.reversed_on, reversal.recorded_by) == (
        "debit_returned", AFTER_COLLECTION.date(), None)
    assert "MD06" in reversal.note and item.end_to_end_id in reversal.note
    # The invoice owes its amount again: reminders and the door rules see it.
    assert balance_of(invoice) == Decimal("100.00")
    assert list(unpaid_invoices(w.network, today=AFTER_COLLECTION.date())) == [invoice]
    assert unpaid_member_ids(w.network, [w.member.pk], today=AFTER_COLLECTION.date(),
                             grace_days=0) == {w.member.pk}
    assert verify_ledger(w.network)[1] == []
    assert LedgerEntry.objects.filter(network=w.network, kind="reversal",
                                      object_id=reversal.pk).exists()
    # The mandate was used: the next debit is RCUR, and it presents the returned invoice again.
    later_invoice = due_invoice(w, member=w.member, amount="80.00", day=dt.date(2026, 11, 20))
    later = build_batch(w.network, collection_date=dt.date(2027, 1, 4), actor=None,
                        now=AFTER_COLLECTION)
    assert sorted((i.invoice_id, i.sequence_type, i.amount) for i in later.items.all()) == [
        (invoice.pk, "RCUR", Decimal("100.00")), (later_invoice.pk, "RCUR", Decimal("80.00"))]


def test_return_of_a_payment_staff_already_reversed_reverses_nothing_more(creditor):
    from billing.models import PaymentReversal
    from billing.services.payments import reverse_payment
    from payments.sepa import record_return

    w = creditor
    mandate_for(w, member=w.member)
    invoice = due_invoice(w, member=w.member, amount="100.00")
    batch = build_batch(w.network, collection_date=COLLECTION, actor=w.coordinator.user,
                        now=NOW)
    mark_collected(batch, rejected={}, actor=w.coordinator.user, now=AFTER_COLLECTION)
    item = batch.items.get()
    reverse_payment(item.payment, reason="debit_returned", reversed_on=COLLECTION,
                    actor=w.coordinator.user, now=AFTER_COLLECTION)
    item = record_return(item, reason="AM04", returned_on=COLLECTION, actor=None,
                         now=AFTER_COLLECTION)
    assert item.status == ItemStatus.RETURNED
    assert PaymentReversal.objects.count() == 1 and balance_of(invoice) == Decimal("100.00")


def test_return_dated_in_a_closed_period_is_refused_and_nothing_changes(creditor):
    from billing.models import PaymentReversal
    from billing.services.ledger import close_period
    from payments.sepa import record_return

    w = creditor
    mandate_for(w, member=w.member)
    invoice = due_invoice(w, member=w.member, amount="100.00")
    batch = build_batch(w.network, collection_date=COLLECTION, actor=w.coordinator.user,
                        now=NOW)
    mark_collected(batch, rejected={}, actor=w.coordinator.user, now=AFTER_COLLECTION)
    close_period(w.network, through=COLLECTION, actor=None, now=AFTER_COLLECTION)
    item = batch.items.get()
    with pytest.raises(PaymentsError) as err:
        record_return(item, reason="AM04", returned_on=COLLECTION, actor=None,
                      now=AFTER_COLLECTION)
    assert err.value.code == "period_closed"
    item.refresh_from_db()
    assert item.status == ItemStatus.COLLECTED and not PaymentReversal.objects.exists()
    assert balance_of(invoice) == 0


def test_a_mandate_unused_for_36_months_has_lapsed(creditor):
    w = creditor
    mandate_for(w, member=w.member, signed_on=dt.date(2023, 11, 20))  # never used since
    other = f.make_member(w.network, f.make_user("autre@example.org"))
    mandate_for(w, member=other, signed_on=dt.date(2023, 11, 26), iban=IBAN_B, bic=BIC_B,
                debtor_name="Autre")
    due_invoice(w, member=w.member)
    kept = due_invoice(w, member=other)
    batch = build_batch(w.network, collection_date=dt.date(2026, 11, 25), actor=None, now=NOW)
    assert [i.invoice_id for i in batch.items.all()] == [kept.pk]


def test_a_collection_restarts_the_36_months(creditor):
    from payments.models import DirectDebitBatch, DirectDebitItem

    w = creditor
    mandate = mandate_for(w, member=w.member, signed_on=dt.date(2023, 1, 10))
    old_invoice = due_invoice(w, member=w.member, amount="5.00")
    old_batch = DirectDebitBatch.objects.create(
        network=w.network, collection_date=dt.date(2024, 6, 5), message_id="OLD-1",
        created_at=NOW, status=BatchStatus.COLLECTED)
    DirectDebitItem.objects.create(network=w.network, batch=old_batch, invoice=old_invoice,
                                   mandate=mandate, amount=Decimal("5.00"),
                                   sequence_type="FRST", end_to_end_id="OLD-1-1",
                                   status=ItemStatus.COLLECTED)
    invoice = due_invoice(w, member=w.member)
    batch = build_batch(w.network, collection_date=dt.date(2026, 11, 25), actor=None, now=NOW)
    assert {(i.invoice_id, i.sequence_type) for i in batch.items.all()} == {
        (old_invoice.pk, "RCUR"), (invoice.pk, "RCUR")}
    DirectDebitItem.objects.filter(batch=old_batch).update(status=ItemStatus.REJECTED)
    batch.items.all().delete()
    batch.delete()
    with pytest.raises(PaymentsError):  # a rejected debit is no use: lapsed since 2026-01-10
        build_batch(w.network, collection_date=dt.date(2026, 11, 25), actor=None, now=NOW)
