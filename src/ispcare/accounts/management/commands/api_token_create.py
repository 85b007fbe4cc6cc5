from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from ispcare.accounts.models import ApiToken


class Command(BaseCommand):
    help = (
        "Create an API token for an active staff user. The key is printed once, on its own "
        "line, and never stored (only its hash is); the token acts with the user's role."
    )

    def add_arguments(self, parser):
        parser.add_argument("--username", required=True)
        parser.add_argument(
            "--name", required=True, help="What the token is for, e.g. 'billing sync'."
        )

    def handle(self, *args, username: str, name: str, **options):
        name = name.strip()
        if not name:
            raise CommandError("--name must not be empty")
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None or not user.is_staff_member:
            raise CommandError(f"no active staff user {username!r}")
        token, key = ApiToken.issue(user=user, name=name[:100])
        self.stderr.write(
            f"Token {token.prefix}… for {user.username} ({user.get_role_display()}). "
            "Copy the key now; it cannot be shown again."
        )
        self.stdout.write(key)
