from django.db import models

from . import codes
from .context import current_ip
from .models import AuditEvent


def record(
    action: str,
    *,
    actor=None,
    target: models.Model | None = None,
    data: dict | None = None,
) -> AuditEvent:
    """Write one audit row. ``actor`` is the user who acted (None for the system).

    The client address is the one bound to the current request or task (``audit.context``).
    """
    if not codes.is_declared(action):
        raise ValueError(f"undeclared audit code {action!r}: declare it in audit/codes.py")
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    return AuditEvent.objects.create(
        actor=actor,
        actor_label=actor.get_username() if actor is not None else "system",
        action=action,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        ip_address=current_ip(),
        data=data or {},
    )
