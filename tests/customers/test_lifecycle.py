"""The subscription state machine: the table, the guards, the events, the access state."""

from __future__ import annotations

import itertools

import pytest
from django.core import mail

from ispcare.common.errors import Conflict
from ispcare.customers.choices import EventKind, SubscriptionState
from ispcare.customers.lifecycle import MACHINE, access_spec, access_state, subscription_transition
from ispcare.customers.models import Event, Subscription
from ispcare.customers.services import subscription_deposit_recorded
from ispcare.network.specs import AccessState
from ispcare.notifications.models import Notification
from tests.factories import subscription_in

pytestmark = pytest.mark.django_db

S = SubscriptionState
# The lifecycle as the SOP describes it (module docstring of customers/lifecycle.py).
TABLE = {
    ("complete_installation", S.PENDING_INSTALLATION): S.AWAITING_DEPOSIT,
    ("activate", S.AWAITING_DEPOSIT): S.ACTIVE,
    ("isolate", S.ACTIVE): S.ISOLATED,
    ("restore", S.ISOLATED): S.ACTIVE,
    ("cancel", S.PENDING_INSTALLATION): S.CANCELLED,
    ("close", S.AWAITING_DEPOSIT): S.CLOSED,
    ("close", S.ACTIVE): S.CLOSED,
    ("close", S.ISOLATED): S.CLOSED,
    ("end", S.AWAITING_DEPOSIT): S.ENDED,
    ("end", S.ACTIVE): S.ENDED,
    ("end", S.ISOLATED): S.ENDED,
    ("close", S.ENDED): S.CLOSED,
}
ACTIONS = sorted(MACHINE.transitions)
ILLEGAL = [
    (action, state)
    for action, state in itertools.product(ACTIONS, S.values)
    if (action, state) not in TABLE
]


def test_machine_is_exactly_the_documented_table():
    actual = {
        (action, state): t.target
        for action, t in MACHINE.transitions.items()
        for state in t.sources
    }
    assert actual == TABLE


def test_nothing_leaves_a_terminal_state():
    for state in (S.CANCELLED, S.CLOSED):
        assert MACHINE.actions_from(state) == []


@pytest.mark.parametrize("action,state", ILLEGAL)
def test_illegal_pair_is_a_coded_conflict_and_changes_nothing(onboarding, action, state):
    sub = subscription_in(onboarding, state, deposit=True, device=True)  # guards would pass
    events = Event.objects.count()
    with pytest.raises(Conflict) as exc:
        subscription_transition(subscription_id=sub.pk, action=action, actor=onboarding.finance)
    assert exc.value.code == "subscription.illegal_transition"
    assert exc.value.status == 409
    fresh = Subscription.objects.get(pk=sub.pk)
    assert (fresh.state, fresh.state_changed_at, fresh.updated_at) == (
        sub.state,
        sub.state_changed_at,
        sub.updated_at,
    )
    assert Event.objects.count() == events


@pytest.mark.parametrize("action,state", sorted(TABLE))
def test_legal_pair_moves_to_the_target_with_one_event(onboarding, action, state):
    sub = subscription_in(onboarding, state, deposit=True, device=True)
    events = Event.objects.count()
    after = subscription_transition(
        subscription_id=sub.pk, action=action, actor=onboarding.finance, reason="because"
    )
    assert after.state == TABLE[(action, state)]
    assert Subscription.objects.get(pk=sub.pk).state == after.state
    assert Event.objects.count() == events + 1
    event = Event.objects.latest("id")
    assert event.kind == EventKind.STATE_CHANGED
    assert (event.from_state, event.to_state) == (state, after.state)
    assert event.subscription_id == sub.pk and event.customer_id == sub.customer_id
    assert event.actor == onboarding.finance and event.reason == "because"
    assert event.data["action"] == action
    assert event.data["access"] == access_state(after.state).value


def test_unknown_action_is_a_coded_conflict(onboarding):
    sub = subscription_in(onboarding, S.ACTIVE, deposit=True)
    with pytest.raises(Conflict) as exc:
        subscription_transition(subscription_id=sub.pk, action="teleport", actor=None)
    assert exc.value.code == "subscription.unknown_action"


@pytest.mark.parametrize(
    "action,state,setup",
    [
        ("activate", S.AWAITING_DEPOSIT, {"device": True}),  # no deposit
        ("restore", S.ISOLATED, {"device": True}),  # no deposit
        ("complete_installation", S.PENDING_INSTALLATION, {"deposit": True}),  # no equipment
    ],
)
def test_guards_refuse_and_change_nothing(onboarding, action, state, setup):
    sub = subscription_in(onboarding, state, **setup)
    events = Event.objects.count()
    with pytest.raises(Conflict) as exc:
        subscription_transition(subscription_id=sub.pk, action=action, actor=None)
    assert exc.value.code == "subscription.guard_failed"
    assert Subscription.objects.get(pk=sub.pk).state == state
    assert Event.objects.count() == events


def test_guard_message_says_why(onboarding):
    from django.utils import translation

    sub = subscription_in(onboarding, S.AWAITING_DEPOSIT)
    with translation.override("en"), pytest.raises(Conflict) as exc:
        subscription_transition(subscription_id=sub.pk, action="activate", actor=None)
    assert "deposit" in str(exc.value.message)


ACCESS = {
    S.PENDING_INSTALLATION: AccessState.DISABLED,
    S.AWAITING_DEPOSIT: AccessState.ISOLATED,
    S.ACTIVE: AccessState.ACTIVE,
    S.ISOLATED: AccessState.ISOLATED,
    S.CANCELLED: AccessState.DISABLED,
    S.CLOSED: AccessState.DISABLED,
    S.ENDED: AccessState.DISABLED,
}


def test_access_state_for_every_state():
    assert set(ACCESS) == set(S.values)  # a new state must be mapped here on purpose
    for state, access in ACCESS.items():
        assert access_state(state) == access, state


def test_access_spec_carries_login_profile_and_state(onboarding):
    sub = subscription_in(onboarding, S.AWAITING_DEPOSIT)
    spec = access_spec(sub)
    assert (spec.username, spec.password) == (sub.pppoe_username, sub.pppoe_password)
    assert spec.profile == sub.plan.radius_profile
    assert spec.state == AccessState.ISOLATED


def test_timestamps_installed_and_first_activation_only(onboarding):
    sub = subscription_in(onboarding, S.PENDING_INSTALLATION, deposit=True, device=True)
    sub = subscription_transition(
        subscription_id=sub.pk, action="complete_installation", actor=None
    )
    assert sub.installed_at is not None and sub.activated_at is None
    sub = subscription_transition(subscription_id=sub.pk, action="activate", actor=None)
    first = sub.activated_at
    assert first is not None
    subscription_transition(subscription_id=sub.pk, action="isolate", actor=None, reason="overdue")
    sub = subscription_transition(subscription_id=sub.pk, action="restore", actor=None)
    assert sub.activated_at == first
    assert sub.state_reason == ""


def test_long_reason_is_cut_on_the_row_but_whole_on_the_event(onboarding):
    sub = subscription_in(onboarding, S.ACTIVE, deposit=True)
    reason = "x" * 300
    sub = subscription_transition(
        subscription_id=sub.pk, action="isolate", actor=None, reason=reason
    )
    assert len(sub.state_reason) == 200
    assert Event.objects.latest("id").reason == reason


def test_activation_tells_the_customer_each_time_after_commit(
    onboarding, django_capture_on_commit_callbacks
):
    sub = subscription_in(onboarding, S.AWAITING_DEPOSIT, deposit=True)

    def told() -> int:  # "service active" emails handed to the mail backend
        return Notification.objects.filter(
            template_key="service_active", channel="email", status="sent"
        ).count()

    with django_capture_on_commit_callbacks(execute=True):
        subscription_transition(subscription_id=sub.pk, action="activate", actor=None)
    assert told() == 1
    with django_capture_on_commit_callbacks(execute=True):
        subscription_transition(subscription_id=sub.pk, action="isolate", actor=None)
    assert told() == 1  # isolation sends nothing (yet)
    with django_capture_on_commit_callbacks(execute=True):
        subscription_transition(subscription_id=sub.pk, action="restore", actor=None)
    assert told() == 2
    assert sum("aktif" in m.subject for m in mail.outbox) == 2


def test_refused_transition_enqueues_nothing(onboarding, django_capture_on_commit_callbacks):
    sub = subscription_in(onboarding, S.AWAITING_DEPOSIT)
    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(Conflict):
        subscription_transition(subscription_id=sub.pk, action="activate", actor=None)
    assert callbacks == []


# --- subscription_deposit_recorded --------------------------------------------------------


def test_deposit_recorded_before_installation_is_remembered_without_a_transition(onboarding):
    sub = subscription_in(onboarding, S.PENDING_INSTALLATION)
    events = Event.objects.count()
    sub = subscription_deposit_recorded(subscription_id=sub.pk, actor=onboarding.finance)
    assert sub.state == S.PENDING_INSTALLATION and sub.deposit_paid_at is not None
    assert Event.objects.count() == events


def test_deposit_recorded_activates_an_awaiting_subscription_once(onboarding):
    sub = subscription_in(onboarding, S.AWAITING_DEPOSIT)
    sub = subscription_deposit_recorded(subscription_id=sub.pk, actor=onboarding.finance)
    assert sub.state == S.ACTIVE
    stamp = Subscription.objects.get(pk=sub.pk).deposit_paid_at
    sub = subscription_deposit_recorded(subscription_id=sub.pk, actor=onboarding.finance)
    assert Subscription.objects.get(pk=sub.pk).deposit_paid_at == stamp
    assert Event.objects.filter(subscription=sub, kind=EventKind.STATE_CHANGED).count() == 1
