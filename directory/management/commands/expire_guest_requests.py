from django.core.management.base import BaseCommand

from directory.services import expire_guest_requests


class Command(BaseCommand):
    help = "Mark unconfirmed guest booking requests past their expiry as expired."

    def handle(self, *args, **options):
        self.stdout.write(f"{expire_guest_requests()} request(s) expired")
