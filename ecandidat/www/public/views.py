"""Pages for visitors: home and login, sign-up, activation and the two recovery forms.

The anonymous forms answer identically whatever the address typed (POST → redirect → the
same "check your mailbox" page) so that nobody can learn which addresses have an account.
"""

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from ecandidat.accounts import services
from ecandidat.accounts.enums import Language, TokenPurpose
from ecandidat.catalog.models import Program
from ecandidat.catalog.services import programs_tree
from ecandidat.identity import services as identity_services
from ecandidat.identity.enums import Audience
from ecandidat.www.access import safe_next
from ecandidat.www.login import TOO_MANY_REQUESTS, attempt_login
from ecandidat.www.ratelimit import limit_exceeded
from ecandidat.www.recovery import recovery_request
from ecandidat.www.sso import flow

from .forms import RATE_LIMITED_MESSAGE, EmailForm, LoginForm, NewPasswordForm, SignupForm


def _safe_next(request) -> str | None:
    return safe_next(request)


def _visitor_language() -> str:
    language = (get_language() or settings.LANGUAGE_CODE)[:2]
    return language if language in Language.values else settings.LANGUAGE_CODE


@require_http_methods(["GET", "POST"])
def home(request):
    if request.method == "GET" and request.user.is_authenticated and request.user.is_candidate:
        return redirect(_safe_next(request) or "candidate:home")
    form, status = LoginForm(request), 200
    if request.method == "POST":
        form, status = attempt_login(request, LoginForm, scope="login")
        if status is None:
            return HttpResponseRedirect(_safe_next(request) or reverse("candidate:home"))
    return render(
        request,
        "public/home.html",
        {
            "form": form,
            "next": _safe_next(request),
            "student_links": flow.sign_in_links(request, audience=Audience.STUDENT),
        },
        status=status,
    )


def _rate_limited(request, form, template, context=None):
    form.add_error(None, RATE_LIMITED_MESSAGE)
    return render(request, template, {"form": form, **(context or {})}, status=TOO_MANY_REQUESTS)


@require_http_methods(["GET", "POST"])
def signup(request):
    form = SignupForm(request.POST or None)
    if request.method == "POST":
        valid = form.is_valid()
        if limit_exceeded(request, "signup", request.POST.get("email", "")):
            return _rate_limited(request, form, "public/signup.html")
        if valid:
            services.register_candidate(
                last_name=form.cleaned_data["last_name"],
                first_name=form.cleaned_data["first_name"],
                email=form.cleaned_data["email"],
                language=_visitor_language(),
            )
            return redirect("public:signup_done")
    return render(request, "public/signup.html", {"form": form})


def signup_done(request):
    return render(request, "public/signup_done.html")


def _recovery_view(request, *, kind, title, intro):
    return recovery_request(
        request,
        form_class=EmailForm,
        field="email",
        kind=kind,
        template="public/recovery_form.html",
        done="public:recovery_done",
        context={"page_title": title, "intro": intro},
    )


@require_http_methods(["GET", "POST"])
def identification_lost(request):
    return _recovery_view(
        request,
        kind="identification",
        title=_("Identification lost"),
        intro=_(
            "Type the email address of your account. We will send you your login (dossier "
            "number) and a link to choose a new password."
        ),
    )


@require_http_methods(["GET", "POST"])
def lost_activation(request):
    return _recovery_view(
        request,
        kind="activation",
        title=_("I lost my activation code."),
        intro=_(
            "Type the email address you gave when you created your account. We will send you a "
            "new activation link."
        ),
    )


def recovery_done(request):
    return render(request, "public/recovery_done.html")


def _link_invalid(request, purpose):
    return render(request, "public/link_invalid.html", {"purpose": purpose}, status=410)


def _choose_password(request, token, *, purpose, service, template, success_message):
    """A link from an email that lets the account holder choose a password (activation,
    reset): the link is checked on display and consumed, once, on a valid submission."""
    found = services.find_usable_token(token, purpose)
    if found is None:
        return _link_invalid(request, purpose)
    form = NewPasswordForm(found.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = service(raw_token=token, password=form.cleaned_data["new_password1"])
        except services.AccountError:
            return _link_invalid(request, purpose)
        if not user.is_candidate:
            messages.success(
                request,
                _("Your password has been saved. Log in with your login %(login)s.")
                % {"login": user.username},
            )
            return redirect("staff:login")
        messages.success(request, success_message % {"number": user.dossier_number})
        return redirect("public:home")
    return render(request, template, {"form": form, "account": found.user})


@require_http_methods(["GET", "POST"])
def activate(request, token):
    return _choose_password(
        request,
        token,
        purpose=TokenPurpose.ACTIVATION,
        service=services.activate_account,
        template="public/activate.html",
        success_message=_(
            "Your account is activated. Log in with your dossier number %(number)s (or your "
            "email address) and the password you chose."
        ),
    )


@require_http_methods(["GET", "POST"])
def reset_password(request, token):
    return _choose_password(
        request,
        token,
        purpose=TokenPurpose.PASSWORD_RESET,
        service=services.reset_password,
        template="public/reset_password.html",
        success_message=_(
            "Your password has been changed. Log in with your dossier number %(number)s."
        ),
    )


@require_http_methods(["GET", "POST"])
def confirm_email(request, token):
    # Confirmation takes a POST: mail scanners that pre-fetch links must not consume it.
    found = services.find_usable_token(token, TokenPurpose.EMAIL_CHANGE)
    if found is None:
        return _link_invalid(request, TokenPurpose.EMAIL_CHANGE)
    if request.method == "POST":
        try:
            services.confirm_email_change(raw_token=token)
        except services.AccountError:
            return _link_invalid(request, TokenPurpose.EMAIL_CHANGE)
        messages.success(
            request, _("Your email address has been changed. Use it from now on to log in.")
        )
        return redirect("candidate:account" if request.user.is_authenticated else "public:home")
    return render(
        request,
        "public/confirm_email.html",
        {"new_email": found.data.get("email", ""), "account": found.user},
    )


@require_POST
def set_language(request):
    """Switch the interface language; a signed-in user's choice is saved on the account."""
    language = request.POST.get("language", "")
    next_url = _safe_next(request) or reverse("public:home")
    response = HttpResponseRedirect(next_url)
    if language not in Language.values:
        return response
    if request.user.is_authenticated:
        services.set_preferred_language(user=request.user, language=language)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=365 * 24 * 3600,
        samesite="Lax",
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=True,
    )
    return response


def help_page(request):
    return render(request, "public/help.html")


def programs(request):
    """The offer tree: centre → training type → program, with a text search."""

    query = request.GET.get("q", "").strip()[:100]
    selected = (
        Program.objects.in_service()
        .search(query)
        .select_related("centre", "training_type")
        .order_by("label_fr")
    )
    return render(
        request,
        "public/programs.html",
        {"tree": programs_tree(selected), "q": query, "now": timezone.now()},
    )


@require_http_methods(["GET", "POST"])
def identity_link(request, token):
    """The emailed link that proves a student owns a local account (see www.sso.link).
    Confirmed by a POST, so that a mail scanner following the link does not consume it."""
    found = services.find_usable_token(token, TokenPurpose.IDENTITY_LINK)
    if found is None:
        return _link_invalid(request, TokenPurpose.IDENTITY_LINK)
    if request.method == "POST":
        try:
            identity_services.confirm_link_email(raw_token=token)
        except services.AccountError:
            return _link_invalid(request, TokenPurpose.IDENTITY_LINK)
        messages.success(
            request,
            _(
                "Your accounts are linked. From now on, sign in with the university: your "
                "dossier and applications are there."
            ),
        )
        return redirect("public:home")
    return render(request, "public/identity_link.html", {"account": found.user})
