"""Members of a network, for its staff (coordinators, concierges) and its network keys."""

from __future__ import annotations

from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from api.v1.errors import ErrorOut, forbidden
from api.v1.scope import network_scope
from members.models import Member

router = Router(tags=["membres"])

ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut}


class MemberOut(Schema):
    id: int
    name: str
    email: str
    status: str
    organisation: str = Field(description="Employeur (organisation ou nom libre)")
    home_commune: str
    is_active: bool


class MemberPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[MemberOut]


class MemberFilters(Schema):
    active: bool | None = Field(None, description="Seulement les membres actifs (true) ou "
                                                  "inactifs (false)")
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0)


@router.get("/networks/{network_slug}/members", response={200: MemberPage, **ERRORS},
            summary="Membres du réseau (équipe du réseau ou clé de réseau)")
def list_members(request, network_slug: str, filters: Query[MemberFilters]):
    ctx = network_scope(request, network_slug)
    if not ctx.is_staff:
        raise forbidden(_("Seule l'équipe du réseau peut consulter la liste des membres."))
    qs = Member.objects.filter(network=ctx.network).select_related("user", "organisation")
    if filters.active is not None:
        qs = qs.filter(is_active=filters.active)
    qs = qs.order_by("user__last_name", "user__first_name", "user__email", "pk")
    page = list(qs[filters.offset:filters.offset + filters.limit])
    return {"count": qs.count(), "limit": filters.limit, "offset": filters.offset, "items": [
        {"id": m.pk, "name": m.display_name, "email": m.user.email, "status": m.status,
         "organisation": m.organisation.name if m.organisation else m.employer_name,
         "home_commune": m.home_commune, "is_active": m.is_active} for m in page]}
