from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demo data for Vokasi.Net; sits above every app so it may use all their services."""

    name = "ispcare.demo"
    label = "demo"
