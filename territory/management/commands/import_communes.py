from django.core.management.base import BaseCommand, CommandError

from territory.importers import ImportFailed, import_commune_file


class Command(BaseCommand):
    help = ("Met à jour les communes depuis un fichier officiel : populations légales INSEE "
            "(COM/CODGEO + PMUN), centroïdes IGN ADMIN EXPRESS (code INSEE + latitude/longitude "
            "WGS 84) ou liste des communes de montagne. Rien n'est enregistré si une ligne est "
            "invalide.")

    def add_arguments(self, parser):
        parser.add_argument("file")

    def handle(self, *args, **options):
        try:
            report = import_commune_file(options["file"])
        except ImportFailed as exc:
            for error in exc.errors:
                self.stderr.write(error)
            raise CommandError(f"{len(exc.errors)} ligne(s) invalide(s) : rien n'a été "
                               "enregistré.") from exc
        self.stdout.write(str(report))
