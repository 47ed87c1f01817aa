"""Asking for a recovery email, the same way for candidates and staff.

The anonymous forms answer identically whatever was typed (POST → redirect → the same
"check your mailbox" page): the worker looks the account up and sends what applies, so
nobody learns which addresses or logins have an account. Each form is rate-limited per
address and per typed value under the ``recovery`` scope.
"""

from django.shortcuts import redirect, render

from ecandidat.accounts import tasks
from ecandidat.www.login import TOO_MANY_REQUESTS
from ecandidat.www.public.forms import RATE_LIMITED_MESSAGE
from ecandidat.www.ratelimit import limit_exceeded


def recovery_request(
    request, *, form_class, field: str, kind: str, template: str, done: str, context=None
):
    """The recovery form ``form_class`` whose ``field`` names the account; a valid POST
    queues ``tasks.request_recovery(kind=kind, …)`` and redirects to ``done``."""
    context = context or {}
    form = form_class(request.POST or None)
    if request.method == "POST":
        valid = form.is_valid()
        if limit_exceeded(request, "recovery", request.POST.get(field, "")):
            form.add_error(None, RATE_LIMITED_MESSAGE)
            return render(request, template, {"form": form, **context}, status=TOO_MANY_REQUESTS)
        if valid:
            tasks.request_recovery(kind=kind, value=form.cleaned_data[field])
            return redirect(done)
    return render(request, template, {"form": form, **context})
