import datetime as dt
import re

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from billing.errors import BillingError
from billing.proration import month_bounds
from billing.services.monthend import WORKERS, default_workers, run_month_end
from places.models import Network


class Command(BaseCommand):
    help = ("Month-end invoicing of a network (the same service as the staff page): one invoice "
            "per member or employer account; --preview computes without issuing anything.")

    def add_arguments(self, parser):
        parser.add_argument("network", help="network slug")
        parser.add_argument("--month", required=True, help="YYYY-MM")
        parser.add_argument("--preview", action="store_true",
                            help="compute lines and totals, write nothing")
        parser.add_argument("--workers", type=int, default=None,
                            help=f"accounts written at once (default {WORKERS} on PostgreSQL, "
                                 f"1 on SQLite)")

    def handle(self, *args, network, month, preview, workers, **options):
        try:
            net = Network.objects.get(slug=network)
        except Network.DoesNotExist as exc:
            raise CommandError(f"unknown network: {network}") from exc
        if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", month):
            raise CommandError("--month must be YYYY-MM")
        start, end = month_bounds(dt.date(int(month[:4]), int(month[5:]), 1))
        now = timezone.now()
        if start > now.astimezone(net.tz).date():
            raise CommandError(f"{month} has not started")

        def progress(done, total):
            if options["verbosity"] >= 2:
                self.stderr.write(f"{done}/{total}")

        try:
            summary = run_month_end(net, start, end, preview=preview, actor=None, now=now,
                                    progress=progress,
                                    workers=max(1, workers or default_workers()))
        except BillingError as exc:
            raise CommandError(exc.message) from exc
        for account in summary["accounts"]:
            self.stdout.write(f"{account.get('number', '—')}\t{account['account']}\t"
                              f"{account['lines']}\t{account['net']}\t{account['gross']}")
        for error in summary["errors"]:
            self.stderr.write(f"{error['account']}: {error['error']}")
        verb = "à émettre" if preview else "émises"
        self.stdout.write(f"{net.slug} {month} : {summary['invoices']} facture(s) {verb}, "
                          f"{summary['total_net']} € HT, {summary['total_gross']} € TTC, "
                          f"{len(summary['errors'])} erreur(s)")
        if summary["errors"]:
            raise CommandError(f"{len(summary['errors'])} compte(s) non facturé(s)")
