"""A walk-in at the kiosk gets a day pass billed through billing when the network sells one
(billing/services/walkin.py): member matched or created, PassPurchase for today at the site,
invoice issued to pay on site, shown on the front desk until the concierge records the payment.
Without a day pass in the catalogue the kiosk bills nothing (pinned clock: Monday 08:00)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from access.models import PresenceEvent, Visit
from access.services import create_kiosk
from billing.models import Invoice, Pass, PassPurchase
from billing.services.payments import record_payment
from core.models import AuditLog
from members.models import Member, User

TODAY = dt.date(2026, 11, 23)


@pytest.fixture
def identity(world):
    n = world.network
    n.legal_name, n.legal_form = "Association Tiers-lieux du Plateau", "association loi 1901"
    n.siren, n.siret = "123456789", "12345678900018"
    n.address, n.postcode, n.city = "1 place de la Mairie", "38880", "Autrans"
    n.save()
    return world


@pytest.fixture
def day_pass(identity):
    Pass.objects.create(network=identity.network, name="Pass semaine", duration="week",
                        price=Decimal("40.00"))
    Pass.objects.create(network=identity.network, name="Pass journée ancien", duration="day",
                        price=Decimal("5.00"), is_active=False)
    return Pass.objects.create(network=identity.network, name="Pass journée", duration="day",
                               price=Decimal("12.00"))


@pytest.fixture
def kiosk(world):
    _kiosk, token = create_kiosk(world.site, actor=None)
    return f"/kiosque/{token}/"


def _walk_in(client, path, email="sacha@example.org", **extra):
    return client.post(path, {
        "action": "walk_in", "visit-name": "Sacha Petit", "visit-email": email,
        "visit-status": "freelancer", "visit-home_commune": "Méaudre",
        "visit-consent": "on", **extra}, follow=True)


def _desk(client, world):
    client.force_login(world.concierge.user)
    return client.get(reverse("access_front_desk", args=[world.network.slug])).content.decode()


def test_walk_in_becomes_a_member_with_a_day_pass_to_pay_on_site(client, world, day_pass,
                                                                 kiosk, frozen):
    page = _walk_in(client, kiosk).content.decode()
    assert "Bienvenue Sacha Petit ! Votre Pass journée (12,00 €) est à régler à l&#x27;accueil." \
        in page
    visit = Visit.objects.get()
    member = Member.objects.get(network=world.network, user__email="sacha@example.org")
    assert (member.status, member.home_commune, member.user.first_name,
            member.user.last_name, member.user.has_usable_password()) == (
        "freelancer", "Méaudre", "Sacha", "Petit", False)
    purchase = PassPurchase.objects.get()
    assert (purchase.member, purchase.site, purchase.pass_product, purchase.valid_from,
            purchase.valid_until, purchase.price) == (
        member, world.site, day_pass, TODAY, TODAY, Decimal("12.00"))
    invoice = purchase.invoice
    assert (invoice.status, invoice.buyer_member, invoice.issue_date, invoice.total_gross) == (
        "issued", member, TODAY, Decimal("12.00"))
    assert invoice.lines.get().label == "Pass journée – Autrans – 23/11/2026 (à régler sur place)"
    assert (visit.member, visit.day_pass) == (member, purchase)
    assert PresenceEvent.objects.get().member == member  # counted as this member from now on

    desk = _desk(client, world)
    assert "à régler : 12,00 €" in desk
    pay_url = reverse("billing_payment_form", args=[world.network.slug, invoice.pk])
    assert pay_url in desk and f"encaisser (facture {invoice.number})" in desk
    record_payment(invoice, amount="12.00", method="cash", received_on=TODAY,
                   actor=world.concierge.user, now=frozen)
    desk = _desk(client, world)
    assert "payé (12,00 €)" in desk and "à régler" not in desk


def test_walk_in_is_matched_to_the_member_with_that_email(client, world, day_pass, kiosk,
                                                           frozen):
    users_before = User.objects.count()
    _walk_in(client, kiosk, email="Membre@Example.org")
    assert User.objects.count() == users_before
    purchase = PassPurchase.objects.get()
    assert purchase.member == world.member
    world.member.refresh_from_db()
    assert world.member.status == "freelancer"  # what they declared today
    # Registering again the same day bills nothing more.
    _walk_in(client, kiosk, email="membre@example.org")
    assert PassPurchase.objects.count() == 1 and Invoice.objects.count() == 1
    assert [v.day_pass for v in Visit.objects.all()] == [purchase, purchase]


def test_without_a_day_pass_the_kiosk_bills_nothing(client, world, identity, kiosk, frozen):
    Pass.objects.create(network=world.network, name="Pass semaine", duration="week",
                        price=Decimal("40.00"))
    members_before = Member.objects.count()
    page = _walk_in(client, kiosk).content.decode()
    assert "Bienvenue Sacha Petit ! L&#x27;accueil est prévenu de votre arrivée." in page
    visit = Visit.objects.get()
    assert (visit.member, visit.day_pass) == (None, None)
    assert Member.objects.count() == members_before
    assert PassPurchase.objects.count() == 0 and Invoice.objects.count() == 0
    desk = _desk(client, world)
    assert "Sacha Petit" in desk and "à régler" not in desk


def test_a_pass_of_another_network_is_not_sold_here(client, world, kiosk, identity, frozen):
    Pass.objects.create(network=world.network_b, name="Pass journée Gers", duration="day",
                        price=Decimal("9.00"))
    _walk_in(client, kiosk)
    assert PassPurchase.objects.count() == 0 and Visit.objects.get().day_pass is None


def test_an_invoice_that_cannot_be_issued_does_not_block_the_kiosk(client, world, kiosk,
                                                                   frozen):
    Pass.objects.create(network=world.network, name="Pass journée", duration="day",
                        price=Decimal("12.00"))  # but the network's legal identity is missing
    page = _walk_in(client, kiosk).content.decode()
    assert "L&#x27;accueil est prévenu de votre arrivée." in page
    assert Visit.objects.get().day_pass is None
    assert PassPurchase.objects.count() == 0 and Invoice.objects.count() == 0
    assert not Member.objects.filter(user__email="sacha@example.org").exists()
    log = AuditLog.objects.get(action="billing.walk_in_day_pass_failed")
    assert "Identité du réseau incomplète" in log.data["reason"]


def test_other_networks_staff_cannot_collect_the_pass(client, world, day_pass, kiosk, frozen):
    _walk_in(client, kiosk)
    invoice = PassPurchase.objects.get().invoice
    client.force_login(world.concierge_b.user)
    assert client.get(reverse("billing_payment_form",
                              args=[world.network.slug, invoice.pk])).status_code == 404
    page = client.get(reverse("access_front_desk", args=[world.network_b.slug])).content
    assert b"Sacha Petit" not in page
