"""Public pages: the ISP's home, the registration form and the application status."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import translation

from ispcare.common.errors import Duplicate
from ispcare.common.ratelimit import rate_limited

from .choices import ApplicationStatus, SubscriptionState
from .forms import CONSENTS, RegistrationForm
from .models import Application, Plan
from .notices import status_reference, status_token
from .services import registration_submit


def home(request):
    """Public: plans and how joining works."""
    return render(
        request, "customers/public/home.html", {"plans": Plan.objects.filter(is_active=True)}
    )


home.public = True


@rate_limited("registration")
def register(request):
    """Public: the registration form (rate-limited, with a honeypot)."""
    form = RegistrationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            app = registration_submit(
                cleaned=form.cleaned_data, language=translation.get_language()
            )
        except Duplicate as exc:
            for field, messages in exc.fields.items():
                for message in messages:
                    form.add_error(field, message)
        else:
            return redirect("customers:registration_done", token=status_token(app))
    return render(
        request,
        "customers/public/register.html",
        {
            "form": form,
            "plans": Plan.objects.filter(is_active=True),
            "consents": list(CONSENTS),
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
    return render(request, "customers/public/done.html", {"application": app, "token": token})


registration_done.public = True

# Onboarding steps as the applicant sees them; each is done once the subscription passed it.
STEPS = ["submitted", "verified", "installed", "deposit", "active"]
_REACHED = {
    SubscriptionState.PENDING_INSTALLATION: 2,
    SubscriptionState.AWAITING_DEPOSIT: 3,
    SubscriptionState.ACTIVE: 5,
    SubscriptionState.ISOLATED: 5,
}


def registration_status(request, token: str):
    """Public with the signed link: where the application stands."""
    app = _application(token)
    subscription = None
    reached = 1
    if app.status == ApplicationStatus.APPROVED:
        subscription = app.customer.subscriptions.select_related("plan").first()
        reached = _REACHED.get(subscription.state, 2) if subscription else 2
    return render(
        request,
        "customers/public/status.html",
        {
            "application": app,
            "subscription": subscription,
            "reached": reached,
            "rejected": app.status == ApplicationStatus.REJECTED,
        },
    )


registration_status.public = True
