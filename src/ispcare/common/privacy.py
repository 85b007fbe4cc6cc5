"""Personal data (UU PDP): the registry every app puts its section in, and the tools the
sections share (decision 0019).

Each app that keeps personal data registers one section in its AppConfig.ready():

- an exporter, `(subject: Subject) -> dict`: top-level keys of the customer's data
  download (JSON-serialisable: dates as ISO strings, money as whole rupiah ints). It gets
  the Subject, not only the customer id, so apps below customers (accounts,
  notifications) find the rows by the account and references it names;
- an anonymiser, `(batch: ErasureBatch) -> {table: {customer_id: rows changed}}`: set-based
  updates over the whole batch, inside the caller's transaction;
- the columns it anonymises, `{table: (column, ...)}`, shown to staff in the erasure log.

common is the lowest layer: it knows no other app. The closing app (closures/privacy.py)
builds the batch (pseudonyms, the personal values to look for) and calls every section in
order, so a lower app reaches the data of the apps above it without importing them.
An explicit registry with an order, not signals.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Count,
    ExpressionWrapper,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.fields import BigIntegerField
from django.utils.hashable import make_hashable

from .bulk import rows_update

# What replaces free text that may hold personal data. Stored, not translated: readable
# in Indonesian and English alike.
REDACTED = "[anonim]"

Exporter = Callable[["Subject"], dict[str, Any]]
Counts = dict[str, dict[int, int]]
Anonymiser = Callable[["ErasureBatch"], Counts]


@dataclass(frozen=True)
class Section:
    name: str
    label: Any  # lazy text, for staff
    order: int
    exporter: Exporter
    anonymiser: Anonymiser
    columns: Mapping[str, tuple[str, ...]]


_SECTIONS: dict[str, Section] = {}


def section_register(
    *,
    name: str,
    label: Any,
    order: int,
    exporter: Exporter,
    anonymiser: Anonymiser,
    columns: Mapping[str, Iterable[str]],
) -> None:
    """Add (or replace, on a second ready()) the section `name`. Lower `order` runs first:
    use the layer order (accounts 10, notifications 20, customers 30, billing 40,
    workorders 50, closures 60, helpdesk 70)."""
    _SECTIONS[name] = Section(
        name, label, order, exporter, anonymiser, {t: tuple(c) for t, c in columns.items()}
    )


def sections() -> list[Section]:
    return sorted(_SECTIONS.values(), key=lambda s: (s.order, s.name))


def section_labels() -> dict[str, Any]:
    return {s.name: s.label for s in sections()}


# --- pseudonyms --------------------------------------------------------------------------


def pseudonym_for(label: str) -> str:
    """ "ANON-" + 10 hex of HMAC-SHA256(SECRET_KEY, label): the same for the same customer
    number, not reversible without the key. 15 characters: fits every name column."""
    digest = hmac.new(settings.SECRET_KEY.encode(), label.encode(), hashlib.sha256).hexdigest()
    return "ANON-" + digest[:10].upper()


# --- the personal values of one customer, and scrubbing them from text --------------------


def phone_variants(e164: str) -> tuple[str, ...]:
    """How an Indonesian number is written in stored columns: +62812…, 62812…, 0812…."""
    digits = re.sub(r"\D", "", e164 or "")
    if not digits:
        return ()
    national = digits[2:] if digits.startswith("62") else digits.lstrip("0")
    if len(national) < 6:
        return (e164,)
    return (f"+62{national}", f"62{national}", f"0{national}")


def _phone_pattern(e164: str) -> str | None:
    digits = re.sub(r"\D", "", e164 or "")
    national = digits[2:] if digits.startswith("62") else digits.lstrip("0")
    if len(national) < 6:
        return None
    body = r"[\s.\-()]*".join(national)
    # +62 812…, 62812…, 0812-…, (0812) …, or the bare 812… (not inside a longer number)
    return rf"(?<!\d)(?:\(?(?:(?:\+\s*)?62|0)[\s.\-()]*)?{body}(?!\d)"


def _words_pattern(text: str) -> str:
    return r"\s+".join(re.escape(w) for w in text.split())


@dataclass(frozen=True)
class Subject:
    """One customer being anonymised: who, under which pseudonym, and every personal
    value of theirs that another table may repeat (searched for in free text)."""

    customer_id: int
    label: str  # the customer number: stays, financial records carry it
    pseudonym: str
    user_id: int | None = None
    refs: tuple[str, ...] = ()  # how other apps referred to them: "customer:42", ...
    names: tuple[str, ...] = ()
    niks: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()  # E.164
    emails: tuple[str, ...] = ()
    streets: tuple[str, ...] = ()
    _pattern: Any = field(default=None, init=False, compare=False, repr=False)

    @property
    def phone_values(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(v for p in self.phones for v in phone_variants(p)))

    @property
    def addresses(self) -> tuple[str, ...]:
        """Every way a message address may hold them: emails and phone spellings."""
        return tuple(dict.fromkeys((*self.emails, *self.phone_values)))

    def patterns(self) -> tuple[re.Pattern | None, re.Pattern | None]:
        """(names, other values): compiled once per subject."""
        if self._pattern is None:
            names: list[str] = []
            for name in self.names:
                names.append(rf"\b{_words_pattern(name)}\b")
                # Single words of a name too ("Pak Budi"), when long enough to mean it.
                names.extend(rf"\b{re.escape(w)}\b" for w in name.split() if len(w) >= 3)
            others = [rf"(?<!\d){re.escape(n)}(?!\d)" for n in self.niks if n]
            others.extend(p for p in map(_phone_pattern, self.phones) if p)
            others.extend(re.escape(e) for e in self.emails if e)
            others.extend(_words_pattern(s) for s in self.streets if s.strip())
            compiled = tuple(
                # Longest first, so a full name wins over its words.
                re.compile("|".join(sorted(set(p), key=len, reverse=True)), re.IGNORECASE)
                if p
                else None
                for p in (names, others)
            )
            object.__setattr__(self, "_pattern", compiled)
        return self._pattern

    def scrub(self, text: Any) -> Any:
        """`text` with this customer's names replaced by the pseudonym and their other
        personal values (NIK, phone in any spelling, email, street) by REDACTED."""
        if not text or not isinstance(text, str):
            return text
        names, others = self.patterns()
        if others is not None:
            text = others.sub(REDACTED, text)
        if names is not None:
            text = names.sub(self.pseudonym, text)
        return text

    def scrub_json(self, value: Any) -> Any:
        """A JSON value with every string scrubbed (keys kept)."""
        if isinstance(value, str):
            return self.scrub(value)
        if isinstance(value, list):
            return [self.scrub_json(v) for v in value]
        if isinstance(value, dict):
            return {k: self.scrub_json(v) for k, v in value.items()}
        return value


@dataclass
class _Group:
    """One lookup of a batch: `column` IN the values of every customer, AND `fixed` (the
    same conditions for each of them). `owners`: value -> the first customer's index."""

    fixed: tuple
    column: str
    owners: dict[Any, int] = field(default_factory=dict)
    prepared: dict[Any, int] = field(default_factory=dict)
    flag: str = ""


def _key(child: Any) -> tuple[str, list] | None:
    """(column, values) of a `column__in=[...]` or `column=value` lookup on plain values;
    None for anything else (a subquery, an expression, NULL, another lookup)."""
    if isinstance(child, Q):
        return None
    lookup, value = child
    if lookup.endswith("__in"):
        if not isinstance(value, list | tuple | set | frozenset):
            return None
        # IN ignores NULL (Django drops it from the list): so does the merge.
        values = [v for v in value if v is not None]
        plain_ = all(isinstance(v, int | str) and not isinstance(v, bool) for v in values)
        return (lookup[:-4], values) if plain_ else None
    column = lookup.removesuffix("__exact")
    if "__" in column or isinstance(value, bool) or not isinstance(value, int | str):
        return None
    return column, [value]


def _terms(q: Q) -> list[tuple[tuple, str, list]] | None:
    """`q` as an OR of (fixed conditions, column, values); None if it is not one."""
    if not isinstance(q, Q) or q.negated:
        return None
    if not q.children:
        return []  # Q(): matches none of the batch (as `any` and `case` skip it)
    if q.connector == Q.OR or len(q.children) == 1:
        if q.connector not in (Q.OR, Q.AND):
            return None
        out: list[tuple[tuple, str, list]] = []
        for child in q.children:
            if isinstance(child, Q):
                terms = _terms(child)
            else:
                key = _key(child)
                terms = [((), *key)] if key else None
            if terms is None:
                return None
            out += terms
        return out
    if q.connector != Q.AND:
        return None
    # AND: one `column IN (...)` that varies by customer, the rest the same for everyone.
    keys = [c for c in q.children if not isinstance(c, Q) and c[0].endswith("__in")]
    key = _key(keys[0]) if len(keys) == 1 else None
    if key is None:
        return None
    fixed = tuple(c for c in q.children if c is not keys[0])
    return [(fixed, *key)]


def _local_fields(model: Any, columns: Iterable[str]) -> dict[str, Any] | None:
    """The model's own concrete column behind each name (the pk too), or None when one is
    reached through a relation (a row could come back once per related row)."""
    out = {}
    for column in columns:
        if "__" in column:
            return None
        try:
            f = model._meta.pk if column == "pk" else model._meta.get_field(column)
        except FieldDoesNotExist:
            return None
        if not getattr(f, "concrete", False) or f.many_to_many:
            return None
        out[column] = f
    return out


class ErasureBatch:
    """The customers anonymised in one transaction, and query helpers over them.

    A `match` gives each customer's lookups (an OR of `column IN (...)`, some with
    conditions the same for everyone, such as `customer IS NULL`). `any` merges them into
    one `IN` list per column for the whole batch: one OR of 500 customers' groups is
    evaluated on every row of a big table and no index serves it (64 s a batch on a
    1.2 M-row outbox), the merged lists take 0.3 s. `owned` reads the matching rows once
    and finds whose each is in Python, from the value that matched (for the counts and
    for per-customer values such as the pseudonym); `case`/`owner_of` give the same owner
    as an SQL expression, for small tables."""

    def __init__(self, subjects: Iterable[Subject]):
        self.subjects: dict[int, Subject] = {s.customer_id: s for s in subjects}

    @property
    def customer_ids(self) -> list[int]:
        return list(self.subjects)

    @property
    def pseudonyms(self) -> dict[int, str]:
        return {cid: s.pseudonym for cid, s in self.subjects.items()}

    @property
    def user_ids(self) -> list[int]:
        return [s.user_id for s in self.subjects.values() if s.user_id]

    def subject_q(self, subject: Subject, lookups: Mapping[str, str]) -> Q:
        """Rows of `subject`. `lookups` maps a kind of key to the column holding it:
        id (the customer id), user, ref, phone, email, address (emails and phones), nik.
        Columns of the table itself: the expressions are also used in UPDATE ... SET."""
        values = {
            "id": (subject.customer_id,),
            "user": (subject.user_id,) if subject.user_id else (),
            "ref": subject.refs,
            "phone": subject.phone_values,
            "email": subject.emails,
            "address": subject.addresses,
            "nik": subject.niks,
        }
        q = Q()
        for kind, column in lookups.items():
            wanted = [v for v in values[kind] if v not in ("", None)]
            if wanted:
                q |= Q(**{f"{column}__in": wanted})
        return q

    def match(self, **lookups: str) -> Callable[[Subject], Q]:
        return lambda subject: self.subject_q(subject, lookups)

    def any(self, match: Callable[[Subject], Q]) -> Q:
        """Rows of any customer in the batch (an empty batch or no key matches no row)."""
        groups = self._groups(match)
        q = Q(pk__in=[])
        if groups is None:  # lookups of another shape: one OR per customer
            for subject in self.subjects.values():
                sq = match(subject)
                if sq:
                    q |= sq
            return q
        for g in groups:
            q |= Q(*g.fixed, **{f"{g.column}__in": list(g.owners)})
        return q

    def _groups(self, match: Callable[[Subject], Q]) -> list[_Group] | None:
        """Every customer's `match` merged: one group per column (and conditions), its
        values each with the first customer (in batch order) who has it. None when some
        customer's Q is not an OR of `column IN (...)` / `column = value` lookups, each
        maybe AND-ed with other conditions."""
        groups: dict[Any, _Group] = {}
        for index, subject in enumerate(self.subjects.values()):
            terms = _terms(match(subject))
            if terms is None:
                return None
            for fixed, column, values in terms:
                key = (make_hashable(fixed), column)
                group = groups.get(key)
                if group is None:
                    group = groups[key] = _Group(fixed, column)
                for value in values:
                    group.owners.setdefault(value, index)
        return [g for g in groups.values() if g.owners]

    def owned(
        self, queryset: QuerySet, match: Callable[[Subject], Q], *columns: str
    ) -> list[tuple[Subject, dict[str, Any]]]:
        """The rows of `queryset` that are the batch's by `match`, read once: each with
        its customer (the first whose `match` holds, as `owner_of` gives it) and a dict of
        "pk" and `columns`. Read before the columns the rows were found by change."""
        wanted = list(dict.fromkeys(("pk", *columns)))
        subjects = list(self.subjects.values())
        groups = self._groups(match)
        fields = _local_fields(queryset.model, [g.column for g in groups or ()])
        if groups is None or fields is None:
            return self._owned_by_case(queryset, match, wanted)
        try:
            # The values as the database compares them (Django prepares a lookup's values
            # with the column's field: "42" finds 42 in an integer column).
            for g in groups:
                prep = fields[g.column].get_prep_value
                prepared: dict[Any, int] = {}
                for value, index in g.owners.items():
                    prepared.setdefault(prep(value), index)
                g.prepared = prepared
        except (TypeError, ValueError, ValidationError):
            return self._owned_by_case(queryset, match, wanted)
        flags: dict[Any, str] = {}
        annotations = {}
        for g in groups:
            if g.fixed:
                key = make_hashable(g.fixed)
                if key not in flags:
                    flags[key] = f"_fixed{len(flags)}"
                    annotations[flags[key]] = ExpressionWrapper(
                        Q(*g.fixed), output_field=BooleanField()
                    )
                g.flag = flags[key]
        read = list(dict.fromkeys((*wanted, *(g.column for g in groups), *annotations)))
        rows = queryset.filter(self.any(match)).annotate(**annotations).values(*read)
        out: list[tuple[Subject, dict[str, Any]]] = []
        lost: list[Any] = []
        for row in rows.iterator(chunk_size=2000):
            best = None
            for g in groups:
                if g.flag and not row[g.flag]:
                    continue
                index = g.prepared.get(row[g.column])
                if index is not None and (best is None or index < best):
                    best = index
            if best is None:  # matched in SQL by a rule Python does not see: ask SQL
                lost.append(row["pk"])
            else:
                out.append((subjects[best], {c: row[c] for c in wanted}))
        for start in range(0, len(lost), 1000):
            chunk = queryset.filter(pk__in=lost[start : start + 1000])
            out += self._owned_by_case(chunk, match, wanted)
        return out

    def _owned_by_case(
        self, queryset: QuerySet, match: Callable[[Subject], Q], wanted: list[str]
    ) -> list[tuple[Subject, dict[str, Any]]]:
        rows = (
            queryset.filter(self.any(match))
            .annotate(_owner=self.owner_of(match))
            .values("_owner", *wanted)
        )
        return [
            (self.subjects[row["_owner"]], {c: row[c] for c in wanted})
            for row in rows.iterator(chunk_size=2000)
            if row["_owner"] is not None
        ]

    def owners(self, queryset: QuerySet, match: Callable[[Subject], Q]) -> dict[Any, int]:
        """{pk: customer id} of the rows of `queryset` that are the batch's by `match`."""
        return {row["pk"]: s.customer_id for s, row in self.owned(queryset, match)}

    def case(
        self, match: Callable[[Subject], Q], value: Callable[[Subject], Any], output: Any = None
    ) -> Case:
        """An expression: `value(subject)` for the customer a row belongs to (the first
        whose `match` holds), else NULL."""
        whens = [When(sq, then=Value(value(s))) for s in self.subjects.values() if (sq := match(s))]
        return Case(*whens, default=Value(None), output_field=output or CharField())

    def owner_of(self, match: Callable[[Subject], Q]) -> Case:
        """An expression: the id of the customer a row belongs to."""
        return self.case(match, lambda s: s.customer_id, BigIntegerField())

    def q(self, **lookups: str) -> Q:
        return self.any(self.match(**lookups))

    def owner(self, **lookups: str) -> Case:
        return self.owner_of(self.match(**lookups))

    def per_subject(self, value: Callable[[Subject], Any], output: Any = None, **lookups: str):
        return self.case(self.match(**lookups), value, output)

    def scrub_rows(
        self,
        queryset: QuerySet,
        columns: Iterable[str] = (),
        *,
        owner: str | Case,
        json_columns: Iterable[str] = (),
        redact: Iterable[str] = (),
    ) -> dict[int, int]:
        """Scrub the customers' values out of text (and JSON) columns, row by row in
        Python (free text cannot be rewritten in SQL), saved with bulk updates; `redact`
        columns are replaced whole by REDACTED when not empty. `owner`: the column or
        expression giving the row's customer id. Returns changed rows per customer.
        Written by primary key (common.bulk.rows_update): bulk_update's CASE per row and
        column costs more than the update it saves."""
        columns, json_columns, redact = list(columns), list(json_columns), list(redact)
        rows = queryset.annotate(_owner=owner) if not isinstance(owner, str) else queryset
        key = "_owner" if not isinstance(owner, str) else owner
        changed: dict[int, int] = {}
        updates: list[Any] = []
        model = queryset.model
        every = [*columns, *json_columns, *redact]
        for row in rows.values("pk", key, *every).iterator(chunk_size=2000):
            subject = self.subjects.get(row[key])
            if subject is None:
                continue
            new = {c: subject.scrub(row[c]) for c in columns}
            new |= {c: subject.scrub_json(row[c]) for c in json_columns}
            new |= {c: REDACTED if row[c] else row[c] for c in redact}
            if any(new[c] != row[c] for c in new):
                updates.append(model(pk=row["pk"], **new))
                changed[subject.customer_id] = changed.get(subject.customer_id, 0) + 1
        rows_update(updates, every)
        return changed


def in_batches(due: QuerySet, batch: int, handle: Callable[[list[int]], int]) -> int:
    """`handle(ids)` for the primary keys of `due`, `batch` at a time in key order; each
    batch is read after the previous one is handled (so it sees that batch's commit).
    Returns the sum of what `handle` returned."""
    done, cursor = 0, 0
    while True:
        ids = list(due.filter(pk__gt=cursor).order_by("pk").values_list("pk", flat=True)[:batch])
        if not ids:
            return done
        cursor = ids[-1]
        done += handle(ids)


def count_by(queryset: QuerySet, owner: str | Case) -> dict[int, int]:
    """Rows of `queryset` per customer, `owner` being the column (or expression) that
    holds the customer id: take it before the update that the counts describe."""
    if not isinstance(owner, str):
        queryset, owner = queryset.annotate(_owner=owner), "_owner"
    return {
        row[owner]: row["n"]
        for row in queryset.order_by().values(owner).annotate(n=Count("pk"))
        if row[owner] is not None
    }


def count_mapped(queryset: QuerySet, column: str, owners: Mapping[Any, int]) -> dict[int, int]:
    """Rows of `queryset` per customer, grouped by `column` (a parent's id) and mapped to
    the customer through `owners` (parent id -> customer id)."""
    out: dict[int, int] = {}
    for key, n in queryset.order_by().values_list(column).annotate(n=Count("pk")):
        owner = owners.get(key)
        if owner is not None:
            out[owner] = out.get(owner, 0) + n
    return out


def case_on(column: str, mapping: Mapping[Any, Any], output: Any = None) -> Case:
    """An expression: mapping[value of `column`] (NULL for other values)."""
    whens = [When(**{column: k, "then": Value(v)}) for k, v in mapping.items()]
    return Case(*whens, default=Value(None), output_field=output or CharField())


def add_counts(into: Counts, table: str, counts: Mapping[int, int]) -> None:
    if counts:
        bucket = into.setdefault(table, {})
        for cid, n in counts.items():
            bucket[cid] = bucket.get(cid, 0) + n


# --- export helpers ----------------------------------------------------------------------


def plain(value: Any) -> Any:
    """A value as JSON takes it: datetimes and dates as ISO strings, Decimals as strings,
    files by name, lazy text as text."""
    import datetime as dt
    from decimal import Decimal

    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if hasattr(value, "name") and hasattr(value, "storage"):  # a FieldFile
        return value.name or None
    return str(value)


def rows(queryset: QuerySet, *columns: str, **renamed: str) -> list[dict[str, Any]]:
    """The given columns of each row, JSON-ready; `renamed` as key=lookup
    (plan="plan__code")."""
    keys = {**{c: c for c in columns}, **{lookup: key for key, lookup in renamed.items()}}
    return [
        {keys[k]: plain(v) for k, v in row.items()}
        for row in queryset.values(*columns, *renamed.values())
    ]
