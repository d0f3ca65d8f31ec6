"""Per-process memory of what every door request reads but rarely changes: the controller
(with its site, network and access policy, and its derived key) and a site's hours of one
day. Profiling on PostgreSQL showed the ORM building these two queries cost more than running
them (about 5 ms of a ~12 ms request, see docs/benchmarks.md, "Door access").

Freshness:
- an entry lives `ACCESS_HOT_CACHE_SECONDS` (30 s by default; 0 turns the cache off);
- in the process that saves them, a change to a controller, site, network, access policy,
  opening hours or exception empties the cache at once (signals below); other server
  processes see it when their entry expires;
- a disabled controller or a rotated key is refused at once everywhere: the nonce insert
  checks the controller row (`access.api.spend_nonce`), whatever the cache holds.
"""

from __future__ import annotations

import threading
import time

from django.conf import settings
from django.db.models.signals import post_delete, post_save

_lock = threading.Lock()
_entries: dict = {}


def ttl() -> float:
    return float(getattr(settings, "ACCESS_HOT_CACHE_SECONDS", 30))


def get(key, load):
    """The cached value of `key`, or `load()` remembered for ttl() seconds."""
    lifetime = ttl()
    if lifetime <= 0:
        return load()
    now = time.monotonic()
    found = _entries.get(key)
    if found is not None and found[0] > now:
        return found[1]
    value = load()
    with _lock:
        if len(_entries) > 10_000:  # a bound, never reached by a real network
            _entries.clear()
        _entries[key] = (now + lifetime, value)
    return value


def forget(key) -> None:
    _entries.pop(key, None)


def clear(*_args, **_kwargs) -> None:
    with _lock:
        _entries.clear()


def connect_signals() -> None:
    """Called from AccessConfig.ready()."""
    from django.apps import apps

    for label in ("access.DoorController", "access.AccessPolicy", "places.Site",
                  "places.Network", "places.OpeningHours", "places.OpeningException"):
        model = apps.get_model(label)
        post_save.connect(clear, sender=model, dispatch_uid=f"access.hotcache.save.{label}")
        post_delete.connect(clear, sender=model, dispatch_uid=f"access.hotcache.delete.{label}")
