"""The coordinator's catalogue pages: who may open them, what they create (checked through
billing.pricing with exact amounts), what they refuse and how, and that rows are only
withdrawn, never deleted, once something refers to them."""

import datetime as dt
import html
from decimal import Decimal as D

import pytest

from billing.models import (
    BillingProfile,
    Discount,
    MembershipFee,
    Pass,
    Plan,
    PlanPriceTier,
    PriceGroup,
    Quota,
    Subscription,
    TicketBook,
    TicketCost,
    UnitPrice,
)
from billing.pricing import payg_amount, plan_charge, tickets_needed, usage_of
from core.models import AuditLog
from tests import factories as f
from tests.conftest import local

pytestmark = pytest.mark.django_db
TUESDAY = dt.date(2026, 11, 24)
BASE = "/r/vercors/gestion/catalogue/"
PATHS = {"price_group": "groupes", "membership_fee": "adhesions", "plan": "abonnements",
         "pass": "pass", "ticket_book": "carnets", "unit_price": "prix-a-l-usage",
         "discount": "remises", "quota": "quotas"}


@pytest.fixture
def catalogue(world):
    """One row of every family in network A."""
    n = world.network
    group = PriceGroup.objects.create(network=n, kind="job_seeker",
                                      name="Demandeur·ses d'emploi")
    plan = Plan.objects.create(network=n, name="8 jours par mois", price=70,
                               allowance="days_per_month", allowance_days=8)
    book = TicketBook.objects.create(network=n, name="Carnet de 10", tickets=10,
                                     validity_months=6, price=100)
    return {
        "price_group": group,
        "membership_fee": MembershipFee.objects.create(network=n, name="Adhésion", price=30),
        "plan": plan,
        "pass": Pass.objects.create(network=n, name="Semaine", duration="week", price=80),
        "ticket_book": book,
        "unit_price": UnitPrice.objects.create(network=n, resource_kind="open_space",
                                               unit="day", price=14),
        "discount": Discount.objects.create(network=n, name="Bienvenue", code="BIENVENUE",
                                            percent_off=25),
        "quota": Quota.objects.create(network=n, name="Impressions", unit_label="pages",
                                      included_per_month=1000, overage_price=D("0.05")),
    }


@pytest.fixture
def coordinator_b(world):
    return f.make_coordinator(world.network_b, user=f.make_user("coordination-gers@example.org"))


def text(response) -> str:
    return html.unescape(response.content.decode())


def login(client, world, persona, coordinator_b=None):
    users = {"outsider": world.outsider, "coordinator_b": coordinator_b and coordinator_b.user}
    client.force_login(users[persona] if persona in users else getattr(world, persona).user)


def page_urls(catalogue):
    urls = [("get", BASE), ("get", BASE + "facturation/"), ("post", BASE + "facturation/")]
    for key, segment in PATHS.items():
        pk = catalogue[key].pk
        urls += [("get", f"{BASE}{segment}/nouveau/"), ("post", f"{BASE}{segment}/nouveau/"),
                 ("get", f"{BASE}{segment}/{pk}/"), ("post", f"{BASE}{segment}/{pk}/"),
                 ("post", f"{BASE}{segment}/{pk}/supprimer/")]
    for key in ("membership_fee", "plan", "pass", "ticket_book"):
        urls += [("post", f"{BASE}{PATHS[key]}/{catalogue[key].pk}/retirer/"),
                 ("post", f"{BASE}{PATHS[key]}/{catalogue[key].pk}/remettre/")]
    urls.append(("post", f"{BASE}remises/{catalogue['discount'].pk}/terminer/"))
    return urls


# --- Who may open the pages -------------------------------------------------------------

@pytest.mark.parametrize("persona, status", [
    ("member", 403), ("concierge", 403), ("coordinator_b", 404), ("outsider", 404)])
def test_only_the_networks_coordinator_opens_the_catalogue(client, world, catalogue,
                                                           coordinator_b, persona, status):
    login(client, world, persona, coordinator_b)
    before = {k: (type(v).objects.get(pk=v.pk).__dict__.copy()) for k, v in catalogue.items()}
    refused = [(method, url, code) for method, url in page_urls(catalogue)
               if (code := getattr(client, method)(url).status_code) != status]
    assert refused == []
    for key, row in catalogue.items():  # nothing was changed or deleted
        after = type(row).objects.get(pk=row.pk).__dict__.copy()
        after.pop("_state"), before[key].pop("_state", None)
        assert after == before[key]


def test_anonymous_visitors_are_sent_to_log_in(client, world, catalogue):
    for method, url in page_urls(catalogue):
        response = getattr(client, method)(url)
        assert response.status_code == 302 and "/comptes/login/" in response["Location"], url


def test_coordinator_opens_every_page(client, world, catalogue):
    client.force_login(world.coordinator.user)
    for method, url in page_urls(catalogue):
        if method == "get":
            assert client.get(url).status_code == 200, url


def test_coordinator_of_b_cannot_reach_a_rows_through_b(client, world, catalogue,
                                                        coordinator_b):
    """Network B's coordinator on B's own pages, naming A's rows: 404, nothing changes."""
    client.force_login(coordinator_b.user)
    plan = catalogue["plan"]
    base = "/r/gers/gestion/catalogue/"
    assert client.get(base).status_code == 200
    assert "8 jours par mois" not in text(client.get(base))
    for key, segment in PATHS.items():
        pk = catalogue[key].pk
        assert client.get(f"{base}{segment}/{pk}/").status_code == 404
        assert client.post(f"{base}{segment}/{pk}/", {"name": "piraté"}).status_code == 404
        assert client.post(f"{base}{segment}/{pk}/supprimer/").status_code == 404
    assert client.post(f"{base}abonnements/{plan.pk}/retirer/").status_code == 404
    plan.refresh_from_db()
    assert plan.is_active and plan.name == "8 jours par mois"
    assert all(type(r).objects.filter(pk=r.pk).exists() for r in catalogue.values())


def test_choices_offered_are_the_networks_own(client, world, coordinator_b):
    """A price group of network A posted on network B's form is an invalid choice."""
    group_a = PriceGroup.objects.create(network=world.network, kind="student", name="Étudiants")
    client.force_login(coordinator_b.user)
    form = text(client.get("/r/gers/gestion/catalogue/prix-a-l-usage/nouveau/"))
    assert "Étudiants" not in form
    response = client.post("/r/gers/gestion/catalogue/prix-a-l-usage/nouveau/", {
        "resource_kind": "open_space", "unit": "day", "price": "12", "vat_rate": "20",
        "price_group": group_a.pk})
    assert response.status_code == 200 and not UnitPrice.objects.exists()
    assert "Sélectionnez un choix valide" in text(response)


def test_catalogue_is_linked_from_the_coordinators_home(client, world):
    client.force_login(world.coordinator.user)
    assert f'href="{BASE}"' in text(client.get("/r/vercors/gestion/"))


# --- Creating through the pages gives the exact prices ----------------------------------

def plan_post(**over):
    data = {"name": "8 jours par mois", "price": "90", "period": "month",
            "allowance": "days_per_month", "allowance_days": "8", "coverage": "network",
            "away_cap_days": "3", "commitment_months": "0", "vat_rate": "20",
            "resource_kinds": ["open_space", "fixed_desk"], "around_the_clock": "on",
            "rows-TOTAL_FORMS": "3", "rows-INITIAL_FORMS": "0", "rows-MIN_NUM_FORMS": "0",
            "rows-MAX_NUM_FORMS": "1000",
            "rows-0-basis": "commitment", "rows-0-minimum": "12", "rows-0-price": "80",
            "rows-1-basis": "headcount", "rows-1-minimum": "5", "rows-1-price": "75",
            "rows-2-basis": "", "rows-2-minimum": "", "rows-2-price": ""}
    data.update(over)
    return data


def test_coordinator_creates_a_plan_with_tiers(client, world):
    client.force_login(world.coordinator.user)
    response = client.post(BASE + "abonnements/nouveau/", plan_post())
    assert response.status_code == 302 and response["Location"] == BASE + "#plan"
    plan = Plan.objects.get()
    assert (plan.network, plan.allowance, plan.allowance_days, plan.coverage,
            plan.away_cap_days, plan.around_the_clock, plan.resource_kinds) == (
        world.network, "days_per_month", 8, "network", 3, True, ["open_space", "fixed_desk"])
    assert set(PlanPriceTier.objects.values_list("network", "basis", "minimum", "price")) == {
        (world.network.pk, "commitment", 12, D("80.00")),
        (world.network.pk, "headcount", 5, D("75.00"))}
    on = dt.date(2026, 12, 1)
    assert plan_charge(plan, on=on) == D("90.00")
    assert plan_charge(plan, on=on, commitment_months=11) == D("90.00")
    assert plan_charge(plan, on=on, commitment_months=12) == D("80.00")
    assert plan_charge(plan, on=on, headcount=5) == D("375.00")  # 5 × 75
    assert AuditLog.objects.filter(action="catalogue.plan.created",
                                   target_id=str(plan.pk)).exists()
    listing = text(client.get(BASE))
    assert "8 jours par mois" in listing and "80,00 € HT" in listing


def test_coordinator_edits_tiers_and_removes_one(client, world):
    client.force_login(world.coordinator.user)
    client.post(BASE + "abonnements/nouveau/", plan_post())
    plan = Plan.objects.get()
    tiers = {t.basis: t for t in plan.tiers.all()}
    data = plan_post(**{
        "price": "95", "rows-TOTAL_FORMS": "4", "rows-INITIAL_FORMS": "2",
        "rows-0-id": tiers["commitment"].pk, "rows-0-price": "85",
        "rows-1-id": tiers["headcount"].pk, "rows-1-DELETE": "on",
        "rows-3-basis": "commitment", "rows-3-minimum": "6", "rows-3-price": "90"})
    response = client.post(f"{BASE}abonnements/{plan.pk}/", data)
    assert response.status_code == 302
    plan.refresh_from_db()
    on = dt.date(2026, 12, 1)
    assert [plan_charge(plan, on=on, commitment_months=m) for m in (0, 6, 12)] == [
        D("95.00"), D("90.00"), D("85.00")]
    assert plan_charge(plan, on=on, headcount=5) == D("475.00")  # the headcount tier is gone


def test_coordinator_creates_a_ticket_book_with_costs(client, world):
    world.site.half_day_split = dt.time(13, 30)
    world.site.save()
    client.force_login(world.coordinator.user)
    response = client.post(BASE + "carnets/nouveau/", {
        "name": "Carnet de 10 tickets", "tickets": "10", "validity_months": "6", "price": "100",
        "vat_rate": "20", "rows-TOTAL_FORMS": "3", "rows-INITIAL_FORMS": "0",
        "rows-0-resource_kind": "open_space", "rows-0-unit": "half_day", "rows-0-tickets": "1",
        "rows-1-resource_kind": "private_office", "rows-1-unit": "half_day",
        "rows-1-tickets": "2",
        "rows-2-resource_kind": "meeting_room", "rows-2-unit": "hour", "rows-2-tickets": "1"})
    assert response.status_code == 302
    book = TicketBook.objects.get()
    assert (book.tickets, book.validity_months, book.price) == (10, 6, D("100.00"))
    assert TicketCost.objects.filter(network=world.network, book=book).count() == 3
    for r in (world.desks, world.office, world.room):
        r.refresh_from_db()

    def cost(resource, start, end):
        return tickets_needed(book, usage_of(resource, local(TUESDAY, *start),
                                             local(TUESDAY, *end)))

    assert cost(world.desks, (9,), (13, 30)) == 1
    assert cost(world.desks, (9,), (18,)) == 2
    assert cost(world.office, (9,), (18,)) == 4
    assert cost(world.room, (14,), (15, 30)) == 2


def test_duplicate_ticket_cost_rows_are_refused(client, world):
    client.force_login(world.coordinator.user)
    response = client.post(BASE + "carnets/nouveau/", {
        "name": "Carnet", "tickets": "10", "validity_months": "6", "price": "100",
        "vat_rate": "20", "rows-TOTAL_FORMS": "2", "rows-INITIAL_FORMS": "0",
        "rows-0-resource_kind": "open_space", "rows-0-unit": "half_day", "rows-0-tickets": "1",
        "rows-1-resource_kind": "open_space", "rows-1-unit": "half_day", "rows-1-tickets": "2"})
    assert response.status_code == 200 and not TicketBook.objects.exists()
    assert "en double" in text(response)


def test_unit_prices_with_overage_and_group_price(client, world):
    client.force_login(world.coordinator.user)
    client.post(BASE + "groupes/nouveau/", {"name": "Demandeur·ses d'emploi",
                                            "kind": "job_seeker"})
    group = PriceGroup.objects.get(network=world.network)
    base = {"resource_kind": "open_space", "vat_rate": "20"}
    for data in ({"unit": "half_day", "price": "10"},
                 {"unit": "day", "price": "20", "overage_price": "15"},
                 {"unit": "half_day", "price": "5", "price_group": group.pk}):
        response = client.post(BASE + "prix-a-l-usage/nouveau/", {**base, **data})
        assert response.status_code == 302, text(response)
    morning = usage_of(world.desks, local(TUESDAY, 9), local(TUESDAY, 12))
    day = usage_of(world.desks, local(TUESDAY, 9), local(TUESDAY, 18))
    assert payg_amount(world.network, morning) == D("10.00")
    assert payg_amount(world.network, morning, price_group=group) == D("5.00")
    assert payg_amount(world.network, day) == D("20.00")
    assert payg_amount(world.network, day, overage=True) == D("15.00")
    again = client.post(BASE + "prix-a-l-usage/nouveau/", {**base, "unit": "day",
                                                            "price": "22"})
    assert again.status_code == 200 and UnitPrice.objects.count() == 3
    assert "déjà un prix à l'usage" in text(again)


def test_group_free_period_and_promo_code(client, world):
    client.force_login(world.coordinator.user)
    plan = Plan.objects.create(network=world.network, name="1 à 2 jours par semaine",
                               price=100, allowance="days_per_week", allowance_days=2)
    trained = PriceGroup.objects.create(network=world.network, kind="other",
                                        name="Formés au télétravail")
    assert client.post(BASE + "remises/nouveau/", {
        "name": "2 ans offerts", "price_group": trained.pk, "percent_off": "100",
        "free_months": "24"}).status_code == 302
    assert client.post(BASE + "remises/nouveau/", {
        "name": "Lancement", "code": "Bienvenue", "plan": plan.pk, "percent_off": "25",
        "valid_until": "2026-12-31"}).status_code == 302
    start = dt.date(2026, 1, 5)
    assert plan_charge(plan, on=start, started_on=start, price_group=trained) == D("0.00")
    assert plan_charge(plan, on=dt.date(2028, 1, 5), started_on=start,
                       price_group=trained) == D("100.00")
    assert plan_charge(plan, on=TUESDAY, code="BIENVENUE") == D("75.00")
    duplicate = client.post(BASE + "remises/nouveau/", {
        "name": "Autre", "code": "bienvenue", "percent_off": "10"})
    assert duplicate.status_code == 200 and "Ce code promo existe déjà" in \
        text(duplicate)


def test_membership_pass_and_quota_are_created(client, world):
    client.force_login(world.coordinator.user)
    assert client.post(BASE + "adhesions/nouveau/", {
        "name": "Adhésion annuelle", "price": "15", "period": "calendar_year",
        "vat_rate": "0"}).status_code == 302
    assert client.post(BASE + "pass/nouveau/", {
        "name": "Pass semaine", "duration": "week", "price": "80", "vat_rate": "20",
        "resource_kinds": ["open_space"]}).status_code == 302
    assert client.post(BASE + "quotas/nouveau/", {
        "name": "Impressions", "unit_label": "pages", "included_per_month": "1000",
        "overage_price": "0.05", "vat_rate": "20"}).status_code == 302
    fee, pass_, quota = MembershipFee.objects.get(), Pass.objects.get(), Quota.objects.get()
    assert (fee.price, fee.period, fee.network) == (D("15.00"), "calendar_year", world.network)
    assert (pass_.price, pass_.duration, pass_.resource_kinds) == (D("80.00"), "week",
                                                                   ["open_space"])
    assert (quota.included_per_month, quota.overage_price) == (1000, D("0.0500"))


# --- Refusals are French, next to the field, and keep what was typed --------------------

def test_allowance_days_are_required_unless_unlimited(client, world):
    client.force_login(world.coordinator.user)
    response = client.post(BASE + "abonnements/nouveau/", plan_post(allowance_days=""))
    assert response.status_code == 200 and not Plan.objects.exists()
    body = text(response)
    assert "Indiquez le nombre de jours inclus" in body
    assert "n’est pas respectée" not in body and "is violated" not in body
    assert 'value="8 jours par mois"' in body and 'value="80"' in body  # kept as typed
    too_many = client.post(BASE + "abonnements/nouveau/", plan_post(allowance="days_per_week"))
    assert "Au plus 7 jours par semaine" in text(too_many)
    unlimited = client.post(BASE + "abonnements/nouveau/", plan_post(
        name="Temps plein", allowance="unlimited", allowance_days="8"))
    assert unlimited.status_code == 302
    assert Plan.objects.get().allowance_days is None


def test_plan_rules_away_cap_and_useless_tier(client, world):
    client.force_login(world.coordinator.user)
    home = client.post(BASE + "abonnements/nouveau/", plan_post(coverage="home_site"))
    assert "tous les lieux du réseau" in text(home) and not Plan.objects.exists()
    dear = client.post(BASE + "abonnements/nouveau/", plan_post(**{"rows-0-price": "95"}))
    assert dear.status_code == 200 and not Plan.objects.exists()
    assert "Un palier doit coûter moins que le prix de base" in text(dear)


def test_discount_needs_a_group_or_a_code(client, world):
    client.force_login(world.coordinator.user)
    response = client.post(BASE + "remises/nouveau/", {"name": "Pour tous",
                                                       "percent_off": "10"})
    assert response.status_code == 200 and not Discount.objects.exists()
    assert "groupe tarifaire ou à qui donne un code promo" in text(response)


def test_price_group_names_are_unique_in_a_network(client, world, coordinator_b):
    PriceGroup.objects.create(network=world.network, kind="student", name="Étudiants")
    client.force_login(world.coordinator.user)
    response = client.post(BASE + "groupes/nouveau/", {"name": "étudiants", "kind": "student"})
    assert response.status_code == 200 and "porte déjà ce nom" in text(response)
    client.force_login(coordinator_b.user)  # another network may use the same name
    assert client.post("/r/gers/gestion/catalogue/groupes/nouveau/",
                       {"name": "Étudiants", "kind": "student"}).status_code == 302


# --- Out of the catalogue: withdrawn, ended, deleted only when unused -------------------

def test_withdraw_and_restore_a_plan(client, world, catalogue):
    client.force_login(world.coordinator.user)
    plan = catalogue["plan"]
    assert client.post(f"{BASE}abonnements/{plan.pk}/retirer/").status_code == 302
    plan.refresh_from_db()
    assert not plan.is_active
    assert "retiré de la vente" in text(client.get(BASE))
    client.post(f"{BASE}abonnements/{plan.pk}/remettre/")
    plan.refresh_from_db()
    assert plan.is_active


def test_a_sold_plan_cannot_be_deleted(client, world, catalogue):
    plan = catalogue["plan"]
    Subscription.objects.create(network=world.network, member=world.member, plan=plan,
                                starts_on=dt.date(2026, 11, 1))
    client.force_login(world.coordinator.user)
    response = client.post(f"{BASE}abonnements/{plan.pk}/supprimer/", follow=True)
    assert Plan.objects.filter(pk=plan.pk).exists()
    body = text(response)
    assert "ne peut pas être supprimé" in body and "Retirez-le de la vente plutôt" in body
    assert "abonnements souscrits : 1" in body


def test_a_plan_with_a_quota_attached_is_not_deleted_with_it(client, world, catalogue):
    plan = catalogue["plan"]
    catalogue["quota"].plan = plan
    catalogue["quota"].save()
    client.force_login(world.coordinator.user)
    client.post(f"{BASE}abonnements/{plan.pk}/supprimer/")
    assert Plan.objects.filter(pk=plan.pk).exists() and Quota.objects.exists()


def test_a_used_price_group_cannot_be_deleted(client, world, catalogue):
    group = catalogue["price_group"]
    catalogue["unit_price"].price_group = group
    catalogue["unit_price"].save()
    client.force_login(world.coordinator.user)
    response = client.post(f"{BASE}groupes/{group.pk}/supprimer/", follow=True)
    assert PriceGroup.objects.filter(pk=group.pk).exists()
    assert "prix à l'usage : 1" in text(response)


def test_unused_rows_are_deleted(client, world, catalogue):
    client.force_login(world.coordinator.user)
    # Plan first: its tiers go with it; then the group nobody uses any more.
    PlanPriceTier.objects.create(network=world.network, plan=catalogue["plan"],
                                 basis="commitment", minimum=12, price=60)
    for key in ("plan", "ticket_book", "unit_price", "discount", "quota", "pass",
                "membership_fee", "price_group"):
        row = catalogue[key]
        response = client.post(f"{BASE}{PATHS[key]}/{row.pk}/supprimer/")
        assert response.status_code == 302 and response["Location"] == f"{BASE}#{key}"
        assert not type(row).objects.filter(pk=row.pk).exists(), key
    assert not PlanPriceTier.objects.exists()
    assert AuditLog.objects.filter(action="catalogue.quota.deleted").exists()


def test_a_discount_is_ended_not_deleted_once_used(client, world, catalogue):
    discount = catalogue["discount"]
    Subscription.objects.create(network=world.network, member=world.member,
                                plan=catalogue["plan"], starts_on=dt.date(2026, 11, 1),
                                promo_code="bienvenue")
    client.force_login(world.coordinator.user)
    client.post(f"{BASE}remises/{discount.pk}/supprimer/")
    assert Discount.objects.filter(pk=discount.pk).exists()
    assert client.post(f"{BASE}remises/{discount.pk}/terminer/").status_code == 302
    discount.refresh_from_db()
    assert discount.valid_until is not None
    assert "terminée" in text(client.get(BASE))


# --- Billing profile and the network's legal identity -----------------------------------

def profile_post(**over):
    data = {"identity-legal_name": "Association Uto-Pic", "identity-legal_form":
            "Association loi 1901", "identity-siren": "123456789",
            "identity-siret": "12345678900018", "identity-vat_number": "",
            "identity-address": "Place de la Mairie", "identity-postcode": "38880",
            "identity-city": "Autrans", "identity-email": "", "identity-phone": "",
            "profile-vat_regime": "franchise", "profile-invoice_prefix": "UTO",
            "profile-credit_note_prefix": "AV", "profile-payment_terms_days": "15",
            "profile-payment_terms": "À réception.", "profile-late_penalty_terms":
            "Trois fois le taux d'intérêt légal."}
    data.update(over)
    return data


def test_coordinator_completes_the_billing_profile(client, world):
    client.force_login(world.coordinator.user)
    assert "il manque" in text(client.get(BASE))
    response = client.post(BASE + "facturation/", profile_post())
    assert response.status_code == 302
    world.network.refresh_from_db()
    profile = BillingProfile.of(world.network)
    assert (world.network.legal_name, world.network.siret, profile.invoice_prefix,
            profile.payment_terms_days) == ("Association Uto-Pic", "12345678900018", "UTO", 15)
    assert "il manque" not in text(client.get(BASE))


def test_billing_profile_refusals_keep_what_was_typed(client, world):
    client.force_login(world.coordinator.user)
    response = client.post(BASE + "facturation/", profile_post(**{
        "identity-siren": "12345", "profile-vat_regime": "registered",
        "profile-invoice_prefix": "F 2026"}))
    assert response.status_code == 200
    body = text(response)
    assert "Un SIREN compte 9 chiffres" in body
    assert "numéro de TVA intracommunautaire" in body
    assert "Lettres, chiffres" in body
    assert 'value="Association Uto-Pic"' in body
    world.network.refresh_from_db()
    assert world.network.legal_name == ""
    mismatch = client.post(BASE + "facturation/", profile_post(**{
        "identity-siret": "98765432100018"}))
    assert "Le SIRET commence par le SIREN" in text(mismatch)


def test_prices_show_excluding_and_including_vat(client, world):
    n = world.network
    Plan.objects.create(network=n, name="Illimité", price=D("107"), allowance="unlimited",
                        vat_rate=D("20"))
    UnitPrice.objects.create(network=n, resource_kind="open_space", unit="day",
                             price=D("12.50"), vat_rate=D("20"))
    client.force_login(world.coordinator.user)
    franchise = text(client.get(BASE))
    assert "107,00 €" in franchise and "128,40 €" not in franchise  # franchise: TTC = HT
    assert "art. 293 B" in franchise
    profile = BillingProfile.of(n)
    profile.vat_regime = "registered"
    profile.save()
    registered = text(client.get(BASE))
    assert "107,00 €" in registered and "128,40 €" in registered and "20 %" in registered
    assert "15,00 €" in registered  # 12.50 + 2.50


def test_overview_query_count_does_not_grow(client, world, django_assert_max_num_queries):
    n = world.network
    for i in range(10):
        plan = Plan.objects.create(network=n, name=f"Formule {i}", price=50 + i,
                                   allowance="days_per_month", allowance_days=4)
        PlanPriceTier.objects.create(network=n, plan=plan, basis="commitment", minimum=12,
                                     price=40)
        book = TicketBook.objects.create(network=n, name=f"Carnet {i}", tickets=10,
                                         validity_months=6, price=100)
        TicketCost.objects.create(network=n, book=book, resource_kind="open_space",
                                  unit="half_day", tickets=1)
    client.force_login(world.coordinator.user)
    with django_assert_max_num_queries(20):
        assert client.get(BASE).status_code == 200
