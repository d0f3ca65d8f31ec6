"""The admin, for the platform operator: every booking write goes through the services."""

import datetime as dt

import pytest
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from bookings.models import Booking, BookingSource, BookingStatus
from bookings.services import book_resource
from core.models import AuditLog
from members.models import ApiToken
from places.models import ResourceBlock
from tests.conftest import NOW, local

TUESDAY = dt.date(2026, 11, 24)
ADD_BOOKING = "/admin/bookings/booking/add/"


@pytest.fixture
def operator(client, world, monkeypatch, django_user_model):
    monkeypatch.setattr(timezone, "now", lambda: NOW)
    user = django_user_model.objects.create_superuser("operateur@example.org", "x" * 16)
    client.force_login(user)
    return user


def booking_form(resource, **overrides):
    data = {"resource": resource.pk, "member": "", "guest_name": "", "guest_email": "",
            "day": "2026-11-24", "slot": "morning", "start_time": "", "end_time": "",
            "seats": "1", "note": ""}
    data.update(overrides)
    return data


def test_operator_adds_a_booking_through_book_resource(client, world, operator):
    response = client.post(ADD_BOOKING, booking_form(world.office, member=world.member.pk,
                                                     note="réservé par téléphone"))

    assert response.status_code == 302
    booking = Booking.objects.get()
    assert (booking.resource, booking.member, booking.start, booking.end, booking.seats) == (
        world.office, world.member, local(TUESDAY, 9), local(TUESDAY, 13), 1)
    assert (booking.source, booking.status, booking.created_by, booking.note) == (
        BookingSource.ADMIN, BookingStatus.CONFIRMED, operator, "réservé par téléphone")
    assert (booking.network, booking.site, booking.is_exclusive) == (
        world.network, world.site, True)
    audit = AuditLog.objects.get(action="booking.created")
    assert (audit.actor, audit.data["source"]) == (operator, "admin")


def test_operator_books_hours_for_a_guest(client, world, operator):
    response = client.post(ADD_BOOKING, booking_form(
        world.room, slot="", start_time="14:00", end_time="15:30", guest_name="Alex Dupont",
        guest_email="alex@example.org"))
    assert response.status_code == 302
    booking = Booking.objects.get()
    assert (booking.member, booking.guest_email, booking.start, booking.end) == (
        None, "alex@example.org", local(TUESDAY, 14), local(TUESDAY, 15, 30))


def test_overlapping_booking_is_refused_with_the_french_message(client, world, operator):
    book_resource(world.member, world.office, start=local(TUESDAY, 9), end=local(TUESDAY, 18),
                  actor=world.member.user, now=NOW)

    response = client.post(ADD_BOOKING, booking_form(world.office, member=world.member.pk))

    assert response.status_code == 200
    errors = response.context["adminform"].form.non_field_errors()
    assert errors == [
        "Déjà réservé : Bureau fermé est pris sur ce créneau. Alternatives libres les plus "
        "proches : Bureau fermé – mercredi 25 novembre 2026, matin (09:00–13:00) ; Bureau "
        "fermé – mercredi 25 novembre 2026, après-midi (13:00–18:00) ; Bureau fermé – jeudi 26 "
        "novembre 2026, matin (09:00–13:00)."]
    assert Booking.objects.count() == 1
    assert AuditLog.objects.filter(action="booking.created").count() == 1


def test_other_refusals_are_form_errors_too(client, world, operator):
    response = client.post(ADD_BOOKING, booking_form(world.office, day="2026-11-28"))
    assert response.context["adminform"].form.non_field_errors() == [
        "Autrans est fermé ce jour-là."]
    response = client.post(ADD_BOOKING, booking_form(world.office))
    assert response.context["adminform"].form.non_field_errors() == [
        "Indiquez un membre ou l'e-mail de la personne."]
    assert not Booking.objects.exists()


def test_bookings_cannot_be_edited_or_deleted_in_the_admin(client, world, operator):
    booking = book_resource(world.member, world.office, start=local(TUESDAY, 9),
                            end=local(TUESDAY, 13), actor=world.member.user, now=NOW)
    url = f"/admin/bookings/booking/{booking.pk}/change/"
    page = client.get(url)
    assert page.status_code == 200
    assert page.context["adminform"].readonly_fields  # shown, not editable
    assert not page.context["has_change_permission"]
    response = client.post(url, {"resource": world.desks.pk, "seats": 1})
    assert response.status_code == 403
    assert client.post(f"/admin/bookings/booking/{booking.pk}/delete/",
                       {"post": "yes"}).status_code == 403
    booking.refresh_from_db()
    assert (booking.resource, booking.status) == (world.office, BookingStatus.CONFIRMED)


def test_admin_action_cancels_through_the_service(client, world, operator):
    booking = book_resource(world.member, world.office, start=local(dt.date(2026, 11, 23), 9),
                            end=local(dt.date(2026, 11, 23), 13), actor=world.member.user,
                            now=NOW)  # a member could no longer cancel it (deadline 07:00)
    response = client.post("/admin/bookings/booking/", {
        "action": "cancel_selected", "_selected_action": [booking.pk]})
    assert response.status_code == 302
    booking.refresh_from_db()
    assert (booking.status, booking.cancelled_by) == (BookingStatus.CANCELLED, operator)
    audit = AuditLog.objects.get(action="booking.cancelled")
    assert audit.data == {"by_staff": True, "reason": "admin"}


def test_audit_log_is_read_only(client, world, operator):
    entry = AuditLog.objects.create(network=world.network, action="x", target_type="t",
                                    target_id="1")
    assert client.get("/admin/core/auditlog/add/").status_code == 403
    assert client.post(f"/admin/core/auditlog/{entry.pk}/change/",
                       {"action": "y"}).status_code == 403
    assert client.post(f"/admin/core/auditlog/{entry.pk}/delete/",
                       {"post": "yes"}).status_code == 403
    entry.refresh_from_db()
    assert entry.action == "x"


def test_admin_block_goes_through_the_service_and_is_audited(client, world, operator):
    response = client.post("/admin/places/resourceblock/add/", {
        "resource": world.room.pk, "start_0": "2026-11-24", "start_1": "10:00",
        "end_0": "2026-11-24", "end_1": "12:00", "reason": "entretien"})
    assert response.status_code == 302
    block = ResourceBlock.objects.get()
    assert (block.network, block.created_by) == (world.network, operator)
    assert AuditLog.objects.filter(action="resource.blocked").count() == 1
    client.post(f"/admin/places/resourceblock/{block.pk}/delete/", {"post": "yes"})
    assert not ResourceBlock.objects.exists()
    assert AuditLog.objects.filter(action="resource.unblocked").count() == 1


def test_admin_resource_is_created_through_the_service(client, world, operator):
    response = client.post("/admin/places/resource/add/", {
        "site": world.site.pk, "name": "Cabine", "kind": "phone_booth", "description": "",
        "seats": "3", "capacity": "1", "booking_unit": "hour", "min_duration_minutes": "0",
        "max_duration_minutes": "", "min_notice_minutes": "0", "max_advance_days": "90",
        "cancellation_deadline_minutes": "120", "is_active": "on"})
    assert response.status_code == 200  # only an open space has several seats
    assert response.context["adminform"].form.errors["seats"] == [
        "Seul un espace partagé (open space) compte plusieurs places : « cabine téléphonique » "
        "se réserve en entier, avec 1 place. Indiquez le nombre de personnes accueillies dans "
        "« capacité »."]
    assert not world.site.resources.filter(name="Cabine").exists()


def test_admin_site_is_created_through_the_service(client, world, operator):
    data = {"network": world.network.pk, "slug": "lans", "name": "Lans-en-Vercors",
            "description": "", "address": "Place de la Mairie", "postcode": "38250",
            "city": "Lans-en-Vercors", "insee_code": "3820", "half_day_split": "13:00",
            "is_active": "on"}
    response = client.post("/admin/places/site/add/", data)
    assert response.context["adminform"].form.errors["insee_code"] == [
        "Le code INSEE d'une commune compte 5 caractères (ex. 38548)."]
    response = client.post("/admin/places/site/add/", {**data, "insee_code": "38205"})
    assert response.status_code == 302
    site = world.network.sites.get(slug="lans")
    assert AuditLog.objects.get(action="site.created").target_id == str(site.pk)


def test_admin_adds_a_member_and_grants_a_role_through_the_services(client, world, operator):
    user = world.outsider
    response = client.post("/admin/members/member/add/", {
        "user": user.pk, "network": world.network.pk, "status": "freelancer",
        "organisation": "", "employer_name": "", "home_commune": "Autrans",
        "home_insee": "38021", "phone": ""})
    assert response.status_code == 302
    member = user.memberships.get()
    assert (member.network, member.status, member.home_commune) == (
        world.network, "freelancer", "Autrans")
    assert AuditLog.objects.get(action="member.joined").actor == operator

    response = client.post("/admin/members/role/add/", {
        "member": member.pk, "kind": "concierge", "site": world.site_b.pk})
    assert response.context["adminform"].form.non_field_errors() == [
        "Ce lieu n'appartient pas au réseau."]
    response = client.post("/admin/members/role/add/", {
        "member": member.pk, "kind": "concierge", "site": world.site.pk})
    assert response.status_code == 302
    assert AuditLog.objects.filter(action="role.granted").count() == 1


def test_every_changelist_and_add_page_loads(client, world, operator):
    book_resource(world.member, world.desks, start=local(TUESDAY, 9), end=local(TUESDAY, 13),
                  actor=world.member.user, now=NOW)
    ApiToken.issue(world.member.user, "agenda")
    request = RequestFactory().get("/admin/")
    request.user = operator
    for model, model_admin in admin.site._registry.items():
        opts = model._meta
        url = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        assert client.get(url).status_code == 200, url
        assert client.get(url, {"q": "vercors"}).status_code == 200, url
        if model_admin.has_add_permission(request):
            add = reverse(f"admin:{opts.app_label}_{opts.model_name}_add")
            assert client.get(add).status_code == 200, add
        first = model.objects.first()
        if first is not None:
            change = reverse(f"admin:{opts.app_label}_{opts.model_name}_change",
                             args=[first.pk])
            assert client.get(change).status_code == 200, change


def test_admin_is_for_superusers_only(client, world):
    client.force_login(world.coordinator.user)
    response = client.get("/admin/bookings/booking/")
    assert response.status_code == 302
