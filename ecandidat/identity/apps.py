from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IdentityConfig(AppConfig):
    name = "ecandidat.identity"
    verbose_name = _("University sign-in")
