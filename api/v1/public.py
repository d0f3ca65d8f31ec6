"""The public directory through the API: no credential, every active place of every network
of the installation, in the open-data schema (docs/open-data.md) plus the travel time."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from api.v1.errors import ErrorOut, invalid, not_found
from api.v1.schemas import AvailabilityOut
from api.v1.sites import availability_of, check_date
from directory import opendata, selectors
from territory.models import Commune

router = Router(tags=["annuaire public"], auth=None)

ERRORS = {400: ErrorOut, 404: ErrorOut}
SERVICE_CODES = sorted({*selectors.SERVICE_FIELDS, *selectors.RESOURCE_SERVICES})


class PriceOut(Schema):
    kind: str = Field(description="Type de ressource (open_space, fixed_desk, private_office, "
                                  "meeting_room, visio_point, phone_booth)")
    unit: str = Field(description="half_day, day ou hour")
    amount: float = Field(description="Euros, tel que le public les paie (voir price_basis)")


class PlaceOut(Schema):
    id: str = Field(description="« réseau/lieu », stable")
    name: str
    network: str
    network_name: str
    address: str
    postcode: str
    city: str
    insee_code: str
    latitude: float | None
    longitude: float | None
    services: list[str] = Field(description="Codes de docs/open-data.md")
    opening_hours: str = Field(description="Syntaxe opening_hours d'OpenStreetMap")
    booking_url: str
    email: str
    phone: str
    minutes: float | None = Field(description="Minutes estimées en voiture depuis l'origine "
                                              "(commune ou lat/lon), sinon vide")
    km: float | None = Field(description="Kilomètres de route estimés depuis l'origine")
    price_from: float | None = Field(description="Prix public le moins cher d'un poste à la "
                                                 "demi-journée ou à la journée (euros), celui "
                                                 "que compare max_price ; vide sans prix")
    price_basis: str = Field(description="« ttc » (réseau assujetti : TVA comprise), "
                                         "« franchise » (TVA non applicable : HT = TTC), "
                                         "vide sans prix")
    prices: list[PriceOut] = Field(description="Prix publics à l'usage des espaces du lieu")


class PlacePage(Schema):
    count: int
    limit: int
    offset: int
    items: list[PlaceOut]


class PlaceFilters(Schema):
    commune: str | None = Field(None, pattern=r"^[0-9][0-9AB][0-9]{3}$",
                                description="Code INSEE de la commune d'origine")
    lat: float | None = Field(None, ge=-90, le=90, description="Origine : latitude (WGS 84)")
    lon: float | None = Field(None, ge=-180, le=180, description="Origine : longitude")
    radius_km: float | None = Field(None, gt=0, le=1000,
                                    description="Au plus ce nombre de km de route (avec une "
                                                "origine)")
    minutes: float | None = Field(None, gt=0, le=600,
                                  description="Au plus ce nombre de minutes en voiture (avec "
                                              "une origine)")
    services: list[str] = Field([], description="Tous ces services : " + ", ".join(SERVICE_CODES))
    network: str | None = Field(None, max_length=50, description="Slug d'un réseau")
    open_now: bool = Field(False, description="Ouverts maintenant (heure locale du réseau)")
    max_price: Decimal | None = Field(
        None, ge=0, le=10000, max_digits=7, decimal_places=2,
        description="Prix d'un poste au plus (euros, tel que le public le paie) : compare "
                    "price_from ; les lieux sans prix de poste sont exclus")
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0, le=100000)


def _origin(filters: PlaceFilters):
    if filters.commune and filters.lat is not None:
        raise invalid(_("Indiquez soit une commune, soit lat/lon, pas les deux."), field="commune")
    if (filters.lat is None) != (filters.lon is None):
        raise invalid(_("Indiquez la latitude et la longitude."),
                      field="lon" if filters.lat is not None else "lat")
    if filters.lat is not None:
        return selectors.Origin(filters.lat, filters.lon)
    if filters.commune:
        commune = Commune.objects.filter(insee_code=filters.commune).first()
        if commune is None:
            raise not_found(_("Commune inconnue : %(code)s.") % {"code": filters.commune})
        if not commune.has_coordinates:
            raise invalid(_("Cette commune n'a pas de coordonnées."), field="commune")
        return commune
    if filters.radius_km is not None or filters.minutes is not None:
        raise invalid(_("radius_km et minutes demandent une origine (commune ou lat/lon)."),
                      field="radius_km" if filters.radius_km is not None else "minutes")
    return None


@router.get("/places", response={200: PlacePage, **ERRORS}, auth=None,
            summary="Lieux publics de tous les réseaux, les plus proches d'abord")
def list_places(request, filters: Query[PlaceFilters]):
    unknown = sorted(set(filters.services) - set(SERVICE_CODES))
    if unknown:
        raise invalid(_("Service inconnu : %(codes)s.") % {"codes": ", ".join(unknown)},
                      field="services")
    origin = _origin(filters)
    result = selectors.search(
        origin=origin, now=timezone.now(), limit=filters.limit, offset=filters.offset,
        max_minutes=filters.minutes, radius_km=filters.radius_km, with_prices=False,
        filters=selectors.Filters(services=filters.services, open_now=filters.open_now,
                                  network=filters.network or "",
                                  max_price=filters.max_price))
    items = []
    for place, record in zip(result.places, opendata.records_for(result.places)):
        items.append({**record,
                      "minutes": None if place.minutes is None else round(place.minutes, 1),
                      "km": None if place.km is None else round(place.km, 1)})
    return {"count": result.count, "limit": filters.limit, "offset": filters.offset,
            "items": items}


@router.get("/places/{network_slug}/{site_slug}/availability",
            response={200: AvailabilityOut, **ERRORS}, auth=None,
            summary="Places libres d'un lieu public pour une date")
def place_availability(request, network_slug: str, site_slug: str, date: dt.date):
    site = selectors.place_detail(network_slug, site_slug)
    if site is None:
        raise not_found(_("Lieu introuvable."))
    check_date(date, site)
    return availability_of(site, date, public=True)
