from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReferentialsConfig(AppConfig):
    name = "ecandidat.referentials"
    label = "referentials"
    verbose_name = _("Reference data")

    def ready(self):
        from . import choices

        choices.register()
