"""Render staff-editable templates without giving them the keys to the house.

A separate Django template engine: no template loaders (no include/extends), no `load`,
only the tags and filters of sandbox_tags.py, autoescaping on by default, and a context of
plain values only (strings, numbers, dates, lists and dicts of them): there is no model,
settings or request object to walk from, and Django already refuses names starting
with an underscore.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from functools import lru_cache
from types import MappingProxyType
from typing import Any

from django.template import Context, Engine, Template, TemplateSyntaxError
from django.utils import translation
from django.utils.functional import Promise


class SandboxEngine(Engine):
    default_builtins = ["ispcare.notifications.sandbox_tags"]


ENGINE = SandboxEngine(
    dirs=[],
    app_dirs=False,
    loaders=[("django.template.loaders.locmem.Loader", {})],
    libraries={},
    autoescape=True,
    string_if_invalid="",
    debug=False,
)

PLAIN = (str, int, float, Decimal, bool, dt.date, dt.datetime, dt.time, type(None))


def plain(value: Any, path: str = "context") -> Any:
    """`value` as read-only plain data; TypeError for anything else.

    Read-only because Django calls what a template names: `{{ items.pop }}` on a list, or
    `{{ d.clear }}` on a dict, would change the context the next recipient is rendered with.
    """
    if isinstance(value, Promise):
        return str(value)
    if isinstance(value, PLAIN):
        return value
    if isinstance(value, (dict, MappingProxyType)):
        return MappingProxyType({str(k): plain(v, f"{path}.{k}") for k, v in value.items()})
    if isinstance(value, (list, tuple)):
        return tuple(plain(v, f"{path}[{i}]") for i, v in enumerate(value))
    raise TypeError(f"{path} is a {type(value).__name__}; templates get plain values only")


@lru_cache(maxsize=256)
def compile_template(source: str) -> Template:
    """Compiled once per source text: a bulk send renders the same template 100,000 times."""
    return Template(source, engine=ENGINE)


def check(source: str) -> None:
    """Raise TemplateSyntaxError if `source` is not a valid sandboxed template."""
    compile_template(source)


def render(source: str, context: Any, *, language: str, autoescape: bool) -> str:
    with translation.override(language):
        return compile_template(source).render(Context(context, autoescape=autoescape))


def render_many(sources: Iterable[str], context: Any) -> list[str]:
    """Plain-text renderings (no autoescaping) in the active language, one Context."""
    ctx = Context(context, autoescape=False)
    return [compile_template(source).render(ctx) for source in sources]


__all__ = ["TemplateSyntaxError", "check", "plain", "render"]
