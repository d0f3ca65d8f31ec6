"""API credentials, both sent as `Authorization: Bearer <key>`; only SHA-256s are stored.

- a personal token (`mlg_…`, members.ApiToken) acts as its owner;
- a network key (`mlgn_…`, api.NetworkApiKey) acts for one network's staff, read-only: the
  request's `auth` is then the NetworkApiKey itself (see scope.network_scope).
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from ninja.security import HttpBearer

from api.models import NETWORK_KEY_PREFIX, NetworkApiKey
from members.models import ApiToken

# last_used_at is informative: refreshing it at most once a minute spares a write per request.
LAST_USED_PRECISION = dt.timedelta(minutes=1)


def _touch(model, found) -> None:
    now = timezone.now()
    if found.last_used_at is None or now - found.last_used_at >= LAST_USED_PRECISION:
        model.objects.filter(pk=found.pk).update(last_used_at=now)


class PersonalToken(HttpBearer):
    def authenticate(self, request, token: str):
        if not token:
            return None
        if token.startswith(NETWORK_KEY_PREFIX):
            key = (NetworkApiKey.objects.select_related("network")
                   .filter(key_hash=NetworkApiKey.hash_key(token), is_active=True).first())
            if key is None:
                return None
            _touch(NetworkApiKey, key)
            request.network_key = key
            return key
        found = (ApiToken.objects.select_related("user")
                 .filter(key_hash=ApiToken.hash_key(token)).first())
        if found is None or not found.user.is_active:
            return None
        _touch(ApiToken, found)
        request.api_token = found
        return found.user
