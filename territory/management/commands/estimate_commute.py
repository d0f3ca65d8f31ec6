from decimal import Decimal

from django.core.management.base import BaseCommand, CommandError

from places.models import Network
from territory.commute import read_flows
from territory.importers import ImportFailed
from territory.selectors import estimate_commute, stored_flows


class Command(BaseCommand):
    help = ("Estime les trajets domicile-travail évités (km, heures, €, kg CO2e par an) si une "
            "part des navetteurs travaille certains jours dans le lieu du réseau le plus proche, "
            "à partir d'un fichier INSEE « mobilités professionnelles ».")

    def add_arguments(self, parser):
        parser.add_argument("network")
        parser.add_argument("flows", nargs="?",
                            help="fichier CSV des flux domicile-travail (INSEE) ; sans fichier, "
                                 "les flux importés pour le réseau (import_flows)")
        parser.add_argument("--share", type=Decimal, default=Decimal("0.2"))
        parser.add_argument("--days-per-week", type=Decimal, default=Decimal(1))
        parser.add_argument("--weeks", type=Decimal, default=Decimal(45))
        parser.add_argument("--max-minutes", type=float, default=20.0)

    def handle(self, *args, **options):
        network = Network.objects.filter(slug=options["network"]).first()
        if network is None:
            raise CommandError(f"Réseau inconnu : {options['network']}")
        if options["flows"]:
            try:
                flows = read_flows(options["flows"])
            except ImportFailed as exc:
                for error in exc.errors:
                    self.stderr.write(error)
                raise CommandError(f"{len(exc.errors)} ligne(s) invalide(s).") from exc
        else:
            flows = stored_flows(network)
            if not flows:
                raise CommandError("Aucun flux importé pour ce réseau : donnez un fichier ou "
                                   "lancez import_flows.")
        result = estimate_commute(network, flows, share=options["share"],
                                  days_per_week=options["days_per_week"],
                                  weeks=options["weeks"], max_minutes=options["max_minutes"])
        if result is None:
            raise CommandError("Aucun lieu du réseau n'a de coordonnées.")
        self.stdout.write(
            f"Estimation : {result.commuters:.0f} navetteurs ont un lieu plus proche que leur "
            f"travail (à {options['max_minutes']:g} min ou moins). Si {options['share'] * 100:g} % "
            f"d'entre eux y travaillent {options['days_per_week']} jour(s) par semaine, "
            f"{options['weeks']} semaines par an : {result.km} km, {result.hours} heures, "
            f"{result.euros} € et {result.co2_kg} kg CO2e évités par an.")
        if result.flows_without_coordinates:
            self.stdout.write(f"{result.flows_without_coordinates} flux ignorés faute de "
                              "coordonnées pour une des communes.")
