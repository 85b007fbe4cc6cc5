"""Builders for the network tests."""

from __future__ import annotations

from ispcare.network.groups import GroupSpec, groups_sync
from ispcare.network.models import Nas, Node
from ispcare.network.specs import AccessSpec, AccessState


def spec(username: str = "vn261200001", state: str = AccessState.ACTIVE, **kw) -> AccessSpec:
    return AccessSpec(
        username=username,
        password=kw.pop("password", "rahasia-ppp"),
        profile=kw.pop("profile", "rumah-20"),
        state=AccessState(state),
        nas=kw.pop("nas", ""),
        node=kw.pop("node", None),
    )


def plan_groups() -> None:
    groups_sync(groups=[GroupSpec("rumah-20", {"Mikrotik-Rate-Limit": "20M/20M"})])


def nas(
    address: str = "127.0.0.1", *, secret: str = "nas-secret", coa_port: int = 3799, **kw
) -> Nas:
    pop, _ = Node.objects.get_or_create(name="POP Sleman", kind="pop")
    router = Node.objects.create(
        name=kw.pop("name", f"Router {address}"), kind="router", parent=pop
    )
    return Nas.objects.create(node=router, address=address, secret=secret, coa_port=coa_port, **kw)
