from django.urls import path

from . import views_announce
from . import views_staff as views

app_name = "staff"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("registrations/", views.registration_queue, name="registration_queue"),
    path("registrations/<int:pk>/", views.registration_detail, name="registration_detail"),
    path(
        "registrations/<int:pk>/approve/", views.registration_approve, name="registration_approve"
    ),
    path("registrations/<int:pk>/reject/", views.registration_reject, name="registration_reject"),
    path("customers/", views.customer_list, name="customer_list"),
    path("customers/<int:pk>/", views.customer_detail, name="customer_detail"),
    path("subscriptions/<int:pk>/node/", views.subscription_node, name="subscription_node"),
    path("subscriptions/<int:pk>/plan/", views.subscription_plan, name="subscription_plan"),
    path(
        "subscriptions/<int:pk>/sessions/",
        views.subscription_sessions,
        name="subscription_sessions",
    ),
    path("equipment/", views.equipment_list, name="equipment_list"),
    path("announce/", views_announce.announce, name="announce"),
    path("announce/count/", views_announce.announce_count, name="announce_count"),
]
