import json
from pathlib import Path

from django.core.management.base import BaseCommand


def schema_text() -> str:
    from ispcare.api import api

    return json.dumps(api.get_openapi_schema(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


class Command(BaseCommand):
    help = "Write the API's OpenAPI schema to openapi.json (committed, diffed by the tests)."

    def add_arguments(self, parser):
        parser.add_argument("--output", default="openapi.json")

    def handle(self, *args, output: str, **options):
        Path(output).write_text(schema_text(), encoding="utf-8")
        self.stdout.write(f"wrote {output}")
