from django.core.management.base import BaseCommand, CommandError

from territory.importers import ImportFailed, import_mountain_file


class Command(BaseCommand):
    help = ("Marque les communes classées en zone de montagne (loi Montagne) depuis la liste "
            "officielle téléchargée (DGCL / ANCT, data.gouv.fr ou Observatoire des "
            "territoires) : une colonne de code INSEE et une colonne de classement (M / P, "
            "classée / non classée, oui / non), ou seulement les codes des communes classées. "
            "Le modèle de temps de trajet ralentit les trajets qui partent ou arrivent dans une "
            "commune de montagne. Rien n'est enregistré si une ligne est invalide, sauf avec "
            "--skip-bad.")

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--complete", action="store_true",
                            help="Le fichier est la liste complète : les communes absentes sont "
                                 "marquées hors zone de montagne (sinon : inconnu).")
        parser.add_argument("--skip-bad", action="store_true",
                            help="Enregistrer les lignes valides et lister chaque ligne ignorée.")

    def handle(self, *args, **options):
        try:
            report = import_mountain_file(options["file"], complete=options["complete"],
                                          skip_bad=options["skip_bad"])
        except ImportFailed as exc:
            for error in exc.errors:
                self.stderr.write(error)
            raise CommandError(f"{len(exc.errors)} ligne(s) invalide(s) : rien n'a été "
                               "enregistré (--skip-bad pour importer les autres).") from exc
        self.stdout.write(str(report))
