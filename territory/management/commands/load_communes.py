from django.core.management.base import BaseCommand

from territory.importers import SHIPPED_COMMUNES, load_shipped_communes


class Command(BaseCommand):
    help = ("Charge ou met à jour le référentiel des communes livré avec maillage "
            "(découpage administratif Etalab + coordonnées GeoNames). Idempotent.")

    def add_arguments(self, parser):
        parser.add_argument("--file", default=str(SHIPPED_COMMUNES))

    def handle(self, *args, **options):
        report = load_shipped_communes(options["file"])
        self.stdout.write(str(report))
