"""API personas: each person of the shared world gets a personal token; time is pinned to NOW
(the API has no `now` argument, so the services read a patched clock)."""

import pytest
from django.utils import timezone

from members.models import ApiToken
from tests.conftest import NOW


class ApiClient:
    """The Django test client speaking JSON with a bearer token."""

    def __init__(self, client, key=None):
        self.client, self.key = client, key

    def _headers(self, key):
        key = self.key if key is None else key
        return {"Authorization": f"Bearer {key}"} if key else {}

    def get(self, path, params=None, *, key=None):
        return self.client.get(path, params or {}, headers=self._headers(key))

    def post(self, path, body=None, *, key=None):
        return self.client.post(path, body or {}, content_type="application/json",
                                headers=self._headers(key))


@pytest.fixture
def pinned_now(monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: NOW)
    return NOW


@pytest.fixture
def keys(world, pinned_now):
    """A key per persona: member, concierge (site A1), coordinator, concierge_b, outsider."""
    users = {
        "member": world.member.user, "concierge": world.concierge.user,
        "coordinator": world.coordinator.user, "concierge_b": world.concierge_b.user,
        "outsider": world.outsider,
    }
    return {name: ApiToken.issue(user, "tests")[1] for name, user in users.items()}


@pytest.fixture
def api(client, keys):
    """Acts as the member unless another key is passed."""
    return ApiClient(client, keys["member"])
