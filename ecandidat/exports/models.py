"""What the exports app keeps: each staff member's choice of list columns and filters."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ListPreference(models.Model):
    """The columns and filters a staff member chose for the application list."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="list_preference"
    )
    columns = models.JSONField(default=list)
    filters = models.JSONField(default=dict)

    class Meta:
        # The table keeps the name it had in the review app (a move of state only).
        db_table = "review_listpreference"
        verbose_name = _("list preference")
        verbose_name_plural = _("list preferences")

    def __str__(self):
        return str(self.user_id)
