"""Public prices from the billing catalogue: the place's page, "price up to X" in the search,
the API and the open data. Vercors is under the VAT franchise (amounts are net, HT = TTC),
Gers is VAT-registered (amounts shown VAT included)."""

import csv
import io
import json
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from billing.models import (
    BillingProfile,
    MembershipFee,
    Pass,
    Plan,
    PriceGroup,
    UnitPrice,
    VatRegime,
)
from directory import prices
from tests import factories as f
from tests.directory.test_search import SEARCH, names

API = "/api/v1/places"


@pytest.fixture
def catalogue(world):
    """Vercors (franchise): open space 8 € the half-day, 15 € the day, meeting room 20 € an
    hour, students 2 € the half-day. Gers (VAT-registered, 20 %): open space 10 € HT the day
    = 12 € TTC, nothing by the half-day."""
    UnitPrice.objects.create(network=world.network, resource_kind="open_space",
                             unit="half_day", price=Decimal("8.00"))
    UnitPrice.objects.create(network=world.network, resource_kind="open_space", unit="day",
                             price=Decimal("15.00"))
    UnitPrice.objects.create(network=world.network, resource_kind="meeting_room", unit="hour",
                             price=Decimal("20.00"))
    students = PriceGroup.objects.create(network=world.network, kind="student",
                                         name="Étudiants")
    UnitPrice.objects.create(network=world.network, resource_kind="open_space",
                             unit="half_day", price=Decimal("2.00"), price_group=students)
    BillingProfile.objects.create(network=world.network_b, vat_regime=VatRegime.REGISTERED)
    UnitPrice.objects.create(network=world.network_b, resource_kind="open_space", unit="day",
                             price=Decimal("10.00"), vat_rate=Decimal("20.00"))
    return world


def price_of(response):
    return {p.site.name: p.price_from for p in response.context["places"]}


def test_public_amount_adds_vat_only_for_registered_networks():
    assert prices.public_amount(Decimal("10.00"), Decimal("20.00"), True) == Decimal("12.00")
    assert prices.public_amount(Decimal("10.00"), Decimal("20.00"), False) == Decimal("10.00")
    # Rounded half-up to the cent: 4.17 × 1.055 = 4.39935 -> 4.40.
    assert prices.public_amount(Decimal("4.17"), Decimal("5.50"), True) == Decimal("4.40")


def test_search_shows_the_desk_price_from(client, catalogue, communes, frozen):
    response = client.get(SEARCH, {"q": "lans"})
    # Cheapest public half-day or day desk price: 8 € (not the students' 2 €, not the
    # meeting room's hourly 20 €); Gers: 10 € HT + 20 % VAT.
    assert price_of(response) == {"Autrans": Decimal("8.00"), "Villard-de-Lans":
                                  Decimal("8.00"), "Auch": Decimal("12.00")}
    body = response.content.decode()
    assert "Poste dès 8,00 € (TVA non applicable)" in body
    assert "Poste dès 12,00 € TTC" in body


def test_price_up_to_x_compares_the_desk_price_from(client, catalogue, communes, frozen):
    assert names(client.get(SEARCH, {"q": "lans", "prix_max": "12"})) == [
        "Autrans", "Villard-de-Lans", "Auch"]  # 12.00 TTC is "up to 12"
    assert names(client.get(SEARCH, {"q": "lans", "prix_max": "11,99"})) == [
        "Autrans", "Villard-de-Lans"]
    assert names(client.get(SEARCH, {"q": "lans", "prix_max": "7.99"})) == []
    # The students' 2 € is not public: it never makes a place match.
    assert names(client.get(SEARCH, {"q": "lans", "prix_max": "2"})) == []
    assert names(client.get(SEARCH, {"q": "lans", "prix_max": "8 €"})) == [
        "Autrans", "Villard-de-Lans"]


def test_the_price_is_of_the_desks_the_place_has(client, catalogue, communes, frozen):
    UnitPrice.objects.create(network=catalogue.network, resource_kind="fixed_desk",
                             unit="day", price=Decimal("5.00"))
    f.make_resource(catalogue.other_site, "fixed_desk", name="Poste fixe")
    response = client.get(SEARCH, {"q": "lans", "prix_max": "6"})
    assert names(response) == ["Villard-de-Lans"]  # Autrans has no fixed desk
    assert price_of(response) == {"Villard-de-Lans": Decimal("5.00")}


def test_places_without_a_desk_price_are_left_out_when_filtering(client, catalogue, communes,
                                                                 frozen):
    # A place of a network with no catalogue, and a place with only a meeting room.
    other = f.make_site(f.make_network("belledonne"), "theys", "Theys", insee_code="38453")
    f.make_resource(other, "open_space")
    rooms_only = f.make_site(catalogue.network, "salle", "Salle seule", insee_code="38453")
    f.make_resource(rooms_only, "meeting_room")
    response = client.get(SEARCH, {"q": "lans"})
    assert {"Theys", "Salle seule"} <= set(names(response))
    assert price_of(response)["Theys"] is None and price_of(response)["Salle seule"] is None
    filtered = names(client.get(SEARCH, {"q": "lans", "prix_max": "1000"}))
    assert filtered == ["Autrans", "Villard-de-Lans", "Auch"]
    body = client.get(SEARCH, {"q": "lans"}).content.decode()
    assert "Les lieux qui n&#x27;affichent pas de prix de poste sont exclus" in body


def test_an_invalid_price_is_refused_and_kept_in_the_form(client, catalogue, communes, frozen):
    response = client.get(SEARCH, {"q": "lans", "prix_max": "douze"})
    assert "prix_max" in response.context["form"].errors
    assert response.context["places"] == []
    assert 'value="douze"' in response.content.decode()
    response = client.get(SEARCH, {"q": "lans", "prix_max": "-1"})
    assert "prix_max" in response.context["form"].errors


def test_census_places_are_not_offered_under_a_price_filter(client, catalogue, communes,
                                                            frozen):
    from territory.models import ExternalPlace

    ExternalPlace.objects.create(source="anct-2019", source_id="1", credit="ANCT",
                                 name="Recensé", city="X", latitude=45.13, longitude=5.59)
    assert len(client.get(SEARCH, {"q": "lans"}).context["census"]) == 1
    assert client.get(SEARCH, {"q": "lans", "prix_max": "20"}).context["census"] == []


def test_price_filter_adds_a_fixed_number_of_queries(client, catalogue, communes, frozen):
    def count():
        client.get(SEARCH, {"q": "lans", "prix_max": "20"})
        with CaptureQueriesContext(connection) as queries:
            client.get(SEARCH, {"q": "lans", "prix_max": "20"})
        return len(queries)

    before = count()
    for n in range(8):
        site = f.make_site(catalogue.network if n % 2 else catalogue.network_b,
                           insee_code="38548")
        f.make_resource(site, "open_space")
    assert count() == before


def test_place_page_lists_the_public_tariffs(client, catalogue, communes, frozen):
    Pass.objects.create(network=catalogue.network, name="Pass semaine", duration="week",
                        price=Decimal("50.00"), resource_kinds=["open_space"])
    Pass.objects.create(network=catalogue.network, name="Pass bureau", duration="day",
                        price=Decimal("30.00"), resource_kinds=["private_office"])
    Plan.objects.create(network=catalogue.network, name="Nomade", price=Decimal("90.00"),
                        allowance="unlimited")
    MembershipFee.objects.create(network=catalogue.network, name="Adhésion annuelle",
                                 price=Decimal("10.00"))
    body = client.get(reverse("directory_place", args=["vercors", "villard"])).content.decode()
    assert "TVA non applicable (art. 293 B du CGI)" in body
    assert "Espace partagé (postes en open space)</td><td>demi-journée</td><td>8,00 €" in body
    assert "journée</td><td>15,00 €" in body
    assert "20,00 €" not in body  # Villard has no meeting room
    assert "Pass semaine (semaine) : 50,00 €" in body
    assert "Pass bureau" not in body  # no private office at Villard
    assert "Nomade : 90,00 € par mois" in body
    assert "Adhésion annuelle : 10,00 €" in body
    assert "2,00 €" not in body  # the students' price is not public
    autrans = client.get(reverse("directory_place", args=["vercors", "autrans"]))
    assert "heure</td><td>20,00 €" in autrans.content.decode()
    assert "Pass bureau (journée) : 30,00 €" in autrans.content.decode()
    auch = client.get(reverse("directory_place", args=["gers", "auch"])).content.decode()
    assert "Prix TTC." in auch and "journée</td><td>12,00 €" in auch


def test_place_page_without_prices_says_so(client, world, communes, frozen):
    body = client.get(reverse("directory_place", args=["gers", "auch"])).content.decode()
    assert "Ce lieu n'affiche pas encore ses prix" in body


def test_api_filters_and_returns_prices(client, catalogue, communes, frozen):
    data = client.get(API, {"commune": "38205", "max_price": "12.00"}).json()
    assert [i["id"] for i in data["items"]] == ["vercors/autrans", "vercors/villard",
                                                "gers/auch"]
    autrans, _, auch = data["items"]
    assert (autrans["price_from"], autrans["price_basis"]) == (8.0, "franchise")
    assert autrans["prices"] == [
        {"kind": "open_space", "unit": "half_day", "amount": 8.0},
        {"kind": "open_space", "unit": "day", "amount": 15.0},
        {"kind": "meeting_room", "unit": "hour", "amount": 20.0},
    ]
    assert (auch["price_from"], auch["price_basis"]) == (12.0, "ttc")
    data = client.get(API, {"commune": "38205", "max_price": "11.99"}).json()
    assert data["count"] == 2
    assert client.get(API, {"max_price": "-1"}).status_code == 400
    assert client.get(API, {"max_price": "abc"}).status_code == 400
    schema = client.get("/api/v1/openapi.json").json()
    params = {p["name"] for p in schema["paths"]["/api/v1/places"]["get"]["parameters"]}
    assert "max_price" in params


def test_open_data_carries_the_prices(client, catalogue, communes):
    data = json.loads(client.get(reverse("directory_places_geojson")).content)
    props = {feat["id"]: feat["properties"] for feat in data["features"]}
    assert props["vercors/villard"]["price_from"] == 8.0
    assert props["vercors/villard"]["price_basis"] == "franchise"
    assert props["vercors/villard"]["prices"] == [
        {"kind": "open_space", "unit": "half_day", "amount": 8.0},
        {"kind": "open_space", "unit": "day", "amount": 15.0}]
    assert (props["gers/auch"]["price_from"], props["gers/auch"]["price_basis"]) == (12.0, "ttc")
    rows = {r["id"]: r for r in csv.DictReader(io.StringIO(
        client.get(reverse("directory_places_csv")).content.decode()))}
    assert rows["vercors/villard"]["price_from"] == "8.00"
    assert rows["vercors/villard"]["prices"] == "open_space/half_day:8.00 open_space/day:15.00"
    assert rows["gers/auch"]["prices"] == "open_space/day:12.00"


def test_open_data_of_a_place_without_prices(client, world, communes):
    rows = list(csv.DictReader(io.StringIO(
        client.get(reverse("directory_places_csv")).content.decode())))
    assert {(r["price_from"], r["price_basis"], r["prices"]) for r in rows} == {("", "", "")}


def test_widget_shows_the_desk_price_from_but_does_not_filter(client, catalogue, communes,
                                                              frozen):
    # The widget has no filters (directory/README.md): it lists every place, with its price.
    response = client.get("/lieux/widget/", {"commune": "38205", "minutes": 30})
    assert [(i.place.site.name, i.place.price_from) for i in response.context["items"]] == [
        ("Autrans", Decimal("8.00")), ("Villard-de-Lans", Decimal("8.00"))]
    assert "poste dès 8,00 €" in response.content.decode()
    auch = client.get("/lieux/widget/", {"network": "gers"}).content.decode()
    assert "poste dès 12,00 € TTC" in auch
