"""Budget simulator (PACA template) and commute avoided (hand-computed)."""

import math
from decimal import Decimal

import pytest

from territory.budget import Budget, Charge, Formula, Subsidy, default_template, money, simulate
from territory.commute import commute_avoided, read_flows
from territory.importers import ImportFailed
from territory.travel import EARTH_RADIUS_KM, TravelModel


def test_default_template_reproduces_the_paca_study_exactly():
    budget = default_template()
    assert [c.amount for c in budget.charges] == [Decimal(x) for x in (
        "5000.00", "500.00", "1000.00", "200.00", "500.00", "1000.00", "1200.00", "1000.00",
        "600.00", "890.00")]
    assert budget.total_charges == Decimal("11890.00")
    assert [f.amount for f in budget.formulas] == [Decimal(x) for x in (
        "1800.00", "3600.00", "1800.00", "3840.00", "450.00", "400.00")]
    assert [f.members for f in budget.formulas] == [1, 3, 3, 4, 30, 40]
    assert budget.total_products == Decimal("11890.00")
    year = simulate(budget, years=1).years[0]
    assert (year.charges, year.products, year.result) == (
        Decimal("11890.00"), Decimal("11890.00"), Decimal("0.00"))
    assert Decimal("0.6") < budget.occupancy < Decimal("0.7")


def test_money_rounds_half_up():
    assert money(Decimal("0.125")) == Decimal("0.13")
    assert money(Decimal("2.675")) == Decimal("2.68")  # a float would give 2.67


def test_ramp_up_decreasing_subsidy_and_break_even():
    budget = default_template()
    budget.subsidies = [Subsidy("Région (dégressive)", 3000, 3)]
    budget.ramp_up = [Decimal("0.5"), Decimal("0.8"), Decimal(1)]
    sim = simulate(budget, years=5)
    assert [y.subsidies for y in sim.years] == [Decimal(x) for x in (
        "3000.00", "2000.00", "1000.00", "0.00", "0.00")]
    assert [y.products for y in sim.years] == [Decimal(x) for x in (
        "5945.00", "9512.00", "11890.00", "11890.00", "11890.00")]
    assert [y.result for y in sim.years] == [Decimal(x) for x in (
        "-2945.00", "-378.00", "1000.00", "0.00", "0.00")]
    assert sim.break_even_year == 3
    assert sim.cumulative_break_even_year is None
    assert sim.years[-1].cumulative == Decimal("-2323.00")


def test_charges_growth_and_cumulative_break_even():
    budget = Budget([Charge("Loyer", 1000)], [Formula("Abonnés", 2, 50, 12)],
                    subsidies=[Subsidy("Commune", 500, 2)], charges_growth=Decimal("0.10"))
    sim = simulate(budget, years=3)
    assert [y.charges for y in sim.years] == [Decimal("1000.00"), Decimal("1100.00"),
                                              Decimal("1210.00")]
    assert [y.result for y in sim.years] == [Decimal("700.00"), Decimal("350.00"),
                                             Decimal("-10.00")]
    assert sim.break_even_year == 1 and sim.cumulative_break_even_year == 1


KM_PER_DEG = EARTH_RADIUS_KM * math.pi / 180


def at(km):
    return (45 + km / KM_PER_DEG, 5.0)


FLOWS = """COMMUNE;DCLT;IPONDI
38001;38002;6,5
38001;38002;3,5
38001;38001;40
38003;38002;7
38004;38002;12
38999;38002;5
"""


def test_commute_avoided_hand_computed(tmp_path):
    path = tmp_path / "flux.csv"
    path.write_text(FLOWS, encoding="latin-1")
    flows = read_flows(path)
    assert flows[("38001", "38002")] == 10
    coords = {"38001": at(0), "38002": at(30), "38003": at(50), "38004": at(28)}
    model = TravelModel(detour=1.0, speed_kmh=60, short_speed_kmh=60, short_trip_km=1)
    result = commute_avoided(flows, coords, [at(5)], share=Decimal("0.2"), days_per_week=1,
                             weeks=45, max_minutes=20, model=model)
    # Only 38001 → 38002 gains: 10 commuters × 0.2 × 1 day × 45 weeks × 2 × (30 − 5) km.
    assert result.commuters == 10 and result.flows_used == 1
    assert result.km == Decimal("4500.00")
    assert result.hours == Decimal("75.00")  # 50 min a day at 60 km/h
    assert result.euros == Decimal("2250.00")
    assert result.co2_kg == Decimal("981.00")
    assert result.flows_without_coordinates == 1  # 38999


def test_flow_file_bad_lines(tmp_path):
    path = tmp_path / "flux.csv"
    path.write_text("CODGEO,DCLT,NBFLUX_C20_ACTOCC15P\n38001,38002,x\n3800,38002,4\n")
    with pytest.raises(ImportFailed) as exc:
        read_flows(path)
    assert [e.split(" :")[0] for e in exc.value.errors] == ["Ligne 2", "Ligne 3"]


@pytest.mark.django_db
def test_estimate_commute_command(tmp_path, world, settings):
    import io

    from django.core.management import call_command

    from territory.models import Commune

    settings.TERRITORY_TRAVEL_MODEL = {"detour": 1.0, "speed_kmh": 60, "short_speed_kmh": 60,
                                       "short_trip_km": 1}
    # Home at 0 km, the Autrans site at its commune's centre 5 km away, work 35 km away.
    for code, km in [("38021", 5), ("38001", 0), ("38002", 35)]:
        lat, lon = at(km)
        Commune.objects.create(insee_code=code, name=code, department="38", population=1,
                               latitude=lat, longitude=lon)
    world.other_site.is_active = False
    world.other_site.save()
    path = tmp_path / "flux.csv"
    path.write_text("COMMUNE;DCLT;IPONDI\n38001;38002;10\n38001;38999;4\n")
    out = io.StringIO()
    call_command("estimate_commute", "vercors", str(path), stdout=out)
    # 10 × 0.2 × 1 × 45 × 2 × (35 − 5) km = 5,400 km.
    assert "5400.00 km, 90.00 heures, 2700.00 € et 1177.20 kg CO2e" in out.getvalue()
    assert "1 flux ignorés" in out.getvalue()
