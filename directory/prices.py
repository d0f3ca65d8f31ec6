"""Public prices of the places, read from the billing catalogue (billing/models/catalogue.py).

Prices are catalogue rows of a **network** (every place of a network has the same tariffs);
a place shows those of the resource kinds it has. Only public rows count: pay-as-you-go
`UnitPrice` rows without a price group (a price group is a reduced tariff for some people).

What the public pays (`public_amount`): the catalogue stores amounts excluding VAT with a rate
on each row. A VAT-registered network (`BillingProfile.vat_regime = registered`) shows them
VAT included (TTC = HT × (1 + rate), rounded with `core.money.money`); a network under the VAT
franchise (the default, also when it has no billing profile yet) invoices at 0 %: the amount
is both HT and TTC ("TVA non applicable, art. 293 B du CGI").

"Price up to X" (search `prix_max`, API `max_price`) compares the place's **desk price from**
(`desk_price_from`): the cheapest public half-day or day price of a desk kind (open space or
fixed desk) the place has, active, amount as the public pays it. A place with no such price is
left out when the filter is set. Hourly prices, rooms, offices, passes and subscriptions are
shown on the place's page but do not enter the comparison.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from billing.models import BillingProfile, MembershipFee, Pass, Plan, UnitPrice, VatRegime
from core.money import money
from places.models import BookingUnit, Resource, ResourceKind

DESK_KINDS = (ResourceKind.OPEN_SPACE, ResourceKind.FIXED_DESK)
DESK_UNITS = (BookingUnit.HALF_DAY, BookingUnit.DAY)
# Order of the kinds and units in lists (place page, open data).
KIND_ORDER = {k: n for n, k in enumerate(ResourceKind.values)}
UNIT_ORDER = {BookingUnit.HOUR: 0, BookingUnit.HALF_DAY: 1, BookingUnit.DAY: 2}

BASIS_TTC = "ttc"
BASIS_FRANCHISE = "franchise"
BASIS_LABELS = {
    BASIS_TTC: _("Prix TTC."),
    BASIS_FRANCHISE: _("TVA non applicable (art. 293 B du CGI) : prix nets, HT = TTC."),
}


def public_amount(price: Decimal, vat_rate: Decimal, registered: bool) -> Decimal:
    """What the public pays for a catalogue amount (HT) with its VAT rate."""
    if not registered:
        return money(price)
    return money(price * (1 + vat_rate / Decimal(100)))


@dataclass(frozen=True)
class PublicPrice:
    kind: str
    unit: str
    amount: Decimal

    @property
    def kind_label(self):
        return ResourceKind(self.kind).label

    @property
    def unit_label(self):
        return BookingUnit(self.unit).label


@dataclass
class NetworkPrices:
    """A network's public pay-as-you-go prices, amounts as the public pays them."""

    registered: bool = False
    unit_prices: list[PublicPrice] = field(default_factory=list)

    @property
    def basis(self) -> str:
        return BASIS_TTC if self.registered else BASIS_FRANCHISE

    def for_kinds(self, kinds) -> list[PublicPrice]:
        kinds = set(kinds)
        return sorted((p for p in self.unit_prices if p.kind in kinds),
                      key=lambda p: (KIND_ORDER.get(p.kind, 99), UNIT_ORDER.get(p.unit, 9)))

    def desk_price_from(self, kinds) -> Decimal | None:
        amounts = [p.amount for p in self.unit_prices
                   if p.kind in DESK_KINDS and p.unit in DESK_UNITS and p.kind in set(kinds)]
        return min(amounts) if amounts else None


def network_prices(network_ids=None) -> dict[int, NetworkPrices]:
    """Public unit prices of these networks (all when None), one query. Networks without any
    public price are absent."""
    qs = UnitPrice.objects.filter(price_group__isnull=True)
    if network_ids is not None:
        qs = qs.filter(network_id__in=set(network_ids))
    out: dict[int, NetworkPrices] = {}
    # The network's VAT regime by a LEFT JOIN (no billing profile: the franchise).
    for network_id, kind, unit, price, rate, regime in qs.order_by().values_list(
            "network_id", "resource_kind", "unit", "price", "vat_rate",
            "network__billing_profile__vat_regime"):
        prices = out.setdefault(network_id,
                                NetworkPrices(registered=regime == VatRegime.REGISTERED))
        prices.unit_prices.append(PublicPrice(kind, unit, public_amount(price, rate,
                                                                        prices.registered)))
    return out


def site_kinds(site_ids) -> dict[int, set[str]]:
    """Kinds of the active resources of these sites (one query)."""
    kinds = defaultdict(set)
    for site_id, kind in Resource.objects.filter(site_id__in=list(site_ids), is_active=True) \
            .order_by().values_list("site_id", "kind").distinct():
        kinds[site_id].add(kind)
    return kinds


def desk_price_condition(max_price: Decimal) -> Q:
    """Places whose desk price from is at most `max_price` (one query on the catalogue, the
    rest in SQL with uncorrelated sub-queries)."""
    max_price = Decimal(max_price)
    cheap = defaultdict(set)  # desk kind -> networks with a low enough price for it
    for network_id, prices in network_prices().items():
        for p in prices.unit_prices:
            if p.kind in DESK_KINDS and p.unit in DESK_UNITS and p.amount <= max_price:
                cheap[p.kind].add(network_id)
    condition = Q(pk__in=[])
    for kind, networks in cheap.items():
        condition |= Q(pk__in=Resource.objects.filter(
            kind=kind, is_active=True, network_id__in=sorted(networks)).values("site_id"))
    return condition


def attach_desk_prices(places) -> None:
    """Set `price_from` and `price_basis` on located places (`directory.selectors.Place`):
    two queries whatever their number."""
    if not places:
        return
    kinds = site_kinds(p.site.pk for p in places)
    prices = network_prices({p.site.network_id for p in places})
    for place in places:
        network = prices.get(place.site.network_id)
        place.price_from = network.desk_price_from(kinds[place.site.pk]) if network else None
        place.price_basis = network.basis if place.price_from is not None else ""


@dataclass
class PlacePrices:
    """Everything the public can buy at a place, amounts as the public pays them."""

    basis: str
    unit_prices: list[PublicPrice]
    desk_price_from: Decimal | None
    passes: list[tuple[str, str, Decimal]]  # name, duration label, amount
    plans: list[tuple[str, str, Decimal]]  # name, period label, amount
    memberships: list[tuple[str, Decimal]]  # name, amount

    @property
    def basis_label(self):
        return BASIS_LABELS[self.basis]

    @property
    def empty(self) -> bool:
        return not (self.unit_prices or self.passes or self.plans or self.memberships)


def place_prices(site, kinds) -> PlacePrices:
    """The public tariffs of a place's page (four queries): pay-as-you-go prices of its kinds,
    passes covering one of them, public subscriptions and membership fees of its network."""
    profile = BillingProfile.objects.filter(network_id=site.network_id).values_list(
        "vat_regime", flat=True).first()
    registered = profile == VatRegime.REGISTERED
    network = network_prices([site.network_id]).get(site.network_id,
                                                    NetworkPrices(registered=registered))
    kinds = set(kinds)
    passes = [(p.name, p.get_duration_display(), public_amount(p.price, p.vat_rate, registered))
              for p in Pass.objects.filter(network_id=site.network_id, is_active=True)
              .order_by("price", "name")
              if not p.resource_kinds or kinds & set(p.resource_kinds)]
    plans = [(p.name, p.get_period_display(), public_amount(p.price, p.vat_rate, registered))
             for p in Plan.objects.filter(network_id=site.network_id, is_active=True,
                                          price_group__isnull=True).order_by("price", "name")
             if not p.resource_kinds or kinds & set(p.resource_kinds)]
    memberships = [(m.name, public_amount(m.price, m.vat_rate, registered))
                   for m in MembershipFee.objects.filter(
                       network_id=site.network_id, is_active=True,
                       price_group__isnull=True).order_by("price", "name")]
    return PlacePrices(BASIS_TTC if registered else BASIS_FRANCHISE, network.for_kinds(kinds),
                       network.desk_price_from(kinds), passes, plans, memberships)
