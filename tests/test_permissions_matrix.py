"""Every role on every staff and portal route: allowed, 403, or (another customer's record) 404.

The matrix is generic: it walks the URL patterns of the guarded namespaces, reads the
`required_capability` that the decorators of accounts/decorators.py put on each view (a
capability of accounts/roles.py, or "portal" for customer pages) and expects:

- anonymous: a redirect to the login page;
- a role that has the capability: anything but 403 (and no server error);
- any other role: 403;
- a customer asking for another customer's record: 404; an unknown id: 404 for allowed roles.

A view without `required_capability` fails, unless it declares itself public
(`view.public = True`, protected by a signed token instead) and is listed in PUBLIC below.
A URL argument the matrix does not know how to fill fails too: teach OBJECT_FOR_ARG.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.shortcuts import resolve_url
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from ispcare.accounts.roles import CAPABILITIES, Role
from ispcare.billing.choices import InvoiceKind
from ispcare.billing.models import Invoice, Payment
from ispcare.billing.services import payment_record
from ispcare.customers.models import Application
from ispcare.notifications.models import Notification
from ispcare.notifications.services import Recipient, bulk_send_create
from ispcare.workorders.models import WorkOrder
from tests import factories
from tests.network.support import nas as network_nas

pytestmark = pytest.mark.django_db

NAMESPACES = (
    "staff",
    "workorders",
    "billing",
    "portal",
    "portal_billing",
    "billing_reports",
    "portal_pay",
    "billing_online",
    "notifications",
    "network",
    "helpdesk",
    "portal_helpdesk",
    "helpdesk_chat",
    "helpdesk_console",
    "helpdesk_sla",
    "closures",
    "portal_closures",
    "privacy",
    "portal_privacy",
)
# Public on purpose (signed one-time link); each must also set `view.public = True`.
PUBLIC = {"portal:welcome"}
# The chat widget's endpoints: visitors have no account; each finds only the caller's own
# conversation (by login or by the visitor key in the session), anything else is a 404.
PUBLIC |= {
    f"helpdesk_chat:{name}" for name in ("panel", "start", "history", "upload", "offline", "image")
}

# Which object a URL argument names: by argument, and for `pk` by a word in the route name.
OBJECT_FOR_ARG = {
    "customer_pk": "customer",
    "subscription_pk": "subscription",
    "application_pk": "application",
    "invoice_pk": "invoice",
    "work_order_pk": "work_order",
    "payment_pk": "payment",
    "link_pk": "payment_link",
    "ticket_pk": "ticket",
    "conversation_pk": "conversation",
}
# Routes whose argument names an object their name does not say.
OBJECT_FOR_ROUTE = {
    "portal_closures:cancel": "closure",
    "portal_closures:offer_answer": "closure",
    "portal_closures:statement": "closure",
    "closures:pickup_check_in": "pickup",
}
OBJECT_FOR_PK = (  # first match wins
    ("closure", "closure"),
    ("conversation", "conversation"),  # before "ticket": conversation_ticket names a chat
    ("ticket", "ticket"),
    ("chat", "conversation"),
    ("saved_view", "saved_view"),
    ("bulk", "bulk"),
    ("outbox", "notification"),
    ("retry", "pending_change"),  # network:retry (outbox_retry matched above)
    ("node_edit", "node"),
    ("registration", "application"),
    ("invoice", "invoice"),
    ("payment", "invoice"),
    ("job", "work_order"),
    ("installation_complete", "work_order"),
    ("work_order", "work_order"),
    ("subscription", "subscription"),
    ("customer", "customer"),
)
# Arguments that are not ids: a value that exists, and one that does not.
STRING_ARGS = {"key": ("welcome", "no_such_template"), "language": ("id", "xx")}
ANONYMOUS = "anonymous"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
ROLES = [ANONYMOUS, *Role.values]


@dataclass(frozen=True)
class Route:
    name: str  # namespace:name
    args: tuple[str, ...]
    view: Any

    @property
    def capability(self) -> str | None:
        return getattr(self.view, "required_capability", None)


def _walk(patterns, namespace: str | None = None):
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from _walk(p.url_patterns, p.namespace or namespace)
        elif isinstance(p, URLPattern) and namespace in NAMESPACES and p.name:
            yield Route(f"{namespace}:{p.name}", tuple(p.pattern.converters), p.callback)


ROUTES = sorted(_walk(get_resolver().url_patterns), key=lambda r: r.name)


def _object_kind(route: Route, arg: str) -> str:
    if arg in STRING_ARGS:
        return arg
    if route.name in OBJECT_FOR_ROUTE:
        return OBJECT_FOR_ROUTE[route.name]
    if arg in OBJECT_FOR_ARG:
        return OBJECT_FOR_ARG[arg]
    if arg == "pk":
        for word, kind in OBJECT_FOR_PK:
            if word in route.name.split(":", 1)[1]:
                return kind
    pytest.fail(f"{route.name}: teach the matrix which object the argument {arg!r} names")


def _allowed(capability: str) -> set[str]:
    if capability == "portal":
        return {Role.CUSTOMER}
    assert capability in CAPABILITIES, f"unknown capability {capability!r}"
    return set(CAPABILITIES[capability])


def _pending_change():
    from ispcare.network.models import AccessBackendState
    from ispcare.network.services import access_set
    from ispcare.network.specs import AccessSpec, AccessState

    access_set(spec=AccessSpec("matrix-user", "pw", "no-such-group", AccessState.ACTIVE))
    return AccessBackendState.objects.get(access__username="matrix-user")


def _payment_link(customer):
    from ispcare.billing.models import PaymentLink

    return PaymentLink.objects.create(
        gateway="midtrans",
        order_id=f"{customer.number}-matrix",
        customer=customer,
        amount=300_000,
        url="https://gateway.example/pay",
    )


class World:
    """One user per role; two customers with records in every state the routes point at."""

    def __init__(self) -> None:
        o = factories.Onboarding()
        self.mine_customer, mine_sub = o.installed()  # installed: deposit invoice open
        other_customer, other_sub, other_order = o.scheduled()  # job open for o.technician
        self.users = {
            Role.REGISTRATION: o.registration,
            Role.TECHNICIAN: o.technician,
            Role.FINANCE: o.finance,
            Role.CUSTOMER: self.mine_customer.user,
        }
        for role in Role.values:
            self.users.setdefault(role, factories.staff_user(role))
        open_app = factories.submit()
        mine_order = WorkOrder.objects.get(subscription=mine_sub)
        # A third customer's payment, with a proof of transfer (MEDIA_ROOT is a temp dir).
        third, _sub = o.installed()
        third_payment = payment_record(
            customer_id=third.pk,
            amount=1_000,
            method="bank_transfer",
            reference="MATRIX-TRF-1",
            proof=SimpleUploadedFile("bukti.png", PNG, content_type="image/png"),
            actor=o.finance,
        )
        # Staff routes use the scheduled customer's records: every action is still possible.
        self.staff_objects = {
            "payment": third_payment,
            "customer": other_customer,
            "subscription": other_sub,
            "application": open_app,
            "invoice": Invoice.objects.get(subscription=other_sub, kind=InvoiceKind.INSTALLATION),
            "work_order": other_order,
            "notification": Notification.objects.exclude(channel="inapp").first(),
            "pending_change": _pending_change(),
            "node": network_nas("10.99.99.1").node,
            "bulk": bulk_send_create(
                title="Matrix",
                template="announcement",
                recipients=[Recipient(name="x", email="x@example.id", channels=("email",))],
                context={"subject": "s", "text": "t", "name": "x", "isp": "Vokasi.Net"},
            ),
        }
        # Portal routes: the logged-in customer's own records, and someone else's.
        self.own = {
            "customer": self.mine_customer,
            "subscription": mine_sub,
            "application": self.mine_customer.application,
            "invoice": Invoice.objects.get(subscription=mine_sub, kind=InvoiceKind.DEPOSIT),
            "work_order": mine_order,
            "payment_link": _payment_link(self.mine_customer),
        }
        self.others = {
            "customer": other_customer,
            "subscription": other_sub,
            "application": Application.objects.get(pk=other_customer.application_id),
            "invoice": Invoice.objects.get(subscription=other_sub, kind=InvoiceKind.INSTALLATION),
            "work_order": other_order,
            "payment_link": _payment_link(other_customer),
        }
        self.staff_objects["payment_link"] = self.others["payment_link"]
        self.own["payment"] = Payment.objects.filter(customer=self.mine_customer).first()
        self.others["payment"] = third_payment
        self._helpdesk(other_customer)
        self._closing(other_customer, other_sub, o.technician)

    def _closing(self, other_customer, other_sub, technician) -> None:
        """The customer's own request is settled (its statement exists); the other
        customer's is new, and has a pickup on the world's technician's queue."""
        from ispcare.closures.models import Closure, Settlement
        from ispcare.customers.models import Subscription

        mine = self.mine_customer
        ended = Subscription.objects.create(
            customer=mine,
            plan=self.own["subscription"].plan,
            state="ended",
            pppoe_username=f"{mine.number.lower()}-2",
            pppoe_password="x",
        )
        today = timezone.localdate()
        own = Closure.objects.create(
            number="TRM/MATRIX/1",
            customer=mine,
            subscription=ended,
            status="settled",
            end_date=today,
            reason="moving",
            channel="portal",
            return_method="dropoff",
        )
        Settlement.objects.create(closure=own, deposit_held=0)
        theirs = Closure.objects.create(
            number="TRM/MATRIX/2",
            customer=other_customer,
            subscription=other_sub,
            end_date=today,
            reason="price",
            channel="staff",
            return_method="pickup",
        )
        self.own["closure"], self.others["closure"] = own, theirs
        self.staff_objects["closure"] = theirs
        self.staff_objects["pickup"] = WorkOrder.objects.create(
            kind="pickup",
            customer=other_customer,
            subscription=other_sub,
            scheduled_date=today,
            technician=technician,
        )

    def _helpdesk(self, other_customer) -> None:
        """A ticket and a conversation of each customer; a saved view of every staff user."""
        from ispcare.helpdesk.models import Conversation, SavedView
        from ispcare.helpdesk.tickets import ticket_create

        for objects, customer in ((self.own, self.mine_customer), (self.others, other_customer)):
            objects["ticket"] = ticket_create(
                kind="question", subject="Matrix", source="phone", customer_id=customer.pk
            )
            objects["conversation"] = Conversation.objects.create(
                customer=customer, waiting_since=timezone.now()
            )
        self.staff_objects["ticket"] = self.others["ticket"]
        self.staff_objects["conversation"] = self.others["conversation"]
        for role, user in self.users.items():
            if role != Role.CUSTOMER:
                SavedView.objects.create(owner=user, name="Matrix", query="status=open")
        # A staff route on a saved view uses the requesting user's own view: any of them
        # answers for the matrix's purpose (others' views answer 404 to staff too).
        self.staff_objects["saved_view"] = SavedView.objects.filter(
            owner=self.users[Role.ADMIN]
        ).first()

    def url(self, route: Route, objects: dict | None = None, missing: bool = False) -> str:
        objects = objects or self.staff_objects
        kwargs = {}
        for arg in route.args:
            if arg in STRING_ARGS:
                kwargs[arg] = STRING_ARGS[arg][1 if missing else 0]
            else:
                kwargs[arg] = 999_999 if missing else objects[_object_kind(route, arg)].pk
        return reverse(route.name, kwargs=kwargs)


@pytest.fixture
def world(db, settings, tmp_path) -> World:
    settings.MEDIA_ROOT = tmp_path
    return World()


def _request(client: Client, user, method: str, url: str) -> int:
    """One request in a savepoint that is rolled back: a POST that succeeds changes nothing
    for the next role."""
    with transaction.atomic():
        client.logout()
        if user is not None:
            client.force_login(user)
        response = getattr(client, method)(url)
        status = response.status_code
        location = response.get("Location", "")
        transaction.set_rollback(True)
    return status if status != 302 else (302, location)  # type: ignore[return-value]


def _method(client: Client, world: World, route: Route, url: str) -> str:
    """GET, unless the page only takes POST (its allowed users get 405 on GET)."""
    role = sorted(_allowed(route.capability))[0]
    status = _request(client, world.users[role], "get", url)
    return "post" if status == 405 else "get"


def test_the_matrix_sees_every_namespace():
    seen = {r.name.split(":")[0] for r in ROUTES}
    assert seen == set(NAMESPACES), f"namespaces without routes: {set(NAMESPACES) - seen}"


@pytest.mark.parametrize("route", ROUTES, ids=[r.name for r in ROUTES])
def test_route_permissions(world, route):
    if route.name in PUBLIC:
        assert getattr(route.view, "public", False) is True, f"{route.name} is not marked public"
        return
    assert getattr(route.view, "public", False) is not True, (
        f"{route.name} says it is public: add it to PUBLIC in this test if that is intended"
    )
    assert route.capability, (
        f"{route.name} has no required_capability: guard the view with "
        "@capability_required(...) or @customer_required"
    )
    allowed = _allowed(route.capability)
    client = Client()
    url = world.url(route, world.own if route.capability == "portal" else None)
    method = _method(client, world, route, url)
    login = resolve_url(settings.LOGIN_URL)
    failures = []

    for role in ROLES:
        user = None if role == ANONYMOUS else world.users[role]
        try:
            got = _request(client, user, method, url)
        except Exception as exc:  # a server error: report it with the role
            failures.append(f"{role}: {method.upper()} raised {type(exc).__name__}: {exc}")
            continue
        if role == ANONYMOUS:
            ok = isinstance(got, tuple) and got[1].startswith(login) and "next=" in got[1]
            expected = f"302 to {login}?next=..."
        elif role in allowed:
            ok = got != 403 and got != 501 and got != 404
            expected = "allowed (not 403/404/501)"
        else:
            ok = got == 403
            expected = "403"
        if not ok:
            failures.append(f"{role}: {method.upper()} {url} -> {got}, expected {expected}")

    # Anonymous never reaches the page by the other method either.
    other = "post" if method == "get" else "get"
    got = _request(client, None, other, url)
    if not (got == 405 or (isinstance(got, tuple) and got[1].startswith(login))):
        failures.append(f"anonymous: {other.upper()} {url} -> {got}, expected login or 405")

    if route.args:
        # An id that does not exist is a 404 for an allowed user, never a server error.
        user = world.users[sorted(allowed)[0]]
        missing = world.url(route, missing=True)
        try:
            got = _request(client, user, method, missing)
        except Exception as exc:
            got = f"raised {type(exc).__name__}: {exc}"
        if got != 404:
            failures.append(f"unknown id: {method.upper()} {missing} -> {got}, expected 404")
        if route.capability == "portal":
            # Another customer's record: 404, so its existence does not leak.
            theirs = world.url(route, world.others)
            got = _request(client, world.users[Role.CUSTOMER], method, theirs)
            if got != 404:
                failures.append(f"other customer's record: {theirs} -> {got}, expected 404")

    assert not failures, f"{route.name} ({route.capability}):\n  " + "\n  ".join(failures)


def test_every_capability_is_used_by_a_route_or_documented():
    """A capability no route asks for is either dead or guarded somewhere the matrix misses."""
    used = {r.capability for r in ROUTES}
    unused = set(CAPABILITIES) - used
    # accounts.manage guards the API token admin, outside these namespaces.
    assert unused <= {"accounts.manage"}, f"capabilities no page uses: {sorted(unused)}"


PORTAL_PAGES = [r for r in ROUTES if r.capability == "portal" and not r.args]


@pytest.mark.parametrize("route", PORTAL_PAGES, ids=[r.name for r in PORTAL_PAGES])
def test_portal_pages_show_only_the_customers_own_records(world, route):
    """Portal pages without an id in the URL pick records by the logged-in user: nothing of
    another customer may appear on them."""
    client = Client()
    client.force_login(world.users[Role.CUSTOMER])
    page = client.get(reverse(route.name)).content.decode()
    other, own = world.others, world.own
    for text in (other["customer"].number, other["invoice"].number, other["customer"].full_name):
        if text != own["customer"].full_name:  # the factories give everyone the same name
            assert text not in page, f"{route.name} shows {text!r} of another customer"
