"""Register a door controller for a site and print its key id and secret (shown once)."""

from django.core.management.base import BaseCommand, CommandError

from access.services import register_controller
from places.models import Site


class Command(BaseCommand):
    help = "Register a door controller and print its key id and secret key (shown once)."

    def add_arguments(self, parser):
        parser.add_argument("--network", required=True, help="network slug")
        parser.add_argument("--site", required=True, help="site slug")
        parser.add_argument("--name", required=True, help="e.g. 'Porte d'entrée'")

    def handle(self, *args, network, site, name, **options):
        found = Site.objects.select_related("network").filter(network__slug=network,
                                                               slug=site).first()
        if found is None:
            raise CommandError(f"No site {site!r} in network {network!r}.")
        controller, secret = register_controller(found, name, actor=None)
        self.stdout.write(f"key_id={controller.key_id}\nsecret={secret}\n")
