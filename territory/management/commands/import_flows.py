from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from places.models import Network
from territory.importers import ImportFailed
from territory.services import import_commuting_flows


class Command(BaseCommand):
    help = ("Importe les flux domicile-travail d'un réseau depuis le fichier INSEE « mobilités "
            "professionnelles » (remplace les précédents ; rien n'est écrit si une ligne est "
            "invalide).")

    def add_arguments(self, parser):
        parser.add_argument("network")
        parser.add_argument("flows", help="fichier CSV des flux domicile-travail (INSEE)")

    def handle(self, *args, **options):
        network = Network.objects.filter(slug=options["network"]).first()
        if network is None:
            raise CommandError(f"Réseau inconnu : {options['network']}")
        try:
            n = import_commuting_flows(network, options["flows"], actor=None, now=timezone.now())
        except ImportFailed as exc:
            for error in exc.errors:
                self.stderr.write(error)
            raise CommandError(f"{len(exc.errors)} ligne(s) invalide(s) : rien n'a été "
                               "importé.") from exc
        self.stdout.write(f"{n} flux domicile-travail importés pour {network.name}.")
