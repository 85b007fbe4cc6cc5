"""Public pages: the ISP's home, the registration form and the application status."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from ispcare.accounts.views import rate_limited_page
from ispcare.common.errors import DomainError

from .choices import ApplicationStatus, SubscriptionState
from .forms import CONSENTS, RegistrationForm
from .models import Application, Plan, Subscription
from .notices import status_reference, status_token
from .services import registration_submit


def home(request):
    """Public: the plans and how joining works."""
    return render(
        request, "customers/public/home.html", {"plans": Plan.objects.filter(is_active=True)}
    )


home.public = True


def _plan_initial(request) -> dict:
    plan = request.GET.get("plan", "")
    return {"plan": plan} if plan.isdigit() else {}


@rate_limited_page("registration")
def register(request):
    """Public: the registration form (limit "registration" on POST, honeypot `website`)."""
    if request.method == "POST":
        form = RegistrationForm(request.POST)
        if form.is_valid():
            try:
                app = registration_submit(
                    cleaned=form.cleaned_data, language=translation.get_language() or "id"
                )
            except DomainError as exc:
                for field, messages in exc.fields.items():
                    for message in messages:
                        form.add_error(field if field in form.fields else None, message)
                if not exc.fields:
                    form.add_error(None, exc.message)
            else:
                return redirect("customers:registration_done", token=status_token(app))
    else:
        form = RegistrationForm(initial=_plan_initial(request))
    return render(
        request,
        "customers/public/register.html",
        {
            "form": form,
            "plans": form.fields["plan"].queryset,
            "consent_fields": [form[name] for name in CONSENTS],
        },
    )


register.public = True


def _application(token: str) -> Application:
    reference = status_reference(token)
    if reference is None:
        raise Http404
    app = Application.objects.select_related("plan").filter(reference=reference).first()
    if app is None:
        raise Http404
    return app


def registration_done(request, token: str):
    """Public with the signed link: the reference and what happens next."""
    app = _application(token)
    return render(
        request,
        "customers/public/done.html",
        {
            "application": app,
            "token": token,
            "status_link": request.build_absolute_uri(
                reverse("customers:registration_status", args=[token])
            ),
        },
    )


registration_done.public = True


# The onboarding of the SOP as the applicant and the customer see it.
STEP_LABELS = [
    ("submitted", _("Registration sent")),
    ("verified", _("Data verified, customer number issued")),
    ("installed", _("Installed, initial payment paid")),
    ("deposit", _("Deposit paid")),
    ("active", _("Internet active")),
]
ENDED = {SubscriptionState.CANCELLED, SubscriptionState.CLOSED}


def onboarding_steps(
    application: Application | None, subscription: Subscription | None
) -> list[dict]:
    """The five steps with `done`, `current` and when each was reached (shared with the portal)."""
    when = {
        "submitted": application.created_at if application else None,
        "verified": (application.reviewed_at if application else None)
        or (subscription.created_at if subscription else None),
    }
    if application is not None and application.status != ApplicationStatus.APPROVED:
        when["verified"] = None
    if subscription is not None:
        when["submitted"] = when["submitted"] or subscription.created_at
        when["installed"] = subscription.installed_at
        when["deposit"] = subscription.deposit_paid_at
        when["active"] = subscription.activated_at
    ended = subscription is not None and subscription.state in ENDED
    steps, current_given = [], ended
    for key, label in STEP_LABELS:
        done = when.get(key) is not None
        current = not done and not current_given
        current_given = current_given or current
        steps.append(
            {"key": key, "label": label, "done": done, "current": current, "when": when.get(key)}
        )
    return steps


@rate_limited_page("registration_status", methods=("GET",))
def registration_status(request, token: str):
    """Public with the signed link: where the application stands."""
    app = _application(token)
    subscription = None
    customer = getattr(app, "customer", None) if app.status == ApplicationStatus.APPROVED else None
    if customer is not None:
        subscription = customer.subscriptions.select_related("plan").first()
    return render(
        request,
        "customers/public/status.html",
        {
            "application": app,
            "customer": customer,
            "subscription": subscription,
            "steps": onboarding_steps(app, subscription),
            "rejected": app.status == ApplicationStatus.REJECTED,
        },
    )


registration_status.public = True
