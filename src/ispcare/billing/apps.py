from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BillingConfig(AppConfig):
    name = "ispcare.billing"
    label = "billing"
    verbose_name = _("Billing")

    def ready(self) -> None:
        from .notices import register_templates
        from .privacy import register as register_privacy

        register_templates()
        register_privacy()
