"""Concurrent issuing on real connections: gapless, no duplicate, even with a rollback."""

from decimal import Decimal as D

import pytest
from django.db import transaction

from billing.models import Invoice, InvoiceCounter, LedgerEntry
from billing.services import LineInput, draft_invoice, issue_invoice
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
