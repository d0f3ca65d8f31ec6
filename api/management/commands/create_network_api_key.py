"""Issue a network API key. The key is printed once: only its SHA-256 is kept."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from api.models import NetworkApiKey
from places.models import Network


class Command(BaseCommand):
    help = _("Crée une clé d'API pour le réseau <slug> et affiche la clé (une seule fois : "
             "seule son empreinte est conservée). Elle donne les lectures de l'équipe du réseau "
             "(réservations, membres), jamais d'écriture.")

    def add_arguments(self, parser):
        parser.add_argument("network", help=_("slug du réseau"))
        parser.add_argument("name", help=_("nom de la clé, pour la reconnaître (ex. « site web »)"))

    def handle(self, *args, network, name, **options):
        found = Network.objects.filter(slug=network.strip()).first()
        if found is None:
            raise CommandError(_("Aucun réseau avec le slug %(slug)s.") % {"slug": network})
        _key, key = NetworkApiKey.issue(found, name)
        self.stdout.write(key)
        self.stderr.write(_("Clé « %(name)s » créée pour le réseau %(network)s. Conservez-la : "
                            "elle ne sera plus affichée.") % {"name": name, "network": found.name})
