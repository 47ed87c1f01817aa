"""A student signs in through the university for the first time, and a local account of
theirs already exists (same INE or email): they prove it is theirs, with its password or
with a link sent to its address, and the two become one. Nothing is duplicated, and the
identity the university vouched for is never attached to an account without that proof."""

from django import forms
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from ecandidat.accounts.models import User
from ecandidat.identity import services
from ecandidat.identity.enums import Audience
from ecandidat.www.public.forms import RATE_LIMITED_MESSAGE
from ecandidat.www.ratelimit import limit_exceeded

from . import flow

TOO_MANY_REQUESTS = 429


class PasswordProofForm(forms.Form):
    password = forms.CharField(
        label=gettext_lazy("Password of this account"),
        strip=False,
        max_length=128,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


def _masked(email: str) -> str:
    local, _, domain = email.partition("@")
    return f"{local[:1]}•••@{domain}" if domain else "•••"


@require_http_methods(["GET", "POST"])
def link(request):
    pending = request.session.get(flow.PENDING_LINK_KEY)
    account = (
        User.objects.candidates().filter(pk=pending.get("account"), is_active=True).first()
        if isinstance(pending, dict)
        else None
    )
    if account is None:
        return redirect("public:home")
    identity = services.identity_from_data(pending["identity"])
    form = PasswordProofForm()
    status = 200
    sent = False
    if request.method == "POST" and request.POST.get("action") == "email":
        services.request_link_email(identity=identity, account=account)
        sent = True
    elif request.method == "POST":
        form = PasswordProofForm(request.POST)
        if limit_exceeded(request, "login", f"account:{account.pk}"):
            form.is_valid()
            form.add_error(None, RATE_LIMITED_MESSAGE)
            status = TOO_MANY_REQUESTS
        elif form.is_valid():
            if services.link_with_password(
                identity=identity, account=account, password=form.cleaned_data["password"]
            ):
                request.session.pop(flow.PENDING_LINK_KEY, None)
                account.refresh_from_db()
                flow.sign_in(request, account, identity, audience=Audience.STUDENT)
                return redirect(pending.get("next") or "candidate:home")
            form.add_error("password", _("This is not the password of this account."))
    return render(
        request,
        "sso/link.html",
        {
            "form": form,
            "account": account,
            "masked_email": _masked(account.email),
            "sent": sent,
        },
        status=status,
    )
