"""The entrance tablet in a real browser: a walk-in registers on the kiosk page and the
concierge, on their own screen, sees them on the presence board ("who is here now" and the
day's walk-ins). The live server reads the real clock; nothing here depends on the hour."""

import re

import pytest
from playwright.sync_api import expect

from access.models import PresenceEvent, Visit
from access.services import create_kiosk
from tests import factories as f
from tests.browser.conftest import field, log_in


@pytest.fixture
def autrans(transactional_db):
    network = f.make_network("vercors", "Réseau Vercors")
    site = f.make_site(network, "autrans", "Autrans", weekdays=range(7))
    concierge = f.make_concierge(site, user=f.make_user(
        "accueil.autrans@example.org", first_name="Paul", last_name="Accueil"))
    _kiosk, token = create_kiosk(site, actor=None)
    return network, site, concierge, token


def test_walk_in_registers_at_the_kiosk_and_appears_on_the_concierge_board(new_page, autrans):
    network, site, concierge, token = autrans
    desk = new_page()
    log_in(desk, concierge.user.email)
    desk.goto(f"/r/{network.slug}/accueil/presences/?lieu={site.slug}")
    expect(desk.locator("#here-now")).to_contain_text("Personne pour l'instant.")

    tablet = new_page()  # the tablet at the entrance: nobody logged in
    tablet.goto(f"/kiosque/{token}/")
    expect(tablet.get_by_role("heading", level=1)).to_have_text("Bienvenue à Autrans")
    tablet.get_by_label(field("Prénom et nom")).fill("Sacha Petit")
    tablet.get_by_label(field("E-mail")).fill("sacha@example.org")
    tablet.get_by_label(field("Vous êtes")).select_option("job_seeker")
    tablet.get_by_label(field("Objet de votre venue")).fill("Atelier CV")
    tablet.get_by_label(field("Commune de résidence")).fill("Méaudre")
    tablet.get_by_label(re.compile("^J'accepte que ces informations")).check()
    tablet.get_by_role("button", name="Je m'enregistre").click()
    expect(tablet.get_by_text("Bienvenue Sacha Petit !")).to_be_visible()

    desk.reload()
    here = desk.locator("#here-now")
    expect(here.get_by_role("heading")).to_have_text("Qui est là : 1 personne")
    expect(here.locator("li.present")).to_have_count(1)
    expect(here.locator("li.present")).to_contain_text("Sacha Petit (de passage)")
    walk_in = desk.locator("#walk-ins tr.walk-in")
    expect(walk_in).to_have_count(1)
    expect(walk_in).to_contain_text("sacha@example.org")
    expect(walk_in).to_contain_text("demandeur·se d'emploi")
    expect(walk_in).to_contain_text("Atelier CV")

    visit = Visit.objects.get()
    assert (visit.site_id, visit.status, visit.home_commune) == (site.pk, "job_seeker",
                                                                 "Méaudre")
    assert list(PresenceEvent.objects.values_list("visit_id", "source", "direction")) == [
        (visit.pk, "kiosk", "in")]
