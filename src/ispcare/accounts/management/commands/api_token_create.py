from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from ispcare.accounts.models import ApiToken


class Command(BaseCommand):
    help = "Create an API token for a staff user; the key is printed once and never stored."

    def add_arguments(self, parser):
        parser.add_argument("--username", required=True)
        parser.add_argument(
            "--name", required=True, help="What the token is for, e.g. 'billing sync'."
        )

    def handle(self, *args, username: str, name: str, **options):
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None or not user.is_staff_member:
            raise CommandError(f"no active staff user {username!r}")
        _token, key = ApiToken.issue(user=user, name=name)
        self.stdout.write(key)
