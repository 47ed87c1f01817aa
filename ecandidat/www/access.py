"""Access decorators shared by the audience packages."""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from django.utils.http import url_has_allowed_host_and_scheme


def candidate_required(view):
    """The view is for signed-in candidates; visitors go to the login with ``next``.

    A signed-in account that is not a candidate gets 404: the page does not exist for it.
    """

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not request.user.is_candidate:
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


def staff_permission_required(permission: str):
    """The view is for staff holding ``permission``; anyone else signed in gets 404.

    A 404 rather than a 403 tells an outsider nothing about what exists.
    """

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path(), login_url="staff:login")
            if not (request.user.is_staff and request.user.has_perm(permission)):
                raise Http404
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def staff_required(view):
    """The view is for staff; visitors go to the staff login, anyone else gets 404."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), login_url="staff:login")
        if not request.user.is_staff:
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


def safe_next(request, default: str | None = None) -> str | None:
    """The ``next`` the request carries (form field, then query string) when it stays on
    this site and, on HTTPS, on HTTPS; ``default`` otherwise. One helper for every login,
    second-factor and redirect-after page, so none of them can become an open redirect."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if "\x00" not in target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default
