"""Views: placeholders until the pages are written (in progress)."""

from django.http import HttpResponse


def login(request, *args, **kwargs):
    return HttpResponse(status=501)


def logout(request, *args, **kwargs):
    return HttpResponse(status=501)


def home(request, *args, **kwargs):
    return HttpResponse(status=501)
