"""manage.py import_bookings <network> <file.csv> [--dry-run] (see docs/import.md)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from bookings.formatting import describe_span
from bookings.importing import COLUMNS, REQUIRED_COLUMNS, import_bookings
from places.models import Network

HELP = _("""Importe des réservations depuis un fichier CSV, tout ou rien.

Colonnes (1re ligne, dans n'importe quel ordre ; %(required)s obligatoires) :
  site        identifiant ou nom du lieu
  resource    nom (ou numéro) de la ressource dans ce lieu
  date        AAAA-MM-JJ ou JJ/MM/AAAA
  slot        matin, après-midi ou journée (ou morning, afternoon, day)
  start, end  heures locales HH:MM, à la place de slot
  email       e-mail du membre ; celui de la personne invitée si guest_name est rempli
  guest_name  nom d'une personne invitée (non membre)
  seats       nombre de places (1 par défaut)
  note        note libre (255 caractères au plus)

Fichier en UTF-8 (avec ou sans BOM), séparateur « ; » ou « , » détecté sur la 1re ligne.
Chaque ligne passe par le même service de réservation que le site (règles de l'accueil, sans
e-mail). Si une seule ligne est refusée, rien n'est enregistré et chaque ligne fautive est
signalée « ligne N : raison ». --dry-run vérifie tout sans rien enregistrer.""") % {
    "required": ", ".join(REQUIRED_COLUMNS)}


class Command(BaseCommand):
    help = HELP

    def create_parser(self, prog_name, subcommand, **kwargs):
        from argparse import RawDescriptionHelpFormatter

        kwargs.setdefault("formatter_class", RawDescriptionHelpFormatter)
        return super().create_parser(prog_name, subcommand, **kwargs)

    def add_arguments(self, parser):
        parser.add_argument("network", help=_("identifiant du réseau"))
        parser.add_argument("file", help=_("fichier CSV (colonnes : %(columns)s)") % {
            "columns": ",".join(COLUMNS)})
        parser.add_argument("--dry-run", action="store_true",
                            help=_("vérifier le fichier sans rien enregistrer"))

    def handle(self, *args, network, file, dry_run, verbosity, **options):
        found = Network.objects.filter(slug=network).first()
        if found is None:
            raise CommandError(_("Réseau inconnu : %(slug)s.") % {"slug": network})
        try:
            data = Path(file).read_bytes()
        except OSError as exc:
            raise CommandError(_("Lecture impossible de %(file)s : %(error)s.") % {
                "file": file, "error": exc.strerror}) from exc

        report = import_bookings(found, data, dry_run=dry_run)

        for error in report.errors:
            self.stderr.write(str(error))
        if report.errors:
            raise CommandError(ngettext(
                "%(n)s ligne refusée : rien n'a été importé.",
                "%(n)s lignes refusées : rien n'a été importé.",
                len(report.errors)) % {"n": len(report.errors)})
        if verbosity >= 2 or dry_run:
            for number, booking in report.booked:
                self.stdout.write(_("ligne %(line)s : %(resource)s, %(span)s – %(holder)s") % {
                    "line": number, "resource": booking.resource.name,
                    "span": describe_span(booking.start, booking.end, booking.resource),
                    "holder": booking.holder_name})
        n = len(report.booked)
        if dry_run:
            self.stdout.write(ngettext(
                "Simulation : %(n)s réservation serait importée ; rien n'a été enregistré.",
                "Simulation : %(n)s réservations seraient importées ; rien n'a été enregistré.",
                n) % {"n": n})
        else:
            self.stdout.write(self.style.SUCCESS(ngettext(
                "%(n)s réservation importée.", "%(n)s réservations importées.", n) % {"n": n}))
