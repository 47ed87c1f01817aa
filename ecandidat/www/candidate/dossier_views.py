"""The dossier pages ("3/ Provide information in my account").

Single sections (personal information, address, baccalaureate) show what was entered with
an "Enter/Modify information" button; list sections (non-local studies, internships, work
experience) list their entries with add, edit and delete. A POST carrying ``_refresh``
re-renders the form with its dependent lists updated and saves nothing: htmx sends it when a
country, department, postal code or year changes, and without JavaScript the "Update the
lists" button does the same.
"""

from dataclasses import dataclass, field

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from ecandidat.dossier import services
from ecandidat.dossier.models import (
    Address,
    Baccalaureate,
    Internship,
    LocalStudy,
    NonLocalStudy,
    PersonalInformation,
    WorkExperience,
)
from ecandidat.www.access import candidate_required

from . import dossier_forms as forms

STALE_MESSAGE = gettext_lazy(
    "This information was changed in another window or tab since you opened this page. "
    "Your input is kept below: check the saved version (reload the page in another tab), "
    "then save again."
)


@dataclass(frozen=True)
class Section:
    key: str
    url_name: str
    model: type
    form: type
    title: Promise
    select_related: tuple = ()
    prefetch_related: tuple = ()
    add_title: Promise | None = None
    extra: dict = field(default_factory=dict)

    def queryset(self, subject):
        qs = self.model.objects.filter(user=subject)
        if self.select_related:
            qs = qs.select_related(*self.select_related)
        if self.prefetch_related:
            qs = qs.prefetch_related(*self.prefetch_related)
        return qs


SINGLE_SECTIONS = {
    s.key: s
    for s in [
        Section(
            "personal",
            "candidate:dossier_personal",
            PersonalInformation,
            forms.PersonalInformationForm,
            gettext_lazy("Personal information"),
            select_related=("nationality", "birth_country", "birth_department", "birth_commune"),
        ),
        Section(
            "address",
            "candidate:dossier_address",
            Address,
            forms.AddressForm,
            gettext_lazy("Address"),
            select_related=("country", "commune"),
        ),
        Section(
            "baccalaureate",
            "candidate:dossier_baccalaureate",
            Baccalaureate,
            forms.BaccalaureateForm,
            gettext_lazy("High school diploma/baccalaureate"),
            select_related=("series", "honours", "country", "department", "commune", "high_school"),
            prefetch_related=("specialities",),
        ),
    ]
}

LIST_SECTIONS = {
    s.key: s
    for s in [
        Section(
            "non_local_studies",
            "candidate:dossier_non_local_studies",
            NonLocalStudy,
            forms.NonLocalStudyForm,
            gettext_lazy("Non-local Studies"),
            select_related=("country", "department", "commune", "honours"),
            add_title=gettext_lazy("Enter a new post-high school degree program"),
        ),
        Section(
            "internships",
            "candidate:dossier_internships",
            Internship,
            forms.InternshipForm,
            gettext_lazy("Internships"),
            add_title=gettext_lazy("Enter new internship"),
        ),
        Section(
            "work_experience",
            "candidate:dossier_work_experience",
            WorkExperience,
            forms.WorkExperienceForm,
            gettext_lazy("Work experience"),
            add_title=gettext_lazy("Enter a new work experience"),
        ),
    ]
}


def _split_values(form):
    values = form.values()
    return values if isinstance(values, tuple) else (values, {})


@candidate_required
@require_http_methods(["GET", "POST"])
def single_section(request, section):
    spec = SINGLE_SECTIONS[section]
    subject = request.user
    instance = spec.queryset(subject).first()
    editing = request.method == "POST" or instance is None or "edit" in request.GET
    form = None
    if editing:
        url = reverse(spec.url_name)
        kwargs = {"refresh_url": url, "instance": instance}
        if spec.key == "personal":
            kwargs["subject"] = subject
        if request.method == "POST":
            form = spec.form(request.POST, **kwargs)
            if forms.REFRESH_FIELD in request.POST:
                form.without_errors()
            elif form.is_valid():
                values, extra = _split_values(form)
                save_kwargs = {}
                if spec.key == "personal":
                    save_kwargs["user_values"] = extra
                elif extra:
                    save_kwargs["m2m"] = extra
                try:
                    services.save_single_section(
                        spec.model,
                        subject=subject,
                        values=values,
                        expected_version=form.expected_version(),
                        actor=request.user,
                        **save_kwargs,
                    )
                except services.StaleEdit:
                    form.add_error(None, STALE_MESSAGE)
                else:
                    messages.success(request, _("Your information has been saved."))
                    return redirect(spec.url_name)
        else:
            form = spec.form(initial=spec.form.initial_from(instance, subject), **kwargs)
    return render(
        request,
        f"candidate/dossier/{spec.key}.html",
        {"section": spec, "object": instance, "form": form, "subject": subject},
    )


@candidate_required
def local_studies(request):
    studies = LocalStudy.objects.filter(user=request.user)
    return render(
        request,
        "candidate/dossier/local_studies.html",
        {"studies": studies, "subject": request.user},
    )


@candidate_required
def list_section(request, section):
    spec = LIST_SECTIONS[section]
    return render(
        request,
        "candidate/dossier/list.html",
        {"section": spec, "entries": spec.queryset(request.user), "subject": request.user},
    )


@candidate_required
@require_http_methods(["GET", "POST"])
def entry_form(request, section, pk=None):
    spec = LIST_SECTIONS[section]
    subject = request.user
    instance = None
    if pk is not None:
        # Scoped fetch: another candidate's entry does not exist for this one.
        instance = get_object_or_404(spec.queryset(subject), pk=pk)
    url = request.path
    if request.method == "POST":
        form = spec.form(request.POST, refresh_url=url, instance=instance)
        if forms.REFRESH_FIELD in request.POST:
            form.without_errors()
        elif form.is_valid():
            try:
                services.save_entry(
                    spec.model,
                    subject=subject,
                    entry_id=pk,
                    values=form.values(),
                    expected_version=form.expected_version(),
                    actor=request.user,
                )
            except services.StaleEdit:
                form.add_error(None, STALE_MESSAGE)
            else:
                messages.success(request, _("Your information has been saved."))
                return redirect(spec.url_name)
    else:
        form = spec.form(
            initial=spec.form.initial_from(instance), refresh_url=url, instance=instance
        )
    return render(
        request,
        "candidate/dossier/entry_form.html",
        {"section": spec, "form": form, "object": instance, "subject": subject},
    )


@candidate_required
@require_http_methods(["GET", "POST"])
def entry_delete(request, section, pk):
    spec = LIST_SECTIONS[section]
    instance = get_object_or_404(spec.queryset(request.user), pk=pk)
    if request.method == "POST":
        try:
            version = int(request.POST.get("version", ""))
        except ValueError:
            raise Http404 from None
        try:
            services.delete_entry(
                spec.model,
                subject=request.user,
                entry_id=instance.pk,
                expected_version=version,
                actor=request.user,
            )
        except services.StaleEdit:
            messages.error(request, STALE_MESSAGE)
        else:
            messages.success(request, _("The entry has been deleted."))
        return redirect(spec.url_name)
    return render(
        request,
        "candidate/dossier/entry_delete.html",
        {"section": spec, "object": instance, "subject": request.user},
    )
