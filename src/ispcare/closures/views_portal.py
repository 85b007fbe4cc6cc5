"""The customer's side of closing (being built: the page of one request)."""

from __future__ import annotations

from django.shortcuts import get_object_or_404, render

from ispcare.accounts.decorators import customer_required

from .models import Closure


@customer_required
def closure_detail(request, pk: int):
    closure = get_object_or_404(Closure, pk=pk, customer__user=request.user)
    return render(request, "closures/portal/closure.html", {"closure": closure})
