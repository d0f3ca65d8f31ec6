"""The coordinator builds a plan with a commitment tier in a real browser, on a phone, and
finds it in the catalogue with its prices."""

import datetime as dt
import re
from decimal import Decimal as D

import pytest
from playwright.sync_api import expect

from billing.models import Plan
from billing.pricing import plan_charge
from tests import factories as f
from tests.browser.conftest import PHONE, field, log_in
from tests.browser.test_member_journey import UNLABELLED_FIELDS_JS


@pytest.fixture
def coordinator(transactional_db):
    network = f.make_network("vercors", "Réseau Vercors")
    f.make_site(network, "autrans", "Autrans")
    return f.make_coordinator(network, user=f.make_user("coordination@example.org",
                                                        first_name="Claire"))


def test_coordinator_creates_a_monthly_plan_with_a_commitment_tier(new_page, coordinator):
    page = new_page(PHONE)
    log_in(page, "coordination@example.org")
    page.goto("/r/vercors/gestion/")
    page.get_by_role("link", name="Catalogue", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Catalogue et tarifs")
    page.get_by_role("link", name="Nouvel abonnement").click()
    assert page.evaluate(UNLABELLED_FIELDS_JS) == []

    page.get_by_label(field("Nom")).fill("8 jours par mois")
    page.get_by_label(field("Prix HT (€) par période")).fill("90")
    page.get_by_label(field("Période")).select_option(label="mois")
    page.get_by_label(field("Droit d'usage")).select_option(label="jours par mois")
    page.get_by_label(field("Nombre de jours")).fill("8")
    page.get_by_label("espace partagé (postes en open space)").check()
    first_tier = page.get_by_role("group", name="Ligne 1")
    first_tier.get_by_label(field("Critère")).select_option(label="durée d'engagement (mois)")
    first_tier.get_by_label(field("À partir de")).fill("12")
    first_tier.get_by_label(field("Prix unitaire HT (€)")).fill("80")
    page.get_by_role("button", name="Enregistrer").click()

    page.wait_for_url(re.compile(r"/r/vercors/gestion/catalogue/#plan$"))
    expect(page.get_by_role("status").filter(has_text="ajouté au catalogue")).to_be_visible()
    row = page.locator("tr.plan").filter(has_text="8 jours par mois")
    expect(row).to_contain_text("8 jours par mois")
    expect(row).to_contain_text("90,00 €")
    expect(row).to_contain_text("engagement de 12 mois ou plus : 80,00 € HT")
    expect(row).to_contain_text("en vente")

    plan = Plan.objects.get(network=coordinator.network)
    on = dt.date(2026, 12, 1)
    assert plan_charge(plan, on=on) == D("90.00")
    assert plan_charge(plan, on=on, commitment_months=12) == D("80.00")
    assert plan.resource_kinds == ["open_space"]
