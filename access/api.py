"""The door controllers' HTTP API, /api/access/v1/ (see README, "Installer le contrôleur de
porte").

Plain views rather than django-ninja: the signature covers the exact bytes of the body, and
a door waits for the answer, so the path stays short. Every request carries:

    X-Maillage-Controller  the controller's key id
    X-Maillage-Timestamp   Unix seconds; refused beyond ±ACCESS_SIGNATURE_MAX_SKEW seconds
    X-Maillage-Nonce       16-64 characters [A-Za-z0-9_-], never reused by a controller
    X-Maillage-Signature   hex HMAC-SHA256(key, METHOD \\n path?query \\n timestamp \\n nonce
                           \\n hex SHA-256(body))

Responses are signed too: X-Maillage-Signature = HMAC-SHA256(key, nonce \\n body), so a
controller cannot be fed an old "allowed" answer.
"""

from __future__ import annotations

import datetime as dt
import json
import re

from django.conf import settings
from django.db import connection, transaction
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from access import crypto, hotcache
from access.doors import (
    build_allow_list,
    decide_at_door,
    ingest_offline_events,
    record_door_decision,
)
from access.models import AccessPolicy, ControllerNonce, DoorController

NONCE_RE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
LAST_SEEN_PRECISION = dt.timedelta(minutes=1)
MAX_EVENTS_PER_UPLOAD = 1000


def max_skew() -> int:
    return getattr(settings, "ACCESS_SIGNATURE_MAX_SKEW", 60)


class Refused(Exception):
    def __init__(self, status, code, message):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def _json(data, *, status=200, secret=None, nonce="") -> HttpResponse:
    body = json.dumps(data, separators=(",", ":")).encode()
    response = HttpResponse(body, status=status, content_type="application/json")
    if secret:
        response["X-Maillage-Signature"] = crypto.sign(secret, nonce.encode() + b"\n" + body)
    return response


def _error(refused: Refused) -> HttpResponse:
    return _json({"error": {"code": refused.code, "message": str(refused.message),
                            "details": {}}}, status=refused.status)


def verify(request, *, now: dt.datetime) -> tuple[DoorController, str, str]:
    """The controller that signed this request, its key and the request's nonce; raises
    Refused for anything unsigned, stale, badly signed or unknown. Writes nothing: the nonce
    is spent by spend_nonce."""
    key_id = request.headers.get("X-Maillage-Controller", "")
    timestamp = request.headers.get("X-Maillage-Timestamp", "")
    nonce = request.headers.get("X-Maillage-Nonce", "")
    signature = request.headers.get("X-Maillage-Signature", "")
    if not (key_id and timestamp and nonce and signature):
        raise Refused(401, "unsigned", _("Requête non signée."))
    controller, secret = _controller(key_id)
    if controller is None:
        raise Refused(401, "unknown_controller", _("Contrôleur inconnu ou désactivé."))
    try:
        sent_at = int(timestamp)
    except ValueError:
        raise Refused(401, "stale", _("Horodatage illisible.")) from None
    if abs(now.timestamp() - sent_at) > max_skew():
        raise Refused(401, "stale", _("Horodatage trop éloigné de l'heure du serveur "
                                      "(±%(s)s s) : vérifiez l'horloge du contrôleur.") % {
            "s": max_skew()})
    if not NONCE_RE.match(nonce):
        raise Refused(401, "bad_nonce", _("Nonce invalide."))
    message = crypto.canonical_request(request.method, request.get_full_path(), timestamp,
                                       nonce, request.body)
    if not crypto.signature_matches(secret, message, signature):
        # The key may have been rotated by another server process: look again, once.
        hotcache.forget(("controller", key_id))
        controller, secret = _controller(key_id)
        if controller is None or not crypto.signature_matches(secret, message, signature):
            raise Refused(401, "bad_signature", _("Signature invalide."))
    return controller, secret, nonce


def _load_controller(key_id: str):
    # The network's access policy comes along (reverse one-to-one): one query fewer per door.
    controller = (DoorController.objects.select_related("site__network__access_policy")
                  .filter(key_id=key_id, is_active=True).first())
    if controller is None:
        return None, ""
    return controller, crypto.controller_secret(controller.key_id, controller.key_salt)


def _controller(key_id: str):
    """The active controller of this key id (with site, network and policy) and its key,
    remembered a few seconds by this process (access.hotcache): spend_nonce re-checks the
    row in the same statement as the nonce insert, so a disabled or re-keyed controller is
    refused at once all the same."""
    found = hotcache.get(("controller", key_id), lambda: _load_controller(key_id))
    if found[0] is None:
        hotcache.forget(("controller", key_id))  # unknown ids are not remembered
    return found


def spend_nonce(controller: DoorController, nonce: str, *, now: dt.datetime,
                relaxed: bool = False) -> None:
    """Refuse a replayed request, and note when the controller was last heard of."""
    # Only signed requests reach the nonce table; a nonce outlives the skew window by design
    # (purged by access.tasks.purge_nonces after 2 × skew).
    # ON CONFLICT rather than catching IntegrityError inside a savepoint: two round trips
    # fewer on the door's path (PostgreSQL and SQLite ≥ 3.35 both accept it).
    # The same statement checks that the controller is still active with the same key: the
    # controller itself may come from the per-process cache (see _controller).
    table = ControllerNonce._meta.db_table
    controllers = DoorController._meta.db_table
    # `relaxed`: see _relaxed_commit_applies; set in this statement, not a round trip of its own.
    source = ""
    if relaxed and _relaxed_commit_applies():
        source = "FROM (SELECT set_config('synchronous_commit', 'off', true)) AS relaxed "
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (controller_id, nonce, seen_at) SELECT %s, %s, %s {source}"  # noqa: S608 - table names from the models
            f"WHERE EXISTS (SELECT 1 FROM {controllers} WHERE id = %s AND is_active = %s "
            "AND key_salt = %s) "
            "ON CONFLICT (controller_id, nonce) DO NOTHING RETURNING id",
            [controller.pk, nonce, connection.ops.adapt_datetimefield_value(now),
             controller.pk, True, controller.key_salt])
        inserted = cursor.fetchone()
    if inserted is None:
        hotcache.forget(("controller", controller.key_id))
        if not DoorController.objects.filter(pk=controller.pk, is_active=True,
                                             key_salt=controller.key_salt).exists():
            raise Refused(401, "unknown_controller", _("Contrôleur inconnu ou désactivé."))
        raise Refused(401, "replay", _("Requête rejouée (nonce déjà utilisé)."))
    if controller.last_seen_at is None or now - controller.last_seen_at >= LAST_SEEN_PRECISION:
        DoorController.objects.filter(pk=controller.pk).update(last_seen_at=now)
        controller.last_seen_at = now


def authenticate(request, *, now: dt.datetime) -> tuple[DoorController, str, str]:
    """verify() then spend_nonce(): raises Refused for anything unsigned, stale, replayed,
    badly signed or unknown."""
    controller, secret, nonce = verify(request, now=now)
    spend_nonce(controller, nonce, now=now)
    return controller, secret, nonce


def _body(request) -> dict:
    try:
        data = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        raise Refused(400, "bad_json", _("Corps JSON illisible.")) from None
    if not isinstance(data, dict):
        raise Refused(400, "bad_json", _("Un objet JSON est attendu."))
    return data


def _relaxed_commit_applies() -> bool:
    """On PostgreSQL, the door's write transaction does not wait for the write-ahead log to
    reach the disk before answering (`synchronous_commit = off` for that transaction only,
    set by the nonce insert). The database stays consistent; a crash may lose the last
    fraction of a second of decisions and nonces (a replay of those requests still needs to
    fall within the ±60 s window). Under I/O load the flush was the slowest step of a door
    request. ACCESS_DOOR_SYNCHRONOUS_COMMIT = True keeps the default behaviour."""
    return connection.vendor == "postgresql" and not getattr(
        settings, "ACCESS_DOOR_SYNCHRONOUS_COMMIT", False)


def _preloaded_policy(controller) -> AccessPolicy:
    network = controller.site.network
    try:
        return network.access_policy
    except AccessPolicy.DoesNotExist:
        return AccessPolicy(network=network)


@csrf_exempt
@require_POST
def decisions(request):
    """May this badge or code open the controller's door now? Always 200 with allowed true
    or false and the reason, once the request itself is authentic."""
    now = timezone.now()
    try:
        controller, secret, nonce = verify(request, now=now)
        try:
            data = _body(request)
            kind, value = data.get("type"), data.get("value")
            if kind not in ("badge", "code") or not isinstance(value, str) or not value.strip():
                raise Refused(400, "validation_error",
                              _("Indiquez type (badge ou code) et value."))
        except Refused:
            spend_nonce(controller, nonce, now=now)  # a replay is still told as such
            raise
        event_id = str(data.get("event_id") or "")[:64]
        policy = _preloaded_policy(controller)
        # Reads first, then one short transaction for every write (nonce, decision,
        # presence): one commit per door request, and on SQLite the write lock is held only
        # for the inserts, not while deciding.
        decision = decide_at_door(controller, kind=kind, value=value[:64], now=now,
                                  policy=policy)
        with transaction.atomic():
            spend_nonce(controller, nonce, now=now, relaxed=True)
            record_door_decision(controller, decision, now=now, event_id=event_id,
                                 policy=policy)
    except Refused as refused:
        return _error(refused)
    return _json({"allowed": decision.allowed, "rule": decision.rule,
                  "reason": decision.reason, "event_id": event_id},
                 secret=secret, nonce=nonce)


@csrf_exempt
@require_GET
def allow_list(request):
    """The controller's signed allow-list for offline operation."""
    now = timezone.now()
    try:
        controller, secret, nonce = authenticate(request, now=now)
    except Refused as refused:
        return _error(refused)
    return _json(build_allow_list(controller, now=now), secret=secret, nonce=nonce)


@csrf_exempt
@require_POST
def events(request):
    """Entries recorded offline; repeated uploads are safe (duplicates are counted, not
    stored)."""
    now = timezone.now()
    try:
        controller, secret, nonce = authenticate(request, now=now)
        data = _body(request)
        items = data.get("events")
        if not isinstance(items, list) or len(items) > MAX_EVENTS_PER_UPLOAD:
            raise Refused(400, "validation_error", _("Une liste « events » d'au plus "
                                                     "%(n)s entrées est attendue.") % {
                "n": MAX_EVENTS_PER_UPLOAD})
    except Refused as refused:
        return _error(refused)
    report = ingest_offline_events(controller, [e for e in items if isinstance(e, dict)],
                                   now=now)
    return _json({"recorded": report.recorded, "duplicates": report.duplicates,
                  "rejected": report.rejected}, secret=secret, nonce=nonce)
