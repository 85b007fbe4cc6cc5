"""Staff: the closing queue, a request's page, check-in, settlement."""

from django.urls import path

from . import views_staff as views
from . import views_staff_forms as pages

app_name = "closures"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("prices/", pages.prices, name="prices"),
    path("<int:pk>/", views.closure_detail, name="closure_detail"),
    path("<int:pk>/process/", views.closure_process, name="closure_process"),
    path("<int:pk>/pickup/", views.closure_pickup, name="closure_pickup"),
    path("<int:pk>/check-in/", pages.closure_check_in, name="closure_check_in"),
    path("<int:pk>/settle/", pages.closure_settle, name="closure_settle"),
    path("<int:pk>/refund/", views.closure_refund, name="closure_refund"),
    path("<int:pk>/write-off/", views.closure_write_off, name="closure_write_off"),
    path("<int:pk>/close/", views.closure_close, name="closure_close"),
    path("<int:pk>/offer/", views.closure_offer, name="closure_offer"),
    path("<int:pk>/offer/answer/", views.closure_offer_answer, name="closure_offer_answer"),
    path("customers/<int:customer_pk>/new/", pages.closure_new, name="closure_new"),
    path("customers/<int:customer_pk>/panel/", views.customer_panel, name="customer_panel"),
    path("pickup/<int:work_order_pk>/", pages.pickup_check_in, name="pickup_check_in"),
]
