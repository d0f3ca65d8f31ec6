"""Staff page "Facturation de fin de mois": preview, run, progress; allow and deny."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from billing.models import BillingRun, BillingRunStatus, Invoice
from billing.services.monthend import execute_billing_run
from tests import factories as f
from tests.billing import holdings_factories as h

pytestmark = pytest.mark.django_db
d = dt.date


def url(network, name="billing_month_end", run=None):
    args = [network.slug] + ([run.pk] if run is not None else [])
    return reverse(name, args=args)


@pytest.fixture
def month(billed):
    plan = h.make_plan(billed.network, "Mensuel 2 jours", "100.00")
    h.subscribe(billed.member, plan, d(2026, 10, 15))
    return billed


def test_concierge_previews_then_runs_the_month_in_one_action(client, month,
                                                              django_capture_on_commit_callbacks):
    n = month.network
    client.force_login(month.concierge.user)
    page = client.get(url(n))
    assert page.status_code == 200
    assert "Facturation de fin de mois" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url(n), {"month": "2026-10", "action": "preview"})
    run = BillingRun.objects.get()
    assert response.status_code == 302 and response.url == url(n, "billing_month_end_run", run)
    assert run.preview and run.status == BillingRunStatus.DONE and run.invoices_count == 1
    assert (run.processed_accounts, run.total_accounts) == (3, 3)  # the three members
    assert not Invoice.objects.exists()
    body = client.get(response.url).content.decode()
    assert "Camille Martin" in body and "54.84" in body
    assert "1 facture à émettre, 54.84 € HT (54.84 € TTC)." in body
    assert 'name="action" value="run"' in body  # the real run in one action
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url(n), {"month": "2026-10", "action": "run"})
    real = BillingRun.objects.exclude(pk=run.pk).get()
    assert not real.preview and real.status == BillingRunStatus.DONE
    invoice = Invoice.objects.get()
    assert invoice.total_net == run.total_net == real.total_net
    body = client.get(response.url).content.decode()
    assert invoice.number in body and "1 facture émise" in body


def test_coordinator_may_run_it_too(client, month):
    client.force_login(month.coordinator.user)
    assert client.get(url(month.network)).status_code == 200


def test_progress_is_shown_while_running_and_served_as_json(client, month):
    n = month.network
    run = BillingRun.objects.create(network=n, period_start=d(2026, 10, 1),
                                    period_end=d(2026, 10, 31), preview=False,
                                    status=BillingRunStatus.RUNNING, total_accounts=40,
                                    processed_accounts=10)
    client.force_login(month.concierge.user)
    body = client.get(url(n, "billing_month_end_run", run)).content.decode()
    assert '<progress id="progress-bar" max="40" value="10">25 %</progress>' in body
    assert '<meta http-equiv="refresh" content="3">' in body  # without JavaScript
    data = client.get(url(n, "billing_month_end_progress", run)).json()
    assert data == {"status": "running", "processed": 10, "total": 40, "active": True}


def test_a_second_run_is_refused_while_one_is_active(client, month):
    n = month.network
    BillingRun.objects.create(network=n, period_start=d(2026, 10, 1),
                              period_end=d(2026, 10, 31), status=BillingRunStatus.QUEUED)
    client.force_login(month.concierge.user)
    response = client.post(url(n), {"month": "2026-10", "action": "run"})
    assert response.status_code == 200
    assert "déjà en cours" in response.content.decode()
    assert BillingRun.objects.count() == 1


@pytest.mark.parametrize("typed, message", [
    ("octobre", "Indiquez un mois au format AAAA-MM"),
    ("2099-01", "On ne peut pas facturer un mois qui n&#x27;a pas commencé."),
])
def test_bad_month_is_refused_and_kept(client, month, typed, message):
    client.force_login(month.concierge.user)
    response = client.post(url(month.network), {"month": typed, "action": "preview"})
    body = response.content.decode()
    assert response.status_code == 200 and message in body
    assert f'value="{typed}"' in body
    assert not BillingRun.objects.exists()


def test_task_records_a_failure_instead_of_raising(month, monkeypatch):
    from billing.services import monthend

    run = BillingRun.objects.create(network=month.network, period_start=d(2026, 10, 1),
                                    period_end=d(2026, 10, 31), preview=False)

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(monthend, "run_month_end", broken)
    run = execute_billing_run(run.pk)
    assert run.status == BillingRunStatus.FAILED
    assert run.error == "La facturation a échoué (erreur interne)."
    assert execute_billing_run(run.pk) is None  # only a queued run is executed


@pytest.mark.parametrize("name", ["billing_month_end", "billing_month_end_run",
                                  "billing_month_end_progress"])
def test_denied_to_members_other_networks_and_anonymous(client, month, name):
    n = month.network
    run = BillingRun.objects.create(network=n, period_start=d(2026, 10, 1),
                                    period_end=d(2026, 10, 31))
    target = url(n, name, None if name == "billing_month_end" else run)
    assert client.get(target).status_code == 302  # anonymous: to the login page
    client.force_login(month.member.user)
    assert client.get(target).status_code == 403
    assert client.post(target, {"month": "2026-10", "action": "run"}).status_code == 403
    client.force_login(month.concierge_b.user)
    assert client.get(target).status_code == 404
    client.force_login(month.outsider)
    assert client.get(target).status_code == 404
    assert not Invoice.objects.exists() and BillingRun.objects.count() == 1


def test_a_run_of_another_network_is_not_found_by_its_staff(client, month):
    """Network B's concierge asks for network B's page with network A's run id."""
    run = BillingRun.objects.create(network=month.network, period_start=d(2026, 10, 1),
                                    period_end=d(2026, 10, 31))
    client.force_login(month.concierge_b.user)
    b = month.network_b
    assert client.get(url(b)).status_code == 200
    assert client.get(url(b, "billing_month_end_run", run)).status_code == 404
    assert client.get(url(b, "billing_month_end_progress", run)).status_code == 404


def test_new_member_without_anything_gives_an_empty_preview(client, billed,
                                                             django_capture_on_commit_callbacks):
    f.make_member(billed.network, f.make_user("vide@example.org"))
    client.force_login(billed.concierge.user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url(billed.network), {"month": "2026-10", "action": "preview"})
    assert "Rien à facturer pour ce mois." in client.get(response.url).content.decode()


def test_staff_invoices_page_links_to_the_month_end_page(client, billed):
    client.force_login(billed.concierge.user)
    body = client.get(reverse("billing_staff_invoices", args=[billed.network.slug])).content
    assert url(billed.network).encode() in body


def test_run_page_shows_the_credit_notes_for_changes_after_invoicing(
        client, month, django_capture_on_commit_callbacks):
    from billing.services import holdings as svc
    from billing.services.monthend import run_month_end
    from tests.conftest import NOW

    n = month.network
    run_month_end(n, d(2026, 10, 1), d(2026, 10, 31), preview=False, actor=None, now=NOW)
    invoice = Invoice.objects.get()
    sub = month.member.subscriptions.get()
    svc.end_subscription(sub, ends_on=d(2026, 10, 20), actor=month.concierge.user, now=NOW)
    client.force_login(month.concierge.user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url(n), {"month": "2026-10", "action": "preview"})
    body = client.get(response.url).content.decode()
    assert "enregistrés après facturation" in body and invoice.number in body
    # 54.84 € charged for the 17 days from the 15th; 6 days due (6/31 of 100 €): 19.35 €.
    assert "-35.49 €" in body
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url(n), {"month": "2026-10", "action": "run"})
    note = Invoice.objects.get(credited_invoice=invoice)
    assert invoice.total_net == Decimal("54.84") and note.total_net == Decimal("35.49")
    body = client.get(response.url).content.decode()
    assert note.number in body
