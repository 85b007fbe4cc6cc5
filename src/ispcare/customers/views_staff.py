"""Views: placeholders until the pages are written (in progress)."""

from django.http import HttpResponse


def dashboard(request, *args, **kwargs):
    return HttpResponse(status=501)


def registration_queue(request, *args, **kwargs):
    return HttpResponse(status=501)


def registration_detail(request, *args, **kwargs):
    return HttpResponse(status=501)


def registration_approve(request, *args, **kwargs):
    return HttpResponse(status=501)


def registration_reject(request, *args, **kwargs):
    return HttpResponse(status=501)


def customer_list(request, *args, **kwargs):
    return HttpResponse(status=501)


def customer_detail(request, *args, **kwargs):
    return HttpResponse(status=501)


def equipment_list(request, *args, **kwargs):
    return HttpResponse(status=501)
