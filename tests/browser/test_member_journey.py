"""A newcomer's whole journey in a real browser, the concierge's day board beside it, and a
keyboard / accessibility smoke check of the booking form.

The live server reads the real clock, so the booked day is computed from today (Paris): three
days ahead, at a site open every day of the week, whatever weekday the suite runs on.
"""

import datetime as dt
import re
import zoneinfo

import pytest
from django.core import mail
from django.utils import translation
from playwright.sync_api import expect

from bookings.models import Booking, BookingStatus
from members.models import Member, MemberStatus, User
from tests import factories as f
from tests.browser.conftest import PHONE, field, log_in

PARIS = zoneinfo.ZoneInfo("Europe/Paris")
WEEKDAYS = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"]
MONTHS = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
          "septembre", "octobre", "novembre", "décembre"]
NEWCOMER = "lea.durand@example.org"
NEWCOMER_PASSWORD = "Une-phrase-de-passe-2026"

# Every <input>, <select> and <textarea> a person fills must have an accessible name.
UNLABELLED_FIELDS_JS = """() => [...document.querySelectorAll('input, select, textarea')]
  .filter(el => !['hidden', 'submit', 'button', 'reset'].includes(el.type))
  .filter(el => !(el.id && document.querySelector(`label[for="${CSS.escape(el.id)}"]`))
                && !el.closest('label')
                && !(el.getAttribute('aria-label') || '').trim()
                && !el.getAttribute('aria-labelledby'))
  .map(el => el.outerHTML)"""


def french_day(day: dt.date) -> str:
    """How the pages write a date ("jeudi 12 mars 2026"), spelled out independently."""
    return f"{WEEKDAYS[day.weekday()]} {day.day} {MONTHS[day.month - 1]} {day.year}"


def date_field_order(page) -> str:
    """The order in which a date field takes digits: Chromium follows its UI language (its
    own, not the page's: Debian ships only en-US, month first), so ask a scratch field."""
    page.evaluate("""() => { const probe = document.createElement('input');
        probe.type = 'date'; probe.id = 'probe'; document.body.append(probe); }""")
    page.focus("#probe")
    page.keyboard.type("01022003")
    value = page.evaluate("() => { const p = document.getElementById('probe'); "
                          "const v = p.value; p.remove(); return v; }")
    return {"2003-02-01": "%d%m%Y", "2003-01-02": "%m%d%Y"}.get(value, "%Y%m%d")


def booking_day() -> dt.date:
    return dt.datetime.now(PARIS).date() + dt.timedelta(days=3)


@pytest.fixture
def vercors(transactional_db):
    """A demo-like network: Autrans, open every day 9:00–18:00 (morning ends at 13:00), with
    an 8-seat open space, and its concierge."""
    network = f.make_network("vercors", "Réseau Vercors",
                             description="Les tiers-lieux du plateau du Vercors.")
    site = f.make_site(network, "autrans", "Autrans", weekdays=range(7))
    desks = f.make_resource(site, "open_space", seats=8, name="Open space Autrans")
    f.make_resource(site, "private_office", name="Bureau fermé")
    villard = f.make_site(network, "villard", "Villard-de-Lans", weekdays=range(7),
                          city="Villard-de-Lans", insee_code="38548")
    f.make_resource(villard, "open_space", seats=5, name="Open space Villard")
    concierge = f.make_concierge(site, user=f.make_user(
        "accueil.autrans@example.org", first_name="Paul", last_name="Accueil"))
    return network, site, desks, concierge


def board_row(board, who):
    """The rows of the concierge's board that name `who`, in the open space's section."""
    section = board.locator("section.board-resource").filter(
        has=board.get_by_role("heading", name=re.compile("^Open space Autrans")))
    return section, section.locator("tr.booking").filter(has_text=who)


def test_newcomer_books_and_cancels_while_the_concierge_watches(new_page, vercors):
    network, site, desks, concierge = vercors
    day = booking_day()
    page = new_page(PHONE)

    # Sign up.
    page.goto("/")
    page.get_by_role("link", name="Créer un compte").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Création de compte")
    page.get_by_label("Courriel").fill(NEWCOMER)
    page.get_by_label(field("Mot de passe")).fill(NEWCOMER_PASSWORD)
    page.get_by_label("Mot de passe (confirmation)").fill(NEWCOMER_PASSWORD)
    page.locator("main").get_by_role("button", name="Création de compte").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Vérifiez votre adresse e-mail")

    # Confirm the e-mail address with the link the confirmation e-mail carries.
    assert [m.to for m in mail.outbox] == [[NEWCOMER]]
    link = re.search(r"https?://\S+/comptes/confirm-email/\S+/", mail.outbox[0].body)
    assert link, mail.outbox[0].body
    page.goto(re.sub(r"^https?://[^/]+", "", link.group(0)))
    page.get_by_role("button", name="Confirmer").click()
    expect(page.locator(".messages")).to_contain_text(f"Vous avez confirmé {NEWCOMER}.")

    # Confirming from the sign-up browser logs the newcomer in; join from the home page.
    expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible()
    page.goto("/")
    card = page.locator(".card").filter(has_text="Réseau Vercors")
    card.get_by_role("link", name="Rejoindre ce réseau").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Rejoindre Réseau Vercors")
    page.get_by_label("Prénom").fill("Léa")
    page.get_by_label(field("Nom")).fill("Durand")
    page.get_by_label("Situation").select_option(label="salarié·e en télétravail")
    page.get_by_label("Employeur (si absent de la liste)").fill("Scierie du Plateau")
    page.get_by_label("Commune de résidence").fill("Méaudre")
    page.get_by_role("button", name="Rejoindre le réseau").click()
    expect(page.locator(".messages")).to_have_text("Bienvenue dans le réseau Réseau Vercors !")
    expect(page.get_by_role("heading", level=1)).to_have_text("Réseau Vercors")

    # From the network home to the site, then to the open space's booking form.
    page.locator(".card").filter(has_text="Autrans").get_by_role(
        "link", name="Voir et réserver").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Autrans")
    page.get_by_role("link", name="Réserver Open space Autrans").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Réserver : Open space Autrans")
    page.get_by_label(field("Date")).fill(day.isoformat())
    page.get_by_label("Matin").check()
    expect(page.get_by_label("Une seule fois")).to_be_checked()
    page.locator("main").get_by_role("button", name="Réserver").click()

    # "My bookings" shows it.
    expect(page.get_by_role("heading", level=1)).to_have_text("Mes réservations")
    expect(page.locator(".messages")).to_contain_text("Réservation confirmée.")
    rows = page.locator("tr.booking")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(french_day(day))
    expect(rows.first).to_contain_text("09:00–13:00")
    expect(rows.first).to_contain_text("Open space Autrans")
    expect(rows.first.locator(".muted")).to_have_text("Autrans")
    expect(rows.first.locator(".status")).to_have_text("confirmée")

    # The concierge, in another browser, picks the site and the day on the board.
    board = new_page()
    log_in(board, "accueil.autrans@example.org")
    board.get_by_role("link", name="Réseau Vercors").click()
    board.get_by_role("navigation").get_by_role("link", name="Accueil", exact=True).click()
    if board.get_by_label(field("Lieu")).count():  # only when the concierge runs several sites
        board.get_by_label(field("Lieu")).select_option(label="Autrans")
    board.get_by_label(field("Date")).fill(day.isoformat())
    board.get_by_role("button", name="Afficher").click()
    expect(board.get_by_role("heading", level=1)).to_have_text("Tableau du jour – Autrans")
    expect(board.get_by_role("heading", level=2, name=french_day(day))).to_be_visible()
    section, lea = board_row(board, "Léa Durand")
    expect(lea).to_have_count(1)
    expect(lea).to_contain_text("09:00–13:00")
    expect(lea.locator(".status")).to_have_text("confirmée")
    expect(section.locator(".free-seats li")).to_have_text(
        ["matin : 7 libres", "après-midi : 8 libres"])

    # The newcomer cancels.
    rows.first.get_by_role("button", name=re.compile("^Annuler")).click()
    expect(page.locator(".messages")).to_have_text("Réservation annulée.")
    expect(rows).to_have_count(1)  # still listed, as cancelled, and no longer cancellable
    expect(rows.first.locator(".status")).to_have_text("annulée")
    expect(page.get_by_role("button", name=re.compile("^Annuler"))).to_have_count(0)

    # The concierge reloads: the seat is free again and Léa is no longer expected (the board
    # may list her cancelled booking or leave it out; either way not as confirmed).
    board.reload()
    section, lea = board_row(board, "Léa Durand")
    expect(section.locator(".free-seats li")).to_have_text(
        ["matin : 8 libres", "après-midi : 8 libres"])
    for row in lea.all():
        expect(row.locator(".status")).to_have_text("annulée")
    expect(lea.filter(has_text="confirmée")).to_have_count(0)

    # What was stored.
    user = User.objects.get(email=NEWCOMER)
    assert (user.first_name, user.last_name) == ("Léa", "Durand")
    assert user.emailaddress_set.get().verified
    member = Member.objects.get(user=user)
    assert member.network == network
    assert (member.status, member.employer_name, member.home_commune) == (
        MemberStatus.EMPLOYEE, "Scierie du Plateau", "Méaudre")
    booking = Booking.objects.get(member=member)
    assert booking.resource == desks and booking.site == site
    assert booking.status == BookingStatus.CANCELLED
    assert booking.seats == 1
    assert booking.start == dt.datetime.combine(day, dt.time(9), PARIS)
    assert booking.end == dt.datetime.combine(day, dt.time(13), PARIS)
    assert [m.to for m in mail.outbox] == [[NEWCOMER]] * 3  # confirm address, booked, cancelled
    assert "Réservation confirmée" in mail.outbox[1].subject
    assert "Réservation annulée" in mail.outbox[2].subject


def test_booking_form_works_with_the_keyboard_and_every_field_is_labelled(page, vercors):
    network, site, desks, concierge = vercors
    day = booking_day()
    member = f.make_member(network, f.make_user("camille@example.org", first_name="Camille",
                                                last_name="Martin"))
    log_in(page, "camille@example.org")
    page.goto(f"/r/vercors/reserver/{desks.pk}/")
    assert page.evaluate("document.documentElement.lang") == "fr"
    assert page.evaluate(UNLABELLED_FIELDS_JS) == []

    order = date_field_order(page)

    # From the top of the page, Tab until the date field has the focus.
    page.locator("body").focus()
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.name") == "date":
            break
    else:
        pytest.fail("The date field cannot be reached with Tab.")
    page.keyboard.type(day.strftime(order))
    assert page.locator("input[name=date]").input_value() == day.isoformat()
    # Tab (past the field's own segments) into the slot radio group; arrows move within it,
    # Space selects.
    for _ in range(5):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.name") != "date":
            break
    assert page.evaluate("document.activeElement.name") == "slot"
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Space")
    expect(page.get_by_label("Après-midi")).to_be_checked()
    page.keyboard.press("Tab")  # the number of desks, 1 by default
    assert page.evaluate("[document.activeElement.name, document.activeElement.value]") == [
        "seats", "1"]
    page.keyboard.press("Tab")  # the repeat group, already on "once"
    assert page.evaluate("document.activeElement.name") == "repeat"
    expect(page.get_by_label("Une seule fois")).to_be_checked()
    # On past the unused "until" date and weekday boxes, to the submit button.
    for _ in range(20):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.type") == "submit":
            break
    assert page.evaluate("document.activeElement.textContent.trim()") == "Réserver"
    page.keyboard.press("Enter")

    expect(page.locator(".messages")).to_contain_text("Réservation confirmée.")
    row = page.locator("tr.booking")
    expect(row).to_have_count(1)
    expect(row).to_contain_text(french_day(day))
    expect(row).to_contain_text("13:00–18:00")
    assert page.evaluate(UNLABELLED_FIELDS_JS) == []
    booking = Booking.objects.get(member=member)
    assert (booking.status, booking.start, booking.end) == (
        BookingStatus.CONFIRMED, dt.datetime.combine(day, dt.time(13), PARIS),
        dt.datetime.combine(day, dt.time(18), PARIS))

    # The other forms of the journey: joining a network and signing up.
    f.make_network("gers", "Réseau Gers")
    page.goto("/r/gers/rejoindre/")
    assert page.evaluate(UNLABELLED_FIELDS_JS) == []
    page.get_by_role("button", name="Se déconnecter").click()
    page.goto("/comptes/signup/")
    assert page.evaluate("document.documentElement.lang") == "fr"
    assert page.evaluate(UNLABELLED_FIELDS_JS) == []


def test_language_switch_to_english(page, vercors):
    with translation.override("en"):
        log_in_text = translation.gettext("Se connecter")
    assert log_in_text != "Se connecter", "the English catalogue lacks the navigation"
    page.goto("/")
    expect(page.get_by_role("link", name="Se connecter")).to_be_visible()
    page.get_by_label("Langue").select_option("en")
    page.get_by_role("button", name="OK").click()
    assert page.evaluate("document.documentElement.lang") == "en"
    expect(page.get_by_role("link", name=log_in_text)).to_be_visible()
    # The choice sticks on the next page.
    page.goto("/comptes/login/")
    assert page.evaluate("document.documentElement.lang") == "en"
