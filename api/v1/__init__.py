"""API v1: the public directory, and token or network-key access to a network (docs/api.md).

Versioned as a package so a v2 can live beside it; each router holds one noun.
"""

from ninja import NinjaAPI

from api.v1 import bookings, errors, members, public, sites
from api.v1.auth import PersonalToken

api = NinjaAPI(
    title="maillage API",
    version="1",
    description="Réseaux de tiers-lieux : lieux, disponibilités et réservations. "
                "Erreurs : {\"error\": {\"code\", \"message\", \"details\"}} (voir docs/api.md).",
    urls_namespace="api-v1",
    auth=PersonalToken(),
)
errors.install(api)
api.add_router("", sites.router)
api.add_router("", bookings.router)
api.add_router("", members.router)
api.add_router("", public.router)
