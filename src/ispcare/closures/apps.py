from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ClosuresConfig(AppConfig):
    name = "ispcare.closures"
    label = "closures"
    verbose_name = _("Closing")

    def ready(self) -> None:
        from .notices import register_templates
        from .privacy_closures import register

        register_templates()
        register()
