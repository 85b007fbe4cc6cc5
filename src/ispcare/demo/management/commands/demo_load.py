from django.core.management.base import BaseCommand

from ispcare.demo.data import load


class Command(BaseCommand):
    help = "Load the Vokasi.Net demo data (idempotent)."

    def handle(self, *args, **options):
        if load():
            self.stdout.write(self.style.SUCCESS("Demo data loaded."))
        else:
            self.stdout.write("Demo data already present; nothing changed.")
