"""The dossier pages ("3/ Provide information in my account").

Single sections (personal information, address, baccalaureate) show what was entered with
an "Enter/Modify information" button; list sections (non-local studies, internships, work
experience) list their entries with add, edit and delete. A POST carrying ``_refresh``
re-renders the form with its dependent lists updated and saves nothing: htmx sends it when a
country, department, postal code or year changes, and without JavaScript the "Update the
lists" button does the same. Single sections go through the flow the staff pages share
(``ecandidat/www/dossier_sections.py``); list sections are the candidate's alone.
"""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from ecandidat.dossier import services
from ecandidat.dossier.models import LocalStudy
from ecandidat.www import dossier_sections
from ecandidat.www.access import candidate_required
from ecandidat.www.dossier_sections import LIST_SECTIONS, SINGLE_SECTIONS

from . import dossier_forms as forms

CANDIDATE = dossier_sections.Audience(
    template="candidate/dossier/{key}.html",
    saved=gettext_lazy("Your information has been saved."),
    stale=gettext_lazy(
        "This information was changed in another window or tab since you opened this page. "
        "Your input is kept below: check the saved version (reload the page in another tab), "
        "then save again."
    ),
    done=lambda spec, subject: reverse(spec.url_name),
    summary_first=True,
)


@candidate_required
@require_http_methods(["GET", "POST"])
def single_section(request, section):
    return dossier_sections.single_section(
        request, SINGLE_SECTIONS[section], subject=request.user, audience=CANDIDATE
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
                form.add_error(None, CANDIDATE.stale)
            else:
                messages.success(request, str(CANDIDATE.saved))
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
            messages.error(request, str(CANDIDATE.stale))
        else:
            messages.success(request, _("The entry has been deleted."))
        return redirect(spec.url_name)
    return render(
        request,
        "candidate/dossier/entry_delete.html",
        {"section": spec, "object": instance, "subject": request.user},
    )
