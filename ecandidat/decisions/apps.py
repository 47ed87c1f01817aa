from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DecisionsConfig(AppConfig):
    name = "ecandidat.decisions"
    label = "decisions"
    verbose_name = _("Decisions")

    def ready(self):
        # Registered here, not imported by notifications: the outbox sits below this app.
        from ecandidat.notifications.attachments import register

        from .letters import build_attachment

        register("letter", build_attachment)

        from ecandidat.common.cache import forget_on_change

        from . import models

        forget_on_change(models.DecisionType, models.TYPES_IN_SERVICE_KEY)
        forget_on_change(models.DecisionReason, models.REASONS_IN_SERVICE_KEY)
