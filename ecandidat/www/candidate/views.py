"""Pages for a signed-in candidate: the home menu and the account settings."""

from django.contrib import messages
from django.contrib.auth import logout, update_session_auth_hash
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from ecandidat.accounts import services
from ecandidat.www.access import candidate_required
from ecandidat.www.candidate import progress
from ecandidat.www.public.forms import ChangeEmailForm, ChangePasswordForm, LanguageForm
from ecandidat.www.sso.logout import provider_logout


@candidate_required
def home(request):
    rows = progress.applications_of(request.user)
    return render(
        request,
        "candidate/home.html",
        {"rows": rows, "offers": [row for row in rows if row.awaits_answer]},
    )


@candidate_required
@require_http_methods(["GET", "POST"])
def account(request):
    """Account settings: three independent forms on one page, told apart by ``action``."""
    user = request.user
    action = request.POST.get("action") if request.method == "POST" else None
    password_form = ChangePasswordForm(
        user, request.POST if action == "password" else None, prefix="password"
    )
    email_form = ChangeEmailForm(user, request.POST if action == "email" else None, prefix="email")
    language_form = LanguageForm(
        request.POST if action == "language" else None,
        initial={"preferred_language": user.preferred_language},
        prefix="language",
    )
    if action == "password" and password_form.is_valid():
        services.change_password(
            user=user, new_password=password_form.cleaned_data["new_password1"]
        )
        # Keep this session signed in; every other session of the account is logged out.
        update_session_auth_hash(request, user)
        messages.success(request, _("Your password has been changed."))
        return redirect("candidate:account")
    if action == "email" and email_form.is_valid():
        services.request_email_change(user=user, new_email=email_form.cleaned_data["new_email"])
        messages.success(
            request,
            _(
                "We have sent a validation link to %(email)s. Until you follow it, keep using "
                "your current address to log in."
            )
            % {"email": email_form.cleaned_data["new_email"]},
        )
        return redirect("candidate:account")
    if action == "language" and language_form.is_valid():
        services.set_preferred_language(
            user=user,
            language=language_form.cleaned_data["preferred_language"],
        )
        messages.success(request, _("Your preferred language has been saved."))
        return redirect("candidate:account")
    return render(
        request,
        "candidate/account.html",
        {"password_form": password_form, "email_form": email_form, "language_form": language_form},
    )


@require_POST
def logout_view(request):
    elsewhere = provider_logout(request, then="public:home")
    if elsewhere is not None:
        return elsewhere
    logout(request)
    messages.info(request, _("You are logged out."))
    return redirect("public:home")
