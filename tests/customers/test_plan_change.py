"""Plan change: recorded for billing's proration, the network gets the new profile, bad
choices refused; customer service does it from the customer page."""

from __future__ import annotations

import pytest
from django.urls import reverse

from ispcare.accounts.roles import Role
from ispcare.common.errors import Conflict, ValidationFailed
from ispcare.customers.choices import EventKind, SubscriptionState
from ispcare.customers.models import PlanChange, Subscription
from ispcare.customers.services import subscription_plan_change
from ispcare.network.models import SubscriberAccess
from tests.factories import PlanFactory
from tests.web import login

pytestmark = pytest.mark.django_db


@pytest.fixture
def bigger(db):
    return PlanFactory(code="home-50", name="Home 50", monthly_price=350_000, radius_profile="h50")


def test_a_plan_change_is_recorded_and_reaches_the_network(onboarding, bigger):
    _customer, sub = onboarding.active()
    before = sub.plan
    subscription_plan_change(subscription_id=sub.pk, plan_id=bigger.pk, actor=onboarding.finance)
    sub.refresh_from_db()
    assert sub.plan == bigger
    change = PlanChange.objects.get(subscription=sub)
    assert (change.from_plan, change.to_plan) == (before, bigger)
    event = sub.events.get(kind=EventKind.PLAN_CHANGED)
    assert event.data == {"from": before.code, "to": "home-50"}
    assert SubscriberAccess.objects.get(username=sub.pppoe_username).profile == "h50"
    # The same plan again changes nothing.
    subscription_plan_change(subscription_id=sub.pk, plan_id=bigger.pk, actor=onboarding.finance)
    assert PlanChange.objects.count() == 1


def test_an_unknown_or_withdrawn_plan_is_refused(onboarding, bigger):
    _customer, sub = onboarding.active()
    bigger.is_active = False
    bigger.save()
    for plan_id in (bigger.pk, 987654):
        with pytest.raises(ValidationFailed) as exc:
            subscription_plan_change(subscription_id=sub.pk, plan_id=plan_id, actor=None)
        assert set(exc.value.fields) == {"plan"}
    assert not PlanChange.objects.exists()


def test_a_closed_subscription_cannot_change_plan(onboarding, bigger):
    _customer, sub = onboarding.active()
    Subscription.objects.filter(pk=sub.pk).update(state=SubscriptionState.CLOSED)
    with pytest.raises(Conflict):
        subscription_plan_change(subscription_id=sub.pk, plan_id=bigger.pk, actor=None)


def test_customer_service_changes_the_plan_from_the_customer_page(client, onboarding, bigger):
    customer, sub = onboarding.active()
    login(client, Role.CUSTOMER_SERVICE)
    page = client.get(reverse("staff:customer_detail", args=[customer.pk])).content.decode()
    assert reverse("staff:subscription_plan", args=[sub.pk]) in page
    response = client.post(reverse("staff:subscription_plan", args=[sub.pk]), {"plan": bigger.pk})
    assert response.status_code == 302
    assert Subscription.objects.get(pk=sub.pk).plan == bigger
    client.post(reverse("staff:subscription_plan", args=[sub.pk]), {"plan": "x"})
    assert PlanChange.objects.count() == 1
