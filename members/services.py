"""Writes about people: joining a network, profiles, staff roles."""

from django.db import transaction
from django.utils.translation import gettext as _

from core import audit
from members.models import Member, Organisation, Role, RoleKind


class MembershipError(Exception):
    pass


def join_network(user, network, *, actor=None, **profile) -> Member:
    """Make `user` a member of `network` (idempotent). Open networks only, unless staff add
    the person (actor is then the staff member)."""
    if not network.open_registration and actor is None:
        raise MembershipError(_("Ce réseau n'accepte pas d'inscription libre : contactez son "
                                "équipe."))
    with transaction.atomic():
        member, created = Member.objects.get_or_create(network=network, user=user,
                                                       defaults=profile)
        if created:
            audit.record(network=network, actor=actor or user, action="member.joined",
                         target=member)
        elif not member.is_active:
            member.is_active = True
            member.save(update_fields=["is_active"])
            audit.record(network=network, actor=actor or user, action="member.reactivated",
                         target=member)
    return member


PROFILE_FIELDS = ("status", "organisation", "employer_name", "home_commune", "home_insee",
                  "phone")


def update_profile(member: Member, *, actor, first_name=None, last_name=None, **fields) -> Member:
    """Update a member's profile; the organisation must belong to the member's network."""
    org = fields.get("organisation")
    if org is not None and org.network_id != member.network_id:
        raise MembershipError(_("Organisation inconnue dans ce réseau."))
    with transaction.atomic():
        changed = []
        for name, value in fields.items():
            if name not in PROFILE_FIELDS:
                raise TypeError(name)
            setattr(member, name, value)
            changed.append(name)
        member.save(update_fields=changed or None)
        user = member.user
        if first_name is not None or last_name is not None:
            user.first_name = first_name if first_name is not None else user.first_name
            user.last_name = last_name if last_name is not None else user.last_name
            user.save(update_fields=["first_name", "last_name"])
        audit.record(network=member.network, actor=actor, action="member.profile_updated",
                     target=member, data={"fields": changed})
    return member


def grant_role(member: Member, kind: str, *, site=None, actor) -> Role:
    if kind not in RoleKind.values:
        raise MembershipError(_("Rôle inconnu."))
    if site is not None and site.network_id != member.network_id:
        raise MembershipError(_("Ce lieu n'appartient pas au réseau."))
    if kind == RoleKind.COORDINATOR:
        site = None
    with transaction.atomic():
        role, _created = Role.objects.get_or_create(network_id=member.network_id, member=member,
                                                    kind=kind, site=site)
        audit.record(network=member.network, actor=actor, action="role.granted", target=role,
                     data={"kind": kind, "site": site.pk if site else None})
    return role


def revoke_role(role: Role, *, actor) -> None:
    """Remove a staff role. Coordinators cannot remove their own coordination role, so a
    network always keeps at least one coordinator."""
    if (role.kind == RoleKind.COORDINATOR and actor is not None
            and role.member.user_id == getattr(actor, "pk", None)):
        raise MembershipError(_("Vous ne pouvez pas retirer votre propre rôle de coordination : "
                                "demandez à une autre personne coordinatrice de le faire."))
    with transaction.atomic():
        audit.record(network=role.network, actor=actor, action="role.revoked", target=role,
                     data={"kind": role.kind, "member": role.member_id})
        role.delete()


def create_organisation(network, *, name: str, actor, siret: str = "", billing_email: str = "",
                        address: str = "") -> Organisation:
    """Add an employer (or other organisation) to a network; names are unique per network."""
    name = name.strip()
    if not name:
        raise MembershipError(_("Indiquez le nom de l'organisation."))
    with transaction.atomic():
        if Organisation.objects.filter(network=network, name__iexact=name).exists():
            raise MembershipError(_("L'organisation « %(name)s » existe déjà dans ce réseau.")
                                  % {"name": name})
        organisation = Organisation.objects.create(network=network, name=name, siret=siret,
                                                   billing_email=billing_email,
                                                   address=address)
        audit.record(network=network, actor=actor, action="organisation.created",
                     target=organisation, data={"name": name})
    return organisation
