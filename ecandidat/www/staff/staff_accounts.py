"""Administrators and the central office create staff accounts; the new staff member
receives a link to choose their password, then roles are assigned on the roles screen.

With a directory configured (``LDAP_URL``), the page first searches it and the person is
picked from it: names, email and university identifier come from the directory, re-read
on submission (never from the form), so the account is linked to the sign-in of the
university. The manual form stays for people outside the directory (external jury
members). Without a directory, the manual form is the page. See docs/directory.md.
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator, validate_email
from django.db import IntegrityError
from django.db.models import Prefetch
from django.db.models.functions import Lower
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from ecandidat.accounts import services as account_services
from ecandidat.accounts.enums import Language, UserKind
from ecandidat.accounts.models import IssuedDossierNumber, RoleAssignment, User
from ecandidat.directory import lookup as directory
from ecandidat.directory.lookup import DirectoryPerson, DirectoryUnavailable
from ecandidat.www.access import staff_permission_required

from .candidates import NewPersonForm

PERMISSION = "accounts.add_roleassignment"
TEMPLATE = "staff/staff_account_create.html"
SEARCH_LIMIT = 20
QUERY_MAX_LENGTH = 100
# The account's columns (accounts.User): a longer directory value cannot be stored.
NAME_MAX_LENGTH = 150
UNIVERSITY_ID_MAX_LENGTH = 150


class StaffLoginForm(forms.Form):
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
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )

    def clean_username(self):
        username = self.cleaned_data["username"].strip()
        # Candidates log in with their dossier number: a staff login may not be one, ever.
        taken = User.objects.filter(username__iexact=username).exists()
        if taken or IssuedDossierNumber.objects.filter(number=username.upper()).exists():
            raise forms.ValidationError(_("This login is already taken."), code="taken")
        return username


class NewStaffMemberForm(StaffLoginForm, NewPersonForm):
    """Someone outside the directory: every field typed."""

    field_order = ["username"]  # then the person's fields


class DirectoryStaffMemberForm(StaffLoginForm):
    """Someone from the directory: only the login (proposed from the directory) and the
    language are typed; who the person is comes from the directory."""

    language = forms.ChoiceField(label=gettext_lazy("Preferred language"), choices=Language)


def _staff_accounts_by_university_id(people: list[DirectoryPerson]) -> dict[str, str]:
    """The login of the staff account already linked to each person (one query)."""
    wanted = {person.identifier.lower() for person in people}
    if not wanted:
        return {}
    rows = (
        User.objects.filter(kind=UserKind.STAFF)
        .annotate(university_id_lower=Lower("university_id"))
        .filter(university_id_lower__in=wanted)
        .values_list("university_id_lower", "username")
    )
    return dict(rows)


def _refusal(person: DirectoryPerson, existing: dict[str, str]) -> str:
    """Why this person cannot be given an account from the directory ("" when they can)."""
    if login := existing.get(person.identifier.lower()):
        return _("Already has a staff account (%(login)s).") % {"login": login}
    if not person.email:
        return _("No email address in the directory: the invitation could not be sent.")
    try:
        validate_email(person.email)
    except ValidationError:
        return _("The directory's email address is not valid.")
    if not person.last_name:
        return _("No last name in the directory.")
    if (
        len(person.identifier) > UNIVERSITY_ID_MAX_LENGTH
        or max(len(person.first_name), len(person.last_name)) > NAME_MAX_LENGTH
    ):
        return _("The directory's entry is too long to be stored.")
    return ""


def _directory_down(error: DirectoryUnavailable) -> str:
    # Logged and audited by the lookup; the page says so and offers the manual path.
    return str(error.message)


def _context(**values):
    context = {
        "directory_enabled": directory.is_enabled(),
        "mode": "manual",
        "form": None,
        "q": "",
        "rows": None,
        "more": False,
        "too_short": False,
        "unavailable": "",
        "person": None,
        "refusal": "",
    }
    context.update(values)
    return context


def _created(request, user):
    messages.success(
        request,
        _(
            "Staff account %(login)s created: an email invites %(email)s to choose a "
            "password. Now give the account its roles."
        )
        % {"login": user.username, "email": user.email},
    )
    return redirect(f"{reverse('staff:resource_new', args=['roles'])}?user={user.pk}")


@staff_permission_required(PERMISSION)
@require_http_methods(["GET", "POST"])
def create(request):
    if (
        not directory.is_enabled()
        or request.GET.get("manual")
        or (request.method == "POST" and "person" not in request.POST)
    ):
        return _create_by_hand(request)
    if request.method == "POST" or request.GET.get("person"):
        return _create_from_directory(request)
    return _search(request)


def _create_by_hand(request):
    form = NewStaffMemberForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = account_services.invite_staff_member(**form.cleaned_data, actor=request.user)
        except IntegrityError:
            # Another administrator took the same login a moment ago.
            form.add_error("username", _("This login is already taken."))
        else:
            return _created(request, user)
    return render(request, TEMPLATE, _context(form=form))


def _search(request):
    text = request.GET.get("q", "").strip()[:QUERY_MAX_LENGTH]
    context = _context(mode="search", q=text, too_short=0 < len(text) < 2)
    if len(text) >= 2:
        try:
            people = directory.search(text, limit=SEARCH_LIMIT + 1, actor=request.user)
        except DirectoryUnavailable as error:
            context["unavailable"] = _directory_down(error)
        else:
            existing = _staff_accounts_by_university_id(people)
            context["rows"] = [
                (person, _refusal(person, existing)) for person in people[:SEARCH_LIMIT]
            ]
            context["more"] = len(people) > SEARCH_LIMIT
    return render(request, TEMPLATE, context)


def _create_from_directory(request):
    identifier = (request.POST.get("person") or request.GET.get("person") or "").strip()
    try:
        person = directory.find(identifier[:UNIVERSITY_ID_MAX_LENGTH], actor=request.user)
    except DirectoryUnavailable as error:
        # Nothing is created: the account waits for the directory, or the manual path.
        return render(
            request, TEMPLATE, _context(mode="search", unavailable=_directory_down(error))
        )
    if person is None:
        messages.error(request, _("This person is not in the directory (any more)."))
        return redirect("staff:staff_account_create")
    refusal = _refusal(person, _staff_accounts_by_university_id([person]))
    form = DirectoryStaffMemberForm(
        request.POST if request.method == "POST" else None,
        initial={"username": person.login},
    )
    if request.method == "POST" and not refusal and form.is_valid():
        try:
            user = account_services.invite_staff_member(
                username=form.cleaned_data["username"],
                language=form.cleaned_data["language"],
                # Who the person is: as the directory says now, whatever the form carried.
                last_name=person.last_name,
                first_name=person.first_name,
                email=person.email,
                university_id=person.identifier,
                actor=request.user,
            )
        except IntegrityError:
            # Another administrator created the same login or linked the same person
            # a moment ago.
            refusal = _refusal(person, _staff_accounts_by_university_id([person]))
            if not refusal:
                form.add_error("username", _("This login is already taken."))
        else:
            return _created(request, user)
    return render(
        request, TEMPLATE, _context(mode="person", form=form, person=person, refusal=refusal)
    )


@staff_permission_required(PERMISSION)
@require_GET
def missing_from_directory(request):
    """Active staff accounts linked to a directory entry that the directory no longer has:
    people who left, whose roles the central office should review."""
    context = {"directory_enabled": directory.is_enabled(), "unavailable": "", "accounts": []}
    if context["directory_enabled"]:
        linked = dict(
            User.objects.filter(kind=UserKind.STAFF, is_active=True)
            .exclude(university_id="")
            .values_list("pk", "university_id")
        )
        try:
            remaining = directory.present(linked.values(), actor=request.user)
        except DirectoryUnavailable as error:
            context["unavailable"] = _directory_down(error)
        else:
            missing = [pk for pk, university_id in linked.items() if university_id not in remaining]
            context["accounts"] = (
                User.objects.filter(pk__in=missing)
                .prefetch_related(
                    Prefetch(
                        "roles",
                        queryset=RoleAssignment.objects.select_related(
                            "centre", "commission"
                        ).order_by("role", "pk"),
                    )
                )
                .order_by("last_name", "first_name", "username")
            )
    return render(request, "staff/staff_accounts_missing.html", context)
