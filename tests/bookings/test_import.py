"""manage.py import_bookings: a whole CSV file goes through book_resource, or nothing does."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from bookings.importing import import_bookings
from bookings.models import Booking, BookingStatus
from core.models import AuditLog
from tests import factories as f
from tests.conftest import NOW, local

TUESDAY, WEDNESDAY = dt.date(2026, 11, 24), dt.date(2026, 11, 25)

GOOD = (
    "site;resource;date;slot;start;end;email;guest_name;seats;note\n"
    "autrans;Open space Autrans;2026-11-24;matin;;;membre@example.org;;2;formation\n"
    "Autrans;bureau fermé;25/11/2026;journée;;;membre@example.org;;;\n"
    "autrans;Salle de réunion;2026-11-24;;10:00;12h;alex@example.org;Alex Dupont;;réunion CA\n"
    "\n"
    "villard;Open space Villard;2026-11-24;après-midi;;;accueil@example.org;;1;\n"
)


@pytest.fixture(autouse=True)
def pinned_now(monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: NOW)


@pytest.fixture
def csv_file(tmp_path):
    def write(text, encoding="utf-8"):
        path = tmp_path / "reservations.csv"
        path.write_bytes(text.encode(encoding))
        return str(path)

    return write


def run(*args):
    out, err = StringIO(), StringIO()
    call_command("import_bookings", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def rows():
    return [(b.resource.name, b.start, b.end, b.member and b.member.user.email, b.guest_name,
             b.guest_email, b.seats, b.note, b.source, b.status, b.created_by)
            for b in Booking.objects.order_by("pk").select_related("resource", "member__user")]


def test_good_file_imports_exact_rows(world, csv_file, mailoutbox):
    out, err = run("vercors", csv_file(GOOD))

    assert out == "4 réservations importées.\n"
    assert err == ""
    assert rows() == [
        ("Open space Autrans", local(TUESDAY, 9), local(TUESDAY, 13), "membre@example.org",
         "", "", 2, "formation", "import", BookingStatus.CONFIRMED, None),
        ("Bureau fermé", local(WEDNESDAY, 9), local(WEDNESDAY, 18), "membre@example.org",
         "", "", 1, "", "import", BookingStatus.CONFIRMED, None),
        ("Salle de réunion", local(TUESDAY, 10), local(TUESDAY, 12), None, "Alex Dupont",
         "alex@example.org", 1, "réunion CA", "import", BookingStatus.CONFIRMED, None),
        ("Open space Villard", local(TUESDAY, 13), local(TUESDAY, 18), "accueil@example.org",
         "", "", 1, "", "import", BookingStatus.CONFIRMED, None),
    ]
    assert AuditLog.objects.filter(action="booking.created",
                                   data__source="import").count() == 4
    assert mailoutbox == []


def test_comma_delimiter_and_bom_are_accepted(world, csv_file):
    text = ("\ufeffemail,site,resource,date,slot\n"
            "membre@example.org,autrans,Open space Autrans,2026-11-24,afternoon\n")
    out, _ = run("vercors", csv_file(text))
    assert out == "1 réservation importée.\n"
    booking = Booking.objects.get()
    assert (booking.start, booking.end) == (local(TUESDAY, 13), local(TUESDAY, 18))


def test_file_with_two_bad_lines_reports_both_and_leaves_the_db_unchanged(world, csv_file):
    f.make_member(world.network, f.make_user("autre@example.org"))
    text = (
        "site;resource;date;slot;start;end;email;guest_name;seats;note\n"
        "autrans;Open space Autrans;2026-11-24;matin;;;membre@example.org;;;\n"
        "autrans;Bureau fermé;2026-11-24;matin;;;inconnu@example.org;;;\n"
        "autrans;Bureau fermé;2026-11-24;matin;;;membre@example.org;;;\n"
        "autrans;Bureau fermé;2026-11-24;journée;;;autre@example.org;;;\n"
    )
    before = (Booking.objects.count(), AuditLog.objects.count())
    err = StringIO()

    with pytest.raises(CommandError, match="^2 lignes refusées : rien n'a été importé.$"):
        call_command("import_bookings", "vercors", csv_file(text), stdout=StringIO(),
                     stderr=err)

    assert err.getvalue().splitlines() == [
        "ligne 3 : Aucun membre actif du réseau avec l'e-mail « inconnu@example.org » (pour "
        "une personne invitée, remplissez guest_name).",
        "ligne 5 : Déjà réservé : Bureau fermé est pris sur ce créneau.",
    ]
    assert (Booking.objects.count(), AuditLog.objects.count()) == before == (0, 0)


def test_every_bad_line_is_reported_with_its_number(world):
    text = (
        "site,resource,date,slot,start,end,email,guest_name,seats,note\n"
        "autrans,Open space Autrans,2026-11-24,matin,,,membre@example.org,,,\n"   # 2: good
        "autrans,Bureau fermé,2026-11-24,matin,,,inconnu@example.org,,,\n"        # 3
        "lans,Open space,2026-11-24,matin,,,membre@example.org,,,\n"              # 4
        "autrans,Piscine,2026-11-24,matin,,,membre@example.org,,,\n"              # 5
        "autrans,Bureau fermé,31/02/2026,matin,,,membre@example.org,,,\n"         # 6
        "autrans,Bureau fermé,2026-11-28,matin,,,membre@example.org,,,\n"         # 7: Saturday
        "autrans,Bureau fermé,2026-11-24,soir,,,membre@example.org,,,\n"          # 8
        "autrans,Bureau fermé,2026-11-24,,10:00,,membre@example.org,,,\n"         # 9
        "autrans,Open space Autrans,2026-11-24,matin,,,membre@example.org,,zéro,\n"  # 10
        "autrans,Salle de réunion,2026-11-24,,10:00,11:00,pas-un-email,Alex,,\n"  # 11
        "autrans,Open space Autrans,2026-11-24,matin,,,membre@example.org\n"      # 12
        "autrans,Open space Autrans,2026-11-24,matin,,,membre@example.org,,8,\n"  # 13: full
    )
    report = import_bookings(world.network, text.encode(), now=NOW)

    assert not report.committed
    assert [str(e) for e in report.errors] == [
        "ligne 3 : Aucun membre actif du réseau avec l'e-mail « inconnu@example.org » (pour "
        "une personne invitée, remplissez guest_name).",
        "ligne 4 : Lieu inconnu dans ce réseau : « lans ».",
        "ligne 5 : Ressource inconnue à Autrans : « Piscine ».",
        "ligne 6 : Date invalide : « 31/02/2026 » (attendu AAAA-MM-JJ ou JJ/MM/AAAA).",
        "ligne 7 : Autrans est fermé ce jour-là.",
        "ligne 8 : Créneau inconnu : « soir » (matin, après-midi ou journée).",
        "ligne 9 : Indiquez un créneau (slot) ou des heures de début et de fin (start, end).",
        "ligne 10 : Nombre de places invalide : « zéro ».",
        "ligne 11 : E-mail invalide : « pas-un-email ».",
        "ligne 12 : 7 valeur(s) au lieu de 10.",
        "ligne 13 : Il ne reste que 7 place(s) libre(s) dans Open space Autrans sur ce "
        "créneau.",
    ]
    assert not Booking.objects.exists()


def test_lines_conflicting_with_each_other_are_caught(world, csv_file):
    text = ("site;resource;date;slot;email\n"
            "autrans;Bureau fermé;2026-11-24;matin;membre@example.org\n"
            "autrans;Bureau fermé;2026-11-24;journée;accueil@example.org\n")
    with pytest.raises(CommandError):
        run("vercors", csv_file(text))
    report = import_bookings(world.network, text.encode(), now=NOW)
    assert [e.line for e in report.errors] == [3]
    assert report.errors[0].message == "Déjà réservé : Bureau fermé est pris sur ce créneau."
    assert not Booking.objects.exists()


def test_dry_run_reports_without_writing(world, csv_file):
    out, err = run("vercors", csv_file(GOOD), "--dry-run")

    assert out.splitlines() == [
        "ligne 2 : Open space Autrans, mardi 24 novembre 2026, matin (09:00–13:00) – "
        "Camille Martin",
        "ligne 3 : Bureau fermé, mercredi 25 novembre 2026, journée (09:00–18:00) – "
        "Camille Martin",
        "ligne 4 : Salle de réunion, mardi 24 novembre 2026, 10:00–12:00 – Alex Dupont",
        "ligne 6 : Open space Villard, mardi 24 novembre 2026, après-midi (13:00–18:00) – "
        "accueil@example.org",
        "Simulation : 4 réservations seraient importées ; rien n'a été enregistré.",
    ]
    assert not Booking.objects.exists()
    assert not AuditLog.objects.exists()


def test_dry_run_reports_bad_lines_too(world, csv_file):
    text = "site;resource;date;slot;email\nautrans;Piscine;2026-11-24;matin;membre@example.org\n"
    with pytest.raises(CommandError, match="1 ligne refusée"):
        call_command("import_bookings", "vercors", csv_file(text), "--dry-run",
                     stdout=StringIO(), stderr=(err := StringIO()))
    assert err.getvalue() == "ligne 2 : Ressource inconnue à Autrans : « Piscine ».\n"


@pytest.mark.parametrize(("text", "encoding", "message"), [
    ("site;resource;date;email\nautrans;Bureau fermé;2026-11-24;membre@example.org\n",
     "latin-1", "ligne 2 : Le fichier n'est pas encodé en UTF-8 : enregistrez-le en « CSV "
                "UTF-8 »."),
    ("site;ressource;date;email\n", "utf-8",
     "ligne 1 : Colonne(s) inconnue(s) : ressource. Colonnes possibles : site, resource, "
     "date, slot, start, end, email, guest_name, seats, note."),
    ("site;date;slot\n", "utf-8", "ligne 1 : Colonne(s) manquante(s) : resource, email."),
    ("", "utf-8", "ligne 1 : Le fichier est vide ou ne commence pas par la ligne des "
                  "colonnes."),
])
def test_unreadable_files_are_refused(world, csv_file, text, encoding, message):
    with pytest.raises(CommandError):
        call_command("import_bookings", "vercors", csv_file(text, encoding),
                     stdout=StringIO(), stderr=(err := StringIO()))
    assert err.getvalue() == message + "\n"
    assert not Booking.objects.exists()


def test_unknown_network_or_file(world, csv_file):
    with pytest.raises(CommandError, match="Réseau inconnu : nulle-part."):
        run("nulle-part", csv_file(GOOD))
    with pytest.raises(CommandError, match="Lecture impossible de /nulle/part.csv"):
        run("vercors", "/nulle/part.csv")


def test_a_network_only_sees_its_own_sites_and_members(world, csv_file):
    text = "site;resource;date;slot;email\nauch;Open space;2026-11-24;matin;membre@example.org\n"
    with pytest.raises(CommandError):
        run("vercors", csv_file(text))
    with pytest.raises(CommandError):
        run("gers", csv_file(GOOD))
    assert not Booking.objects.exists()
