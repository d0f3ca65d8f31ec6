import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from payments.reminders import send_reminders
from places.models import Network


class Command(BaseCommand):
    help = "Send the reminders due for unpaid invoices (each invoice and step at most once)."

    def add_arguments(self, parser):
        parser.add_argument("--network", help="slug of one network (default: all)")
        parser.add_argument("--now", help="ISO date-time to run as of (default: now)")

    def handle(self, *args, network=None, now=None, **options):
        when = timezone.now()
        if now:
            try:
                when = dt.datetime.fromisoformat(now)
            except ValueError as err:
                raise CommandError(f"--now: not an ISO date-time: {now!r}") from err
            if timezone.is_naive(when):
                when = timezone.make_aware(when)
        target = None
        if network:
            target = Network.objects.filter(slug=network).first()
            if target is None:
                raise CommandError(f"unknown network {network!r}")
        sent = send_reminders(when, network=target)
        self.stdout.write(f"{len(sent)} relance(s) envoyée(s)")
