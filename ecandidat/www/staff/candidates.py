"""Candidate managers: find a candidate, edit the dossier on their behalf, create an account
for them, erase an account (GDPR)."""

from django import forms
from django.contrib import messages
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from ecandidat.accounts import services as account_services
from ecandidat.accounts.enums import Language
from ecandidat.accounts.models import User
from ecandidat.applications.access import candidates_visible_to_staff
from ecandidat.dossier.limits import NAME_HELP, NAME_MAX_LENGTH
from ecandidat.privacy.erasure import erase_candidate, erasure_inventory
from ecandidat.www import dossier_sections
from ecandidat.www.access import staff_permission_required
from ecandidat.www.dossier_sections import SINGLE_SECTIONS
from ecandidat.www.public.forms import validate_person_name

from .lists import CappedPaginator

VIEW = "dossier.view_candidate_dossier"
EDIT = "dossier.change_candidate_dossier"


@staff_permission_required(VIEW)
def search(request):
    text = request.GET.get("q", "").strip()[:100]
    results = None
    if len(text) >= 2:
        results = CappedPaginator(
            candidates_visible_to_staff(request.user)
            .filter(
                Q(username__iexact=text)
                | Q(last_name__icontains=text)
                | Q(first_name__icontains=text)
                | Q(email__icontains=text)
                | Q(personal_information__ine__iexact=text)
            )
            .order_by("last_name", "first_name", "pk"),
            25,
        ).get_page(request.GET.get("page"))
    return render(
        request,
        "staff/candidates/search.html",
        {"q": text, "page": results, "too_short": 0 < len(text) < 2},
    )


# A candidate manager fills in the candidate's own forms (the flow of www/dossier_sections.py),
# always as a form, audited in the manager's name.
ON_BEHALF = dossier_sections.Audience(
    template="staff/candidates/edit_section.html",
    saved=gettext_lazy("Saved on the candidate's behalf."),
    stale=gettext_lazy("This information was changed meanwhile: check it and save again."),
    done=lambda spec, subject: reverse("staff:candidate_dossier", args=[subject.username]),
    summary_first=False,
)


@staff_permission_required(EDIT)
@require_http_methods(["GET", "POST"])
def edit_section(request, dossier_number, section):
    """The candidate's own dossier form, filled in by a candidate manager (audited)."""
    spec = SINGLE_SECTIONS.get(section)
    if spec is None:
        raise Http404
    subject = get_object_or_404(
        candidates_visible_to_staff(request.user), username=dossier_number.upper()
    )
    return dossier_sections.single_section(request, spec, subject=subject, audience=ON_BEHALF)


class NewPersonForm(forms.Form):
    """Who an account created by staff is for (a candidate's or a colleague's)."""

    last_name = forms.CharField(
        label=gettext_lazy("Last name"),
        max_length=NAME_MAX_LENGTH,
        validators=[validate_person_name],
        help_text=NAME_HELP,
    )
    first_name = forms.CharField(
        label=gettext_lazy("First name"),
        max_length=NAME_MAX_LENGTH,
        validators=[validate_person_name],
        help_text=NAME_HELP,
    )
    email = forms.EmailField(label=gettext_lazy("email address"), max_length=254)
    language = forms.ChoiceField(label=gettext_lazy("Preferred language"), choices=Language)


class NewCandidateForm(NewPersonForm):
    def clean_email(self):
        email = self.cleaned_data["email"]
        # Staff may know whether an address is taken: no enumeration concern here.
        if User.objects.candidates().with_email(email).exists():
            raise forms.ValidationError(_("An account already uses this address."), code="taken")
        return email


@staff_permission_required(EDIT)
@require_http_methods(["GET", "POST"])
def create_account(request):
    form = NewCandidateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = account_services.register_candidate(
            last_name=form.cleaned_data["last_name"],
            first_name=form.cleaned_data["first_name"],
            email=form.cleaned_data["email"],
            language=form.cleaned_data["language"],
            actor=request.user,
        )
        messages.success(
            request,
            _("Account %(number)s created: the candidate received the activation email.")
            % {"number": user.dossier_number},
        )
        return redirect("staff:candidate_dossier", dossier_number=user.dossier_number)
    return render(request, "staff/candidates/create.html", {"form": form})


@staff_permission_required(EDIT)
@require_http_methods(["GET", "POST"])
def erase_account(request, dossier_number):
    subject = get_object_or_404(
        candidates_visible_to_staff(request.user), username=dossier_number.upper()
    )
    inventory = erasure_inventory(subject)
    if request.method == "POST":
        if request.POST.get("confirm") != subject.username:
            messages.error(request, _("Type the dossier number to confirm."))
        else:
            erase_candidate(user=subject, actor=request.user)
            messages.success(request, _("The account and its data have been erased."))
            return redirect(reverse("staff:candidate_search"))
    return render(
        request, "staff/candidates/erase.html", {"subject": subject, "inventory": inventory}
    )
