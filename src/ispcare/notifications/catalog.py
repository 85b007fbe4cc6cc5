"""The templates the system can send, registered by the apps that send them.

`notifications` knows nothing of customers: each app registers its events here (key,
title, a sample context for the staff preview, the approved WhatsApp template and its
parameters) and ships default texts as `notices/<key>.<language>.txt` in its templates
directory: the first line is the subject, the rest (after a blank line) the body.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.template import TemplateDoesNotExist
from django.template.loader import get_template

LANGUAGES = ("id", "en")


@dataclass(frozen=True)
class TemplateSpec:
    key: str
    title: Any  # lazily translated
    sample: dict[str, Any] = field(default_factory=dict)
    # Approved WhatsApp Business template, and its body parameters as template expressions.
    whatsapp: str = ""
    whatsapp_params: tuple[str, ...] = ()


_REGISTRY: dict[str, TemplateSpec] = {}


def register(spec: TemplateSpec) -> TemplateSpec:
    _REGISTRY[spec.key] = spec
    return spec


def spec_for(key: str) -> TemplateSpec:
    try:
        return _REGISTRY[key]
    except KeyError:
        raise KeyError(f"no notification template {key!r} is registered") from None


def all_specs() -> list[TemplateSpec]:
    return sorted(_REGISTRY.values(), key=lambda s: s.key)


def default_source(key: str, language: str) -> tuple[str, str]:
    """(subject, body) as shipped; falls back to Indonesian when a language has no file."""
    for lang in (language, "id"):
        try:
            source = get_template(f"notices/{key}.{lang}.txt").template.source
        except TemplateDoesNotExist:
            continue
        subject, _, body = source.partition("\n")
        return subject.strip(), body.strip("\n")
    raise KeyError(f"no default text for notification template {key!r}")
