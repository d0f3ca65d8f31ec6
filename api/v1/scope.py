"""Resolve the network of a request from the token owner's memberships, or from a network key.

Same rule as the pages (core.context.network_view): a network you are not an active member of
is a 404, so the API does not reveal which networks exist; a missing role is a 403. A network
key sees only its own network, as its staff, and only reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from django.utils.translation import gettext as _

from api.models import NetworkApiKey
from api.v1.errors import forbidden, not_found
from core.context import NetworkContext
from members.selectors import member_of, roles_of
from places.models import Network, Site


@dataclass
class KeyContext(NetworkContext):
    """A network key: no member, staff of every site of its network, read-only."""

    @cached_property
    def staff_sites(self):
        return list(Site.objects.filter(network=self.network).select_related("network"))

    @property
    def is_coordinator(self) -> bool:
        return False


def network_scope(request, network_slug: str) -> NetworkContext:
    principal = request.auth
    if isinstance(principal, NetworkApiKey):
        if principal.network.slug != network_slug:
            raise not_found(_("Réseau introuvable."))
        return KeyContext(principal.network, None, [])
    network = Network.objects.filter(slug=network_slug).first()
    member = member_of(principal, network) if network is not None else None
    if member is None:
        raise not_found(_("Réseau introuvable."))
    return NetworkContext(network, member, roles_of(member))


def person_only(ctx: NetworkContext) -> None:
    """Writes are made by people: a network key only reads."""
    if ctx.member is None:
        raise forbidden(_("Une clé de réseau ne donne accès qu'en lecture."))


def site_of(ctx: NetworkContext, site_slug: str) -> Site:
    site = Site.objects.filter(network=ctx.network, slug=site_slug).select_related(
        "network").first()
    if site is None:
        raise not_found(_("Lieu introuvable."))
    return site


def is_staff_of(ctx: NetworkContext, site_id: int) -> bool:
    return any(s.pk == site_id for s in ctx.staff_sites)


def staff_site_of(ctx: NetworkContext, site_slug: str) -> Site:
    """A site of the network that this person runs: 404 if unknown, 403 if not theirs."""
    site = site_of(ctx, site_slug)
    if not is_staff_of(ctx, site.pk):
        raise forbidden(_("Seul l'accueil de ce lieu peut consulter ses réservations."))
    return site
