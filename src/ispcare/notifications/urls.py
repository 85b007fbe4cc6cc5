from django.urls import path

from . import views, views_templates

app_name = "notifications"
urlpatterns = [
    path("", views.outbox, name="outbox"),
    path("<int:pk>/", views.outbox_detail, name="outbox_detail"),
    path("<int:pk>/retry/", views.outbox_retry, name="outbox_retry"),
    path("bulk/", views.bulk_list, name="bulk_list"),
    path("bulk/<int:pk>/", views.bulk_detail, name="bulk_detail"),
    path("bulk/<int:pk>/progress/", views.bulk_progress, name="bulk_progress"),
    path("bulk/<int:pk>/pause/", views.bulk_pause, name="bulk_pause"),
    path("bulk/<int:pk>/resume/", views.bulk_resume, name="bulk_resume"),
    path("bulk/<int:pk>/cancel/", views.bulk_cancel, name="bulk_cancel"),
    path("templates/", views_templates.template_list, name="template_list"),
    path(
        "templates/<slug:key>/<str:language>/",
        views_templates.template_edit,
        name="template_edit",
    ),
    path(
        "templates/<slug:key>/<str:language>/preview/",
        views_templates.template_preview,
        name="template_preview",
    ),
    path(
        "templates/<slug:key>/<str:language>/reset/",
        views_templates.template_reset,
        name="template_reset",
    ),
]
