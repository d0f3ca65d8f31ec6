"""Personal API tokens: `Authorization: Bearer <key>`. Only the key's SHA-256 is stored."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from ninja.security import HttpBearer

from members.models import ApiToken

# last_used_at is informative: refreshing it at most once a minute spares a write per request.
LAST_USED_PRECISION = dt.timedelta(minutes=1)


class PersonalToken(HttpBearer):
    def authenticate(self, request, token: str):
        if not token:
            return None
        found = (ApiToken.objects.select_related("user")
                 .filter(key_hash=ApiToken.hash_key(token)).first())
        if found is None or not found.user.is_active:
            return None
        now = timezone.now()
        if found.last_used_at is None or now - found.last_used_at >= LAST_USED_PRECISION:
            ApiToken.objects.filter(pk=found.pk).update(last_used_at=now)
        request.api_token = found
        return found.user
