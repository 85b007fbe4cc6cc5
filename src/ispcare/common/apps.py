from django.apps import AppConfig


class CommonConfig(AppConfig):
    name = "ispcare.common"
    label = "common"
