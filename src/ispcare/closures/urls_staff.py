"""Staff: the closing queue, a request's page, check-in, settlement."""

from django.urls import path

from . import views_staff as views
from . import views_staff_detail as one
from . import views_staff_forms as pages

app_name = "closures"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("prices/", pages.prices, name="prices"),
    path("<int:pk>/", one.closure_detail, name="closure_detail"),
    path("<int:pk>/process/", one.closure_process, name="closure_process"),
    path("<int:pk>/cancel/", one.closure_cancel, name="closure_cancel"),
    path("<int:pk>/pickup/", one.closure_pickup, name="closure_pickup"),
    path("<int:pk>/check-in/", pages.closure_check_in, name="closure_check_in"),
    path("<int:pk>/settle/", pages.closure_settle, name="closure_settle"),
    path("<int:pk>/refund/", one.closure_refund, name="closure_refund"),
    path("<int:pk>/write-off/", one.closure_write_off, name="closure_write_off"),
    path("<int:pk>/close/", one.closure_close, name="closure_close"),
    path("<int:pk>/offer/", one.closure_offer, name="closure_offer"),
    path("<int:pk>/offer/answer/", one.closure_offer_answer, name="closure_offer_answer"),
    path("customers/<int:customer_pk>/new/", pages.closure_new, name="closure_new"),
    path("customers/<int:customer_pk>/panel/", views.customer_panel, name="customer_panel"),
    path("pickup/<int:work_order_pk>/", pages.pickup_check_in, name="pickup_check_in"),
]
