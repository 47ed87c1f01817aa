"""The dossier's sections and the one flow that edits a single section, for every audience.

A candidate fills in their own dossier (``www/candidate/dossier_views.py``); a candidate
manager fills in the same forms on a candidate's behalf (``www/staff/candidates.py``). Both
go through ``single_section`` below: the same form, the same ``_refresh`` handling (a POST
that re-renders the form with its dependent lists updated and saves nothing), the same
service (``dossier.services.save_single_section``, audited in the actor's name) and the same
stale-edit check. What differs is an ``Audience``: the template, the messages and where a
save leads. Who the subject is, the permission and the scope (a 404 outside it) stay in each
audience's view, which looks the subject up before calling the flow.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

from ecandidat.dossier import services
from ecandidat.dossier.models import (
    Address,
    Baccalaureate,
    Internship,
    NonLocalStudy,
    PersonalInformation,
    WorkExperience,
)
from ecandidat.www.candidate import dossier_forms as forms


@dataclass(frozen=True)
class Section:
    key: str
    url_name: str  # the candidate's own page of the section
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


@dataclass(frozen=True)
class Audience:
    """Who edits a dossier section, as the flow needs to know it."""

    template: str  # the page of a single section; ``{key}`` is replaced by the section's key
    saved: Promise  # the message after a save
    stale: Promise  # the form error when the row changed since the form was displayed
    done: Callable  # (section, subject) -> the URL a save redirects to
    # True: the page shows what was entered, with a button to the form (``?edit``); False:
    # the form at once.
    summary_first: bool


def single_section(request, spec: Section, *, subject, audience: Audience):
    """Show, refresh or save one single section of ``subject``'s dossier, as
    ``request.user`` (the actor of the audit row). The caller checked that the user may."""
    instance = spec.queryset(subject).first()
    editing = (
        not audience.summary_first
        or request.method == "POST"
        or instance is None
        or "edit" in request.GET
    )
    form = None
    if editing:
        kwargs = {"refresh_url": request.path, "instance": instance}
        if spec.key == "personal":
            kwargs["subject"] = subject
        if request.method == "POST":
            form = spec.form(request.POST, **kwargs)
            if forms.REFRESH_FIELD in request.POST:
                form.without_errors()
            elif form.is_valid():
                values = form.values()
                values, extra = values if isinstance(values, tuple) else (values, {})
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
                    form.add_error(None, audience.stale)
                else:
                    messages.success(request, str(audience.saved))
                    return redirect(audience.done(spec, subject))
        else:
            form = spec.form(initial=spec.form.initial_from(instance, subject), **kwargs)
    return render(
        request,
        audience.template.format(key=spec.key),
        {"section": spec, "object": instance, "form": form, "subject": subject},
    )
