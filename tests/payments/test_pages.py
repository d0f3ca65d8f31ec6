import datetime as dt

import pytest

from billing.models import Payment
from billing.selectors import balance_of
from payments.models import DirectDebitBatch, Mandate, MandateStatus, PaymentSettings
from payments.sepa import build_batch, create_mandate
from tests.conftest import NOW, PARIS
from tests.payments.conftest import BIC_A, IBAN_A, due_invoice


def url(world, path):
    return f"/r/{world.network.slug}/gestion/paiements/{path}"


@pytest.fixture
def batch(creditor):
    w = creditor
    create_mandate(w.network, member=w.member, debtor_name="Camille Martin", iban=IBAN_A,
                   bic=BIC_A, signed_on=dt.date(2026, 10, 1), rum="RUM-1", actor=None, now=NOW)
    due_invoice(w, member=w.member)
    batch = build_batch(w.network, collection_date=dt.date(2026, 12, 2), actor=None, now=NOW)
    batch._world = w
    return batch


@pytest.fixture(autouse=True)
def clock(monkeypatch):
    """The pages' "now" is the suite's fixed NOW (and can be moved on), never the machine's."""
    from django.utils import timezone

    def set_now(when):
        monkeypatch.setattr(timezone, "now", lambda: when)

    set_now(NOW)
    return set_now


COORDINATOR_PAGES = ["", "mandats/", "prelevements/", "prelevements/{batch}/",
                     "prelevements/{batch}/pain008.xml"]


@pytest.mark.parametrize("path", COORDINATOR_PAGES)
@pytest.mark.parametrize("persona,status", [("coordinator", 200), ("concierge", 403),
                                            ("member", 403), ("concierge_b", 404)])
def test_coordinator_pages_allow_and_deny(client, batch, path, persona, status):
    world = batch._world
    user = {"coordinator": world.coordinator, "concierge": world.concierge,
            "member": world.member, "concierge_b": world.concierge_b}[persona].user
    client.force_login(user)
    assert client.get(url(world, path.format(batch=batch.pk))).status_code == status


def test_anonymous_is_sent_to_log_in(client, batch):
    response = client.get(url(batch._world, "mandats/"))
    assert response.status_code == 302 and "/comptes/login/" in response["Location"]


def test_coordinator_creates_a_mandate_and_a_bad_iban_keeps_what_was_typed(client, creditor):
    w = creditor
    client.force_login(w.coordinator.user)
    data = {"member": w.member.pk, "debtor_name": "Camille Martin",
            "iban": "FR76 3000 6000 0112 3456 7890 188", "bic": BIC_A,
            "signed_on": "2026-10-01"}
    response = client.post(url(w, "mandats/"), data)
    page = response.content.decode()
    assert response.status_code == 200 and "IBAN invalide" in page
    assert "FR76 3000 6000 0112 3456 7890 188" in page and "Camille Martin" in page
    assert not Mandate.objects.exists()
    data["iban"] = "FR76 3000 6000 0112 3456 7890 189"
    response = client.post(url(w, "mandats/"), data)
    assert response.status_code == 302
    mandate = Mandate.objects.get()
    assert (mandate.iban, mandate.debtor_member) == (IBAN_A, w.member)
    page = client.get(url(w, "mandats/")).content.decode()
    assert mandate.rum in page and "FR76 **** **** 0189" in page and IBAN_A not in page


def test_mandate_form_needs_exactly_one_debtor(client, creditor):
    w = creditor
    client.force_login(w.coordinator.user)
    response = client.post(url(w, "mandats/"), {
        "member": w.member.pk, "organisation": w.organisation.pk, "debtor_name": "X",
        "iban": IBAN_A, "bic": BIC_A, "signed_on": "2026-10-01"})
    assert "un seul" in response.content.decode() and not Mandate.objects.exists()


def test_revoke_allow_and_deny(client, batch):
    w = batch._world
    mandate = Mandate.objects.get()
    revoke = url(w, f"mandats/{mandate.pk}/revoquer/")
    for user, status in [(w.concierge.user, 403), (w.concierge_b.user, 404),
                         (w.member.user, 403)]:
        client.force_login(user)
        assert client.post(revoke).status_code == status
    client.force_login(w.coordinator.user)
    assert client.get(revoke).status_code == 405
    assert client.post(revoke).status_code == 302
    mandate.refresh_from_db()
    assert mandate.status == MandateStatus.REVOKED


def test_coordinator_creates_a_batch_downloads_it_marks_it_collected_and_records_a_return(
        client, creditor, clock):
    from payments.models import ItemStatus

    w = creditor
    create_mandate(w.network, member=w.member, debtor_name="Camille Martin", iban=IBAN_A,
                   bic=BIC_A, signed_on=dt.date(2026, 10, 1), rum="RUM-1", actor=None, now=NOW)
    invoice = due_invoice(w, member=w.member)
    client.force_login(w.coordinator.user)
    response = client.post(url(w, "prelevements/"), {"collection_date": "2026-11-23"})
    assert "postérieure à aujourd" in response.content.decode()
    assert not DirectDebitBatch.objects.exists()
    response = client.post(url(w, "prelevements/"), {"collection_date": "2026-11-25"})
    batch = DirectDebitBatch.objects.get()
    assert response["Location"] == url(w, f"prelevements/{batch.pk}/")
    xml = client.get(url(w, f"prelevements/{batch.pk}/pain008.xml"))
    assert xml["Content-Type"] == "application/xml"
    assert f'filename="{batch.message_id}.xml"' in xml["Content-Disposition"]
    assert b"<SeqTp>FRST</SeqTp>" in xml.content and b"<MndtId>RUM-1</MndtId>" in xml.content
    # Marking collected before the collection date is refused with a message.
    response = client.post(url(w, f"prelevements/{batch.pk}/"), {})
    assert "avant sa date de prélèvement" in response.content.decode()
    clock(dt.datetime(2026, 11, 26, 9, 0, tzinfo=PARIS))
    response = client.post(url(w, f"prelevements/{batch.pk}/"), {}, follow=True)
    assert "1 prélèvement(s) enregistré(s), 0 rejeté(s)" in response.content.decode()
    assert Payment.objects.get(invoice=invoice).method == "sepa"
    # The debtor asks their bank for a refund a few days later.
    clock(dt.datetime(2026, 11, 30, 9, 0, tzinfo=PARIS))
    item = batch.items.get()
    page = client.post(url(w, f"prelevements/{batch.pk}/retour/"), {
        "item": item.pk, "reason": "MD06", "returned_on": "2026-11-30"}, follow=True)
    assert f"Le paiement de la facture {invoice.number} est annulé" in page.content.decode()
    item.refresh_from_db()
    assert (item.status, item.reject_reason) == (ItemStatus.RETURNED, "MD06")
    assert item.payment.reversal.reason == "debit_returned"
    assert balance_of(invoice) == invoice.total_gross


def test_batch_of_network_a_is_not_found_from_network_b(client, batch):
    from tests import factories as f

    w = batch._world
    coordinator_b = f.make_coordinator(w.network_b, user=f.make_user("coord-gers@example.org"))
    client.force_login(coordinator_b.user)
    base = f"/r/{w.network_b.slug}/gestion/paiements/prelevements/{batch.pk}/"
    assert client.get(base).status_code == 404
    assert client.get(base + "pain008.xml").status_code == 404
    assert client.post(base, {}).status_code == 404


def test_settings_page_validates_the_creditor_and_reminder_steps(client, billed):
    w = billed
    client.force_login(w.coordinator.user)
    response = client.post(url(w, ""), {"creditor_name": "Asso", "creditor_id": "FR73ZZZ123456",
                                        "creditor_iban": "", "creditor_bic": "",
                                        "reminder_days": "7, x"})
    page = response.content.decode()
    assert "clé de contrôle" in page and "« x »" in page and "FR73ZZZ123456" in page
    response = client.post(url(w, ""), {"creditor_name": "Asso", "creditor_id": "fr72zzz123456",
                                        "creditor_iban": "FR1420041010050500013M02606",
                                        "creditor_bic": "PSSTFRPPLYO",
                                        "reminder_days": "30; 7, 7"})
    assert response.status_code == 302
    row = PaymentSettings.of(w.network)
    assert (row.creditor_id, row.reminder_days, row.sepa_ready) == ("FR72ZZZ123456", [7, 30],
                                                                    True)


def test_member_sees_the_mandate_masked(client, batch):
    w = batch._world
    client.force_login(w.member.user)
    page = client.get(f"/r/{w.network.slug}/paiements/mon-mandat/").content.decode()
    assert "FR76 **** **** 0189" in page and "RUM-1" in page and IBAN_A not in page
    client.force_login(w.outsider)
    assert client.get(f"/r/{w.network.slug}/paiements/mon-mandat/").status_code == 404


def test_invoices_page_offers_online_payment_for_unpaid_invoices_and_shows_the_mandate(
        client, batch, stripe, settings):
    from billing.models import PaymentMethod
    from billing.services.payments import record_payment

    w = batch._world
    [unpaid] = [i.invoice for i in batch.items.all()]
    paid = due_invoice(w, member=w.member, amount="10.00")
    record_payment(paid, amount="10.00", method=PaymentMethod.CASH, received_on=NOW.date(),
                   actor=w.concierge.user, now=NOW)
    client.force_login(w.member.user)
    page = client.get(f"/r/{w.network.slug}/factures/").content.decode()
    assert f'action="/r/{w.network.slug}/factures/{unpaid.pk}/payer-en-ligne/"' in page
    assert f"/factures/{paid.pk}/payer-en-ligne/" not in page
    assert "Payer en ligne" in page
    assert "FR76 **** **** 0189" in page and IBAN_A not in page
    settings.STRIPE_SECRET_KEY = ""  # no provider configured: no button
    page = client.get(f"/r/{w.network.slug}/factures/").content.decode()
    assert "Payer en ligne" not in page and "FR76 **** **** 0189" in page


def test_return_endpoint_allow_and_deny(client, batch):
    from payments.models import ItemStatus

    w = batch._world
    item = batch.items.get()
    item_url = url(w, f"prelevements/{batch.pk}/retour/")
    data = {"item": item.pk, "reason": "AM04", "returned_on": "2026-11-23"}
    for user, status in [(w.concierge.user, 403), (w.member.user, 403),
                         (w.concierge_b.user, 404)]:
        client.force_login(user)
        assert client.post(item_url, data).status_code == status
    client.force_login(w.coordinator.user)
    assert client.get(item_url).status_code == 405
    page = client.post(item_url, data, follow=True).content.decode()
    assert "Seul un prélèvement encaissé peut être retourné." in page
    item.refresh_from_db()
    assert item.status == ItemStatus.PENDING


def test_coordinator_home_links_to_the_payments_pages(client, billed):
    w = billed
    client.force_login(w.coordinator.user)
    page = client.get(f"/r/{w.network.slug}/gestion/").content.decode()
    for path in ("", "mandats/", "prelevements/"):
        assert f'href="{url(w, path)}"' in page
