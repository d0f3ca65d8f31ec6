"""Access personas on top of the shared world: a door controller at Autrans (site A1) with
its key, a signed client for the controllers' API, and a pinned clock."""

import hashlib
import hmac
import json
import secrets

import pytest
from django.utils import timezone

from access.services import register_controller


@pytest.fixture
def frozen(monkeypatch, now):
    monkeypatch.setattr(timezone, "now", lambda: now)
    return now


@pytest.fixture
def door(world):
    controller, secret = register_controller(world.site, "Porte d'entrée", actor=None)
    return controller, secret


class SignedClient:
    """Signs requests the way tools/door_controller.py does (written independently of
    access.crypto on purpose: the two must agree)."""

    def __init__(self, client, key_id, secret, clock):
        self.client, self.key_id, self.secret, self.clock = client, key_id, secret, clock

    def headers(self, method, path, body: bytes, *, timestamp=None, nonce=None, secret=None,
                key_id=None):
        timestamp = str(int(self.clock().timestamp()) if timestamp is None else timestamp)
        nonce = nonce or secrets.token_hex(16)
        canonical = "\n".join([method, path, timestamp, nonce,
                               hashlib.sha256(body).hexdigest()]).encode()
        signature = hmac.new((secret or self.secret).encode(), canonical,
                             hashlib.sha256).hexdigest()
        return {"X-Maillage-Controller": key_id or self.key_id, "X-Maillage-Timestamp": timestamp,
                "X-Maillage-Nonce": nonce, "X-Maillage-Signature": signature}

    def post(self, path, data, **kw):
        body = json.dumps(data).encode()
        headers = self.headers("POST", path, body, **kw)
        response = self.client.generic("POST", path, body, content_type="application/json",
                                       headers=headers)
        response.nonce = headers["X-Maillage-Nonce"]
        return response

    def get(self, path, **kw):
        headers = self.headers("GET", path, b"", **kw)
        response = self.client.get(path, headers=headers)
        response.nonce = headers["X-Maillage-Nonce"]
        return response

    def response_is_signed(self, response) -> bool:
        expected = hmac.new(self.secret.encode(), response.nonce.encode() + b"\n"
                            + response.content, hashlib.sha256).hexdigest()
        return hmac.compare_digest(expected, response.get("X-Maillage-Signature", ""))


@pytest.fixture
def signed(client, door, frozen):
    controller, secret = door
    return SignedClient(client, controller.key_id, secret, lambda: timezone.now())
