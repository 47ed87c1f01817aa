"""Administrators and the central office create staff accounts; the new staff member
receives a link to choose their password, then roles are assigned on the roles screen."""

from django import forms
from django.contrib import messages
from django.core.validators import RegexValidator
from django.db import IntegrityError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from ecandidat.accounts import services as account_services
from ecandidat.accounts.models import IssuedDossierNumber, User
from ecandidat.www.access import staff_permission_required

from .candidates import NewPersonForm

PERMISSION = "accounts.add_roleassignment"


class NewStaffMemberForm(NewPersonForm):
    field_order = ["username"]  # then the person's fields

    username = forms.CharField(
        label=gettext_lazy("Login"),
        max_length=60,
        help_text=gettext_lazy("Letters, digits and . _ - (for example m.durand)."),
        validators=[
            RegexValidator(
                r"^[A-Za-z0-9._-]{3,60}$",
                gettext_lazy("Use 3 to 60 letters, digits or . _ - characters."),
            )
        ],
    )

    def clean_username(self):
        username = self.cleaned_data["username"].strip()
        # Candidates log in with their dossier number: a staff login may not be one, ever.
        taken = User.objects.filter(username__iexact=username).exists()
        if taken or IssuedDossierNumber.objects.filter(number=username.upper()).exists():
            raise forms.ValidationError(_("This login is already taken."), code="taken")
        return username


@staff_permission_required(PERMISSION)
@require_http_methods(["GET", "POST"])
def create(request):
    form = NewStaffMemberForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = account_services.invite_staff_member(**form.cleaned_data, actor=request.user)
        except IntegrityError:
            # Another administrator took the same login a moment ago.
            form.add_error("username", _("This login is already taken."))
            return render(request, "staff/staff_account_create.html", {"form": form})
        messages.success(
            request,
            _(
                "Staff account %(login)s created: an email invites %(email)s to choose a "
                "password. Now give the account its roles."
            )
            % {"login": user.username, "email": user.email},
        )
        return redirect(f"{reverse('staff:resource_new', args=['roles'])}?user={user.pk}")
    return render(request, "staff/staff_account_create.html", {"form": form})
