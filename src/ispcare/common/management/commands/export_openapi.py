"""Write (or check) the committed OpenAPI schema: `ispcare export_openapi [--check]`."""

import difflib
import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError


def schema_text() -> str:
    """The schema the API serves, as committed: sorted keys, indent 2, trailing newline."""
    from ispcare.api import api

    return json.dumps(api.get_openapi_schema(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def schema_diff(committed: str, fresh: str, *, name: str = "openapi.json", limit: int = 80) -> str:
    lines = list(
        difflib.unified_diff(
            committed.splitlines(keepends=True),
            fresh.splitlines(keepends=True),
            fromfile=f"{name} (committed)",
            tofile=f"{name} (from the code)",
        )
    )
    more = f"... {len(lines) - limit} more diff lines\n" if len(lines) > limit else ""
    return "".join(lines[:limit]) + more


class Command(BaseCommand):
    help = "Write the API's OpenAPI schema to openapi.json (committed, diffed by the tests)."

    def add_arguments(self, parser):
        parser.add_argument("--output", default="openapi.json")
        parser.add_argument(
            "--check", action="store_true", help="Do not write; fail with a diff if stale."
        )

    def handle(self, *args, output: str, check: bool, **options):
        path, fresh = Path(output), schema_text()
        if check:
            committed = path.read_text(encoding="utf-8") if path.exists() else ""
            if committed != fresh:
                self.stdout.write(schema_diff(committed, fresh, name=output))
                raise CommandError(f"{output} is stale: run `ispcare export_openapi`")
            self.stdout.write(f"{output} is current")
            return
        path.write_text(fresh, encoding="utf-8")
        self.stdout.write(f"wrote {output}")
