"""Maintenance and read-only modes, decided on ``request.path_info`` resolved by the URL
resolver (as the second-factor middleware does), deny by default.

- Maintenance: every page outside the back office answers the maintenance page (503 with
  ``Retry-After``); staff keep working, and signing in through the university stays open
  (the callback is where a staff member's sign-in lands).
- Read-only: every page is served; every write (any method but GET, HEAD, OPTIONS) is
  refused with a page that says nothing was saved, except signing in and out (on results
  night a candidate must still be able to read a decision), choosing the language, and the
  administrator's switch itself. An htmx write (an autosave) gets the message in the page's
  banner instead, so that "saved as you type" is never believed.
"""

from django.shortcuts import render
from django.urls import Resolver404, resolve

from ecandidat.sitemode.models import SiteMode

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
RETRY_AFTER_SECONDS = "300"


class SiteModeMiddleware:
    OPEN_IN_MAINTENANCE = frozenset({"staff", "admin", "sso"})  # namespaces
    WRITES_IN_READ_ONLY = frozenset(
        {
            "public:home",  # the candidates' login form
            "public:set_language",
            "candidate:logout",
            "staff:login",
            "staff:logout",
            "staff:two_factor_verify",
            "staff:site_mode",
        }
    )
    # Answered in every mode: a load balancer must not take a server out for a mode.
    ALWAYS_OPEN = frozenset({"healthz", "readyz"})

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        site = SiteMode.load()
        if site.is_normal:
            return self.get_response(request)
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return self.get_response(request)  # a 404 says nothing about the mode
        if match.url_name in self.ALWAYS_OPEN:
            return self.get_response(request)
        request.site_mode = site
        request.resolver_match = match  # the menus mark the current page from it
        if site.is_maintenance and not set(match.namespaces) & self.OPEN_IN_MAINTENANCE:
            return self._refused(request, site, "sitemode/maintenance.html")
        if (
            site.is_read_only
            and request.method not in SAFE_METHODS
            and match.view_name not in self.WRITES_IN_READ_ONLY
        ):
            if request.headers.get("HX-Request") == "true":  # before django-htmx runs
                return self._htmx_refused(request, site)
            return self._refused(request, site, "sitemode/read_only.html")
        return self.get_response(request)

    @staticmethod
    def _refused(request, site, template):
        response = render(request, template, {"site": site}, status=503)
        response["Retry-After"] = RETRY_AFTER_SECONDS
        response["Cache-Control"] = "no-store"
        return response

    @staticmethod
    def _htmx_refused(request, site):
        response = render(request, "sitemode/_banner.html", {"site_mode": site, "refused": True})
        # Into the banner every page carries, whatever the element that posted.
        response["HX-Retarget"] = "#site-mode-banner"
        response["HX-Reswap"] = "outerHTML"
        response["Cache-Control"] = "no-store"
        return response
