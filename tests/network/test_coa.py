"""CoA / Disconnect-Request to the NAS of an open session, against a test NAS on loopback."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from pyrad import packet

from ispcare.network.choices import CoaKind, CoaStatus
from ispcare.network.coa import coa_flag_stale, coa_send, coa_send_due
from ispcare.network.models import CoaRequest, RadAcct
from ispcare.network.services import access_apply, access_set
from tests.doubles.nas import TestNas

from .support import nas, plan_groups, spec

pytestmark = pytest.mark.django_db


def _session(username="vn261200001", *, ip="10.20.0.7", nas_ip="127.0.0.1", sid="81a00012"):
    return RadAcct.objects.create(
        acctsessionid=sid,
        acctuniqueid=f"u-{sid}",
        username=username,
        nasipaddress=nas_ip,
        framedipaddress=ip,
        acctstarttime=timezone.now() - dt.timedelta(hours=1),
    )


def _change(state: str) -> None:
    access_set(spec=spec(state=state, nas="127.0.0.1"))
    access_apply(username="vn261200001", backend="freeradius")


@pytest.fixture
def online(settings):
    """An active subscriber applied to FreeRADIUS, with an open session on the test NAS."""
    settings.NETWORK = {**settings.NETWORK, "coa_timeout": 0.5, "coa_max_attempts": 3}
    plan_groups()
    with TestNas() as test_nas:
        nas("127.0.0.1", secret="nas-secret", coa_port=test_nas.port)
        _change("active")
        _session()
        yield test_nas


def test_isolating_an_online_subscriber_sends_coa_with_the_isolir_attributes(online):
    _change("isolated")
    (request,) = CoaRequest.objects.all()
    assert request.kind == CoaKind.COA and request.status == CoaStatus.PENDING
    assert coa_send(coa_id=request.pk) == CoaStatus.ACK
    (got,) = online.received
    assert got["code"] == packet.CoARequest
    attrs = got["attributes"]
    assert attrs["User-Name"] == ["vn261200001"] and attrs["Acct-Session-Id"] == ["81a00012"]
    assert attrs["Framed-IP-Address"] == ["10.20.0.7"]  # MikroTik needs it
    assert attrs["Mikrotik-Address-List"] == ["isolir"]
    assert attrs["Mikrotik-Rate-Limit"] == ["256k/256k"]
    request.refresh_from_db()
    assert request.answered_at is not None and request.attempts == 1


def test_disconnect_mode_and_disabling_send_disconnect_request(online, settings):
    settings.NETWORK = {**settings.NETWORK, "coa_mode": "disconnect"}
    _change("isolated")
    _change("disabled")
    kinds = list(CoaRequest.objects.order_by("id").values_list("kind", flat=True))
    assert kinds == [CoaKind.DISCONNECT, CoaKind.DISCONNECT]
    assert coa_send_due() == 2
    assert {r["code"] for r in online.received} == {packet.DisconnectRequest}
    assert "Mikrotik-Rate-Limit" not in online.received[0]["attributes"]


def test_no_open_session_no_request(online):
    RadAcct.objects.update(acctstoptime=timezone.now())
    _change("isolated")
    assert not CoaRequest.objects.exists()


def test_a_nak_is_recorded_and_retried(online):
    online.answer = "nak"
    _change("isolated")
    request = CoaRequest.objects.get()
    assert coa_send(coa_id=request.pk) == CoaStatus.PENDING
    request.refresh_from_db()
    assert "NAK" in request.last_error and request.next_attempt_at > timezone.now()
    online.answer = "ack"
    CoaRequest.objects.update(next_attempt_at=timezone.now())
    assert coa_send_due() == 1
    assert CoaRequest.objects.get().status == CoaStatus.ACK


def test_a_nas_that_does_not_answer_is_retried_then_given_up(online):
    online.answer = "silent"
    _change("isolated")
    request = CoaRequest.objects.get()
    for _ in range(3):
        CoaRequest.objects.update(next_attempt_at=timezone.now())
        coa_send_due()
    request.refresh_from_db()
    assert request.status == CoaStatus.FAILED and request.attempts == 3
    assert "no answer" in request.last_error


def test_a_wrong_secret_gets_no_answer_and_is_recorded(online):
    from ispcare.network.models import Nas

    Nas.objects.update(secret="not-the-nas-secret")
    _change("isolated")
    assert coa_send(coa_id=CoaRequest.objects.get().pk) == CoaStatus.PENDING
    assert "no answer" in CoaRequest.objects.get().last_error
    assert online.received == []  # the NAS dropped it


def test_an_acknowledged_disconnect_with_the_session_still_open_is_flagged(online, settings):
    settings.NETWORK = {**settings.NETWORK, "coa_mode": "disconnect"}
    _change("isolated")
    coa_send_due()
    assert coa_flag_stale() == 0  # no interim update since
    RadAcct.objects.update(acctupdatetime=timezone.now() + dt.timedelta(seconds=5))
    assert coa_flag_stale() == 1
    assert CoaRequest.objects.get().status == CoaStatus.STALE
