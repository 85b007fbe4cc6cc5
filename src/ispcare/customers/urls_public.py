from django.urls import path

from . import views_public as views

app_name = "customers"
urlpatterns = [
    path("", views.home, name="home"),
    path("register/", views.register, name="register"),
    path("register/done/<str:token>/", views.registration_done, name="registration_done"),
    path("register/status/<str:token>/", views.registration_status, name="registration_status"),
]
