from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SiteModeConfig(AppConfig):
    name = "ecandidat.sitemode"
    label = "sitemode"
    verbose_name = _("Site mode")

    def ready(self):
        from ecandidat.common.cache import forget_on_change

        from .models import CACHE_KEY, SiteMode

        forget_on_change(SiteMode, CACHE_KEY)
