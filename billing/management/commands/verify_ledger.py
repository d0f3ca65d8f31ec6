from django.core.management.base import BaseCommand, CommandError

from billing.services.ledger import verify_ledger
from places.models import Network


class Command(BaseCommand):
    help = "Verify a network's hash-chained billing ledger; name every altered or missing record."

    def add_arguments(self, parser):
        parser.add_argument("network", help="network slug")

    def handle(self, *args, network, **options):
        try:
            net = Network.objects.get(slug=network)
        except Network.DoesNotExist as exc:
            raise CommandError(f"unknown network: {network}") from exc
        count, problems = verify_ledger(net)
        if problems:
            for problem in problems:
                self.stderr.write(problem)
            raise CommandError(f"registre de {net.slug} : {len(problems)} anomalie(s) sur "
                               f"{count} entrée(s)")
        self.stdout.write(f"registre de {net.slug} intègre : {count} entrée(s)")
