from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExportsConfig(AppConfig):
    name = "ecandidat.exports"
    label = "exports"
    verbose_name = _("Exports")

    def ready(self):
        # Importing the module registers the system checks (manage.py check, every start).
        from . import checks  # noqa: F401
