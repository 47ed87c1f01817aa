from django.conf import settings
from django.shortcuts import redirect
from django.urls import Resolver404, resolve, reverse
from django.utils import translation
from django.utils.http import urlencode
from django_otp.plugins.otp_totp.models import TOTPDevice

from ecandidat.accounts.scope import scope_of
from ecandidat.audit.context import bound_ip
from ecandidat.catalog.models import InstitutionSettings
from ecandidat.www.sso.flow import multi_factor_counts


class AuditContextMiddleware:
    """Bind the client address for the audit rows the request writes.

    Services never see the request; ``audit.record`` reads the address bound here. The
    address is the one the rate limiter trusts (``RATELIMIT_IP_META_KEY``: ``REMOTE_ADDR``,
    or the header a trusted proxy sets).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with bound_ip(request.META.get(settings.RATELIMIT_IP_META_KEY)):
            return self.get_response(request)


class UserLanguageMiddleware:
    """Use the signed-in user's preferred language, whatever the browser says.

    Visitors get Django's usual negotiation (language cookie, then Accept-Language). Once a
    candidate is signed in, the language stored on the account wins, so that the pages they
    see and the emails they receive are in the same language.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.preferred_language:
            translation.activate(user.preferred_language)
            request.LANGUAGE_CODE = user.preferred_language
        return self.get_response(request)


class StaffTwoFactorMiddleware:
    """Every staff URL needs the verified second factor, except a short named list.

    The decision is taken on ``request.path_info`` resolved by the same URL resolver that
    dispatches the request: ``request.path`` also carries ``SCRIPT_NAME`` (a deployment under
    a sub-path, or a forged header a proxy passes on), so a prefix test on it let
    ``/x/staff/...`` through without the code. Deny by default: any URL of the ``staff`` or
    ``admin`` namespaces requires the second factor from a staff member who has a device, or
    who must have one (see ``requires_second_factor``); only the pages named in ``EXEMPT``
    (log in, log out, set up or type the code) are reachable before it. A sign-in through the
    university obeys the same rule; the identity provider's own second factor counts only
    where ``SSO_TRUST_IDP_MFA`` says so.
    """

    STAFF_NAMESPACES = frozenset({"staff", "admin"})
    EXEMPT = frozenset(
        {
            "staff:login",
            "staff:logout",
            "staff:password_lost",
            "staff:password_lost_done",
            "staff:two_factor_setup",
            "staff:two_factor_verify",
        }
    )

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        redirect_to = self.redirect_for(request)
        if redirect_to:
            return redirect(f"{redirect_to}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)

    def redirect_for(self, request) -> str | None:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not user.is_staff or user.is_verified():
            return None
        if multi_factor_counts(request):
            return None  # the university's sign-in did the second factor (SSO_TRUST_IDP_MFA)
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return None  # answered 404 by the dispatcher anyway
        if not (set(match.namespaces) & self.STAFF_NAMESPACES) or match.view_name in self.EXEMPT:
            return None
        if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
            return reverse("staff:two_factor_verify")
        if requires_second_factor(user):
            return reverse("staff:two_factor_setup")
        return None


def requires_second_factor(user) -> bool:
    """Whether this staff member must set up a second factor before any staff page.

    In production (``STAFF_2FA_REQUIRED``) administrators and the central office always do;
    the central office may require it of other roles too (institution settings).
    """
    scope = scope_of(user)
    if settings.STAFF_2FA_REQUIRED and scope.is_global:  # a superuser is an administrator
        return True
    required = set(InstitutionSettings.load().two_factor_roles or ())
    return bool(required & set(scope.roles))
