"""Views: placeholders until the pages are written (in progress)."""

from django.http import HttpResponse


def invoice_list(request, *args, **kwargs):
    return HttpResponse(status=501)


def invoice_detail(request, *args, **kwargs):
    return HttpResponse(status=501)


def payment_create(request, *args, **kwargs):
    return HttpResponse(status=501)


def customer_panel(request, *args, **kwargs):
    return HttpResponse(status=501)
