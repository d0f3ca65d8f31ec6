from django.core.management.base import BaseCommand, CommandError

from territory.importers import ANCT_2019_CREDIT, ImportFailed, import_anct_places


class Command(BaseCommand):
    help = ("Importe des tiers-lieux depuis un fichier au format de la base ANCT 2019 "
            f"({ANCT_2019_CREDIT}). Un code INSEE manquant (« 0 ») est retrouvé par le nom de "
            "la commune et le code postal (ou le département) quand une seule commune "
            "correspond. Rien n'est enregistré si une ligne est invalide, sauf avec "
            "--skip-bad.")

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--source", default="anct-2019")
        parser.add_argument("--credit", default=ANCT_2019_CREDIT)
        parser.add_argument("--skip-bad", action="store_true",
                            help="Enregistrer les lignes valides et lister chaque ligne ignorée.")

    def handle(self, *args, **options):
        try:
            report = import_anct_places(options["file"], source=options["source"],
                                        credit=options["credit"],
                                        skip_bad=options["skip_bad"])
        except ImportFailed as exc:
            for error in exc.errors:
                self.stderr.write(error)
            raise CommandError(f"{len(exc.errors)} ligne(s) invalide(s) : rien n'a été "
                               "enregistré (--skip-bad pour importer les autres).") from exc
        self.stdout.write(str(report))
