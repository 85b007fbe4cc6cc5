"""Permission checks for views: every staff and portal view uses one of these."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied

from .roles import Role, has_capability


def capability_required(capability: str):
    """Anonymous: to the login page. Logged in without the capability: 403."""

    def decorator(view):
        view.required_capability = capability

        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not has_capability(request.user, capability):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def customer_required(view):
    """Portal views: only a logged-in customer; staff get 403."""
    view.required_capability = "portal"

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if request.user.role != Role.CUSTOMER or not request.user.is_active:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper
