from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "ispcare.notifications"
    label = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from .catalog import TemplateSpec, register

        # Free-text announcements (bulk sends) written by staff at send time.
        register(
            TemplateSpec(
                "announcement",
                _("Announcement"),
                {
                    "name": "Dimas Saputra",
                    "isp": "Vokasi.Net",
                    "subject": "Pemeliharaan jaringan Sleman",
                    "text": "Layanan di area Sleman terganggu pukul 01.00-03.00 WIB.",
                },
                "ispcare_announcement",
                ("{{ name }}", "{{ subject }}", "{{ text }}"),
            )
        )

        from .privacy import register as register_privacy

        register_privacy()
