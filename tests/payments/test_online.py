import json
import logging
import time
from decimal import Decimal

import pytest

from billing.models import Payment, PaymentMethod
from billing.selectors import balance_of
from billing.services.payments import record_payment
from payments.models import CheckoutSession, CheckoutStatus, ProviderEvent
from tests.conftest import NOW
from tests.payments.conftest import due_invoice

WEBHOOK = "/paiements/webhooks/stripe/"


@pytest.fixture(autouse=True)
def fixed_now(monkeypatch):
    """Our server's "now" is the suite's NOW; the provider's signature timestamps stay real
    time, as Stripe's would be."""
    from django.utils import timezone

    monkeypatch.setattr(timezone, "now", lambda: NOW)


def pay_url(world, invoice):
    return f"/r/{world.network.slug}/factures/{invoice.pk}/payer-en-ligne/"


def start(client, world, invoice):
    client.force_login(world.member.user)
    response = client.post(pay_url(world, invoice))
    assert response.status_code == 302
    return response["Location"], CheckoutSession.objects.filter(invoice=invoice).latest("pk")


def deliver(client, stripe, event_id, event_type, sid, **kw):
    body, signature = stripe.event(event_id, event_type, sid, **kw)
    return client.post(WEBHOOK, body, content_type="application/json",
                       HTTP_STRIPE_SIGNATURE=signature)


def test_member_is_sent_to_the_provider_and_the_return_page_marks_nothing_paid(
        client, billed, stripe):
    w = billed
    invoice = due_invoice(w, member=w.member, amount="100.00")
    record_payment(invoice, amount="20.00", method=PaymentMethod.CASH, received_on=NOW.date(),
                   actor=w.concierge.user, now=NOW)
    location, checkout = start(client, w, invoice)
    assert location == f"https://pay.example/{checkout.session_id}"
    [(method, path, headers, form)] = stripe.requests
    assert (method, path) == ("POST", "/v1/checkout/sessions")
    assert headers["Idempotency-Key"] == f"maillage-checkout-{checkout.pk}"
    assert form["line_items[0][price_data][unit_amount]"] == "8000"  # what remains: 80 €
    assert form["line_items[0][price_data][currency]"] == "eur"
    assert form["metadata[reference]"] == str(checkout.pk)
    assert form["customer_email"] == "membre@example.org"
    assert (checkout.amount, checkout.status) == (Decimal("80.00"), CheckoutStatus.OPEN)

    stripe.pay(checkout.session_id)  # paid at Stripe, but no webhook yet
    response = client.get(form["success_url"].removeprefix("http://127.0.0.1:8000"))
    assert response.status_code == 200
    assert "dès que le prestataire de paiement nous l'aura confirmé" in response.content.decode()
    assert not Payment.objects.filter(invoice=invoice, method="online").exists()
    assert balance_of(invoice) == Decimal("80.00")


def test_signed_webhook_records_the_payment_once_even_when_replayed(client, billed, stripe):
    w = billed
    invoice = due_invoice(w, member=w.member, amount="100.00")
    _location, checkout = start(client, w, invoice)
    stripe.pay(checkout.session_id)
    client.logout()  # the provider is anonymous
    response = deliver(client, stripe, "evt_1", "checkout.session.completed",
                       checkout.session_id)
    assert response.status_code == 200 and response.content == b"recorded\n"
    payment = Payment.objects.get(invoice=invoice)
    assert (payment.method, payment.amount, payment.recorded_by, payment.received_on) == (
        "online", Decimal("100.00"), None, NOW.date())
    assert payment.reference == f"stripe pi_{checkout.session_id[8:]}"
    checkout.refresh_from_db()
    assert (checkout.status, checkout.payment) == (CheckoutStatus.PAID, payment)

    # Replay of the same event, then another event about the same session.
    assert deliver(client, stripe, "evt_1", "checkout.session.completed",
                   checkout.session_id).status_code == 200
    response = deliver(client, stripe, "evt_2", "checkout.session.async_payment_succeeded",
                       checkout.session_id)
    assert response.content == b"no_change\n"
    assert Payment.objects.filter(invoice=invoice).count() == 1
    assert ProviderEvent.objects.count() == 2
    assert balance_of(invoice) == 0


def test_bad_or_stale_signature_is_refused_with_400_and_nothing_is_stored(
        client, billed, stripe):
    w = billed
    invoice = due_invoice(w, member=w.member)
    _location, checkout = start(client, w, invoice)
    stripe.pay(checkout.session_id)
    assert deliver(client, stripe, "evt_1", "checkout.session.completed", checkout.session_id,
                   secret="whsec_wrong").status_code == 400
    assert deliver(client, stripe, "evt_1", "checkout.session.completed", checkout.session_id,
                   timestamp=int(time.time()) - 3600).status_code == 400
    body, signature = stripe.event("evt_1", "checkout.session.completed", checkout.session_id)
    tampered = body.replace(b"evt_1", b"evt_9")
    assert client.post(WEBHOOK, tampered, content_type="application/json",
                       HTTP_STRIPE_SIGNATURE=signature).status_code == 400
    assert client.post(WEBHOOK, body, content_type="application/json").status_code == 400
    assert ProviderEvent.objects.count() == 0 and not Payment.objects.exists()


def test_unknown_event_is_stored_and_ignored(client, billed, stripe):
    body = json.dumps({"id": "evt_x", "type": "customer.created",
                       "data": {"object": {"id": "cus_1", "object": "customer"}}}).encode()
    from payments.providers.stripe import sign

    response = client.post(WEBHOOK, body, content_type="application/json",
                           HTTP_STRIPE_SIGNATURE=sign("whsec_maillage", body, int(time.time())))
    assert response.status_code == 200 and response.content == b"ignored\n"
    assert ProviderEvent.objects.get().outcome == "ignored"
    assert not Payment.objects.exists()


def test_payment_succeeding_after_the_expiry_event_is_recorded(client, billed, stripe):
    """Out of order: our server decides on the session's state fetched from the provider,
    not on the event type. An expiry seen first closes the session; a later confirmation that
    the money was taken still records it (the money is there)."""
    w = billed
    invoice = due_invoice(w, member=w.member)
    _location, checkout = start(client, w, invoice)
    stripe.expire(checkout.session_id)
    assert deliver(client, stripe, "evt_exp", "checkout.session.expired",
                   checkout.session_id).content == b"updated\n"
    checkout.refresh_from_db()
    assert checkout.status == CheckoutStatus.EXPIRED
    stripe.pay(checkout.session_id)
    assert deliver(client, stripe, "evt_ok", "checkout.session.async_payment_succeeded",
                   checkout.session_id).content == b"recorded\n"
    checkout.refresh_from_db()
    assert checkout.status == CheckoutStatus.PAID
    assert Payment.objects.filter(invoice=invoice).count() == 1


def test_expiry_event_after_the_payment_changes_nothing(client, billed, stripe):
    w = billed
    invoice = due_invoice(w, member=w.member)
    _location, checkout = start(client, w, invoice)
    stripe.pay(checkout.session_id)
    deliver(client, stripe, "evt_ok", "checkout.session.completed", checkout.session_id)
    assert deliver(client, stripe, "evt_exp", "checkout.session.expired",
                   checkout.session_id).content == b"no_change\n"
    checkout.refresh_from_db()
    assert checkout.status == CheckoutStatus.PAID
    assert Payment.objects.filter(invoice=invoice).count() == 1


def test_an_event_claiming_paid_is_checked_against_the_provider(client, billed, stripe):
    """The event body says "paid", the provider's API says unpaid: nothing is recorded."""
    w = billed
    invoice = due_invoice(w, member=w.member)
    _location, checkout = start(client, w, invoice)
    stripe.sessions[checkout.session_id]["payment_status"] = "paid"
    body, signature = stripe.event("evt_1", "checkout.session.completed", checkout.session_id)
    stripe.sessions[checkout.session_id]["payment_status"] = "unpaid"
    response = client.post(WEBHOOK, body, content_type="application/json",
                           HTTP_STRIPE_SIGNATURE=signature)
    assert response.content == b"no_change\n"
    assert not Payment.objects.exists()


def test_amount_mismatch_is_refused_and_logged(client, billed, stripe, caplog):
    w = billed
    invoice = due_invoice(w, member=w.member, amount="100.00")
    _location, checkout = start(client, w, invoice)
    stripe.pay(checkout.session_id, amount_total=100)  # 1 € instead of 100 €
    with caplog.at_level(logging.ERROR, logger="payments.online"):
        response = deliver(client, stripe, "evt_1", "checkout.session.completed",
                           checkout.session_id)
    assert response.status_code == 200 and response.content == b"refused\n"
    assert "amount mismatch" in ProviderEvent.objects.get().detail
    assert any("refused" in r.getMessage() for r in caplog.records)
    checkout.refresh_from_db()
    assert checkout.status == CheckoutStatus.REFUSED
    assert not Payment.objects.exists()


def test_money_taken_for_an_invoice_paid_meanwhile_is_refused_and_logged(
        client, billed, stripe, caplog):
    w = billed
    invoice = due_invoice(w, member=w.member, amount="100.00")
    _location, checkout = start(client, w, invoice)
    record_payment(invoice, amount="100.00", method=PaymentMethod.CHEQUE, reference="n° 12",
                   received_on=NOW.date(), actor=w.concierge.user, now=NOW)
    stripe.pay(checkout.session_id)
    with caplog.at_level(logging.ERROR, logger="payments.online"):
        response = deliver(client, stripe, "evt_1", "checkout.session.completed",
                           checkout.session_id)
    assert response.content == b"refused\n"
    assert ProviderEvent.objects.get().detail == "billing refused: overpaid"
    assert Payment.objects.filter(invoice=invoice).count() == 1  # the cheque only
    assert any(invoice.number in r.getMessage() for r in caplog.records)


def test_provider_down_gives_503_so_that_it_retries(client, billed, stripe, settings):
    w = billed
    invoice = due_invoice(w, member=w.member)
    _location, checkout = start(client, w, invoice)
    stripe.pay(checkout.session_id)
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"  # nothing listens there
    assert deliver(client, stripe, "evt_1", "checkout.session.completed",
                   checkout.session_id).status_code == 503
    assert not ProviderEvent.objects.exists()


# --- Who may do what --------------------------------------------------------------------------
def test_a_member_cannot_pay_someone_elses_invoice_and_get_is_refused(client, billed, stripe):
    from tests import factories as f

    w = billed
    other = f.make_member(w.network, f.make_user("autre@example.org"))
    invoice = due_invoice(w, member=other)
    client.force_login(w.member.user)
    assert client.post(pay_url(w, invoice)).status_code == 404
    client.force_login(other.user)
    assert client.get(pay_url(w, invoice)).status_code == 405
    client.force_login(w.concierge_b.user)
    assert client.post(pay_url(w, invoice)).status_code == 404
    assert client.get(f"/r/{w.network.slug}/paiements/retour/").status_code == 404
    assert not CheckoutSession.objects.exists() and stripe.requests == []


def test_paid_invoice_cannot_be_paid_online(client, billed, stripe):
    w = billed
    invoice = due_invoice(w, member=w.member, amount="10.00")
    record_payment(invoice, amount="10.00", method=PaymentMethod.CASH, received_on=NOW.date(),
                   actor=w.concierge.user, now=NOW)
    client.force_login(w.member.user)
    response = client.post(pay_url(w, invoice), follow=True)
    assert "Cette facture est déjà réglée." in response.content.decode()
    assert stripe.requests == []


def test_without_a_configured_provider_there_is_no_online_payment(client, billed, settings):
    settings.STRIPE_SECRET_KEY = ""
    w = billed
    invoice = due_invoice(w, member=w.member)
    client.force_login(w.member.user)
    assert client.post(pay_url(w, invoice)).status_code == 404
    assert client.post(WEBHOOK, b"{}", content_type="application/json").status_code == 404


@pytest.mark.parametrize("persona", ["member", "outsider"])
def test_return_page_shows_only_ones_own_checkout(client, billed, stripe, persona):
    from tests import factories as f

    w = billed
    invoice = due_invoice(w, member=w.member)
    _location, checkout = start(client, w, invoice)
    stripe.pay(checkout.session_id)
    deliver(client, stripe, "evt_1", "checkout.session.completed", checkout.session_id)
    if persona == "member":
        client.force_login(w.member.user)
        response = client.get(f"/r/{w.network.slug}/paiements/retour/?paiement={checkout.pk}")
        assert response.status_code == 200
        assert f"votre paiement de la facture {invoice.number} est enregistré" in (
            response.content.decode())
    else:
        other = f.make_member(w.network, f.make_user("autre@example.org"))
        client.force_login(other.user)
        response = client.get(f"/r/{w.network.slug}/paiements/retour/?paiement={checkout.pk}")
        assert response.status_code == 200
        assert invoice.number not in response.content.decode()


def test_same_event_delivered_twice_at_once_is_applied_once(client, billed, stripe,
                                                            monkeypatch):
    """Two deliveries of one event race: the second to insert its ProviderEvent row hits the
    unique (provider, event_id) constraint and changes nothing. The race is staged
    deterministically: the other delivery commits while this one asks the provider."""
    from django.test import Client

    from payments.providers.stripe import StripeProvider

    w = billed
    invoice = due_invoice(w, member=w.member)
    _location, checkout = start(client, w, invoice)
    stripe.pay(checkout.session_id)
    body, signature = stripe.event("evt_race", "checkout.session.completed",
                                   checkout.session_id)
    real_fetch = StripeProvider.fetch_session

    def fetch_while_the_other_delivery_wins(self, session_id):
        state = real_fetch(self, session_id)
        monkeypatch.setattr(StripeProvider, "fetch_session", real_fetch)
        other = Client()
        assert other.post(WEBHOOK, body, content_type="application/json",
                          HTTP_STRIPE_SIGNATURE=signature).content == b"recorded\n"
        return state

    monkeypatch.setattr(StripeProvider, "fetch_session", fetch_while_the_other_delivery_wins)
    response = client.post(WEBHOOK, body, content_type="application/json",
                           HTTP_STRIPE_SIGNATURE=signature)
    assert response.status_code == 200 and response.content == b"recorded\n"  # the winner's
    assert ProviderEvent.objects.filter(event_id="evt_race").count() == 1
    assert Payment.objects.filter(invoice=invoice).count() == 1


def test_refused_online_payments_are_listed_for_the_coordinator_only(client, billed, stripe):
    w = billed
    invoice = due_invoice(w, member=w.member, amount="100.00")
    _location, checkout = start(client, w, invoice)
    stripe.pay(checkout.session_id, amount_total=100)
    deliver(client, stripe, "evt_1", "checkout.session.completed", checkout.session_id)
    client.force_login(w.coordinator.user)
    page = client.get(f"/r/{w.network.slug}/gestion/paiements/").content.decode()
    assert "encaissés mais refusés" in page and invoice.number in page
    assert "amount mismatch: 1.00 EUR" in page
    client.force_login(w.concierge_b.user)
    assert client.get(f"/r/{w.network.slug}/gestion/paiements/").status_code == 404


def test_the_button_on_the_invoices_page_posts_with_its_csrf_token(billed, stripe):
    import re

    from django.test import Client

    w = billed
    invoice = due_invoice(w, member=w.member)
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(w.member.user)
    page = browser.get(f"/r/{w.network.slug}/factures/").content.decode()
    form = re.search(r'<form method="post" action="([^"]+payer-en-ligne/)" class="inline">'
                     r'<input type="hidden" name="csrfmiddlewaretoken" value="([^"]+)">', page)
    assert form and form.group(1) == pay_url(w, invoice)
    assert browser.post(pay_url(w, invoice)).status_code == 403  # without the token
    response = browser.post(form.group(1), {"csrfmiddlewaretoken": form.group(2)})
    assert response.status_code == 302 and response["Location"].startswith("https://pay.example/")
