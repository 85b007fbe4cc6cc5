"""A staff member's saved ticket-list filters: save under a name (again: replaced), delete
their own (someone else's answers not found, so its existence does not leak)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from ispcare.common.errors import NotFound, ValidationFailed

from .models import SavedView

MAX_PER_USER = 30


def saved_view_save(*, owner: Any, name: str, query: str) -> SavedView:
    name = (name or "").strip()
    if not name:
        raise ValidationFailed(_("Name this view."), fields={"name": [_("Name this view.")]})
    if len(name) > 60 or len(query) > 500:
        raise ValidationFailed(
            _("Too long."), fields={"name": [_("At most %(n)d characters.") % {"n": 60}]}
        )
    with transaction.atomic():
        mine = SavedView.objects.select_for_update().filter(owner=owner)
        existing = mine.filter(name=name).first()
        if existing:
            existing.query = query
            existing.save(update_fields=["query"])
            return existing
        if mine.count() >= MAX_PER_USER:
            raise ValidationFailed(
                _("At most %(n)d saved views: delete one first.") % {"n": MAX_PER_USER},
                fields={"name": [_("At most %(n)d saved views.") % {"n": MAX_PER_USER}]},
            )
        return SavedView.objects.create(owner=owner, name=name, query=query)


def saved_view_delete(*, owner: Any, view_id: int) -> None:
    deleted, _rows = SavedView.objects.filter(owner=owner, pk=view_id).delete()
    if not deleted:
        raise NotFound(_("No such saved view."), code="saved_view.not_found")
