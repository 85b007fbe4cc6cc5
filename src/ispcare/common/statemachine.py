"""State machines as data: a transition table plus guards, checked in one place.

Each app's `lifecycle.py` declares its `Transition`s; `Machine.check` answers whether an
action is allowed from a state and raises a coded `Conflict` when it is not. The app's
one perform function locks the row, calls `check`, saves, writes the event row and
enqueues effects on commit.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext_lazy as _

from .errors import Conflict

Guard = Callable[[Any], "str | None"]  # returns a reason the action is refused, or None


@dataclass(frozen=True)
class Transition:
    action: str
    sources: frozenset[str]
    target: str
    label: Any = ""
    guards: tuple[Guard, ...] = field(default_factory=tuple)


class Machine:
    def __init__(self, name: str, transitions: Iterable[Transition]) -> None:
        self.name = name
        self.transitions = {t.action: t for t in transitions}

    def actions_from(self, state: str) -> list[str]:
        return [a for a, t in self.transitions.items() if state in t.sources]

    def allowed(self, obj: Any, action: str, state: str) -> bool:
        t = self.transitions.get(action)
        return bool(t and state in t.sources and not any(g(obj) for g in t.guards))

    def check(self, obj: Any, action: str, state: str) -> Transition:
        t = self.transitions.get(action)
        if t is None:
            raise Conflict(_("Unknown action."), code=f"{self.name}.unknown_action")
        if state not in t.sources:
            raise Conflict(
                _("This action is not possible in the current state (%(state)s).")
                % {"state": state},
                code=f"{self.name}.illegal_transition",
            )
        for guard in t.guards:
            reason = guard(obj)
            if reason:
                raise Conflict(reason, code=f"{self.name}.guard_failed")
        return t
