"""Views: placeholders until the pages are written (in progress)."""

from django.http import HttpResponse


def installation_board(request, *args, **kwargs):
    return HttpResponse(status=501)


def installation_schedule(request, *args, **kwargs):
    return HttpResponse(status=501)


def my_jobs(request, *args, **kwargs):
    return HttpResponse(status=501)


def job_detail(request, *args, **kwargs):
    return HttpResponse(status=501)


def installation_complete(request, *args, **kwargs):
    return HttpResponse(status=501)


def customer_panel(request, *args, **kwargs):
    return HttpResponse(status=501)
