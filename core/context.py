"""Resolve the network of a request and what the user may do in it.

Every network page is wrapped by `network_view`: a person who is not an active member of the
network gets a 404 (we do not reveal what exists); a member lacking the staff role gets a 403.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property, wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404

from members.models import Member, Role
from members.selectors import is_coordinator, member_of, roles_of, staff_sites
from places.models import Network, Site


@dataclass
class NetworkContext:
    network: Network
    member: Member
    roles: list[Role]

    @property
    def is_coordinator(self) -> bool:
        return is_coordinator(self.roles)

    @cached_property
    def staff_sites(self):
        return list(staff_sites(self.network, self.roles).select_related("network"))

    @property
    def is_staff(self) -> bool:
        return bool(self.staff_sites)

    def staff_site(self, site_id_or_slug) -> Site:
        """A site this person runs, or 404."""
        for site in self.staff_sites:
            if str(site.pk) == str(site_id_or_slug) or site.slug == site_id_or_slug:
                return site
        raise Http404


def network_view(require: str = "member"):
    assert require in ("member", "staff", "coordinator")

    def decorator(view):
        @wraps(view)
        def wrapper(request, network_slug, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            network = get_object_or_404(Network, slug=network_slug)
            member = member_of(request.user, network)
            if member is None:
                raise Http404
            ctx = NetworkContext(network, member, roles_of(member))
            if require == "staff" and not ctx.is_staff:
                raise PermissionDenied
            if require == "coordinator" and not ctx.is_coordinator:
                raise PermissionDenied
            request.ctx = ctx
            return view(request, *args, **kwargs)

        wrapper.network_requirement = require
        return wrapper

    return decorator
