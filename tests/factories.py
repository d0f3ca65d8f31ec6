"""Small explicit builders for test data (no magic factories)."""

import datetime as dt
import itertools

from members.models import Member, Organisation, Role, RoleKind, User
from places.models import Network, OpeningHours, Resource, Site

_seq = itertools.count(1)


def make_network(slug=None, name=None, **kw) -> Network:
    n = next(_seq)
    slug = slug or f"reseau-{n}"
    return Network.objects.create(slug=slug, name=name or f"Réseau {n}", **kw)


def make_site(network, slug=None, name=None, *, weekdays=range(5), opens=dt.time(9),
              closes=dt.time(18), **kw) -> Site:
    n = next(_seq)
    defaults = dict(address="1 place de la Mairie", postcode="38880", city="Autrans",
                    insee_code="38021")
    defaults.update(kw)
    site = Site.objects.create(network=network, slug=slug or f"lieu-{n}",
                               name=name or f"Lieu {n}", **defaults)
    for day in weekdays:
        OpeningHours.objects.create(network=network, site=site, weekday=day, opens=opens,
                                    closes=closes)
    return site


def make_resource(site, kind="open_space", *, seats=None, unit=None, name=None, **kw) -> Resource:
    if seats is None:
        seats = 8 if kind == "open_space" else 1
    if unit is None:
        unit = "hour" if kind in ("meeting_room", "visio_point", "phone_booth") else "half_day"
    kw.setdefault("cancellation_deadline_minutes", 120)
    return Resource.objects.create(network=site.network, site=site, kind=kind, seats=seats,
                                   booking_unit=unit, name=name or f"{kind} {next(_seq)}", **kw)


def make_user(email=None, password="motdepasse-solide-42", **kw) -> User:
    email = email or f"personne{next(_seq)}@example.org"
    user = User.objects.create_user(email, password, **kw)
    from allauth.account.models import EmailAddress

    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


def make_member(network, user=None, **kw) -> Member:
    return Member.objects.create(network=network, user=user or make_user(), **kw)


def make_role(member, kind, site=None) -> Role:
    return Role.objects.create(network=member.network, member=member, kind=kind, site=site)


def make_coordinator(network, **kw) -> Member:
    member = make_member(network, **kw)
    make_role(member, RoleKind.COORDINATOR)
    return member


def make_concierge(site, **kw) -> Member:
    member = make_member(site.network, **kw)
    make_role(member, RoleKind.CONCIERGE, site)
    return member


def make_organisation(network, name="Scierie du Plateau") -> Organisation:
    return Organisation.objects.create(network=network, name=name)
