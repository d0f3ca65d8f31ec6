from decimal import Decimal as D

import pytest
from django.utils import timezone

from billing.models import Payment
from billing.services.payments import record_payment
from tests import factories as f
from tests.billing.conftest import ISSUE_DAY, issue
from tests.conftest import NOW

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate().isoformat()  # pages use the real clock


def test_member_sees_own_invoices_and_payments_only(client, billed):
    mine = issue(billed.network, member=billed.member)
    record_payment(mine, amount="30", method="cash", received_on=ISSUE_DAY,
                   actor=billed.concierge.user, now=NOW)
    neighbour = f.make_member(billed.network)
    theirs = issue(billed.network, member=neighbour)
    client.force_login(billed.member.user)
    page = client.get("/r/vercors/factures/")
    assert page.status_code == 200
    body = page.content.decode()
    assert mine.number in body and "70,00 €" in body and "30,00 €" in body
    assert theirs.number not in body


def test_member_invoice_page_query_count(client, billed, django_assert_max_num_queries):
    for _ in range(5):
        invoice = issue(billed.network, member=billed.member)
        record_payment(invoice, amount="10", method="cash", received_on=ISSUE_DAY,
                       actor=billed.concierge.user, now=NOW)
    client.force_login(billed.member.user)
    with django_assert_max_num_queries(8):
        assert client.get("/r/vercors/factures/").status_code == 200


def test_concierge_records_a_cheque(client, billed):
    invoice = issue(billed.network, member=billed.member)
    client.force_login(billed.concierge.user)
    listing = client.get("/r/vercors/accueil/factures/")
    assert listing.status_code == 200 and invoice.number in listing.content.decode()
    url = f"/r/vercors/accueil/factures/{invoice.pk}/paiement/"
    refused = client.post(url, {"amount": "60", "method": "cheque", "received_on": TODAY})
    assert refused.status_code == 200 and not Payment.objects.exists()
    assert "remise en banque" in refused.content.decode()
    done = client.post(url, {"amount": "60", "method": "cheque", "received_on": TODAY,
                             "reference": "Chèque 1234567, remise 42"})
    assert done.status_code == 302 and done["Location"] == "/r/vercors/accueil/factures/"
    payment = Payment.objects.get()
    assert (payment.amount, payment.method, payment.recorded_by) == (
        D("60.00"), "cheque", billed.concierge.user)


@pytest.mark.parametrize("persona,status", [("member", 403), ("concierge_b", 404),
                                            ("outsider", 404)])
def test_payment_desk_is_for_the_networks_staff(client, billed, persona, status):
    invoice = issue(billed.network, member=billed.member)
    user = billed.outsider if persona == "outsider" else getattr(billed, persona).user
    client.force_login(user)
    url = f"/r/vercors/accueil/factures/{invoice.pk}/paiement/"
    assert client.get("/r/vercors/accueil/factures/").status_code == status
    assert client.post(url, {"amount": "10", "method": "cash",
                             "received_on": TODAY}).status_code == status
    assert not Payment.objects.exists()
