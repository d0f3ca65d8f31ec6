"""One error shape for the whole API: {"error": {"code", "message", "details"}}.

`message` is a French sentence a client may show as is; `code` is stable and meant for programs;
`details` carries structured extras (invalid fields, alternatives to a taken slot). Every
exception an endpoint can raise is turned into this shape here, so endpoints only raise.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError

from bookings.errors import BookingError

logger = logging.getLogger(__name__)

# BookingError codes that mean "the state of the place conflicts with the request" (409);
# every other refusal by a booking rule is a plain 400.
CONFLICT_CODES = {"taken", "blocked", "not_cancellable"}


class ErrorBody(Schema):
    code: str
    message: str
    details: dict[str, Any] = {}


class ErrorOut(Schema):
    error: ErrorBody


class ApiError(Exception):
    """Raised by endpoints for anything but a booking rule (which raises BookingError)."""

    def __init__(self, status: int, code: str, message: str, details: dict | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.details = status, code, message, details or {}


def not_found(message: str | None = None) -> ApiError:
    return ApiError(404, "not_found", message or _("Ressource introuvable."))


def forbidden(message: str | None = None) -> ApiError:
    return ApiError(403, "forbidden", message or _("Vous n'avez pas le droit de faire cela."))


def invalid(message: str, field: str | None = None) -> ApiError:
    errors = [{"field": field, "message": message}] if field else []
    return ApiError(400, "validation_error", message, {"errors": errors} if errors else {})


def error_body(code: str, message: str, details: dict | None = None) -> dict:
    return {"error": {"code": code, "message": str(message), "details": details or {}}}


def alternative_out(alt) -> dict:
    tz = alt.resource.network.tz
    return {
        "resource_id": alt.resource.pk,
        "resource_name": alt.resource.name,
        "start": alt.start.astimezone(tz).isoformat(),
        "end": alt.end.astimezone(tz).isoformat(),
        "label": alt.describe(),
    }


def _field_of(loc) -> str:
    # ninja locates errors as ("body", "payload", "start") or ("query", "date"): keep the name.
    parts = [str(p) for p in loc[1:]]
    if len(parts) > 1 and parts[0] == "payload":
        parts = parts[1:]
    return ".".join(parts) or str(loc[0])


def install(api) -> None:
    """Register the handlers that give every failure the documented shape."""

    def respond(request, status, code, message, details=None, headers=None):
        response = api.create_response(request, error_body(code, message, details),
                                       status=status)
        for name, value in (headers or {}).items():
            response[name] = value
        return response

    @api.exception_handler(ApiError)
    def on_api_error(request, exc: ApiError):
        return respond(request, exc.status, exc.code, exc.message, exc.details)

    @api.exception_handler(BookingError)
    def on_booking_error(request, exc: BookingError):
        status = 409 if exc.code in CONFLICT_CODES else 400
        details = {}
        if exc.code == "taken":
            details["alternatives"] = [alternative_out(a) for a in exc.alternatives]
        return respond(request, status, exc.code, exc.message, details)

    @api.exception_handler(ValidationError)
    def on_validation_error(request, exc: ValidationError):
        errors = [{"field": _field_of(e.get("loc", ())), "message": e.get("msg", ""),
                   "type": e.get("type", "")} for e in exc.errors]
        return respond(request, 400, "validation_error",
                       _("La requête est invalide (voir details.errors)."), {"errors": errors})

    @api.exception_handler(AuthenticationError)
    def on_unauthenticated(request, exc):
        return respond(request, 401, "unauthorized",
                       _("Jeton d'API manquant ou invalide : envoyez l'en-tête "
                         "« Authorization: Bearer <clé> »."),
                       headers={"WWW-Authenticate": "Bearer"})

    @api.exception_handler(Http404)
    def on_not_found(request, exc):
        return respond(request, 404, "not_found", _("Ressource introuvable."))

    @api.exception_handler(PermissionDenied)
    def on_forbidden(request, exc):
        return respond(request, 403, "forbidden", _("Vous n'avez pas le droit de faire cela."))

    @api.exception_handler(HttpError)
    def on_http_error(request, exc: HttpError):
        # Raised by ninja itself: an unreadable body (400) or throttling (429).
        if exc.status_code == 400:
            return respond(request, 400, "validation_error",
                           _("Requête mal formée : le corps doit être un objet JSON."))
        if exc.status_code == 429:
            return respond(request, 429, "throttled", _("Trop de requêtes ; réessayez plus tard."))
        return respond(request, exc.status_code, "http_error", str(exc))

    @api.exception_handler(Exception)
    def on_unexpected(request, exc):
        logger.exception("API error on %s", request.path)
        return respond(request, 500, "server_error",
                       _("Erreur inattendue du serveur ; elle a été enregistrée."))
