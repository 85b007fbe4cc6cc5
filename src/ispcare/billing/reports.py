"""Billing reports (reads only): the unpaid list, aging of open balances, the daily cash
report, a customer's ledger and the record of the periodic runs.

Set-based: every figure is an aggregate computed by the database. The unpaid list is one
grouped query per page (LIMIT/OFFSET over the groups) and one query for its totals (which
also gives the number of rows, so no separate COUNT); aging is one query for the buckets,
one for the number of customers and one per page of them (SQL over a derived table of the
invoices open on the day, so each balance is computed once); the daily cash report one
query for the groups and one per page of payments.

Days past due are counted in WIB calendar days: due today is "not yet due", due
yesterday is 1 day past due.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.db.models import (
    Count,
    F,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ispcare.customers.choices import SubscriptionState
from ispcare.customers.models import Customer

from . import ledger as ledger_module
from .choices import NON_CASH_METHODS, OPEN_STATUSES, InvoiceStatus, PaymentMethod
from .models import Allocation, BillingRun, Invoice, Payment

PAGE_SIZE = 50  # rows per page of the lists
ONLINE_METHODS = (PaymentMethod.MIDTRANS, PaymentMethod.XENDIT)
ONLINE = "online"  # the cashier key of payments taken by a gateway

# States the unpaid list filters on (the two a subscriber with unpaid invoices is in).
STATES = (SubscriptionState.ACTIVE, SubscriptionState.ISOLATED)


# --- Buckets of days past due -------------------------------------------------------------


@dataclass(frozen=True)
class Bucket:
    key: str
    label: Any
    low: int | None  # days past due, inclusive; None: no lower bound
    high: int | None  # inclusive; None: no upper bound

    def due_q(self, as_of: dt.date, field_name: str = "due_date") -> Q:
        """Rows whose `field_name` (a due date) puts them in this bucket on `as_of`."""
        q = Q()
        if self.low is not None:  # at least `low` days past due: due on or before as_of - low
            q &= Q(**{f"{field_name}__lte": as_of - dt.timedelta(days=self.low)})
        if self.high is not None:
            q &= Q(**{f"{field_name}__gte": as_of - dt.timedelta(days=self.high)})
        return q

    def holds(self, days: int) -> bool:
        return (self.low is None or days >= self.low) and (self.high is None or days <= self.high)


BUCKETS = (
    Bucket("not_due", _("Not yet due"), None, 0),
    Bucket("1-30", _("1-30 days"), 1, 30),
    Bucket("31-60", _("31-60 days"), 31, 60),
    Bucket("61-90", _("61-90 days"), 61, 90),
    Bucket("90+", _("Over 90 days"), 91, None),
)
BUCKET_BY_KEY = {b.key: b for b in BUCKETS}


def days_past_due(due: dt.date | None, as_of: dt.date) -> int:
    return max((as_of - due).days, 0) if due else 0


def bucket_of(days: int) -> Bucket:
    return next(b for b in BUCKETS if b.holds(days))


def day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[00:00, next 00:00) of a WIB calendar day, as aware datetimes."""
    tz = timezone.get_default_timezone()  # Asia/Jakarta
    start = dt.datetime.combine(day, dt.time.min, tzinfo=tz)
    return start, dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, tzinfo=tz)


# --- Unpaid list --------------------------------------------------------------------------


@dataclass(frozen=True)
class UnpaidFilters:
    state: str = ""  # "" or one of STATES
    plan_id: int | None = None
    kecamatan: str = ""
    overdue: str = ""  # "" or a Bucket key
    min_amount: int | None = None
    q: str = ""
    sort: str = "amount"  # "amount" (largest first) or "days" (oldest due first)


SORTS = {
    "amount": ("-due", "oldest", "subscription_id"),
    "days": ("oldest", "-due", "subscription_id"),
}


def unpaid_groups(*, filters: UnpaidFilters, today: dt.date, details: bool = False) -> QuerySet:
    """One row (a dict) per subscription with open invoices, filtered and sorted. With
    `details`, the customer's and the subscription's columns come along (grouped on too:
    they are one value per subscription)."""
    rows = Invoice.objects.filter(status__in=OPEN_STATUSES)
    if filters.state:
        rows = rows.filter(subscription__state=filters.state)
    if filters.plan_id:
        rows = rows.filter(subscription__plan_id=filters.plan_id)
    if filters.kecamatan:
        rows = rows.filter(customer__kecamatan=filters.kecamatan)
    if filters.q:
        rows = rows.filter(
            Q(customer__number__icontains=filters.q) | Q(customer__full_name__icontains=filters.q)
        )
    keys = ["subscription_id", *DETAIL_FIELDS.values()] if details else ["subscription_id"]
    groups = rows.values(*keys).annotate(
        invoices=Count("id"),
        due=Sum(F("amount") - F("amount_paid")),
        oldest=Min("due_date"),
    )
    if filters.overdue:
        groups = groups.filter(BUCKET_BY_KEY[filters.overdue].due_q(today, "oldest"))
    if filters.min_amount:
        groups = groups.filter(due__gte=filters.min_amount)
    return groups.order_by(*SORTS.get(filters.sort, SORTS["amount"]))


DETAIL_FIELDS = {
    "customer_id": "customer_id",
    "number": "customer__number",
    "name": "customer__full_name",
    "phone": "customer__phone",
    "kecamatan": "customer__kecamatan",
    "state": "subscription__state",
    "plan": "subscription__plan__name",
    "node": "subscription__node__name",
}


@dataclass
class UnpaidRow:
    subscription_id: int
    customer_id: int
    number: str
    name: str
    phone: str
    kecamatan: str
    state: str
    plan: str
    node: str
    invoices: int
    due: int
    oldest: dt.date
    days: int

    @property
    def state_label(self) -> str:
        return str(SubscriptionState(self.state).label) if self.state else ""


def _unpaid_row(r: dict, today: dt.date) -> UnpaidRow:
    return UnpaidRow(
        subscription_id=r["subscription_id"],
        invoices=r["invoices"],
        due=r["due"] or 0,
        oldest=r["oldest"],
        days=days_past_due(r["oldest"], today),
        **{k: r[v] or ("" if k != "customer_id" else None) for k, v in DETAIL_FIELDS.items()},
    )


@dataclass
class UnpaidTotals:
    rows: int = 0
    invoices: int = 0
    due: int = 0


def unpaid_totals(*, filters: UnpaidFilters, today: dt.date) -> UnpaidTotals:
    """Totals over every row of the filtered list (one query, over the grouped rows)."""
    t = (
        unpaid_groups(filters=filters, today=today)
        .order_by()
        .aggregate(t_rows=Count("subscription_id"), t_invoices=Sum("invoices"), t_due=Sum("due"))
    )
    return UnpaidTotals(rows=t["t_rows"] or 0, invoices=t["t_invoices"] or 0, due=t["t_due"] or 0)


def _details(groups: list[dict]) -> list[dict]:
    """The customer's and subscription's columns of a page of groups: one query by id."""
    from ispcare.customers.models import Subscription

    ids = [g["subscription_id"] for g in groups]
    fields = {k: v.replace("subscription__", "") for k, v in DETAIL_FIELDS.items()}
    found = {
        d["pk"]: d for d in Subscription.objects.filter(pk__in=ids).values("pk", *fields.values())
    }
    return [
        {
            **g,
            **{
                v: found[g["subscription_id"]][f]
                for v, f in zip(DETAIL_FIELDS.values(), fields.values(), strict=True)
            },
        }
        for g in groups
    ]


def unpaid_page(
    *, filters: UnpaidFilters, today: dt.date, start: int, stop: int
) -> list[UnpaidRow]:
    """Rows [start, stop) of the list: the page of groups (grouped by the subscription
    only, LIMIT/OFFSET), then their customers' and subscriptions' columns by id."""
    groups = list(unpaid_groups(filters=filters, today=today)[start:stop])
    return [_unpaid_row(r, today) for r in _details(groups)]


def unpaid_all(*, filters: UnpaidFilters, today: dt.date) -> Iterator[UnpaidRow]:
    """Every row, streamed from the database (exports)."""
    rows = unpaid_groups(filters=filters, today=today, details=True)
    for r in rows.iterator(chunk_size=2000):
        yield _unpaid_row(r, today)


# --- Aging --------------------------------------------------------------------------------


def _open_on(as_of: dt.date, q: str = "") -> tuple[str, tuple]:
    """SQL of the invoices open at the end of `as_of` (WIB): id, customer_id, due_date and
    bal, their balance then (computed once per invoice).

    Today: the open invoices, amount - amount_paid. Another day: the invoices issued by
    then and neither paid nor voided by then, less what was allocated to them by then
    (what was paid on an invoice voided since is not known any more: it counts as unpaid
    up to its void).
    """
    if as_of >= timezone.localdate():
        rows = Invoice.objects.filter(status__in=OPEN_STATUSES).annotate(
            bal=F("amount") - F("amount_paid")
        )
    else:
        _, end = day_bounds(as_of)
        paid = (
            Allocation.objects.filter(invoice=OuterRef("pk"), created_at__lt=end)
            .order_by()
            .values("invoice")
            .annotate(s=Sum("amount"))
            .values("s")
        )
        rows = (
            Invoice.objects.filter(issued_at__lt=end)
            .exclude(status=InvoiceStatus.VOID, voided_at__lt=end)
            .exclude(paid_at__lt=end)
            .annotate(bal=F("amount") - Coalesce(Subquery(paid, output_field=IntegerField()), 0))
        )
    if q:
        rows = rows.filter(Q(customer__number__icontains=q) | Q(customer__full_name__icontains=q))
    sql, params = (
        rows.order_by().values("id", "customer_id", "due_date", "bal").query.sql_with_params()
    )
    if connection.vendor == "postgresql":
        # A fence: PostgreSQL would otherwise pull the subquery up into the outer query
        # and repeat the balance (and its allocation subquery) in every bucket's CASE.
        sql += " OFFSET 0"
    return sql, tuple(params)


def _bucket_sql(bucket: Bucket, as_of: dt.date) -> tuple[str, list]:
    """The condition `t.due_date` in `bucket` on `as_of`, as SQL and parameters."""
    conds, params = [], []
    if bucket.low is not None:
        conds.append("t.due_date <= %s")
        params.append(connection.ops.adapt_datefield_value(as_of - dt.timedelta(days=bucket.low)))
    if bucket.high is not None:
        conds.append("t.due_date >= %s")
        params.append(connection.ops.adapt_datefield_value(as_of - dt.timedelta(days=bucket.high)))
    return " AND ".join(conds) or "1 = 1", params


def _bucket_sums(as_of: dt.date, *, counts: bool) -> tuple[list[str], list]:
    columns, params = [], []
    for b in BUCKETS:
        cond, p = _bucket_sql(b, as_of)
        if counts:
            columns.append(f"SUM(CASE WHEN {cond} THEN 1 ELSE 0 END)")
            params += p
        columns.append(f"SUM(CASE WHEN {cond} THEN t.bal ELSE 0 END)")
        params += p
    return columns, params


def _fetch(sql: str, params: list | tuple) -> list[tuple]:
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # PostgreSQL's JIT compiles these aggregates for longer than they run (its
            # cost estimate counts the allocation subquery per invoice): off for them.
            cursor.execute("SET LOCAL jit = off")
        cursor.execute(sql, params)
        return cursor.fetchall()


@dataclass
class AgingBucket:
    key: str
    label: Any
    count: int
    amount: int
    share: float = 0.0  # of the total amount, 0..100
    scale: float = 0.0  # of the largest bucket's amount, 0..100: the bar's length


@dataclass
class Aging:
    as_of: dt.date
    buckets: list[AgingBucket]
    count: int
    amount: int


def aging(*, as_of: dt.date) -> Aging:
    """Count and amount of the open invoices per bucket: one query."""
    inner, inner_params = _open_on(as_of)
    columns, params = _bucket_sums(as_of, counts=True)
    sql = f"SELECT {', '.join(columns)} FROM ({inner}) t"  # noqa: S608 - no user text
    row = _fetch(sql, [*params, *inner_params])[0]
    t = {}
    for i, b in enumerate(BUCKETS):
        t[f"n_{b.key}"], t[f"a_{b.key}"] = row[2 * i], row[2 * i + 1]
    buckets = [
        AgingBucket(b.key, b.label, int(t[f"n_{b.key}"] or 0), int(t[f"a_{b.key}"] or 0))
        for b in BUCKETS
    ]
    total = sum(b.amount for b in buckets)
    biggest = max(b.amount for b in buckets)
    for b in buckets:
        b.share = round(100 * b.amount / total, 1) if total else 0.0
        b.scale = round(100 * b.amount / biggest, 1) if biggest else 0.0
    return Aging(as_of, buckets, sum(b.count for b in buckets), total)


@dataclass
class AgingCustomer:
    customer_id: int
    number: str
    name: str
    amounts: dict[str, int]
    total: int
    oldest: dt.date
    days: int

    @property
    def columns(self) -> list[int]:
        return [self.amounts[b.key] for b in BUCKETS]

    @property
    def cells(self) -> list[tuple[Any, int]]:
        return [(b.label, self.amounts[b.key]) for b in BUCKETS]


def _aging_customers_sql(as_of: dt.date, q: str) -> tuple[str, list]:
    """Per customer: total, oldest due date and the bucket sums, grouped by the customer's
    id only (names are read for the page's customers afterwards)."""
    inner, inner_params = _open_on(as_of, q)
    columns, params = _bucket_sums(as_of, counts=False)
    sql = (
        "SELECT t.customer_id, SUM(t.bal) AS total, MIN(t.due_date), "  # noqa: S608
        f"{', '.join(columns)} FROM ({inner}) t "
        "GROUP BY t.customer_id HAVING SUM(t.bal) > 0"
    )
    return sql, [*params, *inner_params]


def aging_customers_count(*, as_of: dt.date, q: str = "") -> int:
    sql, params = _aging_customers_sql(as_of, q)
    return _fetch(f"SELECT COUNT(*) FROM ({sql}) x", params)[0][0]  # noqa: S608


def _aging_rows(as_of: dt.date, q: str, limit: int | None, offset: int) -> list[AgingCustomer]:
    sql, params = _aging_customers_sql(as_of, q)
    sql += " ORDER BY total DESC, t.customer_id"
    if limit is not None:
        sql += " LIMIT %s OFFSET %s"
        params = [*params, limit, offset]
    found = _fetch(sql, params)
    names = {
        pk: (number, name)
        for pk, number, name in Customer.objects.filter(pk__in=[r[0] for r in found]).values_list(
            "pk", "number", "full_name"
        )
    }
    rows = []
    for r in found:
        customer_id, total, oldest, *amounts = r
        if isinstance(oldest, str):  # SQLite answers dates as text here
            oldest = dt.date.fromisoformat(oldest)
        number, name = names[customer_id]
        rows.append(
            AgingCustomer(
                customer_id=customer_id,
                number=number,
                name=name,
                amounts={b.key: int(a or 0) for b, a in zip(BUCKETS, amounts, strict=True)},
                total=int(total or 0),
                oldest=oldest,
                days=days_past_due(oldest, as_of),
            )
        )
    return rows


def aging_customers_page(
    *, as_of: dt.date, q: str = "", start: int, stop: int
) -> list[AgingCustomer]:
    return _aging_rows(as_of, q, stop - start, start)


def aging_customers_all(*, as_of: dt.date, q: str = "") -> Iterator[AgingCustomer]:
    """Every customer (exports): in pages of 5,000, so memory stays flat."""
    offset = 0
    while True:
        rows = _aging_rows(as_of, q, 5000, offset)
        yield from rows
        if len(rows) < 5000:
            return
        offset += 5000


# --- Daily cash ---------------------------------------------------------------------------


@dataclass
class CashGroup:
    cashier: str  # user id as text, or ONLINE, or "" (nobody recorded)
    cashier_label: str
    method: str
    method_label: str
    count: int
    amount: int


@dataclass
class CashierTotal:
    cashier: str
    label: str
    count: int
    amount: int
    share: float = 0.0
    methods: list[CashGroup] = field(default_factory=list)


@dataclass
class DailyCash:
    day: dt.date
    groups: list[CashGroup]
    cashiers: list[CashierTotal]
    by_method: list[tuple[str, int, int]]  # label, count, amount
    count: int
    amount: int


def _user_label(first: str | None, last: str | None, username: str | None) -> str:
    name = f"{first or ''} {last or ''}".strip()
    return name or username or ""


def online_label() -> str:
    return str(_("Online (Midtrans/Xendit)"))


def payments_on(day: dt.date) -> QuerySet[Payment]:
    start, end = day_bounds(day)
    return Payment.objects.filter(received_at__gte=start, received_at__lt=end).exclude(
        method__in=NON_CASH_METHODS
    )


def daily_cash(*, day: dt.date) -> DailyCash:
    raw = (
        payments_on(day)
        .values(
            "received_by_id",
            "received_by__username",
            "received_by__first_name",
            "received_by__last_name",
            "method",
        )
        .annotate(count=Count("id"), amount=Sum("amount"))
        .order_by()
    )
    methods = dict(PaymentMethod.choices)
    merged: dict[tuple[str, str], CashGroup] = {}
    for r in raw:
        if r["method"] in ONLINE_METHODS:
            key, label = ONLINE, online_label()
        elif r["received_by_id"]:
            key = str(r["received_by_id"])
            label = _user_label(
                r["received_by__first_name"],
                r["received_by__last_name"],
                r["received_by__username"],
            )
        else:
            key, label = "", str(_("(not recorded)"))
        g = merged.get((key, r["method"]))
        if g is None:
            g = merged[(key, r["method"])] = CashGroup(
                key, label, r["method"], str(methods.get(r["method"], r["method"])), 0, 0
            )
        g.count += r["count"]
        g.amount += r["amount"] or 0
    groups = sorted(merged.values(), key=lambda g: (g.cashier == ONLINE, g.cashier_label, g.method))
    cashiers: dict[str, CashierTotal] = {}
    for g in groups:
        c = cashiers.setdefault(g.cashier, CashierTotal(g.cashier, g.cashier_label, 0, 0))
        c.count += g.count
        c.amount += g.amount
        c.methods.append(g)
    total = sum(g.amount for g in groups)
    biggest = max((c.amount for c in cashiers.values()), default=0)
    for c in cashiers.values():
        c.share = round(100 * c.amount / biggest, 1) if biggest else 0.0
    by_method: dict[str, list] = {}
    for g in groups:
        m = by_method.setdefault(g.method, [g.method_label, 0, 0])
        m[1] += g.count
        m[2] += g.amount
    return DailyCash(
        day=day,
        groups=groups,
        cashiers=list(cashiers.values()),
        by_method=[tuple(v) for v in by_method.values()],  # type: ignore[misc]
        count=sum(g.count for g in groups),
        amount=total,
    )


def daily_payments(*, day: dt.date) -> QuerySet[Payment]:
    """The day's payments, in the order received, with customer and cashier."""
    return (
        payments_on(day)
        .select_related("customer", "received_by")
        .only(
            "received_at",
            "amount",
            "method",
            "reference",
            "customer__number",
            "customer__full_name",
            "received_by__username",
            "received_by__first_name",
            "received_by__last_name",
        )
        .order_by("received_at", "id")
    )


def cashier_of(p: Payment) -> str:
    if p.method in ONLINE_METHODS:
        return online_label()
    if p.received_by_id:
        u = p.received_by
        return _user_label(u.first_name, u.last_name, u.username)
    return str(_("(not recorded)"))


# --- Customer ledger ----------------------------------------------------------------------


@dataclass
class Ledger:
    customer: Customer
    entries: list[ledger_module.Entry]
    closing: int  # the last running balance
    balance: int  # ledger.balance(): open invoices less credit

    @property
    def agrees(self) -> bool:
        return self.closing == self.balance

    @property
    def debits(self) -> int:
        return sum(e.debit for e in self.entries)

    @property
    def credits(self) -> int:
        return sum(e.credit for e in self.entries)


def customer_ledger(*, customer: Customer) -> Ledger:
    entries = ledger_module.ledger(customer_id=customer.pk)
    return Ledger(
        customer=customer,
        entries=entries,
        closing=entries[-1].balance if entries else 0,
        balance=ledger_module.balance(customer_id=customer.pk),
    )


# --- Billing runs -------------------------------------------------------------------------


def billing_runs() -> QuerySet[BillingRun]:
    return BillingRun.objects.order_by("-started_at", "-id")


def duration(run: BillingRun) -> dt.timedelta | None:
    return run.finished_at - run.started_at if run.finished_at else None


def last_runs() -> dict[str, dict]:
    """The last run of each kind (for the run-now forms)."""
    latest = BillingRun.objects.values("kind").annotate(last=Max("started_at"))
    return {r["kind"]: r for r in latest}


__all__ = [
    "BUCKETS",
    "Aging",
    "DailyCash",
    "Ledger",
    "UnpaidFilters",
    "aging",
    "aging_customers_page",
    "customer_ledger",
    "daily_cash",
    "daily_payments",
    "unpaid_page",
    "unpaid_totals",
]
