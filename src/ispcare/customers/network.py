"""What the network is told about plans: one FreeRADIUS group per plan."""

from __future__ import annotations

from ispcare.network.groups import GroupSpec

from .models import Plan


def plan_group(plan: Plan) -> GroupSpec:
    """The plan's group: its speed as MikroTik's rate limit (rx/tx as seen by the router)."""
    rate = f"{plan.speed_mbps}M/{plan.speed_mbps}M"
    return GroupSpec(plan.radius_profile, {"Mikrotik-Rate-Limit": rate})


def plan_groups() -> list[GroupSpec]:
    return [plan_group(p) for p in Plan.objects.order_by("id")]
