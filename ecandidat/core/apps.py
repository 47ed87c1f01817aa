from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "ecandidat.core"
    label = "core"
