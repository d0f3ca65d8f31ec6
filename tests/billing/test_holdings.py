"""Selling and changing holdings (staff only), and what plans give to door access."""

import datetime as dt
from decimal import Decimal as D

import pytest

from access.entitlements import Entitlements
from billing.entitlements import billing_provider
from billing.errors import BillingError
from billing.models import (
    Consumption,
    Discount,
    Invoice,
    PassPurchase,
    PriceGroupMembership,
    QuotaUsage,
    Subscription,
    SubscriptionPause,
    TicketWallet,
)
from billing.services import holdings as svc
from core.models import AuditLog
from tests import factories as f
from tests.billing import holdings_factories as hf
from tests.billing import holdings_world
from tests.billing.holdings_world import book, paid
from tests.conftest import NOW

pytestmark = pytest.mark.django_db
cat = holdings_world.cat  # fixture
d = dt.date
TUE, WED, THU = d(2026, 11, 24), d(2026, 11, 25), d(2026, 11, 26)


@pytest.fixture
def staff(world):
    return world.concierge.user


def refused(code, call, *args, **kwargs) -> BillingError:
    with pytest.raises(BillingError) as err:
        call(*args, **kwargs)
    assert err.value.code == code, err.value.message
    return err.value


# --- subscriptions --------------------------------------------------------------------

def test_subscribe_a_member(world, cat, staff):
    sub = svc.subscribe(world.member, cat.two_days_a_week, starts_on=d(2026, 12, 1),
                        home_site=world.site, commitment_months=6, actor=staff, now=NOW)
    sub.refresh_from_db()
    assert (sub.plan, sub.home_site, sub.starts_on, sub.ends_on, sub.headcount,
            sub.commitment_months, sub.payer_organisation, sub.created_by) == (
        cat.two_days_a_week, world.site, d(2026, 12, 1), None, 1, 6, None, staff)
    audit = AuditLog.objects.get(action="billing.subscription.created")
    assert audit.data == {"plan": "1 à 2 jours par semaine", "starts_on": "2026-12-01",
                          "ends_on": None, "previous": None}


def test_an_employer_paying_subscriptions_is_the_payer(world, cat, staff):
    org = f.make_organisation(world.network)
    world.member.organisation = org
    world.member.save()
    hf.employer(org, pays_subscriptions=True)
    sub = svc.subscribe(world.member, cat.eight_days_a_month, starts_on=d(2026, 12, 1),
                        actor=staff, now=NOW)
    assert sub.payer_organisation == org


def test_overlapping_subscriptions_are_refused_in_french(world, cat, staff):
    svc.subscribe(world.member, cat.two_days_a_week, starts_on=d(2026, 11, 1),
                  home_site=world.site, actor=staff, now=NOW)
    err = refused("overlap", svc.subscribe, world.member, cat.eight_days_a_month,
                  starts_on=d(2027, 1, 1), actor=staff, now=NOW)
    assert err.message == (
        "Camille Martin a déjà l'abonnement « 1 à 2 jours par semaine » depuis le 1 novembre "
        "2026, sans date de fin : un membre n'a qu'un abonnement à la fois. Changez "
        "d'abonnement ou terminez le premier avant d'en ajouter un autre.")
    assert Subscription.objects.count() == 1


def test_subscription_terms_are_checked(world, cat, staff):
    m = world.member
    err = refused("home_site", svc.subscribe, m, cat.two_days_a_week, starts_on=TUE,
                  actor=staff, now=NOW)
    assert err.message == ("Choisissez le lieu de rattachement : l'abonnement « 1 à 2 jours "
                           "par semaine » en dépend.")
    cat.eight_days_a_month.commitment_months = 3
    cat.eight_days_a_month.save()
    assert refused("commitment", svc.subscribe, m, cat.eight_days_a_month, starts_on=TUE,
                   commitment_months=1, actor=staff, now=NOW).message == (
        "L'abonnement « 8 jours par mois » demande un engagement d'au moins 3 mois.")
    assert refused("promo_code", svc.subscribe, m, cat.eight_days_a_month, starts_on=TUE,
                   promo_code="NOEL", actor=staff, now=NOW).message == (
        "Code promo « NOEL » inconnu dans ce réseau.")
    refused("dates", svc.subscribe, m, cat.eight_days_a_month, starts_on=TUE,
            ends_on=TUE - dt.timedelta(1), actor=staff, now=NOW)
    refused("other_network", svc.subscribe, m, cat.eight_days_a_month, starts_on=TUE,
            home_site=world.site_b, actor=staff, now=NOW)
    Discount.objects.create(network=world.network, name="Noël", code="NOEL", percent_off=10)
    sub = svc.subscribe(m, cat.eight_days_a_month, starts_on=TUE, promo_code="noel",
                        actor=staff, now=NOW)
    assert (sub.promo_code, sub.commitment_months) == ("noel", 3)


def test_only_the_networks_staff_sells(world, cat):
    for actor in (world.member.user, world.concierge_b.user, world.outsider, None):
        err = refused("forbidden", svc.subscribe, world.member, cat.eight_days_a_month,
                      starts_on=TUE, actor=actor, now=NOW)
        assert err.message == ("Seule l'équipe du réseau (accueil ou coordination) peut faire "
                               "cela.")
        refused("forbidden", svc.buy_ticket_book, world.member, cat.book, actor=actor, now=NOW)
        refused("forbidden", svc.buy_pass, world.member, cat.day_pass, valid_from=TUE,
                actor=actor, now=NOW)
    assert not Subscription.objects.exists() and not TicketWallet.objects.exists()
    assert not PassPurchase.objects.exists() and not AuditLog.objects.filter(
        action__startswith="billing.").exists()
    # The coordinator may.
    svc.subscribe(world.member, cat.eight_days_a_month, starts_on=TUE,
                  actor=world.coordinator.user, now=NOW)


def test_a_new_subscription_pays_for_upcoming_bookings_paid_as_you_go(world, cat, staff):
    past = book(world.member, world.desks, d(2026, 11, 23), by_staff=True)  # today
    tue = book(world.member, world.desks, TUE)
    assert paid(tue) == [(TUE, "payg", 0, D("20.00"))]
    svc.subscribe(world.member, cat.eight_days_a_month, starts_on=d(2026, 11, 1),
                  actor=staff, now=dt.datetime(2026, 11, 23, 20, tzinfo=NOW.tzinfo))
    assert paid(tue) == [(TUE, "subscription", 0, D("0.00"))]
    assert paid(tue, live=False) == [(TUE, "payg", 0, D("20.00"))]
    assert paid(past)[0][1] == "subscription"  # today is upcoming too


def test_change_of_plan(world, cat, staff):
    old = svc.subscribe(world.member, cat.two_days_a_week, starts_on=d(2026, 11, 1),
                        home_site=world.site, headcount=2, actor=staff, now=NOW)
    svc.pause_subscription(old, starts_on=d(2026, 12, 20), ends_on=d(2027, 1, 3), actor=staff,
                           now=NOW)
    wed_dec = book(world.member, world.desks, d(2026, 12, 2))
    assert paid(wed_dec)[0][1] == "subscription"
    new = svc.change_plan(old, cat.eight_days_a_month, on=d(2026, 12, 1), actor=staff, now=NOW)
    old.refresh_from_db()
    assert (old.ends_on, new.starts_on, new.ends_on, new.previous, new.home_site,
            new.headcount) == (d(2026, 11, 30), d(2026, 12, 1), None, old, world.site, 2)
    assert list(SubscriptionPause.objects.values_list("subscription", "starts_on", "ends_on")
                ) == [(new.pk, d(2026, 12, 20), d(2027, 1, 3))]
    # The December booking is now paid by the new plan.
    assert Consumption.objects.get(booking=wed_dec, reversed_at__isnull=True).subscription == new
    assert refused("replaced", svc.change_plan, old, cat.unlimited, on=d(2026, 11, 15),
                   actor=staff, now=NOW).message == (
        "Cet abonnement a déjà été remplacé par un autre.")
    assert refused("dates", svc.change_plan, new, cat.unlimited, on=d(2026, 12, 1),
                   actor=staff, now=NOW).message == (
        "Le nouvel abonnement doit commencer après le début de l'actuel (1 décembre 2026).")


def test_pause_refusals_and_effect(world, cat, staff):
    sub = svc.subscribe(world.member, cat.eight_days_a_month, starts_on=d(2026, 11, 1),
                        ends_on=d(2026, 12, 31), actor=staff, now=NOW)
    wed = book(world.member, world.desks, WED)
    svc.pause_subscription(sub, starts_on=WED, ends_on=THU, actor=staff, now=NOW)
    assert paid(wed) == [(WED, "payg", 0, D("20.00"))]
    assert refused("overlap", svc.pause_subscription, sub, starts_on=THU, ends_on=d(2026, 12, 1),
                   actor=staff, now=NOW).message == (
        "Cette suspension chevauche celle du 25 novembre 2026 au 26 novembre 2026.")
    assert refused("outside", svc.pause_subscription, sub, starts_on=d(2026, 12, 28),
                   ends_on=d(2027, 1, 5), actor=staff, now=NOW).message == (
        "La suspension doit tenir dans l'abonnement (du 1 novembre 2026 au 31 décembre 2026).")
    refused("dates", svc.pause_subscription, sub, starts_on=THU, ends_on=WED, actor=staff,
            now=NOW)
    assert SubscriptionPause.objects.count() == 1


def test_ending_a_subscription(world, cat, staff):
    sub = svc.subscribe(world.member, cat.eight_days_a_month, starts_on=d(2026, 11, 1),
                        actor=staff, now=NOW)
    svc.pause_subscription(sub, starts_on=d(2026, 12, 10), ends_on=d(2026, 12, 20), actor=staff,
                           now=NOW)
    thu = book(world.member, world.desks, THU)
    assert paid(thu)[0][1] == "subscription"
    svc.end_subscription(sub, ends_on=WED, actor=staff, now=NOW)
    sub.refresh_from_db()
    assert sub.ends_on == WED and not sub.pauses.exists()
    assert paid(thu) == [(THU, "payg", 0, D("20.00"))]
    assert refused("dates", svc.end_subscription, sub, ends_on=d(2026, 10, 31), actor=staff,
                   now=NOW).message == (
        "Un abonnement ne peut se terminer avant son début (1 novembre 2026).")
    later = svc.subscribe(world.member, cat.unlimited, starts_on=d(2026, 12, 1),
                          home_site=world.site, actor=staff, now=NOW)
    refused("overlap", svc.end_subscription, sub, ends_on=d(2026, 12, 5), actor=staff, now=NOW)
    # Extending back to the day before the next one pays for Thursday again.
    svc.end_subscription(sub, ends_on=d(2026, 11, 30), actor=staff, now=NOW)
    assert paid(thu)[0][1] == "subscription"
    assert later.previous is None


# --- ticket books and passes ----------------------------------------------------------

def test_selling_a_ticket_book_issues_its_invoice(billed, cat, staff):
    wallet = svc.buy_ticket_book(billed.member, cat.book, actor=staff, now=NOW)
    assert (wallet.tickets, wallet.purchased_on, wallet.valid_until) == (
        10, d(2026, 11, 23), d(2027, 5, 22))
    invoice = Invoice.objects.get(pk=wallet.invoice_id)
    assert (invoice.status, invoice.buyer_member, invoice.total_gross, invoice.issue_date) == (
        "issued", billed.member, D("90.00"), d(2026, 11, 23))
    assert [line.label for line in invoice.lines.all()] == [
        "Carnet de 10 — 10 tickets valables jusqu'au 22/05/2027"]
    assert AuditLog.objects.get(action="billing.ticket_book.sold").data["invoice"] == invoice.pk


def test_a_sale_that_cannot_be_invoiced_is_refused(world, cat, staff):
    err = refused("seller_identity", svc.buy_ticket_book, world.member, cat.book, actor=staff,
                  now=NOW)
    assert err.message.startswith("Identité du réseau incomplète pour facturer")
    assert not TicketWallet.objects.exists()
    wallet = svc.buy_ticket_book(world.member, cat.book, actor=staff, now=NOW, invoice=False)
    assert wallet.invoice is None


def test_an_employer_paying_passes_is_invoiced_at_month_end(billed, cat, staff):
    billed.member.organisation = billed.organisation
    billed.member.save()
    hf.employer(billed.organisation, pays_passes=True)
    wallet = svc.buy_ticket_book(billed.member, cat.book, actor=staff, now=NOW)
    bought = svc.buy_pass(billed.member, cat.week_pass, valid_from=TUE, actor=staff, now=NOW)
    assert (wallet.payer_organisation, wallet.invoice) == (billed.organisation, None)
    assert (bought.payer_organisation, bought.invoice) == (billed.organisation, None)
    assert not Invoice.objects.exists()


def test_ticket_book_dates(world, cat, staff):
    refused("future", svc.buy_ticket_book, world.member, cat.book, purchased_on=TUE,
            actor=staff, now=NOW, invoice=False)
    wallet = svc.buy_ticket_book(world.member, cat.book, purchased_on=d(2026, 8, 31),
                                 actor=staff, now=NOW, invoice=False)
    assert wallet.valid_until == d(2027, 2, 28)
    cat.book.is_active = False
    cat.book.save()
    err = refused("not_for_sale", svc.buy_ticket_book, world.member, cat.book, actor=staff,
                  now=NOW, invoice=False)
    assert err.message == "Le carnet « Carnet de 10 » n'est plus en vente."


def test_a_new_wallet_pays_for_upcoming_bookings_paid_as_you_go(world, cat, staff):
    tue = book(world.member, world.desks, TUE, "am")
    svc.buy_ticket_book(world.member, cat.book, actor=staff, now=NOW, invoice=False)
    assert paid(tue) == [(TUE, "tickets", 1, D("0.00"))]


@pytest.mark.parametrize(("product", "until"), [
    ("half_day_pass", d(2026, 11, 24)), ("day_pass", d(2026, 11, 24)),
    ("week_pass", d(2026, 11, 30)), ("month_pass", d(2026, 12, 23))])
def test_pass_validity_by_duration(billed, cat, staff, product, until):
    from billing.models import Pass

    cat.month_pass = Pass.objects.create(network=billed.network, name="Mois", duration="month",
                                         price=150)
    bought = svc.buy_pass(billed.member, getattr(cat, product), valid_from=TUE, actor=staff,
                          now=NOW)
    assert (bought.valid_from, bought.valid_until, bought.price) == (
        TUE, until, getattr(cat, product).price)
    assert bought.invoice.total_gross == getattr(cat, product).price
    assert bought.invoice.service_start == TUE and bought.invoice.service_end == until


def test_a_pass_pays_for_an_upcoming_booking_already_made(world, cat, staff):
    tue = book(world.member, world.desks, TUE)
    svc.buy_pass(world.member, cat.day_pass, valid_from=TUE, actor=staff, now=NOW,
                 invoice=False)
    assert paid(tue) == [(TUE, "pass", 0, D("0.00"))]


# --- price groups and quotas ----------------------------------------------------------

def test_join_and_leave_a_price_group(world, cat, staff):
    wed = book(world.member, world.desks, WED, "am")
    membership = svc.join_price_group(world.member, cat.student, valid_from=d(2026, 9, 1),
                                      actor=staff, now=NOW)
    assert paid(wed) == [(WED, "payg", 0, D("6.00"))]
    assert refused("overlap", svc.join_price_group, world.member, cat.student, actor=staff,
                   now=NOW).message == (
        "Camille Martin fait déjà partie du groupe « Étudiants » sur cette période.")
    svc.leave_price_group(membership, last_day=TUE, actor=staff, now=NOW)
    assert PriceGroupMembership.objects.get().valid_until == TUE
    assert paid(wed) == [(WED, "payg", 0, D("10.00"))]
    refused("dates", svc.leave_price_group, membership, last_day=d(2026, 8, 1), actor=staff,
            now=NOW)


def test_record_quota_usage(world, staff):
    from billing.models import Quota

    pages = Quota.objects.create(network=world.network, name="Impressions", unit_label="pages",
                                 included_per_month=1000, overage_price=D("0.05"))
    row = svc.record_quota_usage(world.member, pages, used_on=d(2026, 11, 20), quantity=250,
                                 actor=staff, now=NOW)
    assert (row.quantity, row.recorded_by, row.used_on) == (250, staff, d(2026, 11, 20))
    refused("quantity", svc.record_quota_usage, world.member, pages, used_on=TUE, quantity=0,
            actor=staff, now=NOW)
    refused("future", svc.record_quota_usage, world.member, pages, used_on=TUE, quantity=3,
            actor=staff, now=NOW)
    assert QuotaUsage.objects.count() == 1


# --- door access ----------------------------------------------------------------------

def test_plans_feed_door_access(world, cat, staff):
    m, other, third = world.member, f.make_member(world.network), f.make_member(world.network)
    sub = svc.subscribe(m, cat.two_days_a_week, starts_on=d(2026, 11, 1), home_site=world.site,
                        ends_on=d(2026, 12, 31), actor=staff, now=NOW)
    svc.change_plan(sub, cat.eight_days_a_month, on=d(2026, 12, 1), actor=staff, now=NOW)
    svc.subscribe(other, cat.eight_days_a_month, starts_on=d(2026, 11, 1), actor=staff, now=NOW)
    svc.subscribe(third, cat.two_days_a_week, starts_on=d(2026, 12, 1), home_site=world.site,
                  actor=staff, now=NOW)  # not started yet
    facts = billing_provider(world.network, [m.pk, other.pk, third.pk], now=NOW, grace_days=0)
    # 24/7 from the current plan; access until the end of the plan that follows it.
    assert facts[m.pk] == Entitlements(around_the_clock=True, access_until=d(2026, 12, 31),
                                       source="billing")
    assert facts[other.pk] == Entitlements(around_the_clock=False, access_until=None,
                                           source="billing")
    assert facts[third.pk] == Entitlements()
    later = NOW.replace(day=2, month=12)
    assert billing_provider(world.network, [m.pk], now=later, grace_days=0)[m.pk] == (
        Entitlements(around_the_clock=False, access_until=d(2026, 12, 31), source="billing"))


def test_a_paused_plan_gives_no_24_7(world, cat, staff):
    sub = svc.subscribe(world.member, cat.two_days_a_week, starts_on=d(2026, 11, 1),
                        home_site=world.site, actor=staff, now=NOW)
    svc.pause_subscription(sub, starts_on=d(2026, 11, 23), ends_on=d(2026, 11, 29), actor=staff,
                           now=NOW)
    facts = billing_provider(world.network, [world.member.pk], now=NOW, grace_days=0)
    assert not facts[world.member.pk].around_the_clock


def test_a_later_end_set_by_staff_wins(world, cat, staff):
    from access.models import MemberAccess

    svc.subscribe(world.member, cat.eight_days_a_month, starts_on=d(2026, 11, 1),
                  ends_on=d(2026, 11, 30), actor=staff, now=NOW)
    MemberAccess.objects.create(network=world.network, member=world.member,
                                around_the_clock=True, access_until=d(2027, 1, 31))
    facts = billing_provider(world.network, [world.member.pk], now=NOW, grace_days=0)
    assert facts[world.member.pk] == Entitlements(around_the_clock=True,
                                                  access_until=d(2027, 1, 31), source="billing")


def test_door_facts_take_a_constant_number_of_queries(world, cat, staff,
                                                      django_assert_num_queries):
    ids = []
    for i in range(6):
        member = f.make_member(world.network)
        ids.append(member.pk)
        if i % 2:
            sub = svc.subscribe(member, cat.two_days_a_week, starts_on=d(2026, 11, 1),
                                home_site=world.site, actor=staff, now=NOW)
            svc.pause_subscription(sub, starts_on=d(2026, 12, 1), ends_on=d(2026, 12, 5),
                                   actor=staff, now=NOW)
    with django_assert_num_queries(3):
        facts = billing_provider(world.network, ids, now=NOW, grace_days=0)
    assert [facts[mid].around_the_clock for mid in ids] == [False, True] * 3


def test_the_door_opens_at_night_for_a_24_7_plan(world, cat, staff):
    from access.doors import find_credential
    from access.rules import decide
    from access.services import issue_badge

    world.site.members_24_7 = True
    world.site.save()
    issue_badge(world.member, "04A1B2C3", actor=staff)
    night = NOW.replace(hour=23)
    credential = find_credential(world.network, "badge", "04A1B2C3")
    assert decide(world.site, credential, now=night).rule == "closed"
    svc.subscribe(world.member, cat.two_days_a_week, starts_on=d(2026, 11, 1),
                  home_site=world.site, actor=staff, now=NOW)
    assert decide(world.site, credential, now=night).rule == "around_the_clock"
