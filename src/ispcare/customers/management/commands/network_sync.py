"""Bring FreeRADIUS up to date now: plan groups, the isolir group, the NAS list, drift.

Run once after installing or after editing plans in bulk; the worker also does it every
ten minutes (jobs.network_reconcile).
"""

from __future__ import annotations

from django.core.management.base import BaseCommand

from ispcare.customers.network import plan_groups
from ispcare.network.reconcile import reconcile


class Command(BaseCommand):
    help = "Synchronise FreeRADIUS's groups and NAS list and repair drifted subscribers."

    def handle(self, *args, **options):
        result = reconcile(groups=plan_groups())
        self.stdout.write(
            f"groups: {result.groups} attribute rows; nas: {result.nas}; "
            f"subscribers checked: {result.checked}; drifted: {result.drifted}"
        )
