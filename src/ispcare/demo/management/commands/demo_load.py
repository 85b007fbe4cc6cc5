from django.core.management.base import BaseCommand

from ispcare.demo.data import load


class Command(BaseCommand):
    help = "Load the Vokasi.Net demo data through the real services (idempotent)."

    def handle(self, *args, **options):
        made = load()
        if made:
            summary = ", ".join(f"{n} {what}" for what, n in made.items())
            self.stdout.write(self.style.SUCCESS(f"Demo data loaded: {summary}."))
        else:
            self.stdout.write("Demo data already present; nothing changed.")
