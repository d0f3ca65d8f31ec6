import pytest


@pytest.fixture(autouse=True)
def frozen(monkeypatch, now):
    """Pin the clock the views read (timezone.now) to the personas' Monday 08:00."""
    from django.utils import timezone

    monkeypatch.setattr(timezone, "now", lambda: now)
    return now
