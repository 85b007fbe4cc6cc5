from django.conf import settings

from ispcare.accounts.roles import has_capability

_NAV = {
    "registrations": "registrations.review",
    "schedule": "workorders.schedule",
    "field": "workorders.field",
    "billing": "billing.view",
    "reports": "billing.reports",
    "customers": "customers.view",
    "outbox": "notifications.view",
    "network": "network.manage",
    "announce": "notifications.bulk",
    "templates": "notifications.templates",
    "tickets": "helpdesk.view",
    "chat": "helpdesk.chat",
    "sla": "helpdesk.supervise",
    "closing": "closures.view",
    "privacy": "privacy.view",
}


def site(request):
    user = getattr(request, "user", None)
    return {
        "ISP_NAME": settings.ISP_NAME,
        "ISP_SUPPORT_PHONE": settings.ISP_SUPPORT_PHONE,
        "ISP_SUPPORT_EMAIL": settings.ISP_SUPPORT_EMAIL,
        # Menu entries the user may open: the nav shows only these.
        "perms_nav": {k: has_capability(user, cap) for k, cap in _NAV.items()} if user else {},
    }
