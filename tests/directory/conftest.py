"""Personas of tests/conftest.py plus a handful of communes around the Vercors (real INSEE
codes and approximate centres), enough for the travel-time search without the full file."""

import pytest
from django.core.cache import cache

from territory.models import Commune

COMMUNES = [
    # insee, name, postcodes, population, lat, lon, department
    ("38205", "Lans-en-Vercors", "38250", 2700, 45.1283, 5.5886, "38"),
    ("38548", "Villard-de-Lans", "38250", 4100, 45.0711, 5.5531, "38"),
    ("38021", "Autrans", "38880", 1700, 45.1753, 5.5436, "38"),
    ("38453", "Saint-Nizier-du-Moucherotte", "38250", 1100, 45.1711, 5.6328, "38"),
    ("38185", "Grenoble", "38000 38100", 158000, 45.1885, 5.7245, "38"),
    ("32013", "Auch", "32000", 22000, 43.6465, 0.5855, "32"),
]


@pytest.fixture
def communes(db):
    return {code: Commune.objects.create(insee_code=code, name=name, postcodes=postcodes,
                                         population=pop, latitude=lat, longitude=lon,
                                         department=dep)
            for code, name, postcodes, pop, lat, lon, dep in COMMUNES}


@pytest.fixture(autouse=True)
def empty_cache():
    """Rate-limit counters live in the cache: each test starts from zero."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def frozen(monkeypatch, now):
    """Pin the clock the views read to the personas' Monday 23 November 2026, 08:00."""
    from django.utils import timezone

    monkeypatch.setattr(timezone, "now", lambda: now)
    return now
