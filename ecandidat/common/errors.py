"""The one base of the refusals services raise."""

from django_stubs_ext import StrOrPromise


class DomainError(Exception):
    """A rule of the domain refused the action: ``message`` is the translated text the user
    is shown (a page displays it as is; the worker stores it for the progress page).

    A subclass may set ``default_message`` for the refusal it raises without one; the
    exception's ``str()`` is the message, in the language active when it was raised.
    """

    default_message: StrOrPromise = ""

    def __init__(self, message: StrOrPromise | None = None):
        self.message = self.default_message if message is None else message
        super().__init__(str(self.message))
