"""Views: placeholders until the pages are written (in progress)."""

from django.http import HttpResponse


def dashboard(request, *args, **kwargs):
    return HttpResponse(status=501)


def welcome(request, *args, **kwargs):
    return HttpResponse(status=501)


def notifications(request, *args, **kwargs):
    return HttpResponse(status=501)
