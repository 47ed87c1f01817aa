from django.db import models

from . import codes
from .models import AuditEvent


def client_ip(request) -> str | None:
    if request is None:
        return None
    from django.conf import settings

    return request.META.get(settings.RATELIMIT_IP_META_KEY) or None


def record(
    action: str,
    *,
    actor=None,
    target: models.Model | None = None,
    data: dict | None = None,
    request=None,
    ip: str | None = None,
) -> AuditEvent:
    """Write one audit row. ``actor`` is the user who acted (None for the system).

    The client address comes from ``request`` or, in background work started by a request,
    from ``ip``.
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
        ip_address=client_ip(request) or ip,
        data=data or {},
    )
