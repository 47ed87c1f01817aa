from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    name = "ecandidat.catalog"
    label = "catalog"
    verbose_name = _("Catalogue")

    def ready(self):
        from ecandidat.common.cache import forget_on_change

        from . import models

        forget_on_change(models.InstitutionSettings, models.SETTINGS_CACHE_KEY)
        forget_on_change(models.DocumentType, models.DOCUMENT_TYPES_IN_SERVICE_KEY)
        forget_on_change(models.Campaign, models.CAMPAIGNS_KEY)
