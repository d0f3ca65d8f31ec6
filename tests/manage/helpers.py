import pytest

DENIED = pytest.mark.parametrize("persona, status", [
    ("outsider", 404), ("concierge_b", 404), ("member", 403), ("concierge", 403)])


def login(client, world, persona):
    user = world.outsider if persona == "outsider" else getattr(world, persona).user
    client.force_login(user)
