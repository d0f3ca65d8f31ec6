import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail
from django.core.management import call_command

from billing.models import PaymentMethod
from billing.services.payments import record_payment
from payments.models import PaymentSettings, Reminder
from payments.reminders import send_reminders
from tests import factories as f
from tests.conftest import PARIS
from tests.payments.conftest import due_invoice

ISSUED = dt.date(2026, 9, 1)   # due 1 October 2026 (30 days' terms)
DUE = dt.date(2026, 10, 1)


def at(day: dt.date):
    return dt.datetime(day.year, day.month, day.day, 7, 0, tzinfo=PARIS)


@pytest.fixture
def task_mail(settings):
    """E-mails through the project's task backend (the test runner swaps in locmem)."""
    settings.EMAIL_BACKEND = "core.mail.TaskEmailBackend"


def run(now, capture, **kw):
    with capture(execute=True):
        return send_reminders(now, **kw)


def test_reminder_is_sent_once_per_step_after_commit(billed, task_mail,
                                                     django_capture_on_commit_callbacks):
    w = billed
    invoice = due_invoice(w, member=w.member, amount="120.00", day=ISSUED)
    record_payment(invoice, amount="20.00", method=PaymentMethod.CASH, received_on=ISSUED,
                   actor=w.concierge.user, now=at(ISSUED))
    assert run(at(DUE + dt.timedelta(days=7)), django_capture_on_commit_callbacks) == []
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        [reminder] = send_reminders(at(DUE + dt.timedelta(days=8)))
    assert mail.outbox == [] and len(callbacks) == 1  # queued for after the commit
    callbacks[0]()
    [message] = mail.outbox
    assert (reminder.step_days, reminder.amount_due) == (7, Decimal("100.00"))
    assert message.to == ["membre@example.org"]
    assert message.subject == f"Relance : facture {invoice.number} impayée – Réseau Vercors"
    assert f"la facture {invoice.number}, échue le 1 octobre 2026" in message.body
    assert "il reste 100,00 € à payer" in message.body
    assert "Payer en ligne" not in message.body  # no provider configured

    assert run(at(DUE + dt.timedelta(days=9)), django_capture_on_commit_callbacks) == []
    assert run(at(DUE + dt.timedelta(days=30)), django_capture_on_commit_callbacks) == []
    [second] = run(at(DUE + dt.timedelta(days=31)), django_capture_on_commit_callbacks)
    assert second.step_days == 30
    assert run(at(DUE + dt.timedelta(days=60)), django_capture_on_commit_callbacks) == []
    assert len(mail.outbox) == 2
    assert list(Reminder.objects.order_by("step_days").values_list("step_days", flat=True)) == [
        7, 30]


def test_only_the_highest_step_reached_is_sent(billed, task_mail,
                                               django_capture_on_commit_callbacks):
    w = billed
    invoice = due_invoice(w, member=w.member, day=ISSUED)
    [reminder] = run(at(DUE + dt.timedelta(days=45)), django_capture_on_commit_callbacks)
    assert (reminder.invoice, reminder.step_days) == (invoice, 30)
    assert len(mail.outbox) == 1


def test_paid_invoices_and_networks_without_steps_get_no_reminder(
        billed, task_mail, django_capture_on_commit_callbacks):
    w = billed
    paid = due_invoice(w, member=w.member, amount="10.00", day=ISSUED)
    record_payment(paid, amount="10.00", method=PaymentMethod.TRANSFER, received_on=DUE,
                   actor=w.concierge.user, now=at(DUE))
    assert run(at(DUE + dt.timedelta(days=8)), django_capture_on_commit_callbacks) == []
    due_invoice(w, member=w.member, day=ISSUED)
    PaymentSettings.objects.update_or_create(network=w.network, defaults={"reminder_days": []})
    assert run(at(DUE + dt.timedelta(days=8)), django_capture_on_commit_callbacks) == []
    PaymentSettings.objects.filter(network=w.network).update(reminder_days=[3])
    assert [r.step_days for r in run(at(DUE + dt.timedelta(days=4)),
                                     django_capture_on_commit_callbacks)] == [3]
    assert mail.outbox and all(m.to == ["membre@example.org"] for m in mail.outbox)


def test_a_reversed_payment_brings_the_reminder_back(billed, task_mail,
                                                    django_capture_on_commit_callbacks):
    from billing.services.payments import reverse_payment

    w = billed
    invoice = due_invoice(w, member=w.member, amount="50.00", day=ISSUED)
    cheque = record_payment(invoice, amount="50.00", method=PaymentMethod.CHEQUE,
                            received_on=DUE, reference="Chèque 1234567, remise 42",
                            actor=w.concierge.user, now=at(DUE))
    assert run(at(DUE + dt.timedelta(days=8)), django_capture_on_commit_callbacks) == []
    reverse_payment(cheque, reason="cheque_bounced", reversed_on=DUE + dt.timedelta(days=8),
                    actor=w.concierge.user, now=at(DUE + dt.timedelta(days=8)))
    [reminder] = run(at(DUE + dt.timedelta(days=9)), django_capture_on_commit_callbacks)
    assert (reminder.invoice, reminder.amount_due) == (invoice, Decimal("50.00"))
    assert "il reste 50,00 € à payer" in mail.outbox[-1].body


def test_organisation_is_reminded_at_its_billing_address_with_the_payment_means(
        billed, task_mail, django_capture_on_commit_callbacks, stripe):
    w = billed
    w.organisation.billing_email = "compta@scierie.example"
    w.organisation.save()
    PaymentSettings.objects.update_or_create(network=w.network, defaults={
        "creditor_iban": "FR1420041010050500013M02606"})
    org_invoice = due_invoice(w, organisation=w.organisation, day=ISSUED)
    member_invoice = due_invoice(w, member=w.member, day=ISSUED)
    run(at(DUE + dt.timedelta(days=8)), django_capture_on_commit_callbacks)
    by_to = {m.to[0]: m for m in mail.outbox}
    org_mail = by_to["compta@scierie.example"]
    assert org_invoice.number in org_mail.body
    assert "FR1420041010050500013M02606" in org_mail.body
    assert "Payer en ligne" not in org_mail.body  # online payment is for members' own invoices
    member_mail = by_to["membre@example.org"]
    assert member_invoice.number in member_mail.body
    assert f"http://127.0.0.1:8000/r/{w.network.slug}/factures/" in member_mail.body


def test_reminders_stay_within_their_network(billed, task_mail,
                                             django_capture_on_commit_callbacks):
    w = billed
    due_invoice(w, member=w.member, day=ISSUED)
    assert run(at(DUE + dt.timedelta(days=8)), django_capture_on_commit_callbacks,
               network=w.network_b) == []
    assert mail.outbox == []


def test_command_runs_as_of_a_given_time_and_never_twice(billed, task_mail,
                                                         django_capture_on_commit_callbacks,
                                                         capsys):
    w = billed
    due_invoice(w, member=w.member, day=ISSUED)
    f.make_member(w.network, f.make_user("sans-facture@example.org"))
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_reminders", "--now", "2026-10-09T07:00:00+02:00",
                     "--network", w.network.slug)
        call_command("send_reminders", "--now", "2026-10-09T07:00:00+02:00")
    assert capsys.readouterr().out.splitlines() == ["1 relance(s) envoyée(s)",
                                                    "0 relance(s) envoyée(s)"]
    assert len(mail.outbox) == 1


def test_daily_task_sends_the_reminders(billed, task_mail, django_capture_on_commit_callbacks,
                                        monkeypatch):
    from payments import tasks

    w = billed
    due_invoice(w, member=w.member, day=ISSUED)
    monkeypatch.setattr(tasks.timezone, "now", lambda: at(DUE + dt.timedelta(days=8)))
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.send_reminders_daily.call_local() == 1
    assert len(mail.outbox) == 1
