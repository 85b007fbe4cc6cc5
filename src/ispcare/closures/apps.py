from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ClosuresConfig(AppConfig):
    name = "ispcare.closures"
    label = "closures"
    verbose_name = _("Closing")

    def ready(self) -> None:
        from ispcare.notifications.documents import document_register

        from .notices import register_templates
        from .pdf import statement_document
        from .privacy_closures import register

        register_templates()
        register()
        document_register("settlement_statement", statement_document)
