"""Offline travel-time model, OSRM client against a local stub, and the fitting command."""

import io
import json
import math

import numpy as np
import pytest
from django.core.management import call_command
from django.test import override_settings

from territory.models import Commune
from territory.travel import (
    OfflineRouter,
    OSRMRouter,
    RouterError,
    TravelModel,
    fit_model,
    haversine_km,
    router_from_settings,
)

from .osrm_stub import DETOUR, SPEED, StubOSRM

AUTRANS = (45.17605, 5.54271)
VILLARD = (45.07156, 5.55637)


def test_haversine_one_degree_of_latitude():
    assert haversine_km(45, 5, 46, 5) == pytest.approx(111.195, abs=0.01)


def test_model_hand_computed_values():
    m = TravelModel(detour=1.3, speed_kmh=65, short_speed_kmh=30, short_trip_km=15)
    # 20 km straight = 26 km of road, beyond the short-trip ramp: 26 / 65 h = 24 min.
    assert m.minutes_for_km(20) == pytest.approx(24.0)
    # 5 km straight = 6.5 km road at 30 + 35 × 6.5/15 km/h.
    assert m.minutes_for_km(5) == pytest.approx(60 * 6.5 / (30 + 35 * 6.5 / 15))
    assert m.minutes_for_km(0) == 0
    # Mountain: road × 1.25 and speed × 0.75.
    mountain = m.minutes_for_km(20, True)
    assert mountain == pytest.approx(60 * 32.5 / (65 * 0.75))


def test_minutes_increase_with_distance_and_radius_bound_is_exact():
    m = TravelModel()
    km = np.linspace(0, 80, 2001)
    t = m.minutes_for_km(km)
    assert np.all(np.diff(t) > 0)
    for minutes in (3, 10, 20, 45):
        assert m.minutes_for_km(m.max_km(minutes)) == pytest.approx(minutes)
        assert m.minutes_for_km(m.max_km(minutes), True) > minutes


def test_model_vectorised_broadcasting():
    m = TravelModel()
    lat = np.array([AUTRANS[0], VILLARD[0]])
    lon = np.array([AUTRANS[1], VILLARD[1]])
    matrix = m.minutes(lat[:, None], lon[:, None], lat[None, :], lon[None, :])
    assert matrix.shape == (2, 2)
    assert matrix[0, 0] == 0 and matrix[0, 1] == pytest.approx(matrix[1, 0])
    assert 10 < matrix[0, 1] < 20


@override_settings(TERRITORY_TRAVEL_MODEL={"detour": 1.4, "speed_kmh": 70})
def test_model_from_settings():
    m = TravelModel.from_settings()
    assert (m.detour, m.speed_kmh, m.short_speed_kmh) == (1.4, 70.0, 30.0)
    assert isinstance(router_from_settings(), OfflineRouter)


@override_settings(TERRITORY_TRAVEL_MODEL={"detuor": 1.4})
def test_model_from_settings_rejects_typos():
    with pytest.raises(ValueError, match="detuor"):
        TravelModel.from_settings()


def test_osrm_table_batched_and_cached():
    pts = np.array([[45.0 + i * 0.01, 5.5] for i in range(7)])
    with StubOSRM() as osrm:
        router = OSRMRouter(osrm.url, batch_size=4)  # 2 sources × 2 destinations a request
        minutes, km = router.table(pts[:3], pts[3:])
        assert router.requests == 4  # ceil(3/2) × ceil(4/2)
        expected_km = haversine_km(pts[:3, None, 0], 5.5, pts[None, 3:, 0], 5.5) * DETOUR
        np.testing.assert_allclose(km, expected_km, rtol=1e-9)
        np.testing.assert_allclose(minutes, expected_km / SPEED * 60, rtol=1e-9)
        assert all("annotations=duration%2Cdistance" in c for c in osrm.calls)

        src, dst = pts[[0, 0, 1]], pts[[4, 5, 4]]
        first = router.pair_minutes(src, dst)
        calls = len(osrm.calls)
        again = router.pair_minutes(src, dst)
        assert len(osrm.calls) == calls  # all from the cache
        np.testing.assert_allclose(first, again)
        np.testing.assert_allclose(first, [minutes[0, 1], minutes[0, 2], minutes[1, 1]])


def test_osrm_unreachable_and_errors():
    with StubOSRM() as osrm:
        router = OSRMRouter(osrm.url)
        minutes = router.pair_minutes([[45.0, 5.5]], [[45.0, -30.0]])
        assert math.isinf(minutes[0])
        bad = OSRMRouter(osrm.url, profile="bike")
        with pytest.raises(RouterError, match="InvalidUrl"):
            bad.table([[45, 5]], [[45.1, 5]])
    with pytest.raises(RouterError):
        OSRMRouter("http://127.0.0.1:9", timeout=2).table([[45, 5]], [[45.1, 5]])


def test_fit_recovers_known_parameters():
    truth = TravelModel(detour=1.35, speed_kmh=70, short_speed_kmh=35, short_trip_km=12)
    rng = np.random.default_rng(0)
    gc = rng.uniform(1, 60, 300)
    fitted = fit_model(gc, gc * 1.35, truth.minutes_for_km(gc))
    assert fitted.detour == pytest.approx(1.35)
    assert fitted.speed_kmh == pytest.approx(70, rel=0.02)
    assert np.abs(fitted.minutes_for_km(gc) - truth.minutes_for_km(gc)).max() < 0.2


@pytest.mark.django_db
def test_fit_command_against_stub():
    for n in range(12):
        Commune.objects.create(insee_code=f"38{n:03d}", name=f"C{n}", department="38",
                               population=100, latitude=45.0 + 0.03 * n,
                               longitude=5.5 + 0.02 * (n % 4))
    out = io.StringIO()
    with StubOSRM() as osrm:
        call_command("fit_travel_model", "--osrm-url", osrm.url, "--sample", "12", stdout=out)
    line = out.getvalue().splitlines()[-1]
    values = json.loads(line.split(" = ", 1)[1])
    assert values["detour"] == pytest.approx(DETOUR, abs=0.01)
    # The stub drives at 50 km/h everywhere: long trips fit a speed near 50.
    assert values["speed_kmh"] == pytest.approx(SPEED, rel=0.1)
