from django.urls import path

from . import views

app_name = "network"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("pending/<int:pk>/retry/", views.retry, name="retry"),
    path("nodes/new/", views.node_edit, name="node_new"),
    path("nodes/<int:pk>/", views.node_edit, name="node_edit"),
]
