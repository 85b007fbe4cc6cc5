"""Billing reports: the unpaid list, aging, daily cash, the customer ledger, billing runs."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from ispcare.accounts.roles import Role
from ispcare.billing import ledger, reports
from ispcare.billing.choices import InvoiceKind, InvoiceStatus, RunKind, RunStatus
from ispcare.billing.invoicing import invoice_issue, invoice_void
from ispcare.billing.models import BillingRun, Invoice, Payment
from ispcare.billing.payments import payment_record
from ispcare.customers.choices import SubscriptionState
from ispcare.customers.models import CoverageArea, Customer, Subscription
from ispcare.network.models import Node
from tests import factories
from tests.web import login, msgs

pytestmark = pytest.mark.django_db

UNPAID = reverse("billing_reports:unpaid")
AGING = reverse("billing_reports:aging")
CASH = reverse("billing_reports:cash")
RUNS = reverse("billing_reports:runs")
RUN_START = reverse("billing_reports:run_start")


def days_ago(n: int) -> dt.date:
    return timezone.localdate() - dt.timedelta(days=n)


def wib(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=timezone.get_default_timezone())


def subscriber(onboarding, *, state=SubscriptionState.ACTIVE, kecamatan="Depok", **overrides):
    """An approved customer put straight into `state` (billing only reads it)."""
    customer, sub = onboarding.approved(**overrides)
    Subscription.objects.filter(pk=sub.pk).update(state=state)
    Customer.objects.filter(pk=customer.pk).update(kecamatan=kecamatan)
    sub.refresh_from_db()
    customer.refresh_from_db()
    return customer, sub


def invoice(sub, actor, *, amount: int, due: dt.date, issued: dt.datetime | None = None):
    inv = invoice_issue(
        subscription=sub,
        kind=InvoiceKind.MONTHLY,
        amount=amount,
        description="Bulanan",
        due_date=due,
        actor=actor,
    )
    if issued:
        Invoice.objects.filter(pk=inv.pk).update(issued_at=issued)
        inv.refresh_from_db()
    return inv


def pay(inv, actor, amount: int, ref: str, **kwargs) -> Payment:
    return payment_record(
        invoice_id=inv.pk, amount=amount, method="cash", reference=ref, actor=actor, **kwargs
    )


@pytest.fixture
def manager(db):
    return factories.staff_user(Role.MANAGER)


@pytest.fixture
def book(onboarding):
    return make_book(onboarding)


def make_book(onboarding) -> dict:
    """Four subscribers:
    a: active in Depok on a node, two open invoices (oldest 40 days overdue, partly paid):
       350,000 due;
    b: isolated in Mlati, one invoice 100 days overdue: 150,000;
    c: everything paid (not on the list);
    d: active, one invoice due in 5 days: 100,000 (not yet due).
    """
    fin = onboarding.finance
    node = Node.objects.create(name="OLT Caturtunggal", kind="olt")
    a_cust, a = subscriber(onboarding, full_name="Ani Lestari")
    business = factories.PlanFactory(code="bisnis-50", name="Bisnis 50", speed_mbps=50)
    Subscription.objects.filter(pk=a.pk).update(node=node, plan=business)
    a.refresh_from_db()
    a1 = invoice(a, fin, amount=200_000, due=days_ago(40))
    pay(a1, fin, 50_000, "KW-A1")
    invoice(a, fin, amount=200_000, due=days_ago(5))
    b_cust, b = subscriber(
        onboarding, full_name="Bambang Wijaya", state=SubscriptionState.ISOLATED, kecamatan="Mlati"
    )
    invoice(b, fin, amount=150_000, due=days_ago(100))
    c_cust, c = subscriber(onboarding, full_name="Citra Dewi")
    pay(invoice(c, fin, amount=200_000, due=days_ago(20)), fin, 200_000, "KW-C1")
    d_cust, d = subscriber(onboarding, full_name="Dedi Kurnia")
    invoice(d, fin, amount=100_000, due=timezone.localdate() + dt.timedelta(days=5))
    return {"a": (a_cust, a), "b": (b_cust, b), "c": (c_cust, c), "d": (d_cust, d), "node": node}


def names(response) -> list[str]:
    return [r.name for r in response.context["page"]]


# --- Unpaid list --------------------------------------------------------------------------


def test_unpaid_lists_who_owes_with_totals_sorted_by_amount(client, book):
    login(client, Role.FINANCE)
    r = client.get(UNPAID)
    assert r.status_code == 200
    assert names(r) == ["Ani Lestari", "Bambang Wijaya", "Dedi Kurnia"]
    totals = r.context["totals"]
    assert (totals.rows, totals.invoices, totals.due) == (3, 4, 600_000)
    ani = r.context["page"][0]
    a_cust, a = book["a"]
    assert (ani.number, ani.phone, ani.kecamatan, ani.node) == (
        a_cust.number,
        a_cust.phone,
        "Depok",
        "OLT Caturtunggal",
    )
    assert (ani.state, ani.plan, ani.invoices, ani.due) == ("active", a.plan.name, 2, 350_000)
    assert (ani.oldest, ani.days) == (days_ago(40), 40)
    dedi = r.context["page"][2]
    assert dedi.days == 0
    page = r.content.decode()
    assert "Rp 600.000" in page and "Rp 350.000" in page and "Citra Dewi" not in page


def test_unpaid_sorted_by_days_overdue(client, book):
    login(client, Role.MANAGER)
    r = client.get(UNPAID, {"sort": "days"})
    assert names(r) == ["Bambang Wijaya", "Ani Lestari", "Dedi Kurnia"]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"state": "isolated"}, ["Bambang Wijaya"]),
        ({"state": "active"}, ["Ani Lestari", "Dedi Kurnia"]),
        ({"kecamatan": "Mlati"}, ["Bambang Wijaya"]),
        ({"overdue": "not_due"}, ["Dedi Kurnia"]),
        ({"overdue": "1-30"}, []),
        ({"overdue": "31-60"}, ["Ani Lestari"]),
        ({"overdue": "90+"}, ["Bambang Wijaya"]),
        ({"min_amount": "Rp 150.000"}, ["Ani Lestari", "Bambang Wijaya"]),
        ({"min_amount": "200000"}, ["Ani Lestari"]),
        ({"q": "bambang"}, ["Bambang Wijaya"]),
        ({"q": "citra"}, []),
        (
            {"state": "active", "min_amount": "100000", "sort": "days"},
            ["Ani Lestari", "Dedi Kurnia"],
        ),
    ],
)
def test_unpaid_filters(client, book, params, expected):
    CoverageArea.objects.get_or_create(city="Sleman", kecamatan="Mlati")
    login(client, Role.FINANCE)
    r = client.get(UNPAID, params)
    assert r.status_code == 200, r.context["form"].errors
    assert names(r) == expected
    assert r.context["totals"].rows == len(expected)


def test_unpaid_filter_by_plan_and_number(client, book):
    a_cust, a = book["a"]
    login(client, Role.FINANCE)
    assert names(client.get(UNPAID, {"plan": a.plan_id})) == ["Ani Lestari"]
    assert names(client.get(UNPAID, {"q": a_cust.number})) == ["Ani Lestari"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"min_amount": "banyak"}, "min_amount"),
        ({"overdue": "7-14"}, "overdue"),
        ({"state": "closed"}, "state"),
        ({"plan": "999999"}, "plan"),
        ({"kecamatan": "Atlantis"}, "kecamatan"),
        ({"sort": "name"}, "sort"),
    ],
)
def test_unpaid_bad_filters_get_field_errors_and_no_list(client, book, params, field):
    login(client, Role.FINANCE)
    r = client.get(UNPAID, params)
    assert r.status_code == 400
    assert field in r.context["form"].errors
    assert "page" not in r.context
    page = r.content.decode()
    assert 'class="errorlist"' in page and "Ani Lestari" not in page
    # The export refuses the same filters.
    assert client.get(reverse("billing_reports:unpaid_csv"), params).status_code == 400


def test_unpaid_pages_and_totals_cover_every_page(client, book, monkeypatch):
    monkeypatch.setattr(reports, "PAGE_SIZE", 2)
    login(client, Role.FINANCE)
    first = client.get(UNPAID)
    second = client.get(UNPAID, {"page": 2})
    assert names(first) == ["Ani Lestari", "Bambang Wijaya"]
    assert names(second) == ["Dedi Kurnia"]
    assert second.context["totals"].due == 600_000
    assert second.context["page"].paginator.num_pages == 2
    assert names(client.get(UNPAID, {"page": "x"})) == names(first)


def test_unpaid_list_is_set_based(client, onboarding, book):
    """The number of queries does not grow with the number of subscribers on the page."""
    login(client, Role.FINANCE)
    with CaptureQueriesContext(connection) as few:
        assert client.get(UNPAID).status_code == 200
    for _ in range(4):
        _, sub = subscriber(onboarding)
        invoice(sub, onboarding.finance, amount=123_000, due=days_ago(3))
    with CaptureQueriesContext(connection) as more:
        r = client.get(UNPAID)
    assert r.context["totals"].rows == 7
    assert len(more) == len(few)
    grouped = [q["sql"] for q in more if "GROUP BY" in q["sql"]]
    assert len(grouped) == 2  # the page and the totals


def test_voided_and_paid_invoices_are_not_unpaid(client, book, manager):
    _, a = book["a"]
    newest = Invoice.objects.filter(subscription=a, status=InvoiceStatus.ISSUED).get()
    invoice_void(invoice_id=newest.pk, reason="salah tagih", actor=manager)
    login(client, Role.FINANCE)
    ani = client.get(UNPAID, {"q": "Ani"}).context["page"][0]
    assert (ani.invoices, ani.due) == (1, 150_000)


# --- Aging --------------------------------------------------------------------------------


def test_aging_buckets_today(client, book):
    login(client, Role.FINANCE)
    r = client.get(AGING)
    assert r.status_code == 200
    buckets = {b.key: (b.count, b.amount) for b in r.context["aging"].buckets}
    assert buckets == {
        "not_due": (1, 100_000),
        "1-30": (1, 200_000),
        "31-60": (1, 150_000),
        "61-90": (0, 0),
        "90+": (1, 150_000),
    }
    assert r.context["aging"].amount == 600_000
    rows = {row.name: row for row in r.context["page"]}
    assert list(rows) == ["Ani Lestari", "Bambang Wijaya", "Dedi Kurnia"]
    assert rows["Ani Lestari"].amounts == {
        "not_due": 0,
        "1-30": 200_000,
        "31-60": 150_000,
        "61-90": 0,
        "90+": 0,
    }
    assert rows["Ani Lestari"].total == 350_000
    page = r.content.decode()
    assert 'data-testid="aging-chart"' in page and "Rp 600.000" in page


def test_aging_as_of_an_earlier_day(client, onboarding):
    """On an earlier day: invoices issued after it are left out, and what was paid after
    it still counts as open then."""
    fin = onboarding.finance
    _, sub = subscriber(onboarding, full_name="Eko Prasetyo")
    old = invoice(sub, fin, amount=200_000, due=days_ago(50), issued=wib(days_ago(60), 9))
    invoice(sub, fin, amount=300_000, due=days_ago(2), issued=wib(days_ago(12), 9))
    pay(old, fin, 200_000, "KW-OLD")  # paid today
    as_of = days_ago(20)
    summary = reports.aging(as_of=as_of)
    assert {b.key: b.amount for b in summary.buckets if b.amount} == {"1-30": 200_000}
    assert reports.aging(as_of=timezone.localdate()).amount == 300_000
    login(client, Role.FINANCE)
    r = client.get(AGING, {"as_of": as_of.isoformat()})
    assert r.context["aging"].amount == 200_000
    [row] = r.context["page"]
    assert (row.name, row.total, row.days) == ("Eko Prasetyo", 200_000, 30)


def test_aging_partly_paid_before_the_day(onboarding):
    fin = onboarding.finance
    _, sub = subscriber(onboarding)
    inv = invoice(sub, fin, amount=200_000, due=days_ago(50), issued=wib(days_ago(60), 9))
    pay(inv, fin, 80_000, "KW-P1")
    # The allocation is dated today: on a day before, nothing was paid yet; today 120,000.
    assert reports.aging(as_of=days_ago(1)).amount == 200_000
    assert reports.aging(as_of=timezone.localdate()).amount == 120_000


@pytest.mark.parametrize("as_of", ["kemarin", "31-02-2026", "1999-12-31"])
def test_aging_bad_date(client, book, as_of):
    login(client, Role.FINANCE)
    r = client.get(AGING, {"as_of": as_of})
    assert r.status_code == 400
    assert "as_of" in r.context["form"].errors
    assert "aging" not in r.context


# --- Daily cash ---------------------------------------------------------------------------


def test_daily_cash_groups_by_cashier_and_method(client, onboarding):
    fin = onboarding.finance
    fin.first_name, fin.last_name = "Fitri", "Kasir"
    fin.save()
    other = factories.staff_user(Role.MANAGER, first_name="")
    other.username = "kasir2"
    other.save()
    day = days_ago(1)
    _, sub = subscriber(onboarding, full_name="Gita Ayu")
    inv = invoice(sub, fin, amount=1_000_000, due=days_ago(3))
    pay(inv, fin, 100_000, "KW-1", received_at=wib(day, 0, 10))
    pay(inv, fin, 50_000, "KW-2", received_at=wib(day, 23, 50))
    payment_record(
        invoice_id=inv.pk,
        amount=70_000,
        method="bank_transfer",
        reference="TRF-9",
        actor=fin,
        received_at=wib(day, 9),
    )
    pay(inv, other, 30_000, "KW-3", received_at=wib(day, 11))
    pay(inv, fin, 99_000, "KW-EVE", received_at=wib(day - dt.timedelta(days=1), 23, 59))
    pay(inv, fin, 88_000, "KW-NEXT", received_at=wib(timezone.localdate(), 0, 0))
    for method, ref, amount in (("midtrans", "MT-1", 40_000), ("xendit", "XD-1", 60_000)):
        Payment.objects.create(
            customer=sub.customer,
            amount=amount,
            method=method,
            reference=ref,
            received_at=wib(day, 14),
        )
    cash = reports.daily_cash(day=day)
    assert cash.amount == 100_000 + 50_000 + 70_000 + 30_000 + 40_000 + 60_000
    assert cash.count == 6
    by_cashier = {c.label: (c.count, c.amount) for c in cash.cashiers}
    assert by_cashier == {
        "Fitri Kasir": (3, 220_000),
        "kasir2": (1, 30_000),
        "Online (Midtrans/Xendit)": (2, 100_000),
    }
    fitri = next(c for c in cash.cashiers if c.label == "Fitri Kasir")
    assert {(g.method, g.count, g.amount) for g in fitri.methods} == {
        ("cash", 2, 150_000),
        ("bank_transfer", 1, 70_000),
    }
    login(client, Role.FINANCE)
    r = client.get(CASH, {"day": day.isoformat()})
    assert r.status_code == 200
    refs = [p.reference for p in r.context["page"]]
    assert refs == ["KW-1", "TRF-9", "KW-3", "MT-1", "XD-1", "KW-2"]
    page = r.content.decode()
    assert "Rp 350.000" in page and "00:10" in page and "KW-EVE" not in page


def test_daily_cash_defaults_to_today_and_refuses_bad_days(client, onboarding):
    login(client, Role.FINANCE)
    r = client.get(CASH)
    assert r.status_code == 200 and r.context["day"] == timezone.localdate()
    assert "No payments" in r.content.decode() or r.context["cash"].count == 0
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    for bad in (tomorrow, "2026-13-01", "besok"):
        r = client.get(CASH, {"day": bad})
        assert r.status_code == 400 and "day" in r.context["form"].errors, bad
        assert "cash" not in r.context


# --- Ledger -------------------------------------------------------------------------------


def test_ledger_closing_balance_equals_balance(client, onboarding, manager):
    fin = onboarding.finance
    customer, sub = subscriber(onboarding, full_name="Hadi Susilo")
    i1 = invoice(sub, fin, amount=200_000, due=days_ago(30), issued=wib(days_ago(40), 9))
    i2 = invoice(sub, fin, amount=150_000, due=days_ago(5), issued=wib(days_ago(15), 9))
    pay(i1, fin, 250_000, "KW-H1")  # 200,000 on i1, 50,000 on i2
    invoice_void(invoice_id=i2.pk, reason="dobel", actor=manager)  # 50,000 to credit
    invoice(sub, fin, amount=100_000, due=days_ago(1))  # takes the credit: 50,000 owed
    expected = ledger.balance(customer_id=customer.pk)
    assert expected == 50_000
    login(client, Role.CUSTOMER_SERVICE)  # billing.view reads the ledger
    r = client.get(reverse("billing_reports:ledger", args=[customer.pk]))
    assert r.status_code == 200
    book = r.context["ledger"]
    assert book.closing == expected and book.agrees
    assert [e.kind for e in book.entries].count("void") == 1
    assert book.debits - book.credits == expected
    page = r.content.decode()
    assert "Rp 50.000" in page and 'role="alert"' not in page
    # Customer service has no reports: no report tabs on the page.
    assert reverse("billing_reports:runs") not in page


def test_ledger_with_credit_only_is_negative(onboarding):
    fin = onboarding.finance
    customer, sub = subscriber(onboarding)
    inv = invoice(sub, fin, amount=100_000, due=days_ago(1))
    pay(inv, fin, 160_000, "KW-OVER")
    book = reports.customer_ledger(customer=customer)
    assert book.closing == -60_000 == ledger.balance(customer_id=customer.pk)


def test_ledger_of_nobody_is_404_and_of_new_customer_empty(client, onboarding):
    customer, _ = onboarding.approved()
    login(client, Role.FINANCE)
    assert client.get(reverse("billing_reports:ledger", args=[999_999])).status_code == 404
    r = client.get(reverse("billing_reports:ledger", args=[customer.pk]))
    assert r.status_code == 200 and r.context["ledger"].closing == 0


# --- Permissions --------------------------------------------------------------------------


def test_reports_are_for_finance_and_managers(client, book):
    a_cust, _ = book["a"]
    for role in (Role.FINANCE, Role.MANAGER, Role.ADMIN):
        login(client, role)
        for url in (UNPAID, AGING, CASH, RUNS):
            assert client.get(url).status_code == 200, (role, url)
    for role in (Role.CUSTOMER_SERVICE, Role.TECHNICIAN, Role.CLOSING):
        login(client, role)
        for url in (UNPAID, AGING, CASH, RUNS, reverse("billing_reports:unpaid_csv")):
            assert client.get(url).status_code == 403, (role, url)
    login(client, Role.CLOSING)
    assert client.get(reverse("billing_reports:ledger", args=[a_cust.pk])).status_code == 200
    login(client, Role.TECHNICIAN)
    assert client.get(reverse("billing_reports:ledger", args=[a_cust.pk])).status_code == 403


# --- Billing runs -------------------------------------------------------------------------


def test_runs_page_lists_newest_first_with_errors(client, onboarding):
    now = timezone.now()
    BillingRun.objects.create(
        kind=RunKind.INVOICES,
        period_end=days_ago(3),
        started_at=now - dt.timedelta(days=2),
        finished_at=now - dt.timedelta(days=2) + dt.timedelta(seconds=42),
        status=RunStatus.DONE,
        counts={"invoices": 120, "amount": 24_000_000},
    )
    BillingRun.objects.create(
        kind=RunKind.ISOLATION,
        started_at=now - dt.timedelta(hours=1),
        finished_at=now - dt.timedelta(hours=1) + dt.timedelta(seconds=3),
        status=RunStatus.FAILED,
        errors="Traceback: RADIUS database unreachable",
    )
    login(client, Role.FINANCE)
    r = client.get(RUNS)
    kinds = [run.kind for run in r.context["page"]]
    assert kinds == ["isolation", "invoices"]
    page = r.content.decode()
    assert "42.0 s" in page or "42,0 s" in page
    assert "RADIUS database unreachable" in page and "<details>" in page
    assert "invoices</span> 120" in page


def test_run_now_reminders_and_isolation(client, onboarding):
    user = login(client, Role.FINANCE)
    r = client.post(RUN_START, {"kind": "reminders"})
    assert r.status_code == 302 and r["Location"] == RUNS
    run = BillingRun.objects.get(kind=RunKind.REMINDERS)
    assert run.status == RunStatus.DONE and run.triggered_by
    assert user.username in run.triggered_by or run.triggered_by
    r = client.post(RUN_START, {"kind": "isolation"}, follow=True)
    assert BillingRun.objects.filter(kind=RunKind.ISOLATION, status=RunStatus.DONE).count() == 1
    assert any("done" in m.lower() or "selesai" in m.lower() for m in msgs(r))


def test_run_now_invoices_nothing_to_bill_twice(client, onboarding):
    login(client, Role.MANAGER)
    client.post(RUN_START, {"kind": "invoices"})
    before = BillingRun.objects.count()
    r = client.post(RUN_START, {"kind": "invoices"}, follow=True)
    # The second run finds every ended period billed: no new run, and it says so.
    assert BillingRun.objects.count() == before
    assert msgs(r)


def test_run_now_failure_shows_as_failed(client, onboarding, monkeypatch):
    from ispcare.billing import dunning

    def broken(*args, **kwargs):
        raise RuntimeError("gateway to the network is down")

    monkeypatch.setattr(dunning, "subscriptions_isolate_overdue", broken)
    monkeypatch.setattr(dunning, "overdue_cutoff", lambda today: today)
    login(client, Role.FINANCE)
    r = client.post(RUN_START, {"kind": "isolation"}, follow=True)
    run = BillingRun.objects.get(kind=RunKind.ISOLATION)
    assert run.status == RunStatus.FAILED and "gateway to the network is down" in run.errors
    assert any("failed" in m.lower() or "gagal" in m.lower() for m in msgs(r))
    assert "gateway to the network is down" in r.content.decode()


def test_run_now_refuses_bad_kind_and_get(client, onboarding):
    login(client, Role.FINANCE)
    r = client.post(RUN_START, {"kind": "everything"}, follow=True)
    assert BillingRun.objects.count() == 0
    assert msgs(r)
    assert client.post(RUN_START, {}).status_code == 302
    assert BillingRun.objects.count() == 0
    assert client.get(RUN_START).status_code == 405


def test_run_now_needs_reports_capability(client, onboarding):
    login(client, Role.CUSTOMER_SERVICE)
    assert client.post(RUN_START, {"kind": "reminders"}).status_code == 403
    assert BillingRun.objects.count() == 0
