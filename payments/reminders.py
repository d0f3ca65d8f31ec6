"""Reminders for unpaid invoices, N days after their due date (steps per network).

An invoice gets the reminder of step N once it is still owing more than N days after its due
date — the same "unpaid beyond a grace period" rule as `billing.selectors.unpaid_invoices`,
which door access uses. Only the highest step reached is sent (an invoice already 40 days late
when reminders are switched on gets the 30-day reminder, not the 7-day one too), never twice
for the same invoice and step (unique `Reminder` row), and never a lower step after a higher
one. The e-mail is queued after the transaction that stores the row commits (core/mail.py).
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from billing.selectors import unpaid_invoices
from payments.models import Reminder
from payments.providers.base import get_provider
from payments.sepa import active_mandate_of
from places.models import Network

log = logging.getLogger(__name__)


def reminder_steps(network) -> list[int]:
    from payments.models import PaymentSettings

    row = PaymentSettings.objects.filter(network=network).first()
    days = row.reminder_days if row is not None else PaymentSettings._meta.get_field(
        "reminder_days").get_default()
    return sorted({int(d) for d in days or [] if int(d) > 0})


def _recipient(invoice) -> str:
    if invoice.buyer_member_id:
        return invoice.buyer_member.user.email
    return invoice.buyer_organisation.billing_email


def send_reminders(now, *, network=None) -> list[Reminder]:
    networks = [network] if network is not None else Network.objects.all()
    sent = []
    for net in networks:
        sent.extend(_send_for(net, now))
    return sent


def _send_for(network, now) -> list[Reminder]:
    steps = reminder_steps(network)
    if not steps:
        return []
    today = now.astimezone(network.tz).date()
    invoices = list(unpaid_invoices(network, today=today, grace_days=steps[0]).select_related(
        "buyer_member__user", "buyer_organisation", "network"))
    done: dict[int, int] = {}
    for invoice_id, step in Reminder.objects.filter(
            invoice__in=[i.pk for i in invoices]).values_list("invoice_id", "step_days"):
        done[invoice_id] = max(step, done.get(invoice_id, 0))
    provider = get_provider()
    sent = []
    for invoice in invoices:
        late = (today - invoice.due_date).days
        step = max(s for s in steps if late > s)
        if done.get(invoice.pk, 0) >= step:
            continue
        recipient = _recipient(invoice)
        if not recipient:
            log.warning("no e-mail address to remind invoice %s", invoice.number)
            continue
        try:
            with transaction.atomic():
                reminder = Reminder.objects.create(
                    network=network, invoice=invoice, step_days=step,
                    amount_due=invoice.balance, recipient=recipient, sent_at=now)
                _email(invoice, reminder, provider=provider, late=late).send()
        except IntegrityError:
            continue  # another run sent this step meanwhile
        sent.append(reminder)
    return sent


def _email(invoice, reminder, *, provider, late) -> EmailMessage:
    network = invoice.network
    site = settings.SITE_URL.rstrip("/")
    online_url = ""
    if provider is not None and invoice.buyer_member_id:
        online_url = site + reverse("billing_my_invoices", args=[network.slug])
    mandate = active_mandate_of(member=invoice.buyer_member,
                                organisation=invoice.buyer_organisation
                                if not invoice.buyer_member_id else None)
    from payments.models import PaymentSettings

    creditor = PaymentSettings.objects.filter(network=network).first()
    with translation.override(settings.LANGUAGE_CODE):
        body = render_to_string("payments/email/reminder.txt", {
            "invoice": invoice, "network": network, "amount": invoice.balance, "late": late,
            "online_url": online_url, "mandate": mandate,
            "transfer_iban": creditor.creditor_iban if creditor else "",
        })
        subject = _("Relance : facture %(number)s impayée") % {"number": invoice.number}
    return EmailMessage(subject=f"{subject} – {network.name}", body=body, to=[reminder.recipient])
