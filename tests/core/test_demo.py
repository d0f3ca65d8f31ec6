import pytest
from django.core.management import CommandError, call_command

from bookings.models import Booking
from members.models import Member, Role
from places.models import Network, Resource, Site
from territory.models import Commune


def test_demo_loads_the_vercors_network_through_the_services(db, capsys):
    call_command("load_demo")
    vercors = Network.objects.get(slug="vercors")
    sites = {s.slug: s for s in Site.objects.filter(network=vercors)}
    assert set(sites) == {"autrans", "villard", "lans"}
    seats = {s: sum(r.seats for r in Resource.objects.filter(site=site, kind="open_space"))
             for s, site in sites.items()}
    assert seats == {"autrans": 8, "villard": 5, "lans": 3}
    assert Resource.objects.filter(site=sites["autrans"], kind="visio_point").count() == 1
    assert Member.objects.filter(network=vercors).count() == 42
    assert Role.objects.filter(network=vercors).count() == 2
    bookings = Booking.objects.filter(network=vercors)
    assert bookings.count() > 200
    assert set(bookings.values_list("source", flat=True)) == {"import"}
    assert Commune.objects.filter(insee_code="38548", latitude__isnull=False).exists()  # planner
    _catalogue_is_complete(vercors)
    _last_month_is_invoiced(vercors)
    out = capsys.readouterr().out
    assert "coordination@demo.maillage.test" in out and "maillage-demo" in out
    # Idempotent: a second run changes nothing.
    count = bookings.count()
    call_command("load_demo")
    assert Booking.objects.filter(network=vercors).count() == count
    # Issued invoices are never deleted: --reset refuses clearly and changes nothing.
    with pytest.raises(CommandError, match="supprimez la base de données"):
        call_command("load_demo", reset=True)
    assert Booking.objects.filter(network=vercors).count() == count


def _catalogue_is_complete(vercors):
    """Several tariffs of product.md as rows, and what invoicing needs (billing issue 3)."""
    import datetime as dt
    from decimal import Decimal as D

    from billing.models import (
        BillingProfile,
        EmployerAccount,
        Plan,
        PriceGroup,
        Quota,
        TicketBook,
        UnitPrice,
    )
    from billing.pricing import plan_charge, tickets_needed, usage_of
    from billing.views_catalogue import _identity_missing

    assert _identity_missing(vercors, BillingProfile.of(vercors)) == []
    eight = Plan.objects.get(network=vercors, name="8 jours par mois")
    on = dt.date(2026, 12, 1)
    assert (plan_charge(eight, on=on), plan_charge(eight, on=on, commitment_months=12)) == (
        D("70.00"), D("63.00"))
    group = PriceGroup.objects.get(network=vercors, kind="job_seeker")
    assert UnitPrice.objects.filter(network=vercors, price_group=group).exists()
    book = TicketBook.objects.get(network=vercors)
    office = Resource.objects.get(network=vercors, kind="private_office")
    start = dt.datetime(2026, 12, 1, 9, tzinfo=vercors.tz)
    assert tickets_needed(book, usage_of(office, start, start.replace(hour=12))) == 2
    assert Quota.objects.filter(network=vercors, included_per_month=1000).exists()
    assert EmployerAccount.objects.filter(network=vercors).count() == 1
    # Sold through the holdings services before the bookings, which then consume them.
    from billing.models import Consumption, PassPurchase, Subscription, TicketWallet

    holders = set()
    for model in (Subscription, TicketWallet, PassPurchase):
        holders |= set(model.objects.filter(network=vercors).values_list("member", flat=True))
    assert len(holders) == 15
    assert Subscription.objects.get(member__user__email="membre@demo.maillage.test"
                                    ).payer_organisation.name == "Scierie du Plateau (démo)"
    assert set(Consumption.objects.filter(network=vercors).values_list("source", flat=True)) \
        >= {"subscription", "tickets", "payg"}


def _last_month_is_invoiced(vercors):
    """The month-end run invoiced last month: members' and the employer's invoices, numbered
    without gap, chained, two of them (partly) paid."""
    from billing.models import Invoice, Payment
    from billing.services.ledger import verify_ledger

    invoices = Invoice.objects.filter(network=vercors, status="issued", kind="invoice")
    last_month = invoices.filter(service_start__day=1)
    assert last_month.filter(buyer_organisation__isnull=False).exists()  # the employer
    assert last_month.filter(buyer_member__isnull=False).count() >= 5
    numbers = sorted(int(n.rsplit("-", 1)[1]) for n in invoices.values_list("number", flat=True))
    assert numbers == list(range(1, len(numbers) + 1))
    assert Payment.objects.filter(network=vercors).count() == 2
    # Every issued invoice and payment chained, nothing reported.
    assert verify_ledger(vercors) == (invoices.count() + 2, [])
