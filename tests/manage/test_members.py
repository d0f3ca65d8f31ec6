import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bookings.services import book_resource
from core.models import AuditLog
from members.models import Organisation, Role, RoleKind
from tests import factories as f
from tests.conftest import local
from tests.manage.helpers import DENIED, login

TUESDAY = dt.date(2026, 11, 24)
MEMBERS = reverse("manage_members", args=["vercors"])
ORGS = reverse("manage_organisations", args=["vercors"])
STAFF = reverse("manage_staff", args=["vercors"])


def detail_url(member):
    return reverse("manage_member", args=["vercors", member.pk])


def grant_url(member):
    return reverse("manage_member_grant_role", args=["vercors", member.pk])


def revoke_url(role):
    return reverse("manage_role_revoke", args=["vercors", role.pk])


# --- Member list -------------------------------------------------------------------------

def test_member_list_shows_the_network_members_with_roles(client, world):
    client.force_login(world.coordinator.user)
    response = client.get(MEMBERS)
    assert response.status_code == 200
    emails = [m.user.email for m in response.context["page"].object_list]
    assert sorted(emails) == ["accueil@example.org", "coordination@example.org",
                              "membre@example.org"]
    html = response.content.decode()
    assert "accueil-gers@example.org" not in html
    assert "accueil (concierge) · Autrans" in html


@pytest.mark.parametrize("q, expected", [
    ("martin", ["membre@example.org"]),
    ("Camille Martin", ["membre@example.org"]),
    ("ACCUEIL", ["accueil@example.org"]),
    ("gers", []),
])
def test_member_search(client, world, q, expected):
    client.force_login(world.coordinator.user)
    response = client.get(MEMBERS, {"q": q})
    assert [m.user.email for m in response.context["page"].object_list] == expected


def test_member_list_is_paginated_with_bounded_queries(client, world):
    client.force_login(world.coordinator.user)
    with CaptureQueriesContext(connection) as few:
        client.get(MEMBERS)
    org = f.make_organisation(world.network)
    for i in range(40):
        m = f.make_member(world.network, f.make_user(f"p{i:02d}@example.org",
                                                     last_name=f"Nom{i:02d}"),
                          organisation=org)
        if i % 3 == 0:
            f.make_role(m, RoleKind.CONCIERGE, world.other_site)
    with CaptureQueriesContext(connection) as many:
        response = client.get(MEMBERS)
    page = response.context["page"]
    assert (page.paginator.count, len(page.object_list), page.paginator.num_pages) == (43, 25, 2)
    assert len(many) == len(few)
    second = client.get(MEMBERS, {"page": 2}).context["page"]
    assert len(second.object_list) == 18


# --- Member detail and roles -------------------------------------------------------------

def test_member_detail_shows_profile_and_upcoming_bookings(client, world, now):
    book_resource(world.member, world.desks, start=local(TUESDAY, 9), end=local(TUESDAY, 13),
                  actor=world.member.user, now=now)
    client.force_login(world.coordinator.user)
    response = client.get(detail_url(world.member))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Camille Martin" in html and "membre@example.org" in html
    assert "mardi 24 novembre 2026, 09:00–13:00 · Open space Autrans (Autrans)" in html


def test_coordinator_grants_concierge_role_for_one_site(client, world):
    client.force_login(world.coordinator.user)
    response = client.post(grant_url(world.member), {"kind": "concierge",
                                                      "site": world.other_site.pk})
    assert response["Location"] == detail_url(world.member)
    role = Role.objects.get(member=world.member)
    assert (role.kind, role.site, role.network) == ("concierge", world.other_site, world.network)
    assert AuditLog.objects.filter(action="role.granted", target_id=str(role.pk)).count() == 1
    # The new concierge now runs Villard's board, and only it.
    client.force_login(world.member.user)
    board = reverse("staff_board", args=["vercors"])
    assert client.get(board, {"lieu": "villard"}).status_code == 200
    assert client.get(board, {"lieu": "autrans"}).status_code == 404


def test_coordinator_grants_concierge_of_all_sites_and_coordination(client, world):
    client.force_login(world.coordinator.user)
    client.post(grant_url(world.member), {"kind": "concierge", "site": ""})
    client.post(grant_url(world.member), {"kind": "coordinator", "site": ""})
    assert sorted(Role.objects.filter(member=world.member).values_list("kind", "site")) == [
        ("concierge", None), ("coordinator", None)]


def test_coordination_with_a_site_is_refused(client, world):
    client.force_login(world.coordinator.user)
    response = client.post(grant_url(world.member), {"kind": "coordinator",
                                                      "site": world.site.pk})
    assert response.status_code == 200
    assert response.context["role_form"].errors["site"] == [
        "La coordination porte sur tout le réseau : laissez « tous les lieux du réseau »."]
    assert not Role.objects.filter(member=world.member).exists()


def test_site_of_another_network_cannot_be_granted(client, world):
    client.force_login(world.coordinator.user)
    response = client.post(grant_url(world.member), {"kind": "concierge",
                                                      "site": world.site_b.pk})
    assert response.status_code == 200
    assert "site" in response.context["role_form"].errors
    assert not Role.objects.filter(member=world.member).exists()


def test_coordinator_revokes_a_concierge_role(client, world):
    role = Role.objects.get(member=world.concierge)
    client.force_login(world.coordinator.user)
    response = client.post(revoke_url(role))
    assert response["Location"] == detail_url(world.concierge)
    assert not Role.objects.filter(member=world.concierge).exists()
    assert AuditLog.objects.filter(action="role.revoked", target_id=str(role.pk)).count() == 1
    client.force_login(world.concierge.user)
    assert client.get(reverse("staff_board", args=["vercors"])).status_code == 403


def test_revoking_from_the_staff_page_returns_there(client, world):
    role = Role.objects.get(member=world.concierge)
    client.force_login(world.coordinator.user)
    assert client.post(revoke_url(role), {"from": "staff"})["Location"] == STAFF


def test_coordinator_cannot_revoke_own_coordination(client, world):
    role = Role.objects.get(member=world.coordinator)
    client.force_login(world.coordinator.user)
    response = client.post(revoke_url(role))
    page = client.get(response["Location"]).content.decode()
    assert ("Vous ne pouvez pas retirer votre propre rôle de coordination : demandez à une autre "
            "personne coordinatrice de le faire.") in page
    assert Role.objects.filter(pk=role.pk).exists()
    assert not AuditLog.objects.filter(action="role.revoked").exists()


def test_another_coordinator_may_revoke_a_coordinator(client, world):
    second = f.make_coordinator(world.network)
    role = Role.objects.get(member=world.coordinator)
    client.force_login(second.user)
    client.post(revoke_url(role))
    assert not Role.objects.filter(pk=role.pk).exists()


def test_staff_list(client, world):
    client.force_login(world.coordinator.user)
    response = client.get(STAFF)
    assert sorted((r.kind, r.member.user.email) for r in response.context["roles"]) == [
        ("concierge", "accueil@example.org"), ("coordinator", "coordination@example.org")]


def test_staff_list_query_count_does_not_grow(client, world):
    client.force_login(world.coordinator.user)
    with CaptureQueriesContext(connection) as few:
        client.get(STAFF)
    for _ in range(10):
        f.make_concierge(world.other_site)
    with CaptureQueriesContext(connection) as many:
        response = client.get(STAFF)
    assert len(response.context["roles"]) == 12
    assert len(many) == len(few)


def test_other_networks_members_and_roles_are_404(client, world):
    role_b = Role.objects.get(member=world.concierge_b)
    client.force_login(world.coordinator.user)
    assert client.get(detail_url(world.concierge_b)).status_code == 404
    assert client.post(grant_url(world.concierge_b), {"kind": "coordinator"}).status_code == 404
    assert client.post(revoke_url(role_b)).status_code == 404
    assert list(Role.objects.filter(member=world.concierge_b)) == [role_b]


# --- Organisations -----------------------------------------------------------------------

def test_coordinator_creates_and_lists_organisations(client, world):
    f.make_organisation(world.network_b, "Conserverie du Gers")
    client.force_login(world.coordinator.user)
    response = client.post(ORGS, {"name": "Scierie du Plateau", "siret": "12345678900012",
                                  "billing_email": "compta@scierie.example"})
    assert response["Location"] == ORGS
    org = Organisation.objects.get(network=world.network)
    assert (org.name, org.siret, org.billing_email) == (
        "Scierie du Plateau", "12345678900012", "compta@scierie.example")
    assert AuditLog.objects.filter(action="organisation.created").count() == 1
    listed = client.get(ORGS).context["organisations"]
    assert [(o.name, o.member_count) for o in listed] == [("Scierie du Plateau", 0)]


@pytest.mark.parametrize("data, field, message", [
    ({"name": "scierie du plateau"}, "name",
     "L'organisation « scierie du plateau » existe déjà dans ce réseau."),
    ({"name": "Autre", "siret": "123"}, "siret", "Un SIRET compte 14 chiffres."),
    ({"name": ""}, "name", "Ce champ est obligatoire."),
])
def test_invalid_organisation_is_refused(client, world, data, field, message):
    f.make_organisation(world.network, "Scierie du Plateau")
    client.force_login(world.coordinator.user)
    response = client.post(ORGS, data)
    assert response.status_code == 200
    assert response.context["form"].errors[field] == [message]
    assert Organisation.objects.filter(network=world.network).count() == 1


def test_organisation_list_query_count_does_not_grow(client, world):
    client.force_login(world.coordinator.user)
    with CaptureQueriesContext(connection) as few:
        client.get(ORGS)
    for i in range(10):
        org = f.make_organisation(world.network, f"Org {i}")
        f.make_member(world.network, organisation=org)
    with CaptureQueriesContext(connection) as many:
        response = client.get(ORGS)
    assert len(response.context["organisations"]) == 10
    assert len(many) == len(few)


# --- Denials -----------------------------------------------------------------------------

@DENIED
def test_people_pages_denied(client, world, persona, status):
    role = Role.objects.get(member=world.concierge)
    login(client, world, persona)
    assert client.get(MEMBERS).status_code == status
    assert client.get(detail_url(world.member)).status_code == status
    assert client.post(grant_url(world.member), {"kind": "coordinator"}).status_code == status
    assert client.post(revoke_url(role)).status_code == status
    assert client.get(STAFF).status_code == status
    assert client.get(ORGS).status_code == status
    assert client.post(ORGS, {"name": "Pirate"}).status_code == status
    assert not Role.objects.filter(member=world.member).exists()
    assert Role.objects.filter(pk=role.pk).exists()
    assert not Organisation.objects.exists()
