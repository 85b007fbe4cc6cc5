"""Turn a template key, a language and a context into subject, body and WhatsApp params."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from . import catalog, sandbox
from .models import TemplateOverride


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
    wa_params: list[str]


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

        def text(template: str) -> str:
            return sandbox.render(template, context, language=language, autoescape=False)

        return Rendered(
            subject=" ".join(text(src.subject).split())[:200],
            body=text(src.body).strip(),
            wa_template=self.spec.whatsapp,
            # WhatsApp refuses newlines and runs of spaces inside a template parameter.
            wa_params=[" ".join(text(p).split()) for p in self.spec.whatsapp_params],
        )
