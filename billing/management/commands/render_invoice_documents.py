from django.core.management.base import BaseCommand, CommandError

from billing.documents import render_missing_documents
from places.models import Network


class Command(BaseCommand):
    help = ("Render the PDF/A-3 + Factur-X documents of issued invoices that have none yet "
            "(after a task-queue outage, or with BILLING_RENDER_DOCUMENTS off).")

    def add_arguments(self, parser):
        parser.add_argument("network", nargs="?", help="network slug (default: all)")
        parser.add_argument("--limit", type=int, default=None)

    def handle(self, *args, network=None, limit=None, **options):
        net = None
        if network:
            net = Network.objects.filter(slug=network).first()
            if net is None:
                raise CommandError(f"réseau inconnu : {network}")
        count = render_missing_documents(net, limit=limit)
        self.stdout.write(f"{count} document(s) rendu(s)")
