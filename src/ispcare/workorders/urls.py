from django.urls import path

from . import views

app_name = "workorders"
urlpatterns = [
    path("installations/", views.installation_board, name="installation_board"),
    path(
        "installations/<int:subscription_pk>/schedule/",
        views.installation_schedule,
        name="installation_schedule",
    ),
    path("today/", views.my_jobs, name="my_jobs"),
    path("<int:pk>/", views.job_detail, name="job_detail"),
    path("<int:pk>/complete/", views.installation_complete, name="installation_complete"),
    path("customers/<int:customer_pk>/panel/", views.customer_panel, name="customer_panel"),
]
