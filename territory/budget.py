"""Economics of a site: yearly budget, occupancy, decreasing subsidies and break-even year.

Money is Decimal with 2 places, rounded half-up by `money()` at each line; never floats.
The default template is the association budget of the PACA study (see default_template()).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _

from core.money import CENT, ZERO, money  # noqa: F401 - the project's one rounding rule


def D(value) -> Decimal:  # noqa: N802 - reads like a literal
    return value if isinstance(value, Decimal) else Decimal(str(value))


@dataclass
class Charge:
    label: str
    amount: Decimal  # per year

    def __post_init__(self):
        self.amount = money(D(self.amount))


@dataclass
class Formula:
    """A product line: `members` people (or passes) × `price` × `periods` per year.

    For a subscription, price is per month and periods the months billed in a year; for a pass,
    members is the number sold, price the unit price and periods 1. `desk_days` is the desk
    use per member and period (a 2-days-a-week subscriber: 2 × 52 / 12 desk-days a month),
    used for the occupancy rate only.
    """

    label: str
    members: Decimal
    price: Decimal
    periods: Decimal = Decimal(12)
    desk_days: Decimal = ZERO

    def __post_init__(self):
        self.members, self.price = D(self.members), money(D(self.price))
        self.periods, self.desk_days = D(self.periods), D(self.desk_days)

    @property
    def amount(self) -> Decimal:
        return money(self.members * self.price * self.periods)

    @property
    def desk_days_per_year(self) -> Decimal:
        return self.members * self.desk_days * self.periods


@dataclass
class Subsidy:
    """A subsidy of `amount` in year 1, decreasing linearly to nothing after `years` years
    (amount × (years − i) / years in year i + 1)."""

    label: str
    amount: Decimal
    years: int

    def __post_init__(self):
        self.amount = money(D(self.amount))

    def for_year(self, index: int) -> Decimal:
        if index >= self.years or self.years <= 0:
            return ZERO
        return money(self.amount * (self.years - index) / self.years)


@dataclass
class Budget:
    charges: list[Charge]
    formulas: list[Formula]
    subsidies: list[Subsidy] = field(default_factory=list)
    desks: int = 8
    open_days: int = 250  # working days a year
    occupancy_target: Decimal = Decimal("0.70")
    # Share of the formulas' members present in year 1, 2, …; the last value holds after.
    ramp_up: list[Decimal] = field(default_factory=lambda: [Decimal(1)])
    charges_growth: Decimal = ZERO  # yearly inflation of charges

    @property
    def total_charges(self) -> Decimal:
        return sum((c.amount for c in self.charges), ZERO)

    @property
    def total_products(self) -> Decimal:
        return sum((f.amount for f in self.formulas), ZERO)

    @property
    def occupancy(self) -> Decimal:
        """Desk-days used / desk-days offered, at full ramp-up."""
        offered = Decimal(self.desks * self.open_days)
        used = sum((f.desk_days_per_year for f in self.formulas), ZERO)
        return (used / offered).quantize(Decimal("0.001")) if offered else ZERO


@dataclass
class YearResult:
    year: int
    charges: Decimal
    products: Decimal
    subsidies: Decimal
    result: Decimal  # products + subsidies − charges
    cumulative: Decimal

    @property
    def result_without_subsidies(self) -> Decimal:
        return self.products - self.charges


@dataclass
class Simulation:
    years: list[YearResult]
    break_even_year: int | None  # first year paying its way without subsidies
    cumulative_break_even_year: int | None  # first year the cumulated result is ≥ 0


def simulate(budget: Budget, years: int = 5) -> Simulation:
    """Yearly result over `years` years and the break-even years."""
    rows, cumulative = [], ZERO
    for i in range(years):
        fill = D(budget.ramp_up[min(i, len(budget.ramp_up) - 1)]) if budget.ramp_up else D(1)
        growth = (1 + D(budget.charges_growth)) ** i
        charges = sum((money(c.amount * growth) for c in budget.charges), ZERO)
        products = sum((money(f.amount * fill) for f in budget.formulas), ZERO)
        subsidies = sum((s.for_year(i) for s in budget.subsidies), ZERO)
        result = products + subsidies - charges
        cumulative += result
        rows.append(YearResult(i + 1, charges, products, subsidies, result, cumulative))
    own = next((r.year for r in rows if r.result_without_subsidies >= 0), None)
    cum = next((r.year for r in rows if r.cumulative >= 0), None)
    return Simulation(rows, own, cum)


def default_template() -> Budget:
    """The small association site of the PACA study (village of 5,000 inhabitants, 60 m²).

    Charges and products are the study's printed amounts. The study prints 1,800 € for one
    full-time member at 180 €/month and 3,600 € for three 4/5 members at 150 €/month, i.e.
    10 and 8 billed months, while the 1- and 2-days-a-week lines count 12 months; we keep the
    printed amounts (so the totals are the study's 11,890 €) and show the months explicitly.
    """
    week = Decimal(52) / Decimal(12)  # weeks in a month, for desk use
    charges = [
        Charge(_("Loyer (local 3 pièces, 60 m²)"), 5000),
        Charge(_("Assurances"), 500),
        Charge(_("Énergie (dont chauffage)"), 1000),
        Charge(_("Eau"), 200),
        Charge(_("Ménage hebdomadaire"), 500),
        Charge(_("Internet haut débit et téléphone"), 1000),
        Charge(_("Copieur connecté"), 1200),
        Charge(_("Amortissement aménagement et équipement (5 ans)"), 1000),
        Charge(_("Consommables"), 600),
        Charge(_("Imprévus"), 890),
    ]
    formulas = [
        Formula(_("Temps complet, 180 €/mois"), 1, 180, 10, 5 * week),
        Formula(_("4/5, 150 €/mois"), 3, 150, 8, 4 * week),
        Formula(_("1 jour par semaine, 50 €/mois"), 3, 50, 12, 1 * week),
        Formula(_("2 jours par semaine, 80 €/mois"), 4, 80, 12, 2 * week),
        Formula(_("Journées occasionnelles à 15 €"), 30, 15, 1, 1),
        Formula(_("Demi-journées occasionnelles à 10 €"), 40, 10, 1, Decimal("0.5")),
    ]
    return Budget(charges, formulas, desks=8, open_days=250)
