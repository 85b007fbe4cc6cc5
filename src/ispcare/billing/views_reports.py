"""Staff billing reports: the unpaid list, aging, the daily cash report, a customer's ledger,
their CSV/XLSX exports, and the billing runs with "run now".

Thin views: the figures come from `reports` (aggregates in SQL), the files from
`exports`, the runs from `run` and `dunning`. Filters are forms: a bad value gets its
field's message and the list is not shown (nor exported) with it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from ispcare.accounts.decorators import capability_required
from ispcare.accounts.roles import has_capability
from ispcare.common.errors import DomainError
from ispcare.customers.models import CoverageArea, Customer, Plan

from . import exports, reports
from .choices import RunKind, RunStatus
from .forms import RupiahField

RUNS_PAGE_SIZE = 25
EARLIEST = dt.date(2000, 1, 1)


class Counted:
    """A list of known length whose slices are fetched on demand (Paginator's object_list):
    the count comes from the totals query, the page from one query with LIMIT/OFFSET."""

    def __init__(self, count: int, fetch: Callable[[int, int], list]) -> None:
        self._count, self._fetch = count, fetch

    def count(self) -> int:
        return self._count

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, s: slice) -> list:
        start, stop = s.start or 0, min(s.stop or self._count, self._count)
        return self._fetch(start, stop) if stop > start else []


def _page_number(request) -> str:
    return request.GET.get("page") or "1"


def _date_field(label) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y"],
    )


# --- Filter forms -------------------------------------------------------------------------


class UnpaidFilterForm(forms.Form):
    q = forms.CharField(
        label=gettext_lazy("Customer number or name"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    state = forms.ChoiceField(label=gettext_lazy("Service"), required=False)
    plan = forms.ModelChoiceField(
        label=gettext_lazy("Plan"),
        queryset=Plan.objects.all(),
        required=False,
        empty_label=gettext_lazy("All plans"),
    )
    kecamatan = forms.ChoiceField(label=gettext_lazy("Kecamatan"), required=False)
    overdue = forms.ChoiceField(label=gettext_lazy("Overdue"), required=False)
    min_amount = RupiahField(label=gettext_lazy("Amount due at least (Rp)"), required=False)
    sort = forms.ChoiceField(
        label=gettext_lazy("Sort by"),
        required=False,
        choices=[
            ("amount", gettext_lazy("Amount due, largest first")),
            ("days", gettext_lazy("Days overdue, longest first")),
        ],
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        from ispcare.customers.choices import SubscriptionState

        self.fields["state"].choices = [
            ("", _("Active and isolated")),
            *[(s.value, s.label) for s in map(SubscriptionState, reports.STATES)],
        ]
        areas = (
            CoverageArea.objects.order_by("kecamatan")
            .values_list("kecamatan", flat=True)
            .distinct()
        )
        self.fields["kecamatan"].choices = [("", _("All kecamatan")), *[(k, k) for k in areas]]
        self.fields["overdue"].choices = [
            ("", _("Any")),
            *[(b.key, b.label) for b in reports.BUCKETS],
        ]

    def filters(self) -> reports.UnpaidFilters:
        d = self.cleaned_data
        return reports.UnpaidFilters(
            state=d.get("state") or "",
            plan_id=d["plan"].pk if d.get("plan") else None,
            kecamatan=d.get("kecamatan") or "",
            overdue=d.get("overdue") or "",
            min_amount=d.get("min_amount"),
            q=(d.get("q") or "").strip(),
            sort=d.get("sort") or "amount",
        )


class AgingForm(forms.Form):
    as_of = _date_field(gettext_lazy("As of"))
    q = forms.CharField(
        label=gettext_lazy("Customer number or name"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )

    def clean_as_of(self):
        day = self.cleaned_data["as_of"] or timezone.localdate()
        if day < EARLIEST:
            raise forms.ValidationError(_("Choose a date from 2000 on."), code="too_early")
        return day


class DayForm(forms.Form):
    day = _date_field(gettext_lazy("Day"))

    def clean_day(self):
        day = self.cleaned_data["day"] or timezone.localdate()
        if day > timezone.localdate():
            raise forms.ValidationError(_("That day has not come yet."), code="future")
        if day < EARLIEST:
            raise forms.ValidationError(_("Choose a date from 2000 on."), code="too_early")
        return day


class RunForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Job"), choices=RunKind.choices)


def _with_default(request, name: str, value: dt.date):
    """The query with `name` filled in when it is missing, so the form shows the date used."""
    data = request.GET.copy()
    if not data.get(name):
        data[name] = value.isoformat()
    return data


def _export_links(request, name: str, data=None, **kwargs) -> dict[str, str]:
    """The report's CSV and XLSX addresses with the filters in force (`data`: the form's)."""
    query = (data if data is not None else request.GET).copy()
    query.pop("page", None)
    qs = f"?{query.urlencode()}" if query else ""
    return {
        fmt: reverse(f"billing_reports:{name}_{fmt}", kwargs=kwargs) + qs for fmt in ("csv", "xlsx")
    }


# --- Unpaid list --------------------------------------------------------------------------


def _unpaid_context(request, form: UnpaidFilterForm) -> dict:
    today = timezone.localdate()
    context = {"form": form, "today": today, "tab": "unpaid"}
    if not form.is_valid():
        return context
    filters = form.filters()
    totals = reports.unpaid_totals(filters=filters, today=today)
    rows = Counted(
        totals.rows,
        lambda a, b: reports.unpaid_page(filters=filters, today=today, start=a, stop=b),
    )
    page = Paginator(rows, reports.PAGE_SIZE).get_page(_page_number(request))
    context.update(
        totals=totals,
        page=page,
        exports=_export_links(request, "unpaid"),
        filtered=any(v for k, v in form.cleaned_data.items() if k != "sort"),
    )
    return context


@capability_required("billing.reports")
def unpaid(request):
    form = UnpaidFilterForm(request.GET)
    context = _unpaid_context(request, form)
    return render(
        request,
        "billing/reports/unpaid.html",
        context,
        status=200 if form.is_valid() else 400,
    )


@capability_required("billing.reports")
def unpaid_export(request, fmt: str):
    form = UnpaidFilterForm(request.GET)
    if not form.is_valid():
        return render(
            request, "billing/reports/unpaid.html", _unpaid_context(request, form), status=400
        )
    table = exports.unpaid_table(filters=form.filters(), today=timezone.localdate())
    return exports.respond(table, fmt)


# --- Aging --------------------------------------------------------------------------------


def _aging_context(request, form: AgingForm) -> dict:
    context = {"form": form, "tab": "aging", "buckets": reports.BUCKETS}
    if not form.is_valid():
        return context
    as_of, q = form.cleaned_data["as_of"], form.cleaned_data["q"].strip()
    summary = reports.aging(as_of=as_of)
    count = reports.aging_customers_count(as_of=as_of, q=q)
    rows = Counted(
        count, lambda a, b: reports.aging_customers_page(as_of=as_of, q=q, start=a, stop=b)
    )
    context.update(
        as_of=as_of,
        today=timezone.localdate(),
        aging=summary,
        page=Paginator(rows, reports.PAGE_SIZE).get_page(_page_number(request)),
        exports=_export_links(request, "aging", form.data),
    )
    return context


@capability_required("billing.reports")
def aging(request):
    form = AgingForm(_with_default(request, "as_of", timezone.localdate()))
    return render(
        request,
        "billing/reports/aging.html",
        _aging_context(request, form),
        status=200 if form.is_valid() else 400,
    )


@capability_required("billing.reports")
def aging_export(request, fmt: str):
    form = AgingForm(_with_default(request, "as_of", timezone.localdate()))
    if not form.is_valid():
        return render(
            request, "billing/reports/aging.html", _aging_context(request, form), status=400
        )
    d = form.cleaned_data
    return exports.respond(exports.aging_table(as_of=d["as_of"], q=d["q"].strip()), fmt)


# --- Daily cash ---------------------------------------------------------------------------


def _cash_context(request, form: DayForm) -> dict:
    today = timezone.localdate()
    context = {"form": form, "tab": "cash", "today": today}
    if not form.is_valid():
        return context
    day = form.cleaned_data["day"]
    context.update(
        day=day,
        previous=day - dt.timedelta(days=1),
        next=day + dt.timedelta(days=1) if day < today else None,
        cash=reports.daily_cash(day=day),
        page=Paginator(reports.daily_payments(day=day), 100).get_page(_page_number(request)),
        exports=_export_links(request, "cash", form.data),
    )
    return context


@capability_required("billing.reports")
def daily_cash(request):
    form = DayForm(_with_default(request, "day", timezone.localdate()))
    return render(
        request,
        "billing/reports/cash.html",
        _cash_context(request, form),
        status=200 if form.is_valid() else 400,
    )


@capability_required("billing.reports")
def daily_cash_export(request, fmt: str):
    form = DayForm(_with_default(request, "day", timezone.localdate()))
    if not form.is_valid():
        return render(
            request, "billing/reports/cash.html", _cash_context(request, form), status=400
        )
    return exports.respond(exports.daily_cash_table(day=form.cleaned_data["day"]), fmt)


# --- Customer ledger ----------------------------------------------------------------------


@capability_required("billing.view")
def customer_ledger(request, customer_pk: int):
    customer = get_object_or_404(Customer, pk=customer_pk)
    return render(
        request,
        "billing/reports/ledger.html",
        {
            "ledger": reports.customer_ledger(customer=customer),
            "customer": customer,
            "exports": _export_links(request, "ledger", customer_pk=customer.pk),
            "can_reports": has_capability(request.user, "billing.reports"),
        },
    )


@capability_required("billing.view")
def customer_ledger_export(request, customer_pk: int, fmt: str):
    customer = get_object_or_404(Customer, pk=customer_pk)
    return exports.respond(
        exports.ledger_table(ledger=reports.customer_ledger(customer=customer)), fmt
    )


# --- Billing runs -------------------------------------------------------------------------


@capability_required("billing.reports")
def runs(request):
    page = Paginator(reports.billing_runs(), RUNS_PAGE_SIZE).get_page(_page_number(request))
    for run in page:
        run.duration = reports.duration(run)
        run.count_items = sorted((run.counts or {}).items())
    last = reports.last_runs()
    kinds = [
        {"value": value, "label": label, "last": (last.get(value) or {}).get("last")}
        for value, label in RunKind.choices
    ]
    return render(
        request,
        "billing/reports/runs.html",
        {"page": page, "kinds": kinds, "tab": "runs", "running": RunStatus.RUNNING},
    )


def _run(kind: str, actor) -> list:
    from . import dunning, run

    if kind == RunKind.INVOICES:
        return run.invoices_run(actor=actor)
    if kind == RunKind.REMINDERS:
        return [dunning.reminders_run(actor=actor)]
    return [dunning.isolation_run(actor=actor)]


@require_POST
@capability_required("billing.reports")
def run_start(request):
    form = RunForm(request.POST)
    if not form.is_valid():
        for error in form.errors.get("kind", []):
            messages.error(request, _("Job: %(error)s") % {"error": error})
        return redirect("billing_reports:runs")
    kind = form.cleaned_data["kind"]
    label = RunKind(kind).label
    try:
        done = _run(kind, request.user)
    except DomainError as exc:
        messages.error(request, _("%(job)s: %(error)s") % {"job": label, "error": exc})
        return redirect("billing_reports:runs")
    if not done:
        messages.info(
            request, _("%(job)s: nothing to do, every ended period is billed.") % {"job": label}
        )
    for r in done:
        if r.status == RunStatus.FAILED:
            messages.error(
                request,
                _("%(job)s failed; nothing of it was saved. The error is on the run below.")
                % {"job": label},
            )
        else:
            counts = ", ".join(f"{k}: {v}" for k, v in sorted((r.counts or {}).items()))
            messages.success(
                request, _("%(job)s done (%(counts)s).") % {"job": label, "counts": counts or "-"}
            )
    return redirect("billing_reports:runs")
