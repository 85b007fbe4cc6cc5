from django.contrib import admin
from django.urls import include, path

from .api import api
from .billing.views_isolir import isolir
from .health import health
from .notifications.webhooks import whatsapp as whatsapp_webhook

urlpatterns = [
    path("", include("ispcare.customers.urls_public")),
    path("health/", health, name="health"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("ispcare.accounts.urls")),
    path("portal/", include("ispcare.customers.urls_portal")),
    path("portal/billing/", include("ispcare.billing.urls_portal")),
    path("portal/pay/", include("ispcare.billing.urls_pay")),
    path("portal/help/", include("ispcare.helpdesk.urls_portal")),
    path("portal/closing/", include("ispcare.closures.urls_portal")),
    path("portal/privacy/", include("ispcare.closures.urls_portal_privacy")),
    path("chat/", include("ispcare.helpdesk.urls_chat")),
    path("staff/", include("ispcare.customers.urls_staff")),
    path("staff/work/", include("ispcare.workorders.urls")),
    path("staff/helpdesk/sla/", include("ispcare.helpdesk.urls_sla")),
    path("staff/helpdesk/chat/", include("ispcare.helpdesk.urls_console")),
    path("staff/helpdesk/", include("ispcare.helpdesk.urls_staff")),
    path("staff/billing/reports/", include("ispcare.billing.urls_reports")),
    path("staff/billing/online/", include("ispcare.billing.urls_online")),
    path("staff/billing/", include("ispcare.billing.urls")),
    path("staff/messages/", include("ispcare.notifications.urls")),
    path("staff/closing/", include("ispcare.closures.urls_staff")),
    path("staff/privacy/", include("ispcare.closures.urls_privacy")),
    path("staff/network/", include("ispcare.network.urls")),
    path("webhooks/whatsapp/", whatsapp_webhook, name="whatsapp_webhook"),
    path("webhooks/payments/", include("ispcare.billing.urls_webhooks")),
    path("isolir/", isolir, name="isolir"),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
]
