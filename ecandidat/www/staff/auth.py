"""The staff login, logout and password recovery, in the product's own pages.

Staff sign in here, not through Django admin's login (admin is a superuser-only tool that
sends its visitors here). The login has the candidates' per-address and per-account rate
limits under its own names, and every success, failure and lock-out is audited. After the
password, the 2FA middleware asks for the second factor when the person has or needs one.
"""

from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from ecandidat.accounts import services
from ecandidat.identity.enums import Audience
from ecandidat.www.access import safe_next
from ecandidat.www.login import attempt_login
from ecandidat.www.public.forms import StaffLoginForm, StaffLoginLostForm
from ecandidat.www.recovery import recovery_request
from ecandidat.www.sso import flow
from ecandidat.www.sso.logout import provider_logout


def _next(request) -> str:
    return safe_next(request, reverse("staff:dashboard"))


@require_http_methods(["GET", "POST"])
def staff_login(request):
    if request.method == "GET" and request.user.is_authenticated and request.user.is_staff:
        return redirect(_next(request))
    form, status = StaffLoginForm(request), 200
    if request.method == "POST":
        form, status = attempt_login(request, StaffLoginForm, scope="staff_login")
        if status is None:
            return HttpResponseRedirect(_next(request))
    return render(
        request,
        "staff/login.html",
        {
            "form": form,
            "next": request.POST.get("next") or request.GET.get("next", ""),
            "sso_links": flow.sign_in_links(request, audience=Audience.STAFF),
        },
        status=status,
    )


@require_POST
def staff_logout(request):
    if request.user.is_authenticated:
        services.record_logout(request.user)
    # A session the university's sign-in opened ends there too (single logout).
    elsewhere = provider_logout(request, then="staff:login")
    if elsewhere is not None:
        return elsewhere
    logout(request)
    messages.info(request, _("You are logged out."))
    return redirect("staff:login")


@require_http_methods(["GET", "POST"])
def password_lost(request):
    return recovery_request(
        request,
        form_class=StaffLoginLostForm,
        field="username",
        kind="staff_password",
        template="staff/password_lost.html",
        done="staff:password_lost_done",
    )


def password_lost_done(request):
    return render(request, "staff/password_lost_done.html")
