"""Personal data pages (decision 0019): the customer's own download in the portal, and for
staff the anonymisation log with a download of a customer's data on their request."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ispcare.accounts.decorators import capability_required, customer_required
from ispcare.common.errors import RateLimited
from ispcare.common.models import PersonalDataErasure
from ispcare.common.privacy import section_labels
from ispcare.common.ratelimit import rate_limit_hit
from ispcare.customers.models import Customer

from .privacy import JOB, customer_data_download, privacy_summary

PAGE_SIZE = 50


def _attachment(name: str, body: bytes) -> HttpResponse:
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _retention(days: int) -> dict[str, int]:
    """Whole years when the period is whole years (730 -> 2 years), else days."""
    return {"years": days // 365} if days and days % 365 == 0 else {"days": days}


@customer_required
def portal_privacy(request):
    """Customer: what we keep and for how long; POST downloads their own data as JSON
    (always their own: the URL names no one). Limited per account, not per address:
    many customers share one mobile carrier address."""
    customer = get_object_or_404(Customer, user=request.user)
    if request.method == "POST":
        try:
            rate_limit_hit(request, "data_export", key=f"user:{request.user.pk}")
        except RateLimited as exc:
            return HttpResponse(
                str(exc.message), status=429, content_type="text/plain; charset=utf-8"
            )
        name, body = customer_data_download(customer_id=customer.pk, actor=request.user)
        return _attachment(name, body)
    return render(
        request,
        "closures/privacy/portal.html",
        {"customer": customer, "retention": _retention(settings.PRIVACY_RETENTION_DAYS)},
    )


@capability_required("privacy.view")
def erasure_log(request):
    """Staff: who was anonymised, when, by whom, which sections and how many rows:
    customers and registrations that never became one, newest first."""
    summary = privacy_summary()
    log = PersonalDataErasure.objects.select_related("actor")
    page = Paginator(log, PAGE_SIZE).get_page(request.GET.get("page"))
    labels = section_labels()
    for record in page:
        record.sections = [
            {
                "name": name,
                "label": labels.get(name, name),
                "rows": sum(t.get("rows", 0) for t in tables.values()),
                "tables": [
                    {"table": table, "columns": t.get("columns", []), "rows": t.get("rows", 0)}
                    for table, t in tables.items()
                ],
            }
            for name, tables in record.fields.items()
        ]
        record.by_job = record.actor_label == JOB
    return render(
        request,
        "closures/privacy/staff_log.html",
        {
            "page": page,
            "summary": summary,
            "retention": _retention(summary["retention_days"]),
            "number": request.GET.get("number", ""),
        },
    )


@require_POST
@capability_required("privacy.view")
def customer_export(request):
    """Staff: download a customer's data for them (asked at the counter or in writing)."""
    number = (request.POST.get("number") or "").strip()
    customer = Customer.objects.filter(number__iexact=number).first() if number else None
    if customer is None:
        messages.error(
            request,
            _("No customer has the number “%(number)s”.") % {"number": number[:32]}
            if number
            else _("Enter a customer number."),
        )
        return redirect("privacy:log")
    name, body = customer_data_download(customer_id=customer.pk, actor=request.user)
    return _attachment(name, body)
