"""Login (staff username, customer number or email), logout, and the home redirect by role."""

from __future__ import annotations

from functools import wraps

from django.conf import settings
from django.contrib import auth
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from ispcare.common.errors import RateLimited
from ispcare.common.ratelimit import rate_limit_hit

from .forms import LoginForm
from .roles import Role

HOME_BY_ROLE = {
    Role.CUSTOMER: "portal:dashboard",
    Role.TECHNICIAN: "workorders:my_jobs",
    Role.REGISTRATION: "staff:registration_queue",
    Role.FINANCE: "billing:invoice_list",
    Role.CLOSING: "closures:queue",
}


def rate_limited_page(name: str, methods: tuple[str, ...] = ("POST",)):
    """Like common.ratelimit.rate_limited, but answers 429 with a page people can read."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.method in methods:
                try:
                    rate_limit_hit(request, name)
                except RateLimited as exc:
                    return render(
                        request, "accounts/rate_limited.html", {"message": exc.message}, status=429
                    )
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def remember_language(request, response, user) -> None:
    """Speak the person's own language unless they already chose one in this browser."""
    if settings.LANGUAGE_COOKIE_NAME in request.COOKIES:
        return
    if user.language in dict(settings.LANGUAGES):
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME, user.language, max_age=365 * 24 * 3600, samesite="Lax"
        )


def _safe_next(request) -> str:
    next_url = request.POST.get("next") or request.GET.get("next", "")
    if next_url and url_has_allowed_host_and_scheme(
        next_url, {request.get_host()}, require_https=request.is_secure()
    ):
        return next_url
    return ""


@rate_limited_page("login")
def login(request):
    """Public: the login form (limit "login" on POST)."""
    next_url = _safe_next(request)
    if request.method != "POST" and request.user.is_authenticated and not next_url:
        return redirect("accounts:home")
    form = LoginForm(request, data=request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        user = form.get_user()
        auth.login(request, user)
        response = redirect(next_url or "accounts:home")
        remember_language(request, response, user)
        return response
    return render(request, "accounts/login.html", {"form": form, "next": next_url})


login.public = True


@require_POST
def logout(request):
    """Public: ends the session (POST only, so a link or an image cannot log someone out)."""
    auth.logout(request)
    return redirect("accounts:login")


logout.public = True


@login_required
def home(request):
    """Any logged-in person: sent to the page they start their day on."""
    return redirect(HOME_BY_ROLE.get(request.user.role, "staff:dashboard"))


home.public = True  # any logged-in role; it only redirects
