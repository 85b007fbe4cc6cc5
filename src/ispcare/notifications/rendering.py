"""Turn a template key, a language and a context into subject, body and WhatsApp params."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Any

from django.utils import translation

from . import catalog, sandbox
from .models import TemplateOverride


def _language(language: str):
    """Switch only when needed: most recipients share the active language."""
    if translation.get_language() == language:
        return contextlib.nullcontext()
    return translation.override(language)


@dataclass(frozen=True)
class Source:
    subject: str
    body: str
    overridden: bool


@dataclass(frozen=True)
class Rendered:
    subject: str
    body: str
    wa_template: str


def source_for(key: str, language: str) -> Source:
    """The text staff saved for (key, language), else the shipped default."""
    row = TemplateOverride.objects.filter(key=key, language=language).first()
    if row is not None:
        return Source(row.subject, row.body, True)
    subject, body = catalog.default_source(key, language)
    return Source(subject, body, False)


class Renderer:
    """Renders one template for many recipients: sources are read once per language."""

    def __init__(self, key: str):
        self.spec = catalog.spec_for(key)
        self._sources: dict[str, Source] = {}

    def source(self, language: str) -> Source:
        if language not in self._sources:
            self._sources[language] = source_for(self.spec.key, language)
        return self._sources[language]

    def render(self, context: Any, language: str) -> Rendered:
        """`context` must already be plain (sandbox.plain). Plain text: no HTML escaping."""
        src = self.source(language)
        with _language(language):
            subject, body = sandbox.render_many((src.subject, src.body), context)
        return Rendered(
            subject=" ".join(subject.split())[:200],
            body=body.strip(),
            wa_template=self.spec.whatsapp,
        )

    def whatsapp_params(self, context: Any, language: str) -> list[str]:
        """The approved template's body parameters (only rendered for WhatsApp rows)."""
        with _language(language):
            params = sandbox.render_many(self.spec.whatsapp_params, context)
        # WhatsApp refuses newlines and runs of spaces inside a template parameter.
        return [" ".join(p.split()) for p in params]
