""""Mes droits" for members; selling and changing holdings for the network's staff. Pages
use the real clock: dates here are relative to today."""

import datetime as dt
from decimal import Decimal as D

import pytest
from django.utils import timezone

from billing.models import (
    Discount,
    PassPurchase,
    PriceGroupMembership,
    Subscription,
    SubscriptionPause,
    TicketWallet,
)
from billing.services import holdings as svc
from tests import factories as f
from tests.billing import holdings_factories as hf
from tests.billing import holdings_world
from tests.billing.holdings_world import a_pass, a_wallet, book

pytestmark = pytest.mark.django_db
cat = holdings_world.cat  # fixture


def today() -> dt.date:
    return timezone.localdate()


def next_weekday(after: dt.date) -> dt.date:
    day = after + dt.timedelta(days=1)
    while day.weekday() > 4:
        day += dt.timedelta(days=1)
    return day


def iso(day: dt.date) -> str:
    return day.isoformat()


def sold_to(world, cat):
    """A subscription from the 1st of the month, a wallet, a pass and a price group."""
    staff, now = world.concierge.user, timezone.now()
    first = today().replace(day=1)
    sub = svc.subscribe(world.member, cat.two_days_a_week, starts_on=first,
                        home_site=world.site, actor=staff, now=now)
    wallet = a_wallet(world.member, cat.book, today(), tickets=10)
    a_pass(world.member, cat.week_pass, next_weekday(today()))
    hf.in_group(world.member, cat.student, valid_from=first)
    return sub, wallet


# --- the member's page ----------------------------------------------------------------

def test_a_member_sees_their_holdings_and_what_paid(client, world, cat):
    sold_to(world, cat)
    day = next_weekday(next_weekday(today()) + dt.timedelta(days=7))  # after the week pass
    now = timezone.now()
    book(world.member, world.desks, day, now=now)  # the subscription
    book(world.member, world.room, day, (10, 12), now=now)  # not covered: 2 tickets
    neighbour = f.make_member(world.network)
    a_wallet(neighbour, cat.book, today(), tickets=7)
    client.force_login(world.member.user)
    page = client.get("/r/vercors/mes-droits/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "1 à 2 jours par semaine" in body and "jour(s) utilisé(s) sur 2" in body
    assert "Carnet de 10 : 8 ticket(s) restant(s) sur 10" in body
    assert "Semaine" in body and "Étudiants" in body
    assert "Salle de réunion" in body and "2 tickets (Carnet de 10)" in body
    assert "7 ticket(s) restant(s)" not in body  # the neighbour's
    assert 'href="/r/vercors/mes-droits/"' in body  # in the navigation


def test_the_members_page_counts_the_allowance_used(client, world, cat, monkeypatch):
    """Exact figures: 8 days a month from the 1st, one day used this month. On the suite's
    fixed clock (Monday 23 November 2026), so that a working day is left in the month."""
    from billing import views_holdings
    from tests.conftest import NOW

    monkeypatch.setattr(views_holdings, "_today", lambda network: NOW.date())
    svc.subscribe(world.member, cat.eight_days_a_month, starts_on=NOW.date().replace(day=1),
                  home_site=world.site, actor=world.concierge.user, now=NOW)
    book(world.member, world.desks, next_weekday(NOW.date()), now=NOW)
    client.force_login(world.member.user)
    body = client.get("/r/vercors/mes-droits/").content.decode()
    assert "1 jour(s) utilisé(s) sur 8" in body and "il en reste 7" in body


@pytest.mark.parametrize(("persona", "status"), [("concierge_b", 404), ("outsider", 404)])
def test_the_members_page_is_for_members_of_the_network(client, world, persona, status):
    person = getattr(world, persona)
    client.force_login(getattr(person, "user", person))
    assert client.get("/r/vercors/mes-droits/").status_code == status


def test_the_members_page_needs_a_login(client, world):
    response = client.get("/r/vercors/mes-droits/")
    assert response.status_code == 302 and "/comptes/" in response["Location"]


def test_the_members_page_takes_a_bounded_number_of_queries(client, world, cat,
                                                            django_assert_max_num_queries):
    sold_to(world, cat)
    for _ in range(3):
        a_wallet(world.member, cat.book, today())
    day = next_weekday(next_weekday(today()) + dt.timedelta(days=7))
    for hours in ((9, 10), (10, 11), (11, 12)):
        book(world.member, world.room, day, hours, now=timezone.now())
    client.force_login(world.member.user)
    with django_assert_max_num_queries(16):
        assert client.get("/r/vercors/mes-droits/").status_code == 200


# --- staff: finding a member and selling ----------------------------------------------

def staff_url(world):
    return f"/r/vercors/accueil/droits/membres/{world.member.pk}/"


def test_a_concierge_finds_a_member(client, world):
    client.force_login(world.concierge.user)
    page = client.get("/r/vercors/accueil/droits/", {"q": "martin"})
    assert page.status_code == 200
    assert staff_url(world) in page.content.decode()
    assert "accueil@example.org" not in client.get(
        "/r/vercors/accueil/droits/", {"q": "martin"}).content.decode()


@pytest.mark.parametrize(("persona", "status"), [("member", 403), ("concierge_b", 404),
                                                 ("outsider", 404)])
def test_staff_pages_are_for_the_networks_staff(client, world, cat, persona, status):
    sub = hf.subscribe(world.member, cat.eight_days_a_month, today())
    group = hf.in_group(world.member, cat.student)
    person = getattr(world, persona)
    client.force_login(getattr(person, "user", person))
    urls = ["/r/vercors/accueil/droits/", staff_url(world),
            f"/r/vercors/accueil/droits/abonnements/{sub.pk}/"]
    for url in urls:
        assert client.get(url).status_code == status, url
    assert client.post(staff_url(world), {
        "action": "book", "book-book": cat.book.pk, "book-purchased_on": iso(today())
    }).status_code == status
    assert client.post(f"/r/vercors/accueil/droits/abonnements/{sub.pk}/", {
        "action": "end", "end-ends_on": iso(today())}).status_code == status
    assert client.post(f"/r/vercors/accueil/droits/groupes/{group.pk}/fin/").status_code == status
    sub.refresh_from_db()
    group.refresh_from_db()
    assert sub.ends_on is None and group.valid_until is None
    assert not TicketWallet.objects.exists()


def test_another_networks_member_is_not_found(client, world):
    stranger = f.make_member(world.network_b)
    client.force_login(world.concierge.user)
    assert client.get(f"/r/vercors/accueil/droits/membres/{stranger.pk}/").status_code == 404


def test_a_concierge_sells_a_subscription(client, world, cat):
    client.force_login(world.concierge.user)
    page = client.get(staff_url(world))
    assert page.status_code == 200 and "Aucun abonnement en cours." in page.content.decode()
    response = client.post(staff_url(world), {
        "action": "subscription", "subscription-plan": cat.two_days_a_week.pk,
        "subscription-starts_on": iso(today()), "subscription-home_site": world.site.pk,
        "subscription-headcount": 1})
    assert response.status_code == 302 and response["Location"] == staff_url(world)
    sub = Subscription.objects.get()
    assert (sub.plan, sub.starts_on, sub.home_site, sub.created_by) == (
        cat.two_days_a_week, today(), world.site, world.concierge.user)
    page = client.get(staff_url(world))
    assert "Abonnement « 1 à 2 jours par semaine » enregistré." in page.content.decode()


def test_a_refused_subscription_keeps_what_was_typed(client, world, cat):
    hf.subscribe(world.member, cat.eight_days_a_month, today().replace(day=1))
    Discount.objects.create(network=world.network, name="Rentrée", code="RENTREE",
                            percent_off=20)
    client.force_login(world.concierge.user)
    response = client.post(staff_url(world), {
        "action": "subscription", "subscription-plan": cat.unlimited.pk,
        "subscription-starts_on": iso(today()), "subscription-home_site": world.site.pk,
        "subscription-headcount": 3, "subscription-promo_code": "RENTREE"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "a déjà l&#x27;abonnement « 8 jours par mois »" in body
    assert 'value="RENTREE"' in body and 'value="3"' in body
    assert f'value="{iso(today())}"' in body
    assert Subscription.objects.count() == 1
    # A form error (no plan) is in French too.
    response = client.post(staff_url(world), {"action": "subscription",
                                              "subscription-starts_on": iso(today())})
    assert "Ce champ est obligatoire." in response.content.decode()


def test_a_concierge_sells_a_ticket_book_invoiced_at_once(client, billed, cat):
    client.force_login(billed.concierge.user)
    response = client.post(f"/r/vercors/accueil/droits/membres/{billed.member.pk}/", {
        "action": "book", "book-book": cat.book.pk, "book-purchased_on": iso(today()),
        "book-invoice": "on"}, follow=True)
    wallet = TicketWallet.objects.get()
    assert wallet.invoice.total_gross == D("90.00")
    body = response.content.decode()
    assert f"Carnet « Carnet de 10 » vendu (facture {wallet.invoice.number})." in body
    assert "Carnet de 10 : 10 ticket(s) restant(s) sur 10" in body


def test_a_sale_that_cannot_be_invoiced_says_why(client, world, cat):
    client.force_login(world.concierge.user)
    response = client.post(staff_url(world), {
        "action": "pass", "pass-pass_product": cat.day_pass.pk,
        "pass-valid_from": iso(today()), "pass-invoice": "on"})
    assert response.status_code == 200
    assert "Identité du réseau incomplète pour facturer" in response.content.decode()
    assert not PassPurchase.objects.exists()
    response = client.post(staff_url(world), {
        "action": "pass", "pass-pass_product": cat.day_pass.pk,
        "pass-valid_from": iso(today())})  # not invoiced now: left to the month-end run
    assert response.status_code == 302
    assert PassPurchase.objects.get().invoice is None


def test_staff_add_a_price_group_and_end_it(client, world, cat):
    client.force_login(world.concierge.user)
    assert client.post(staff_url(world), {
        "action": "group", "group-price_group": cat.student.pk}).status_code == 302
    membership = PriceGroupMembership.objects.get()
    response = client.post(f"/r/vercors/accueil/droits/groupes/{membership.pk}/fin/")
    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.valid_until == today()


def test_staff_record_printed_pages(client, world):
    from billing.models import Quota, QuotaUsage

    pages = Quota.objects.create(network=world.network, name="Impressions", unit_label="pages",
                                 included_per_month=1000, overage_price=D("0.05"))
    client.force_login(world.concierge.user)
    response = client.post(staff_url(world), {
        "action": "quota", "quota-quota": pages.pk, "quota-used_on": iso(today()),
        "quota-quantity": 120}, follow=True)
    assert QuotaUsage.objects.get().quantity == 120
    assert "Impressions : 120 pages sur 1000 inclus" in response.content.decode()


# --- staff: changing a subscription ---------------------------------------------------

def sub_url(sub):
    return f"/r/vercors/accueil/droits/abonnements/{sub.pk}/"


def test_staff_change_pause_and_end_a_subscription(client, world, cat):
    sub = hf.subscribe(world.member, cat.eight_days_a_month, today() - dt.timedelta(days=40))
    client.force_login(world.coordinator.user)
    assert client.get(sub_url(sub)).status_code == 200
    start = today() + dt.timedelta(days=3)
    response = client.post(sub_url(sub), {"action": "pause", "pause-starts_on": iso(start),
                                          "pause-ends_on": iso(start + dt.timedelta(days=6))})
    assert response.status_code == 302
    assert SubscriptionPause.objects.get().subscription == sub
    on = today() + dt.timedelta(days=1)
    response = client.post(sub_url(sub), {"action": "change", "change-plan": cat.unlimited.pk,
                                          "change-on": iso(on),
                                          "change-home_site": world.site.pk})
    assert response.status_code == 302
    new = Subscription.objects.get(previous=sub)
    sub.refresh_from_db()
    assert (sub.ends_on, new.starts_on, new.plan, new.home_site) == (
        today(), on, cat.unlimited, world.site)
    assert "a été remplacé" in client.get(sub_url(sub)).content.decode()
    response = client.post(sub_url(new), {"action": "end", "end-ends_on": iso(on)})
    assert response.status_code == 302
    new.refresh_from_db()
    assert new.ends_on == on


def test_a_refused_pause_keeps_its_dates_and_says_why(client, world, cat):
    sub = hf.subscribe(world.member, cat.eight_days_a_month, today(),
                       ends_on=today() + dt.timedelta(days=10))
    client.force_login(world.concierge.user)
    start, end = today() + dt.timedelta(days=5), today() + dt.timedelta(days=20)
    response = client.post(sub_url(sub), {"action": "pause", "pause-starts_on": iso(start),
                                          "pause-ends_on": iso(end)})
    assert response.status_code == 200
    body = response.content.decode()
    assert "La suspension doit tenir dans l&#x27;abonnement" in body
    assert f'value="{iso(start)}"' in body and f'value="{iso(end)}"' in body
    assert not SubscriptionPause.objects.exists()


def test_links_lead_to_the_holdings_pages(client, world):
    client.force_login(world.coordinator.user)
    detail = client.get(f"/r/vercors/gestion/membres/{world.member.pk}/").content.decode()
    assert staff_url(world) in detail
    client.force_login(world.concierge.user)
    board = client.get("/r/vercors/accueil/").content.decode()
    assert "/r/vercors/accueil/droits/" in board
    access = client.get(f"/r/vercors/accueil/acces/membres/{world.member.pk}/").content.decode()
    assert staff_url(world) in access


def test_the_members_page_in_english(client, world):
    client.force_login(world.member.user)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    html = client.get("/r/vercors/mes-droits/").content.decode()
    assert "My entitlements" in html and "What paid for the bookings" in html
    assert "Mes droits" not in html
