from django.apps import AppConfig


class WwwConfig(AppConfig):
    """The HTTP layer, one package per audience (public, candidate, staff, dev)."""

    name = "ecandidat.www"
    label = "www"
