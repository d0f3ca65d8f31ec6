import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection

from billing import db_guards
from billing.services import LineInput, draft_invoice, issue_invoice
from tests.conftest import NOW

ISSUE_DAY = dt.date(2026, 11, 23)


@pytest.fixture(autouse=True)
def _guards_survive_flush(request):
    """SQLite empties tables with DELETE after a transactional test, which the guards refuse
    for issued invoices and append-only rows: remove billing rows with the guards lifted,
    then put them back.
    (PostgreSQL empties with TRUNCATE, which row triggers do not see.)"""
    yield
    transactional = any(m.kwargs.get("transaction")
                        for m in request.node.iter_markers("django_db"))
    if transactional and connection.vendor == "sqlite":
        db_guards.uninstall(connection)
        with connection.cursor() as cursor:
            for table in ("billing_invoicedocument", "billing_paymentreversal",
                          "billing_payment", "billing_ledgerentry",
                          "billing_periodclosing", "billing_invoiceline", "billing_invoice"):
                cursor.execute(f"DELETE FROM {table}")  # noqa: S608 - fixed names
        db_guards.install(connection)


@pytest.fixture
def billed(world):
    """Network A with the legal identity an invoice needs (an association under the VAT
    franchise) and an employer."""
    from tests import factories as f

    n = world.network
    n.legal_name, n.legal_form = "Association Tiers-lieux du Plateau", "association loi 1901"
    n.siren, n.siret = "123456789", "12345678900018"
    n.address, n.postcode, n.city = "1 place de la Mairie", "38880", "Autrans"
    n.save()
    world.organisation = f.make_organisation(n)
    world.organisation.siret, world.organisation.address = "98765432100011", "ZA des Geais"
    world.organisation.save()
    return world


def issue(network, *, member=None, organisation=None, lines=None, day=ISSUE_DAY, now=NOW,
          actor=None):
    lines = lines or [LineInput("Abonnement 1 à 2 jours par semaine — novembre 2026",
                                Decimal("100.00"))]
    draft = draft_invoice(network, lines=lines, service_start=dt.date(2026, 11, 1),
                          service_end=dt.date(2026, 11, 30), buyer_member=member,
                          buyer_organisation=organisation)
    return issue_invoice(draft, issue_date=day, actor=actor, now=now)
