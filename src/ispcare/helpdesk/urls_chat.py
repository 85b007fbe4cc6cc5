"""The chat on the customer's side, under /chat/: the widget's panel and its actions
(public: visitors have no account) and the portal page (customers)."""

from django.urls import path

from . import views_chat as views

app_name = "helpdesk_chat"

urlpatterns = [
    path("panel/", views.panel, name="panel"),
    path("start/", views.start, name="start"),
    path("history/", views.history, name="history"),
    path("upload/", views.upload, name="upload"),
    path("offline/", views.offline, name="offline"),
    path("image/<int:pk>/", views.image, name="image"),
    path("portal/", views.portal, name="portal"),
]
