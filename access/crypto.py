"""Keys, hashes and signatures of the door protocol.

- Credentials are stored as HMAC-SHA256(network key, family:value). The network key derives
  from ACCESS_CREDENTIAL_KEY (settings, not the database), so a database dump alone does not
  reveal PINs. Controllers of the network receive the network key with their allow-list, since
  they must recognise credentials offline: a stolen controller allows guessing short PINs from
  its list (badge UIDs are readable by any reader anyway). Rotating the key means re-enrolling.
- Controller keys: see DoorController; derived, never stored.
- Requests are signed over method, path, timestamp, nonce and the body's SHA-256
  (tools/door_controller.py implements the same canonical string, tested against this one).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

from django.conf import settings


def _master(setting: str, purpose: str) -> bytes:
    value = getattr(settings, setting, "")
    if value:
        return value.encode()
    # Derived from SECRET_KEY when not set, so a laptop needs no extra configuration.
    return hashlib.sha256(f"maillage.access.{purpose}:{settings.SECRET_KEY}".encode()).digest()


def network_credential_key(network_id: int) -> str:
    """The hex key with which a network's credentials are hashed (also sent to controllers)."""
    master = _master("ACCESS_CREDENTIAL_KEY", "credential")
    return hmac.new(master, f"network:{network_id}".encode(), hashlib.sha256).hexdigest()


FAMILY = {"badge": "badge", "pin": "code", "booking_code": "code", "invitation": "code",
          "code": "code"}


def normalise(kind: str, value: str) -> str:
    """Badge UIDs as upper-case hex without separators; codes as their digits."""
    value = (value or "").strip()
    if FAMILY[kind] == "badge":
        return re.sub(r"[\s:\-]", "", value).upper()
    return re.sub(r"\s", "", value)


def hash_with_key(key_hex: str, kind: str, value: str) -> str:
    message = f"{FAMILY[kind]}:{normalise(kind, value)}".encode()
    return hmac.new(bytes.fromhex(key_hex), message, hashlib.sha256).hexdigest()


def credential_hash(network_id: int, kind: str, value: str) -> str:
    return hash_with_key(network_credential_key(network_id), kind, value)


def new_key_id() -> str:
    return "dc_" + secrets.token_hex(8)


def new_key_salt() -> str:
    return secrets.token_hex(32)


def controller_secret(key_id: str, key_salt: str) -> str:
    master = _master("ACCESS_CONTROLLER_MASTER_KEY", "controller")
    return hmac.new(master, f"{key_id}:{key_salt}".encode(), hashlib.sha256).hexdigest()


def canonical_request(method: str, path: str, timestamp: str, nonce: str, body: bytes) -> bytes:
    return "\n".join([method.upper(), path, timestamp, nonce,
                      hashlib.sha256(body).hexdigest()]).encode()


def sign(secret_hex: str, message: bytes) -> str:
    return hmac.new(secret_hex.encode(), message, hashlib.sha256).hexdigest()


def signature_matches(secret_hex: str, message: bytes, signature: str) -> bool:
    return hmac.compare_digest(sign(secret_hex, message), signature or "")
