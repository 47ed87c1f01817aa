"""Signing in, the same way for candidates and staff."""

from django.contrib.auth import login

from ecandidat.accounts import services
from ecandidat.accounts.models import User
from ecandidat.www.public.forms import RATE_LIMITED_MESSAGE
from ecandidat.www.ratelimit import limit_exceeded

TOO_MANY_REQUESTS = 429


def attempt_login(request, form_class, *, scope: str):
    """One sign-in attempt from ``request.POST``, for candidates (``scope="login"``) and
    staff (``"staff_login"``): rate limits per IP and per account (keyed on the account, so
    its dossier number and its email share one counter), the audit row of each outcome,
    and ``login()``, which rotates the session key (a session fixed before is worthless).

    Returns ``(form, status)``; ``status`` is None when the user is signed in.
    """
    login_value = request.POST.get("username", "")
    if limit_exceeded(request, scope, User.objects.rate_limit_key(login_value)):
        form = form_class(request, data=request.POST, check_credentials=False)
        form.is_valid()  # the field errors of what was typed, the password is not checked
        form.add_error(None, RATE_LIMITED_MESSAGE)
        services.record_login_locked(login_value)
        return form, TOO_MANY_REQUESTS
    form = form_class(request, data=request.POST)
    if form.is_valid():
        login(request, form.user)
        services.record_login(form.user)
        return form, None
    services.record_login_failure(login_value)
    return form, 200
