from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomersConfig(AppConfig):
    name = "ispcare.customers"
    label = "customers"
    verbose_name = _("Customers")

    def ready(self) -> None:
        from .notices import register_templates
        from .privacy import register as register_privacy

        register_templates()
        register_privacy()
