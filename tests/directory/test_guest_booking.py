import datetime as dt
import re

import pytest
from django.core import mail
from django.urls import reverse

from bookings.models import Booking, BookingStatus
from bookings.services import book_resource
from directory import services
from directory.models import GuestBookingRequest, GuestRequestStatus
from members.models import Member
from tests import factories as f
from tests.conftest import NOW, local

TUESDAY = dt.date(2026, 11, 24)


def place_url(world, site=None):
    site = site or world.site
    return reverse("directory_place", args=[site.network.slug, site.slug])


def ask(client, world, *, email="invitee@example.org", day=TUESDAY, slot="morning",
        resource=None, **extra):
    return client.post(place_url(world), {
        "resource": (resource or world.desks).pk, "date": day.isoformat(), "slot": slot,
        "name": "Alex Invité", "email": email}, **extra)


def link_of(message) -> str:
    return re.search(r"http://\S+/lieux/confirmation/\S+/", message.body).group(0)


def path_of(url: str) -> str:
    return "/" + url.split("/", 3)[3]


def test_place_page_shows_what_a_visitor_needs(client, world, communes, frozen):
    world.site.description = "Un plateau lumineux au-dessus de la mairie."
    world.site.has_visio = True
    world.site.save()
    from places.models import OpeningException

    OpeningException.objects.create(network=world.network, site=world.site,
                                    start_date=dt.date(2026, 12, 24),
                                    end_date=dt.date(2026, 12, 26), reason="Noël")
    response = client.get(place_url(world))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Un plateau lumineux" in body and "visioconférence" in body
    assert "09:00–18:00" in body and "Noël" in body and "du 24/12/2026 au 26/12/2026" in body
    assert "Réserver un poste" in body
    # Desks and the office book by the half-day; the hourly meeting room is not offered.
    offered = [name for _, name in response.context["form"].fields["resource"].choices]
    assert offered == ["Open space Autrans", "Bureau fermé"]


def test_guest_books_only_after_confirming_the_link(client, world, frozen,
                                                    django_capture_on_commit_callbacks):
    response = ask(client, world)
    assert "Demande enregistrée" in response.content.decode()
    request = GuestBookingRequest.objects.get()
    assert (request.status, request.guest_email, request.start, request.end) == (
        "pending", "invitee@example.org", local(TUESDAY, 9), local(TUESDAY, 13))
    assert Booking.objects.count() == 0  # nothing held before the confirmation
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["invitee@example.org"]
    url = path_of(link_of(mail.outbox[0]))

    page = client.get(url)  # a mail scanner opening the link books nothing
    assert "Confirmer la réservation" in page.content.decode()
    assert Booking.objects.count() == 0

    with django_capture_on_commit_callbacks(execute=True):
        client.post(url)
    booking = Booking.objects.get()
    assert (booking.member, booking.guest_email, booking.guest_name, booking.source,
            booking.status, booking.resource, booking.start) == (
        None, "invitee@example.org", "Alex Invité", "web", BookingStatus.CONFIRMED,
        world.desks, local(TUESDAY, 9))
    request.refresh_from_db()
    assert request.status == "confirmed" and request.booking == booking
    assert "Réservation confirmée" in client.get(url).content.decode()
    assert mail.outbox[-1].subject.startswith("Réservation confirmée")


def test_a_replayed_link_changes_nothing(client, world, frozen):
    ask(client, world)
    url = path_of(link_of(mail.outbox[0]))
    client.post(url)
    before = (list(Booking.objects.values()), list(GuestBookingRequest.objects.values()),
              len(mail.outbox))
    client.post(url)
    client.post(url)
    after = (list(Booking.objects.values()), list(GuestBookingRequest.objects.values()),
             len(mail.outbox))
    assert after == before


def test_a_forged_or_garbled_token_is_404(client, world, frozen):
    ask(client, world)
    url = path_of(link_of(mail.outbox[0]))
    assert client.post(url.replace("/confirmation/", "/confirmation/x")).status_code == 404
    assert client.get(reverse("directory_guest_confirm", args=["1:abc"])).status_code == 404
    assert Booking.objects.count() == 0


def test_an_unconfirmed_request_expires(client, world, frozen, monkeypatch):
    ask(client, world)
    url = path_of(link_of(mail.outbox[0]))
    from django.utils import timezone

    monkeypatch.setattr(timezone, "now", lambda: NOW + dt.timedelta(hours=24, seconds=1))
    assert "Ce lien a expiré" in client.get(url).content.decode()
    client.post(url)
    assert Booking.objects.count() == 0
    assert GuestBookingRequest.objects.get().status == GuestRequestStatus.EXPIRED


def test_expire_guest_requests_marks_only_old_pending_ones(world):
    services.request_guest_booking(world.desks, start=local(TUESDAY, 9), end=local(TUESDAY, 13),
                                   guest_email="a@example.org", now=NOW)
    services.request_guest_booking(world.desks, start=local(TUESDAY, 9), end=local(TUESDAY, 13),
                                   guest_email="b@example.org", now=NOW + dt.timedelta(hours=5))
    assert services.expire_guest_requests(now=NOW + dt.timedelta(hours=25)) == 1
    assert sorted(GuestBookingRequest.objects.values_list("guest_email", "status")) == [
        ("a@example.org", "expired"), ("b@example.org", "pending")]


def test_slot_taken_before_confirmation_refuses_the_request(client, world, frozen):
    ask(client, world, resource=world.office)
    url = path_of(link_of(mail.outbox[0]))
    book_resource(world.member, world.office, start=local(TUESDAY, 9), end=local(TUESDAY, 13),
                  actor=world.member.user, now=NOW)
    client.post(url)
    request = GuestBookingRequest.objects.get()
    assert request.status == "refused" and "Déjà réservé" in request.refusal
    assert Booking.objects.filter(member=None).count() == 0
    assert "n'a pas pu être faite" in client.get(url).content.decode()


def test_full_or_closed_slots_are_refused_at_once(client, world, frozen):
    book_resource(world.member, world.office, start=local(TUESDAY, 9), end=local(TUESDAY, 13),
                  actor=world.member.user, now=NOW)
    response = ask(client, world, resource=world.office)
    assert "Complet" in response.content.decode()
    saturday = dt.date(2026, 11, 28)
    response = ask(client, world, day=saturday)
    assert "fermé ce jour-là" in response.content.decode()
    response = ask(client, world, day=dt.date(2026, 11, 20))  # last Friday
    assert "déjà passé" in response.content.decode()
    assert GuestBookingRequest.objects.count() == 0 and mail.outbox == []


def test_members_only_resources_are_not_offered_to_guests(client, world, frozen):
    world.desks.members_only = True
    world.desks.save()
    response = ask(client, world)
    assert response.context["form"].errors["resource"]
    assert GuestBookingRequest.objects.count() == 0
    with pytest.raises(Exception, match="sans compte"):
        services.request_guest_booking(world.desks, start=local(TUESDAY, 9),
                                       end=local(TUESDAY, 13), guest_email="x@example.org",
                                       now=NOW)


def test_rate_limit_per_email(client, world, frozen):
    for n in range(3):
        ask(client, world, email="Same@Example.org", REMOTE_ADDR=f"10.0.0.{n}")
    response = ask(client, world, email="same@example.org", REMOTE_ADDR="10.0.0.9")
    assert "Trop de demandes" in response.content.decode()
    assert GuestBookingRequest.objects.count() == 3 and len(mail.outbox) == 3


def test_rate_limit_per_ip(client, world, frozen, settings):
    settings.DIRECTORY_GUEST_LIMITS = {"per_ip": 2}
    for n in range(2):
        ask(client, world, email=f"p{n}@example.org", REMOTE_ADDR="10.1.1.1")
    assert "Trop de demandes" in ask(client, world, email="p9@example.org",
                                     REMOTE_ADDR="10.1.1.1").content.decode()
    assert "Demande enregistrée" in ask(client, world, email="p9@example.org",
                                        REMOTE_ADDR="10.1.1.2").content.decode()
    assert GuestBookingRequest.objects.count() == 3


def _guest_booking(world, email="invitee@example.org", resource=None, day=TUESDAY):
    request = services.request_guest_booking(resource or world.desks, start=local(day, 9),
                                             end=local(day, 13), guest_email=email, now=NOW)
    return services.confirm_guest_booking(request, now=NOW).booking


def test_signing_up_with_the_same_email_attaches_guest_bookings(world):
    booking = _guest_booking(world)
    other = _guest_booking(world, email="someone-else@example.org")
    user = f.make_user("Invitee@example.org")
    attached = services.attach_guest_bookings(user)
    assert [b.pk for b in attached] == [booking.pk]
    booking.refresh_from_db()
    member = Member.objects.get(user=user, network=world.network)
    assert booking.member == member and booking.guest_email == "invitee@example.org"
    other.refresh_from_db()
    assert other.member is None
    assert services.attach_guest_bookings(user) == []  # idempotent


def test_unverified_addresses_attach_nothing_and_closed_networks_keep_guests(world):
    booking = _guest_booking(world)
    from allauth.account.models import EmailAddress

    user = f.make_user("invitee@example.org")
    EmailAddress.objects.filter(user=user).update(verified=False)
    assert services.attach_guest_bookings(user) == []
    EmailAddress.objects.filter(user=user).update(verified=True)
    world.network.open_registration = False
    world.network.save()
    assert services.attach_guest_bookings(user) == []
    booking.refresh_from_db()
    assert booking.member is None and not Member.objects.filter(user=user).exists()


def test_the_sign_up_flow_attaches_bookings_when_the_address_is_confirmed(client, world):
    booking = _guest_booking(world)
    mail.outbox.clear()
    client.post("/comptes/signup/", {"email": "invitee@example.org",
                                     "password1": "motdepasse-solide-42",
                                     "password2": "motdepasse-solide-42"})
    booking.refresh_from_db()
    assert booking.member is None  # not before the address is proven
    link = re.search(r"http://\S+/comptes/confirm-email/\S+/", mail.outbox[-1].body).group(0)
    client.post(path_of(link))
    booking.refresh_from_db()
    assert booking.member is not None
    assert booking.member.user.email == "invitee@example.org"
    assert booking.member.network == world.network
