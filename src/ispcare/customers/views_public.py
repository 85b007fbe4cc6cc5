"""Views: placeholders until the pages are written (in progress)."""

from django.http import HttpResponse


def home(request, *args, **kwargs):
    return HttpResponse(status=501)


def register(request, *args, **kwargs):
    return HttpResponse(status=501)


def registration_done(request, *args, **kwargs):
    return HttpResponse(status=501)


def registration_status(request, *args, **kwargs):
    return HttpResponse(status=501)
