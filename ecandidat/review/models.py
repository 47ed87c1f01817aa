"""Staff processing around applications: tags and internal notes."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ecandidat.applications.models import Application
from ecandidat.catalog.models import Centre, CentreOwnedQuerySet


class Tag(models.Model):
    """A coloured label, defined centrally (no centre) or for one centre."""

    label = models.CharField(_("label"), max_length=50)
    colour = models.CharField(_("colour"), max_length=7, default="#0b4f8a")
    centre = models.ForeignKey(
        Centre,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="tags",
        verbose_name=_("centre"),
    )
    applications = models.ManyToManyField(Application, blank=True, related_name="tags")

    objects = CentreOwnedQuerySet.as_manager()

    class Meta:
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        ordering = ["label"]

    def __str__(self):
        return self.label


class Note(models.Model):
    """An internal note on an application: never shown to the candidate."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    text = models.TextField(_("note"), max_length=4000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("note")
        verbose_name_plural = _("notes")
        ordering = ["-created_at"]

    def __str__(self):
        return self.text[:50]
