import datetime as dt
from decimal import Decimal as D

import pytest

from access.entitlements import Entitlements
from billing.entitlements import billing_provider
from billing.errors import BillingError
from billing.models import Payment
from billing.selectors import balance_of, unpaid_invoices, with_balances
from billing.services import issue_credit_note
from billing.services.payments import record_payment
from core.models import AuditLog
from tests.billing.conftest import ISSUE_DAY, issue
from tests.conftest import NOW

pytestmark = pytest.mark.django_db
DUE = dt.date(2026, 12, 23)  # ISSUE_DAY + 30 days


def pay(invoice, actor, amount, method="cash", reference="", day=ISSUE_DAY, now=NOW):
    return record_payment(invoice, amount=amount, method=method, received_on=day,
                          reference=reference, actor=actor, now=now)


def test_partial_payments_and_derived_balance(billed):
    invoice = issue(billed.network, member=billed.member)
    concierge = billed.concierge.user
    pay(invoice, concierge, "30")
    pay(invoice, concierge, D("20.50"), "cheque", "Chèque 0012345, remise R-2026-11-04")
    assert balance_of(invoice) == D("49.50")
    pay(invoice, billed.coordinator.user, D("49.50"), "transfer", "VIR CAMILLE MARTIN")
    assert balance_of(invoice) == D("0.00")
    row = with_balances(type(invoice).objects.filter(pk=invoice.pk)).get()
    assert (row.paid, row.credited, row.balance) == (D("100.00"), D("0.00"), D("0.00"))
    assert AuditLog.objects.filter(action="billing.payment.recorded").count() == 3


@pytest.mark.parametrize("kwargs,code", [
    (dict(amount="100.01"), "overpaid"),
    (dict(amount="0"), "amount"),
    (dict(amount="-5"), "amount"),
    (dict(amount="10", method="cheque"), "reference"),
    (dict(amount="10", method="bitcoin"), "method"),
    (dict(amount="10", day=dt.date(2026, 11, 24)), "future"),
])
def test_refused_payments_leave_nothing(billed, kwargs, code):
    invoice = issue(billed.network, member=billed.member)
    with pytest.raises(BillingError) as refused:
        pay(invoice, billed.concierge.user, **kwargs)
    assert refused.value.code == code
    assert not Payment.objects.exists() and balance_of(invoice) == D("100.00")


@pytest.mark.parametrize("persona", ["member", "concierge_b", "outsider"])
def test_only_the_networks_staff_record_payments(billed, persona):
    invoice = issue(billed.network, member=billed.member)
    user = billed.outsider if persona == "outsider" else getattr(billed, persona).user
    with pytest.raises(BillingError) as refused:
        pay(invoice, user, "10")
    assert refused.value.code == "forbidden" and not Payment.objects.exists()


def test_credit_notes_reduce_the_balance_and_cannot_be_paid(billed):
    invoice = issue(billed.network, member=billed.member)
    note = issue_credit_note(invoice, reason="Annulation", issue_date=ISSUE_DAY, actor=None,
                             now=NOW)
    assert balance_of(invoice) == D("0.00")
    with pytest.raises(BillingError) as refused:
        pay(note, billed.concierge.user, "10")
    assert refused.value.code == "not_payable"


def test_unpaid_after_grace_and_access_provider(billed):
    invoice = issue(billed.network, member=billed.member)
    issue(billed.network, member=billed.concierge)  # paid below
    pay(type(invoice).objects.exclude(pk=invoice.pk).get(), billed.concierge.user, "100")
    assert not unpaid_invoices(billed.network, today=DUE + dt.timedelta(days=15),
                               grace_days=15).exists()
    late = DUE + dt.timedelta(days=16)
    assert list(unpaid_invoices(billed.network, today=late, grace_days=15)) == [invoice]
    later = NOW + dt.timedelta(days=46)
    ids = [billed.member.pk, billed.concierge.pk, billed.coordinator.pk]
    facts = billing_provider(billed.network, ids, now=later, grace_days=15)
    assert facts[billed.member.pk] == Entitlements(unpaid_overdue=True, source="billing")
    assert not facts[billed.concierge.pk].unpaid_overdue
    assert not facts[billed.coordinator.pk].unpaid_overdue
    pay(invoice, billed.concierge.user, "100", now=later, day=later.date())
    assert not billing_provider(billed.network, ids, now=later,
                                grace_days=15)[billed.member.pk].unpaid_overdue


def test_a_reversed_payment_makes_the_door_see_the_member_unpaid_again(billed):
    from billing.services.payments import reverse_payment

    invoice = issue(billed.network, member=billed.member)
    payment = pay(invoice, billed.concierge.user, "100")
    later = NOW + dt.timedelta(days=46)
    ids = [billed.member.pk]
    assert not billing_provider(billed.network, ids, now=later,
                                grace_days=15)[billed.member.pk].unpaid_overdue
    reverse_payment(payment, reason="entry_error", reversed_on=later.date(),
                    actor=billed.coordinator.user, now=later)
    assert billing_provider(billed.network, ids, now=later,
                            grace_days=15)[billed.member.pk].unpaid_overdue


def test_access_provider_answers_in_constant_queries(billed, django_assert_num_queries):
    from tests import factories as f

    ids = [f.make_member(billed.network).pk for _ in range(5)]
    for mid in ids[:3]:
        issue(billed.network, member=type(billed.member).objects.get(pk=mid))
    # staff rights, current subscriptions, unpaid invoices
    with django_assert_num_queries(3):
        facts = billing_provider(billed.network, ids, now=NOW + dt.timedelta(days=60),
                                 grace_days=0)
    assert [facts[mid].unpaid_overdue for mid in ids] == [True, True, True, False, False]


def test_the_door_refuses_a_member_with_an_overdue_invoice(billed):
    """End to end through the access rules with the default provider (settings)."""
    from access.doors import find_credential
    from access.rules import decide, policy_for
    from access.services import issue_badge
    from tests.conftest import local

    issue_badge(billed.member, "04A23B1C", actor=None)
    invoice = issue(billed.network, member=billed.member)
    grace = policy_for(billed.network).unpaid_grace_days
    monday = DUE + dt.timedelta(days=grace + 1 + (7 - (DUE + dt.timedelta(days=grace + 1))
                                                  .weekday()) % 7)  # first Monday after grace

    def door(day):
        credential = find_credential(billed.network, "badge", "04a23b1c")
        return decide(billed.site, credential, now=local(day, 10))

    assert door(monday).rule == "unpaid"
    pay(invoice, billed.concierge.user, "100", now=local(monday, 9), day=monday)
    assert door(monday).allowed
