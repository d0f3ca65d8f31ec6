"""Concurrent issuing on real connections: gapless, no duplicate, even with a rollback."""

import threading
from decimal import Decimal as D

import pytest
from django.db import IntegrityError, connection, transaction

from billing.models import Invoice, InvoiceCounter, LedgerEntry
from billing.services import LineInput, draft_invoice, invoices, issue_invoice
from billing.services.invoices import format_number
from billing.services.ledger import verify_ledger
from tests.billing.conftest import ISSUE_DAY
from tests.bookings.test_concurrency import race
from tests.conftest import NOW

pytestmark = [pytest.mark.concurrency, pytest.mark.django_db(transaction=True)]
N = 8


class Abort(Exception):
    pass


def test_concurrent_issuing_leaves_no_gap_and_no_duplicate(billed):
    drafts = [draft_invoice(billed.network, lines=[LineInput(f"Ligne {i}", D("10"))],
                            service_start=ISSUE_DAY, service_end=ISSUE_DAY,
                            buyer_member=billed.member).pk for i in range(N)]

    def client(i):
        invoice = Invoice.objects.get(pk=drafts[i])
        if i == 0:  # one issuer's transaction fails after taking its number
            with transaction.atomic():
                issue_invoice(invoice, issue_date=ISSUE_DAY, actor=None, now=NOW)
                raise Abort
        return issue_invoice(invoice, issue_date=ISSUE_DAY, actor=None, now=NOW).number

    results = race(N, client)
    assert isinstance(results[0], Abort)
    numbers = sorted(results[1:])
    assert numbers == [f"VER-2026-{k:06d}" for k in range(1, N)], results
    assert InvoiceCounter.objects.get().last_number == N - 1
    assert Invoice.objects.get(pk=drafts[0]).status == "draft"
    assert list(LedgerEntry.objects.values_list("sequence", flat=True)) == list(range(1, N))
    assert verify_ledger(billed.network) == (N - 1, [])


def test_control_without_the_counter_lock_issuers_collide(billed, monkeypatch):
    """The race the lock prevents: every issuer reads the same last number. Only PostgreSQL
    can show it; SQLite's IMMEDIATE transactions serialise issuers before they read."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers: no race to show")
    n = 4
    InvoiceCounter.objects.create(network=billed.network, series="VER", year=2026)
    drafts = [draft_invoice(billed.network, lines=[LineInput("x", D("10"))],
                            service_start=ISSUE_DAY, service_end=ISSUE_DAY,
                            buyer_member=billed.member).pk for _ in range(n)]
    everyone_read = threading.Barrier(n)

    def unlocked(network, series, year):
        counter = InvoiceCounter.objects.get(network=network, series=series, year=year)
        number = counter.last_number + 1
        everyone_read.wait(timeout=30)
        InvoiceCounter.objects.filter(pk=counter.pk).update(last_number=number)
        return format_number(series, year, number)

    monkeypatch.setattr(invoices, "_next_number", unlocked)
    results = race(n, lambda i: issue_invoice(Invoice.objects.get(pk=drafts[i]),
                                              issue_date=ISSUE_DAY, actor=None, now=NOW).number)
    issued = [r for r in results if isinstance(r, str)]
    assert issued == ["VER-2026-000001"]  # everyone wanted number 1
    assert all(isinstance(r, IntegrityError) for r in results if not isinstance(r, str))


def test_concurrent_payments_never_exceed_the_balance(billed):
    from billing.errors import BillingError
    from billing.selectors import balance_of
    from billing.services.payments import record_payment
    from tests.billing.conftest import issue

    invoice = issue(billed.network, member=billed.member)  # 100.00
    concierge_pk = billed.concierge.user.pk

    def client(i):
        from members.models import User

        return record_payment(Invoice.objects.get(pk=invoice.pk), amount="40", method="cash",
                              received_on=ISSUE_DAY, actor=User.objects.get(pk=concierge_pk),
                              now=NOW)

    results = race(4, client)
    refused = [r for r in results if isinstance(r, BillingError)]
    assert len(refused) == 2 and {r.code for r in refused} == {"overpaid"}, results
    assert balance_of(invoice) == D("20.00")
    assert verify_ledger(billed.network) == (3, [])
