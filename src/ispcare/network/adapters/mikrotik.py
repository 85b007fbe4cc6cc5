"""MikroTik RouterOS API (librouteros), for ISPs whose routers hold the PPP secrets.

active    PPP secret enabled with the plan's profile; off the isolir address list
isolated  PPP secret with the isolir profile; its session's address on the isolir list
disabled  PPP secret disabled; off the list
Isolating puts the open session's address on the list at once (the redirect to the
isolir page works without a new login; the isolir PPP profile should also set
address-list=isolir for later logins); restoring and disabling drop the session, so the
next login gets the plan's profile or none. Address-list entries carry the username as
comment, so they can be found and removed whatever address the session had.
"""

from __future__ import annotations

from django.conf import settings

from ..models import Nas
from ..specs import AccessSpec, AccessState
from .base import BackendError


def _connect(nas: Nas):
    import librouteros
    from librouteros.exceptions import LibRouterosError

    try:
        return librouteros.connect(
            host=nas.address,
            username=nas.api_username,
            password=nas.api_password,
            port=nas.api_port,
            timeout=10,
        )
    except (TimeoutError, OSError, LibRouterosError) as exc:
        raise BackendError(f"RouterOS API {nas.address}:{nas.api_port}: {exc}") from exc


class MikrotikBackend:
    name = "mikrotik"

    def _nas(self, spec_nas: str) -> Nas:
        nas = Nas.objects.filter(address=spec_nas).first() if spec_nas else None
        if nas is None:
            raise BackendError("no router (NAS) is set for this subscriber")
        if not nas.api_username:
            raise BackendError(f"router {nas.address} has no API user set")
        return nas

    def _run(self, spec_nas: str, work) -> None:
        from librouteros.exceptions import LibRouterosError

        api = _connect(self._nas(spec_nas))
        try:
            work(api)
        except (TimeoutError, OSError, LibRouterosError) as exc:
            raise BackendError(f"RouterOS API: {type(exc).__name__}: {exc}") from exc
        finally:
            api.close()

    @staticmethod
    def _find(path, **where) -> list[dict]:
        """Rows of `path` matching every `where` (a query on the router: no full listing).
        librouteros turns "123" into 123 and "yes" into True, so compare as text."""
        words = [f"?{key}={value}" for key, value in where.items()]
        return [
            row
            for row in path.api.rawCmd(f"{path.path}/print", *words)
            if all(str(row.get(k)) == str(v) for k, v in where.items())
        ]

    def holdings(self, nas: Nas) -> dict[str, tuple[str, bool, str, bool]]:
        """What the router holds, for the reconcile: each PPP secret's name -> (profile,
        disabled, password, on the isolir address list). Two listings per router, whatever
        the number of subscribers (a router holds thousands at most)."""
        conf = settings.NETWORK
        out: dict[str, tuple[str, bool, str, bool]] = {}

        def work(api) -> None:
            listed = {
                str(row.get("comment"))
                for row in self._find(
                    api.path("ip", "firewall", "address-list"), list=conf["isolir_address_list"]
                )
            }
            for row in api.path("ppp", "secret"):
                name = str(row.get("name"))
                disabled = str(row.get("disabled")).lower() in ("true", "yes")
                out[name] = (
                    str(row.get("profile")),
                    disabled,
                    str(row.get("password", "")),
                    name in listed,
                )

        self._run(nas.address, work)
        return out

    def _apply(self, spec: AccessSpec) -> None:
        conf = settings.NETWORK
        isolated = spec.state == AccessState.ISOLATED

        def work(api) -> None:
            secrets = api.path("ppp", "secret")
            fields = {
                "password": spec.password,
                "profile": conf["isolir_group"] if isolated else spec.profile,
                "disabled": spec.state == AccessState.DISABLED,
            }
            found = self._find(secrets, name=spec.username)
            if found:
                secrets.update(**{".id": found[0][".id"]}, **fields)
            else:
                secrets.add(name=spec.username, service=conf["pppoe_service"], **fields)
            lists = api.path("ip", "firewall", "address-list")
            listed = self._find(lists, list=conf["isolir_address_list"], comment=spec.username)
            active = api.path("ppp", "active")
            sessions = self._find(active, name=spec.username)
            if isolated:
                addresses = {row.get("address") for row in listed}
                for session in sessions:
                    if session.get("address") and session["address"] not in addresses:
                        lists.add(
                            list=conf["isolir_address_list"],
                            address=session["address"],
                            comment=spec.username,
                        )
            else:
                if listed:
                    lists.remove(*[row[".id"] for row in listed])
                if sessions:  # log in again with the plan's profile, or not at all
                    active.remove(*[s[".id"] for s in sessions])

        self._run(spec.nas, work)

    def provision(self, spec: AccessSpec) -> None:
        self._apply(spec)

    def isolate(self, spec: AccessSpec) -> None:
        self._apply(spec)

    def restore(self, spec: AccessSpec) -> None:
        self._apply(spec)

    def disable(self, spec: AccessSpec) -> None:
        self._apply(spec)

    def deprovision(self, username: str, *, nas: str = "") -> None:
        conf = settings.NETWORK

        def work(api) -> None:
            for path, where in (
                (api.path("ppp", "active"), {"name": username}),
                (api.path("ppp", "secret"), {"name": username}),
                (
                    api.path("ip", "firewall", "address-list"),
                    {"list": conf["isolir_address_list"], "comment": username},
                ),
            ):
                rows = self._find(path, **where)
                if rows:
                    path.remove(*[r[".id"] for r in rows])

        self._run(nas, work)
