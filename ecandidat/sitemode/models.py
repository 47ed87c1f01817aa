"""The portal's mode: normal, maintenance (candidates and visitors see a maintenance page,
staff keep working) or read-only (every page served, every write refused), switched by an
administrator or by ``manage.py site_mode`` during a deploy or an incident.

One row (pk=1). A mode may follow any other: there is no workflow to enforce, each change
is audited (``audit.codes.SITE_MODE_CHANGED``).
"""

import logging

from django.conf import settings
from django.db import DatabaseError, models
from django.utils.translation import gettext_lazy as _

from ecandidat.common.cache import cached
from ecandidat.common.i18n import localized

logger = logging.getLogger(__name__)
CACHE_KEY = "site-mode"


class Mode(models.TextChoices):
    NORMAL = "normal", _("Normal")
    MAINTENANCE = "maintenance", _("Maintenance: candidates see the maintenance page")
    READ_ONLY = "read_only", _("Read-only: pages are served, nothing can be saved")


class SiteMode(models.Model):
    mode = models.CharField(_("mode"), max_length=12, choices=Mode.choices, default=Mode.NORMAL)
    message_fr = models.TextField(_("message (French)"), blank=True, max_length=1000)
    message_en = models.TextField(_("message (English)"), blank=True, max_length=1000)
    changed_at = models.DateTimeField(_("changed at"), null=True, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("site mode")
        verbose_name_plural = _("site mode")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(mode__in=Mode.values), name="sitemode_mode_valid"
            ),
            models.CheckConstraint(condition=models.Q(pk=1), name="sitemode_single_row"),
        ]

    def __str__(self):
        return self.get_mode_display()

    @property
    def message(self) -> str:
        return localized(self.message_fr, self.message_en)

    @property
    def is_normal(self) -> bool:
        return self.mode == Mode.NORMAL

    @property
    def is_maintenance(self) -> bool:
        return self.mode == Mode.MAINTENANCE

    @property
    def is_read_only(self) -> bool:
        return self.mode == Mode.READ_ONLY

    @property
    def pauses_jobs(self) -> bool:
        """Read-only stops the background work too (no email, no periodic job) until the
        mode is normal again; maintenance leaves it running for the staff still working."""
        return self.is_read_only

    @classmethod
    def load(cls) -> "SiteMode":
        """For the web requests: from the cache (forgotten on change; read on every request).
        A database that cannot answer (down, or mid-upgrade before this table exists) means
        normal: pages that need the database say so themselves, the others keep working."""
        try:
            return cached(CACHE_KEY, cls.from_database)
        except DatabaseError:
            logger.warning("site mode unreadable, taken as normal", exc_info=True)
            return cls(pk=1)

    @classmethod
    def from_database(cls) -> "SiteMode":
        """For the worker and the scheduler, which must see a switch at once."""
        return cls.objects.filter(pk=1).first() or cls(pk=1)
