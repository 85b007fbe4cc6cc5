"""CoA and Disconnect-Request (RFC 5176) to the NAS of a subscriber's open sessions.

After FreeRADIUS's tables hold a subscriber's new state, each open session (radacct,
no stop time) gets a request: a CoA-Request carrying the new group's attributes, or a
Disconnect-Request (the subscriber logs in again and gets the new state) where
settings.NETWORK["coa_mode"] says so, and always for a disabled subscriber. Requests
name the session as MikroTik needs: User-Name, Acct-Session-Id, Framed-IP-Address.
A NAK or a timeout is retried with backoff and shown to staff.
"""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from ispcare.common.effects import on_commit

from .adapters.freeradius import group_for
from .choices import CoaKind, CoaStatus
from .models import CoaRequest, Nas, RadAcct, RadGroupReply, SubscriberAccess
from .routers import radius_alias
from .specs import AccessSpec, AccessState

log = logging.getLogger(__name__)
DICTIONARY = Path(__file__).with_name("radius.dictionary")


def coa_for_sessions(*, access: SubscriberAccess, spec: AccessSpec) -> list[CoaRequest]:
    """One request per open session of the subscriber; sent after commit."""
    db = radius_alias()
    sessions = list(
        RadAcct.objects.using(db)
        .filter(username=spec.username, acctstoptime__isnull=True)
        .values("acctsessionid", "acctuniqueid", "framedipaddress", "nasipaddress")
    )
    if not sessions:
        return []
    disconnect = spec.state == AccessState.DISABLED or settings.NETWORK["coa_mode"] == "disconnect"
    attributes = {}
    if not disconnect:
        attributes = dict(
            RadGroupReply.objects.using(db)
            .filter(groupname=group_for(spec))
            .values_list("attribute", "value")
        )
        if spec.state == AccessState.ACTIVE:
            # Leaving isolir: an empty list name takes the address off the isolir list.
            attributes.setdefault("Mikrotik-Address-List", "")
    nas_by_address = {
        n.address: n for n in Nas.objects.filter(address__in={s["nasipaddress"] for s in sessions})
    }
    now = timezone.now()
    requests = CoaRequest.objects.bulk_create(
        [
            CoaRequest(
                username=spec.username,
                nas=nas_by_address.get(s["nasipaddress"]),
                nas_address=s["nasipaddress"],
                session_id=s["acctsessionid"],
                unique_id=s["acctuniqueid"],
                framed_ip=s["framedipaddress"],
                kind=CoaKind.DISCONNECT if disconnect else CoaKind.COA,
                state=spec.state,
                attributes=attributes,
                next_attempt_at=now,
            )
            for s in sessions
        ]
    )
    from .tasks import coa_send_task

    for request in requests:
        on_commit(coa_send_task, request.pk)
    return requests


def _packet(client, request: CoaRequest):
    from pyrad import packet

    code = packet.DisconnectRequest if request.kind == CoaKind.DISCONNECT else packet.CoARequest
    pkt = client.CreateCoAPacket(code=code)
    pkt["User-Name"] = request.username
    pkt["Acct-Session-Id"] = request.session_id
    if request.framed_ip:
        pkt["Framed-IP-Address"] = request.framed_ip
    pkt["NAS-IP-Address"] = request.nas_address
    for attribute, value in request.attributes.items():
        pkt[attribute] = value
    return pkt


def coa_send(*, coa_id: int) -> str:
    """Send one request and record the answer; returns the new status."""
    from pyrad import packet
    from pyrad.client import Client, Timeout
    from pyrad.dictionary import Dictionary

    request = CoaRequest.objects.select_related("nas").filter(pk=coa_id).first()
    if request is None or request.status != CoaStatus.PENDING:
        return request.status if request else ""
    nas = request.nas
    if nas is None:
        return _record(
            request, ok=False, error="no NAS record for this address: add it on the network page"
        )
    conf = settings.NETWORK
    client = Client(
        server=request.nas_address,
        secret=nas.secret.encode(),
        dict=Dictionary(str(DICTIONARY)),
        coaport=nas.coa_port,
    )
    client.timeout, client.retries = conf["coa_timeout"], 1
    try:
        reply = client.SendPacket(_packet(client, request))
    except Timeout:
        return _record(
            request, ok=False, error=f"no answer from {request.nas_address}:{nas.coa_port}"
        )
    except (OSError, KeyError, ValueError) as exc:
        return _record(request, ok=False, error=f"{type(exc).__name__}: {exc}")
    if reply.code in (packet.DisconnectACK, packet.CoAACK):
        return _record(request, ok=True)
    cause = reply.get("Error-Cause", [""])[0] if "Error-Cause" in reply else ""
    return _record(
        request, ok=False, error=f"NAK from {request.nas_address} {cause}".strip(), nak=True
    )


def _record(request: CoaRequest, *, ok: bool, error: str = "", nak: bool = False) -> str:
    from .services import backoff

    with transaction.atomic():
        row = CoaRequest.objects.select_for_update().get(pk=request.pk)
        row.attempts += 1
        now = timezone.now()
        if ok:
            row.status, row.answered_at, row.last_error, row.next_attempt_at = (
                CoaStatus.ACK,
                now,
                "",
                None,
            )
        else:
            row.last_error = error[:2000]
            if nak:
                row.answered_at = now
            if row.attempts >= settings.NETWORK["coa_max_attempts"]:
                row.status, row.next_attempt_at = CoaStatus.FAILED, None
            else:  # a NAK or no answer: the router may come back, or the session settle
                row.next_attempt_at = now + backoff(row.attempts)
        row.save()
    if not ok:
        log.warning("CoA %s for %s: %s", request.kind, request.username, error)
    return row.status


def coa_send_due(*, limit: int = 200) -> int:
    ids = list(
        CoaRequest.objects.filter(status=CoaStatus.PENDING, next_attempt_at__lte=timezone.now())
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    return sum(coa_send(coa_id=i) == CoaStatus.ACK for i in ids)


def coa_flag_stale(*, since: dt.timedelta = dt.timedelta(days=1)) -> int:
    """An acknowledged Disconnect whose session still shows open after a later interim
    update did not take effect: flag it for staff. Two queries, whatever the count."""
    acked = {
        r.unique_id: r
        for r in CoaRequest.objects.filter(
            status=CoaStatus.ACK,
            kind=CoaKind.DISCONNECT,
            answered_at__gte=timezone.now() - since,
        ).exclude(unique_id="")
    }
    if not acked:
        return 0
    still_open = RadAcct.objects.using(radius_alias()).filter(
        acctuniqueid__in=list(acked), acctstoptime__isnull=True, acctupdatetime__isnull=False
    )
    stale = [
        acked[uid].pk
        for uid, updated in still_open.values_list("acctuniqueid", "acctupdatetime")
        if updated > acked[uid].answered_at
    ]
    return CoaRequest.objects.filter(pk__in=stale).update(
        status=CoaStatus.STALE, last_error="the router acknowledged, but the session is still open"
    )
