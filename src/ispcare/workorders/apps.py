from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkordersConfig(AppConfig):
    name = "ispcare.workorders"
    label = "workorders"
    verbose_name = _("Work orders")

    def ready(self) -> None:
        from .privacy import register

        register()
