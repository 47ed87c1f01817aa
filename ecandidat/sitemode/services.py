from django.db import transaction
from django.utils import timezone

from ecandidat.audit import codes
from ecandidat.audit.services import record

from .models import Mode, SiteMode


@transaction.atomic
def set_mode(*, mode: str, actor, message_fr: str = "", message_en: str = "") -> SiteMode:
    """Switch the portal's mode (``actor`` None: the command line of a deploy)."""
    if mode not in Mode.values:
        raise ValueError(f"unknown site mode {mode!r}")
    site, _created = SiteMode.objects.select_for_update().get_or_create(pk=1)
    previous = site.mode
    site.mode = mode
    site.message_fr, site.message_en = message_fr, message_en
    site.changed_at = timezone.now()
    site.changed_by = actor
    site.save()
    record(
        codes.SITE_MODE_CHANGED,
        actor=actor,
        target=site,
        data={"from": previous, "to": mode},
    )
    return site
