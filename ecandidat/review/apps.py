from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReviewConfig(AppConfig):
    name = "ecandidat.review"
    label = "review"
    verbose_name = _("Review")

    def ready(self):
        from ecandidat.notifications.attachments import register

        from . import checks  # noqa: F401  (registers the system checks)
        from .letters import build_attachment

        register("letter", build_attachment)
