"""FreeRADIUS's tables go to the "radius" database when RADIUS_DATABASE_URL sets one."""

from __future__ import annotations

from django.conf import settings

RADIUS_TABLES = frozenset(
    {
        "radcheck",
        "radreply",
        "radusergroup",
        "radgroupcheck",
        "radgroupreply",
        "radacct",
        "radpostauth",
        "nas",
    }
)


def radius_alias() -> str:
    return "radius" if "radius" in settings.DATABASES else "default"


def _is_radius(model) -> bool:
    return model._meta.db_table in RADIUS_TABLES


class RadiusRouter:
    def db_for_read(self, model, **hints):
        return radius_alias() if _is_radius(model) else None

    def db_for_write(self, model, **hints):
        return radius_alias() if _is_radius(model) else None

    def allow_relation(self, obj1, obj2, **hints):
        return None

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        if app_label != "network" or model_name is None:
            return None if db == "default" else False
        from django.apps import apps

        model = apps.get_model(app_label, model_name)
        if _is_radius(model):
            return db == radius_alias()
        return db == "default"
