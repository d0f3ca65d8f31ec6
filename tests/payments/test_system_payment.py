"""billing.services.payments.record_system_payment: the path for payments confirmed by a
machine (provider webhook), without a staff actor."""

from decimal import Decimal

import pytest

from billing.errors import BillingError
from billing.models import LedgerEntry, Payment
from billing.services.payments import record_payment, record_system_payment
from core.models import AuditLog
from tests.conftest import NOW
from tests.payments.conftest import due_invoice


def test_system_payment_is_chained_and_audited_without_actor(billed):
    w = billed
    invoice = due_invoice(w, member=w.member, amount="50.00")
    before = LedgerEntry.objects.filter(network=w.network).count()
    payment = record_system_payment(invoice, amount="50.00", method="online",
                                    received_on=NOW.date(), reference="stripe pi_1",
                                    source="stripe:evt_1", now=NOW)
    assert (payment.amount, payment.recorded_by) == (Decimal("50.00"), None)
    assert LedgerEntry.objects.filter(network=w.network).count() == before + 1
    log = AuditLog.objects.get(action="billing.payment.recorded", target_id=str(payment.pk))
    assert log.actor_id is None and log.data["source"] == "stripe:evt_1"


@pytest.mark.parametrize("method", ["cash", "cheque", "transfer"])
def test_system_path_refuses_the_methods_people_record(billed, method):
    w = billed
    invoice = due_invoice(w, member=w.member)
    with pytest.raises(BillingError) as err:
        record_system_payment(invoice, amount="1.00", method=method, received_on=NOW.date(),
                              reference="x", source="test", now=NOW)
    assert err.value.code == "forbidden"
    assert not Payment.objects.exists()


def test_system_path_keeps_billings_checks(billed):
    w = billed
    invoice = due_invoice(w, member=w.member, amount="50.00")
    with pytest.raises(BillingError) as err:
        record_system_payment(invoice, amount="50.01", method="online", received_on=NOW.date(),
                              reference="x", source="test", now=NOW)
    assert err.value.code == "overpaid"
    with pytest.raises(BillingError) as err:  # staff path unchanged: a member may not record
        record_payment(invoice, amount="1.00", method="sepa", received_on=NOW.date(),
                       actor=w.member.user, now=NOW)
    assert err.value.code == "forbidden"
