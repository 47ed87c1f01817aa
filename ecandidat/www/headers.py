"""Response headers that protect every page: Permissions-Policy and Cache-Control.

The Content-Security-Policy itself comes from django-csp (``CONTENT_SECURITY_POLICY`` in the
settings); X-Content-Type-Options, Referrer-Policy and Cross-Origin-Opener-Policy from
Django's SecurityMiddleware. This middleware adds what neither of them does.

Caching rule: nearly every response of this site carries personal data (a candidate's
dossier, a staff list, a PDF, an export, a login form with its CSRF token), and a
browser or proxy cache keeps it on disk after the user has logged out, on a shared campus
computer too. So every response gets ``Cache-Control: no-store`` except

* the static files served by whitenoise (versioned names, far-future caching, no data), and
* the public pages a visitor (not logged in) reads: the offer tree and the help page. They
  get ``Cache-Control: private`` (the visitor's browser only, no shared cache, since even
  these carry the language switcher's CSRF token and renew its cookie); a response setting
  any other cookie is not stored. The home page is the login form and is not among them.
"""

from django.conf import settings
from django.utils.cache import patch_cache_control
from whitenoise.middleware import WhiteNoiseFileResponse

# Every browser feature the site never uses, denied to the page and to any frame: a script
# injected despite the CSP still cannot reach the camera, the location, a USB key... Only
# names Chromium recognises (an unknown one logs an error in the console on every page).
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "autoplay",
        "browsing-topics",
        "camera",
        "display-capture",
        "encrypted-media",
        "fullscreen",
        "geolocation",
        "gyroscope",
        "hid",
        "idle-detection",
        "local-fonts",
        "magnetometer",
        "microphone",
        "midi",
        "otp-credentials",
        "payment",
        "picture-in-picture",
        "publickey-credentials-create",
        "publickey-credentials-get",
        "screen-wake-lock",
        "serial",
        "usb",
        "window-management",
        "xr-spatial-tracking",
    )
)

# URL names a visitor may keep in the browser's cache (and its back/forward cache, which
# no-store disables): public, identical for every visitor, no form other than the language
# switcher.
CACHEABLE_FOR_VISITORS = frozenset({"public:programs", "public:help"})


def visitor_page(request, response) -> bool:
    """A public page for a visitor, which their own browser may keep."""
    if request.method not in ("GET", "HEAD") or response.status_code != 200:
        return False
    # Django sends the CSRF cookie again whenever a page uses the token (to renew it).
    if set(response.cookies) - {settings.CSRF_COOKIE_NAME}:
        return False
    match = getattr(request, "resolver_match", None)
    if match is None or match.view_name not in CACHEABLE_FOR_VISITORS:
        return False
    user = getattr(request, "user", None)
    return user is None or not user.is_authenticated


class SecurityHeadersMiddleware:
    """Permissions-Policy on every response; no-store on every one that may be personal."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        if isinstance(response, WhiteNoiseFileResponse):
            return response  # whitenoise's own caching headers: versioned public files
        if visitor_page(request, response):
            patch_cache_control(response, private=True)
        else:
            # no-store alone forbids any copy; the others undo a view's own caching headers
            # for caches that read only them (max-age, public) and for HTTP/1.0 ones (Pragma).
            patch_cache_control(response, no_store=True, no_cache=True, private=True, max_age=0)
            response.headers.pop("Expires", None)
            response["Pragma"] = "no-cache"
        return response
