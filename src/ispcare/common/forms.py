"""What every page does with a service's refusal: put it on the form, field by field."""

from __future__ import annotations

from collections.abc import Mapping

from django import forms

from .errors import DomainError


def errors_to_form(
    form: forms.Form, exc: DomainError, *, field_map: Mapping[str, str] | None = None
) -> None:
    """Field errors of a service onto the form's fields (renamed by `field_map` where the
    service and the form differ); errors for unknown fields and the message above the form."""
    placed = False
    for field, msgs in exc.fields.items():
        name = (field_map or {}).get(field, field)
        for msg in msgs:
            form.add_error(name if name in form.fields else None, str(msg))
            placed = True
    if not placed:
        form.add_error(None, str(exc.message))
