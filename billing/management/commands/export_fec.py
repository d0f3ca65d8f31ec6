import datetime as dt
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from billing.exports import fec_bytes, fec_filename
from places.models import Network


def _day(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"date invalide (AAAA-MM-JJ attendu) : {value}") from exc


class Command(BaseCommand):
    help = ("Write a network's FEC (fichier des écritures comptables) for a fiscal year or a "
            "date range, named <SIREN>FEC<AAAAMMJJ>.txt.")

    def add_arguments(self, parser):
        parser.add_argument("network", help="network slug")
        parser.add_argument("--from", dest="start", required=True, help="first day, AAAA-MM-JJ")
        parser.add_argument("--to", dest="end", required=True, help="last day, AAAA-MM-JJ")
        parser.add_argument("--output-dir", default=".", help="directory of the file")

    def handle(self, *args, network, start, end, output_dir, **options):
        try:
            net = Network.objects.get(slug=network)
        except Network.DoesNotExist as exc:
            raise CommandError(f"réseau inconnu : {network}") from exc
        start, end = _day(start), _day(end)
        if end < start:
            raise CommandError("la date de fin précède la date de début")
        path = Path(output_dir) / fec_filename(net, end)
        data = fec_bytes(net, start, end)
        path.write_bytes(data)
        lines = data.count(b"\r\n") - 1  # without the header
        self.stdout.write(f"{path} : {lines} ligne(s)")
