from django.utils import translation


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
    """Staff pages need a second factor once the person has one (or must have one).

    A staff member with a confirmed TOTP device is sent to the code page until the session
    is verified; an administrator or central-office member without a device is sent to set
    one up when ``STAFF_2FA_REQUIRED`` is on. The login, logout and 2FA pages are exempt.
    """

    EXEMPT = ("/staff/2fa/", "/staff/admin/login/", "/staff/admin/logout/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        redirect_to = self.redirect_for(request)
        if redirect_to:
            from django.shortcuts import redirect
            from django.utils.http import urlencode

            return redirect(f"{redirect_to}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)

    def redirect_for(self, request) -> str | None:
        user = getattr(request, "user", None)
        path = request.path
        if (
            not path.startswith("/staff/")
            or path.startswith(self.EXEMPT)
            or user is None
            or not user.is_authenticated
            or not user.is_staff
            or user.is_verified()
        ):
            return None
        from django.conf import settings
        from django.urls import reverse
        from django_otp.plugins.otp_totp.models import TOTPDevice

        if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
            return reverse("staff:two_factor_verify")
        if settings.STAFF_2FA_REQUIRED and requires_second_factor(user):
            return reverse("staff:two_factor_setup")
        return None


def requires_second_factor(user) -> bool:
    from ecandidat.catalog.access import scope_of

    return user.is_superuser or scope_of(user).is_global
