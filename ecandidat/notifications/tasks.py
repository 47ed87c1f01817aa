"""Background work of the notifications app: the delivery task lives in ``services`` (see
there why); this name stays importable for the worker and for rows queued before."""

from .services import deliver_email

__all__ = ["deliver_email"]
