from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DossierConfig(AppConfig):
    name = "ecandidat.dossier"
    label = "dossier"
    verbose_name = _("Candidate dossier")

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from . import models
        from .services import forget_summaries

        def changed(sender, instance, **kwargs):
            forget_summaries([instance.user_id])

        # The sections the sidebar summary counts (dossier_summary).
        for model in (
            models.PersonalInformation,
            models.Address,
            models.Baccalaureate,
            models.LocalStudy,
            models.NonLocalStudy,
            models.Internship,
            models.WorkExperience,
        ):
            post_save.connect(changed, sender=model, dispatch_uid=f"summary-{model.__name__}-s")
            post_delete.connect(changed, sender=model, dispatch_uid=f"summary-{model.__name__}-d")
