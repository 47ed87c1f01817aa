"""Background work of the notifications app: the delivery tasks live in ``services`` (see
there why); these names stay importable for the worker and for rows queued before."""

from .services import deliver_email, deliver_outbox

__all__ = ["deliver_email", "deliver_outbox"]
