"""Who may see and do what. Every view resolves the network first, then asks here."""

from django.db.models import Count, Prefetch, Q, QuerySet

from members.models import Member, Organisation, Role, RoleKind
from places.models import Network, Site


def member_of(user, network: Network) -> Member | None:
    if not user.is_authenticated:
        return None
    return (
        Member.objects.filter(network=network, user=user, is_active=True)
        .select_related("user", "organisation")
        .first()
    )


def roles_of(member: Member | None) -> list[Role]:
    if member is None:
        return []
    return list(Role.objects.filter(member=member))


def is_coordinator(roles: list[Role]) -> bool:
    return any(r.kind == RoleKind.COORDINATOR for r in roles)


def staff_sites(network: Network, roles: list[Role]) -> QuerySet[Site]:
    """Sites a person may run: all for a coordinator or a network-wide concierge, else the
    sites of their concierge roles."""
    sites = Site.objects.filter(network=network)
    if is_coordinator(roles) or any(r.kind == RoleKind.CONCIERGE and r.site_id is None
                                    for r in roles):
        return sites
    site_ids = [r.site_id for r in roles if r.kind == RoleKind.CONCIERGE]
    return sites.filter(pk__in=site_ids)


def is_network_staff(user, network: Network) -> bool:
    """Whether `user` is a concierge (of at least one site) or a coordinator of `network`:
    the check services run on their actor."""
    member = member_of(user, network) if user is not None else None
    return member is not None and staff_sites(network, roles_of(member)).exists()


def networks_of(user) -> QuerySet[Network]:
    if not user.is_authenticated:
        return Network.objects.none()
    return Network.objects.filter(members__user=user, members__is_active=True).distinct()


def search_members(network, query: str):
    """Members of a network whose name or e-mail contains every word of `query`, with their
    staff roles (one prefetch query whatever the page size)."""
    qs = (Member.objects.filter(network=network)
          .select_related("user", "organisation")
          .prefetch_related(Prefetch("roles", queryset=Role.objects.select_related("site")))
          .order_by("user__last_name", "user__first_name", "user__email"))
    for word in query.split():
        qs = qs.filter(Q(user__first_name__icontains=word) | Q(user__last_name__icontains=word)
                       | Q(user__email__icontains=word))
    return qs


def staff_roles(network) -> QuerySet[Role]:
    """Everyone holding a staff role in the network."""
    return (Role.objects.filter(network=network)
            .select_related("member__user", "site")
            .order_by("kind", "site__name", "member__user__last_name", "member__user__email"))


def organisations_with_counts(network) -> QuerySet[Organisation]:
    return (Organisation.objects.filter(network=network)
            .annotate(member_count=Count("members", filter=Q(members__is_active=True)))
            .order_by("name"))
