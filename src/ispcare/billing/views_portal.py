"""Views: placeholders until the pages are written (in progress)."""

from django.http import HttpResponse


def invoices(request, *args, **kwargs):
    return HttpResponse(status=501)


def due_panel(request, *args, **kwargs):
    return HttpResponse(status=501)
