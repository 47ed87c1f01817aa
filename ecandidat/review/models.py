"""Staff processing around applications: tags, internal notes, list preferences."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ecandidat.applications.models import Application
from ecandidat.catalog.models import Centre


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


class ListPreference(models.Model):
    """The columns and filters a staff member chose for the application list."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="list_preference"
    )
    columns = models.JSONField(default=list)
    filters = models.JSONField(default=dict)

    class Meta:
        verbose_name = _("list preference")
        verbose_name_plural = _("list preferences")

    def __str__(self):
        return str(self.user_id)


class BulkJob(models.Model):
    """A bulk action on many applications, run by the worker; its progress is shown live."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    action = models.CharField(max_length=30)
    params = models.JSONField(default=dict)
    application_ids = models.JSONField(default=list)
    done = models.PositiveIntegerField(default=0)
    succeeded = models.JSONField(default=list)
    refused = models.JSONField(default=list)  # [[application id, reason], …]
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("bulk action")
        verbose_name_plural = _("bulk actions")

    def __str__(self):
        return f"{self.action} ×{len(self.application_ids)}"

    @property
    def total(self) -> int:
        return len(self.application_ids)

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 100
