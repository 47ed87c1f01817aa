"""Staff screens on applications: the list (columns, filters, sort, bulk actions, exports)
and the application page (documents, file status, tags, notes, deadline, timeline)."""

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import messages
from django.core.files.storage import default_storage
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from ecandidat.applications import workflow
from ecandidat.applications.enums import FileStatus
from ecandidat.applications.models import Application
from ecandidat.audit.models import AuditEvent
from ecandidat.catalog.models import (
    InstitutionSettings,
    Program,
    document_types_in_service,
)
from ecandidat.decisions import services as decisions
from ecandidat.decisions.enums import DecisionKind
from ecandidat.decisions.models import (
    decision_types_in_service,
    reasons_in_service,
)
from ecandidat.exports import downloads
from ecandidat.exports import services as export_services
from ecandidat.exports.columns import BY_KEY, COLUMNS, DEFAULT_COLUMNS, RESTRICTED, with_column_data
from ecandidat.exports.models import ListPreference
from ecandidat.exports.rows import export_rows
from ecandidat.exports.writers import csv_chunks, xlsx_bytes, xlsx_chunks
from ecandidat.files.storage import open_file
from ecandidat.jobs import services as jobs
from ecandidat.jobs.models import BulkJob
from ecandidat.review import dashboard as counts
from ecandidat.review import services
from ecandidat.www.access import staff_permission_required
from ecandidat.www.nul import parse_id, parse_ids, without_nul
from ecandidat.www.responses import XLSX, answers_storage_errors, attachment

from . import forms as staff_forms
from . import lists, registrations
from .filters import ApplicationFilterSet, CampaignFilterSet

PAGE_SIZE = 50
VIEW = "catalog.view_program"
CHANGE = "applications.change_application"
ENTER = "decisions.add_decision"
VALIDATE = "decisions.change_decision"
DEFAULT_SORT = "-submitted_at"


def _visible(user):
    return Application.objects.visible_to_staff(user).exclude(file_status=FileStatus.CANCELLED)


def _filterset(request, preference) -> ApplicationFilterSet:
    """The request's filters, or the saved ones when the request has none."""
    asked = any(name in request.GET for name in ApplicationFilterSet.base_filters)
    return ApplicationFilterSet(
        request.GET if asked else preference.filters,
        queryset=_visible(request.user),
        request=request,
    )


def allowed_columns(user):
    """Every column, less internal notes for those who may not act on applications."""
    if user.has_perm(CHANGE):
        return COLUMNS
    return [c for c in COLUMNS if c.key not in RESTRICTED]


def _preference(user) -> ListPreference:
    """The saved columns and filters, or unsaved defaults: reading the list writes nothing
    (saving is a POST to list_preferences)."""
    return ListPreference.objects.filter(user=user).first() or ListPreference(
        user=user, columns=list(DEFAULT_COLUMNS)
    )


@staff_permission_required(VIEW)
def application_list(request):
    preference = _preference(request.user)
    # ?columns=… shows those columns for this page (links, exports) without saving them.
    keys = [key for key in request.GET.getlist("columns") if key in BY_KEY] or preference.columns
    allowed = {c.key for c in allowed_columns(request.user)}
    columns = [BY_KEY[key] for key in keys if key in allowed] or [
        BY_KEY[key] for key in DEFAULT_COLUMNS
    ]
    filterset = _filterset(request, preference)
    institution = InstitutionSettings.load()
    listing = lists.list_page(
        request,
        filterset,
        columns=columns,
        default_sort=DEFAULT_SORT,
        page_size=PAGE_SIZE,
        prepare=lambda qs: with_column_data(qs.with_overdue(institution.overdue_cutoff()), columns),
    )
    rows = [(a, [c.value(a) for c in columns], a.is_overdue) for a in listing.page]
    return render(
        request,
        "staff/applications/list.html",
        {
            "page": listing.page,
            "rows": rows,
            "columns": columns,
            "all_columns": allowed_columns(request.user),
            "chosen": {c.key for c in columns},
            "filters": filterset.form,
            "values": filterset.applied(),
            "sort": listing.sort,
            "tags": filterset.visible_tags,
            "waiting_count": lists.capped_count(
                filterset.chosen_campaign(_visible(request.user)).filter(
                    file_status=FileStatus.WAITING
                )
            ),
            "count_cap": lists.COUNT_CAP,
            "bulk_actions": jobs.BULK_ACTIONS,
            "can_change": request.user.has_perm(CHANGE),
            "document_types": document_types_in_service(),
            "decision_types": decision_types_in_service(),
            "reasons": reasons_in_service(),
        },
    )


@staff_permission_required(VIEW)
@require_POST
def list_preferences(request):
    """Save the chosen columns, or the filters shown, as the list's defaults."""
    what = request.POST.get("save")
    if what not in ("columns", "filters"):
        raise Http404
    preference, _created = ListPreference.objects.get_or_create(
        user=request.user, defaults={"columns": list(DEFAULT_COLUMNS)}
    )
    if what == "columns":
        chosen = [key for key in request.POST.getlist("columns") if key in BY_KEY]
        if chosen:
            preference.columns = chosen
            preference.save(update_fields=["columns"])
    else:
        filterset = ApplicationFilterSet(
            request.POST, queryset=_visible(request.user), request=request
        )
        preference.filters = filterset.applied()
        preference.save(update_fields=["filters"])
        messages.success(
            request, _("Your filters are saved: they apply whenever you open the list.")
        )
    return redirect("staff:applications")


def _contains(queryset, pk) -> bool:
    """Whether the row ``pk``, known to exist, is in the scoped ``queryset``: asked to the
    database only when the scope restricts it (the central office's is every row)."""
    if queryset.query.is_empty():
        return False
    if not queryset.query.has_filters():
        return True
    return queryset.filter(pk=pk).exists()


def _editable_application(request, pk):
    """The application as the page shows it (its relations in the same query), and whether
    the user may act on it."""
    application = get_object_or_404(
        _visible(request.user)
        .select_related(
            "candidate", "program", "program__centre", "program__commission", "campaign"
        )
        .prefetch_related("tags"),
        pk=pk,
    )
    editable = request.user.has_perm(CHANGE) and _contains(
        Program.objects.editable_by(request.user), application.program_id
    )
    return application, editable


def _can_decide(user, application) -> bool:
    return user.has_perm(ENTER) and _contains(
        Application.objects.decidable_by(user), application.pk
    )


def _detail(request, application, editable, *, failed=None, action=None):
    """The application page; ``failed`` is the form of ``action`` that was refused, shown
    again where it was, with what was typed and the messages next to its fields (the
    caller then reads the application again: a refused service leaves nothing changed)."""

    def form(name, form_class, **kwargs):
        if failed is not None and action == name:
            return failed
        return form_class(application=application, **kwargs)

    documents = application.documents.select_related("document_type", "file")
    failed_document = failed.data.get("document") if action == "document" else None
    return render(
        request,
        "staff/applications/detail.html",
        {
            "application": application,
            "failed": failed,
            "documents": [
                (
                    document,
                    failed
                    if failed_document == str(document.pk)
                    else staff_forms.DocumentCheckForm(
                        application=application, initial={"document": document.pk}
                    ),
                )
                for document in documents
            ],
            "answers": application.answers.select_related("question"),
            "notes": application.notes.select_related("author"),
            "timeline": AuditEvent.objects.for_object(application).select_related("actor")[:100],
            "editable": editable,
            "can_decide": _can_decide(request.user, application),
            "decisions": application.decisions.select_related(
                "decision_type", "reason", "entered_by", "validated_by"
            ),
            "file_status_form": form("mark_incomplete", staff_forms.FileStatusForm),
            "treatment_form": form("treatment", staff_forms.TreatmentForm),
            "note_form": form("note", staff_forms.NoteForm),
            "tags_form": form("tags", staff_forms.TagsForm),
            "confirmation_form": form(
                "confirmation_deadline", staff_forms.ConfirmationDeadlineForm
            ),
            "deadline_form": form("deadline", staff_forms.PersonalDeadlineForm),
            "decision_form": form("decision", staff_forms.DecisionForm),
        },
    )


@staff_permission_required(VIEW)
def application_detail(request, pk):
    application, editable = _editable_application(request, pk)
    return _detail(request, application, editable)


# --- the actions of the application page --------------------------------------------------


@dataclass(frozen=True)
class Action:
    """A form for what is typed and the service call that acts on the application."""

    form: type[staff_forms.ApplicationActionForm]
    perform: Callable[..., object]  # (application, cleaned_data, user)


def _check_document(application, data, user):
    services.check_document(
        document_id=data["document"].pk, status=data["status"], comment=data["comment"], user=user
    )


def _file_status(action):
    def perform(application, data, user):
        services.change_file_status(
            application_id=application.pk, action=action, user=user, deadline=data["deadline"]
        )

    return perform


def _treatment(application, data, user):
    services.set_treatment(application_id=application.pk, treatment=data["treatment"], user=user)


def _note(application, data, user):
    services.add_note(application=application, text=data["text"], user=user)


def _tags(application, data, user):
    services.set_tags(application=application, tags=list(data["tags"]), user=user)


def _confirmation_deadline(application, data, user):
    services.set_confirmation_deadline(
        application_id=application.pk, deadline=data["deadline"], user=user
    )


def _personal_deadline(application, data, user):
    services.set_personal_deadline(
        application_id=application.pk, deadline=data["deadline"], user=user
    )


ACTIONS = {
    "document": Action(staff_forms.DocumentCheckForm, _check_document),
    **{
        name: Action(staff_forms.FileStatusForm, _file_status(name))
        for name in workflow.STAFF_ACTIONS
    },
    "treatment": Action(staff_forms.TreatmentForm, _treatment),
    "note": Action(staff_forms.NoteForm, _note),
    "tags": Action(staff_forms.TagsForm, _tags),
    "confirmation_deadline": Action(staff_forms.ConfirmationDeadlineForm, _confirmation_deadline),
    "deadline": Action(staff_forms.PersonalDeadlineForm, _personal_deadline),
}


@staff_permission_required(CHANGE)
@require_POST
def application_action(request, pk, action):
    """One action of the application page: its form, then its service. A refusal (a field
    typed wrong, or the service saying no) shows the page again with the form as typed."""
    application, editable = _editable_application(request, pk)
    spec = ACTIONS.get(action)
    if not editable or spec is None:
        raise Http404
    form = spec.form(request.POST, application=application)
    if form.is_valid():
        try:
            spec.perform(application, form.cleaned_data, request.user)
        except services.ReviewError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Saved."))
            return redirect("staff:application", pk=application.pk)
    elif form.names_unknown_object():
        raise Http404
    application, editable = _editable_application(request, pk)
    return _detail(request, application, editable, failed=form, action=action)


@staff_permission_required(CHANGE)
@require_POST
def bulk_start(request):
    ids = parse_ids(request.POST.getlist("ids"))
    # Stored as JSON for the worker: ids as numbers (or None), text without NUL bytes.
    params = {
        "tag": parse_id(request.POST.get("tag")),
        "decision_type": parse_id(request.POST.get("decision_type")),
        "reason": parse_id(request.POST.get("reason")),
        "comment": without_nul(request.POST.get("comment", ""))[:4000],
        "publish_at": without_nul(request.POST.get("publish_at", "")),
    }
    try:
        job = jobs.start_bulk_job(
            user=request.user,
            action=request.POST.get("action", ""),
            application_ids=ids,
            params=params,
        )
    except jobs.JobRefusal as error:
        messages.error(request, error.message)
        return redirect("staff:applications")
    return redirect("staff:bulk_job", pk=job.pk)


@staff_permission_required(VIEW)
def bulk_job(request, pk):
    job = get_object_or_404(BulkJob, pk=pk, user=request.user)
    template = (
        "staff/applications/_bulk_progress.html" if request.htmx else "staff/applications/bulk.html"
    )
    return render(
        request,
        template,
        {
            "job": job,
            "action": jobs.BULK_ACTIONS.get(job.action)
            or (_("Download") if job.action.startswith("download_") else _("Export")),
        },
    )


@staff_permission_required(VIEW)
@require_http_methods(["GET"])
def export(request, fmt):
    """The list's export, streamed (CSV as the rows arrive, XLSX from a temporary file);
    beyond ``EXPORT_SYNC_LIMIT`` rows, written by the worker."""
    preference = _preference(request.user)
    allowed = {c.key for c in allowed_columns(request.user)}
    keys = [k for k in request.GET.getlist("columns") if k in allowed] or [
        k for k in preference.columns if k in allowed
    ]
    columns = [BY_KEY[k] for k in keys]
    qs = _filterset(request, preference).qs
    if fmt not in ("csv", "xlsx"):
        raise Http404
    if qs.count() > jobs.EXPORT_SYNC_LIMIT:
        job = jobs.start_export_job(
            user=request.user,
            fmt=fmt,
            application_ids=list(qs.values_list("pk", flat=True)),
            columns=keys,
        )
        return redirect("staff:bulk_job", pk=job.pk)
    export_services.record_export(user=request.user, fmt=fmt, columns=keys)
    header = [str(c.label) for c in columns]
    rows = export_rows(qs, columns)
    if fmt == "csv":
        return attachment(csv_chunks(header, rows), "applications.csv", "text/csv; charset=utf-8")
    return attachment(xlsx_chunks(header, rows), "applications.xlsx", XLSX)


@staff_permission_required(VIEW)
def dashboard(request):
    group = request.GET.get("by", "program")
    if group not in counts.GROUPS:
        group = "program"
    # Last year's applications stay out unless asked for, as on the list.
    campaign = CampaignFilterSet(request.GET, queryset=Application.objects.none(), request=request)
    applications = campaign.filter_queryset(Application.objects.visible_to_staff(request.user))
    rows = counts.counts_by(applications, group)
    totals = counts.totals(rows)
    # The cells of each line in the order of the columns, so the template only iterates.
    for line in [*rows, totals]:
        line["by_status"] = [line[s] for s in FileStatus.values]
        line["by_kind"] = [line[f"kind_{k}"] for k in DecisionKind.values]
    per_day = counts.submitted_per_day(applications)
    peak = max((n for _day, n in per_day), default=0)
    heights = [(day, n, round(100 * n / peak) if peak else 0) for day, n in per_day]
    if request.GET.get("format") == "xlsx":
        # Labels of programs, commissions and centres are typed by staff: xlsx_bytes
        # neutralises them like every exported cell; the counts stay numbers.
        header = [
            _("Group"),
            *[label for _value, label in FileStatus.choices],
            _("Total"),
            _("capacity"),
        ]
        content = xlsx_bytes(
            [str(h) for h in header],
            (
                [r["label"], *[r[s] for s in FileStatus.values], r["total"], r["capacity"] or ""]
                for r in rows
            ),
        )
        return attachment(content, "dashboard.xlsx", XLSX)
    return render(
        request,
        "staff/applications/dashboard.html",
        {
            "group": group,
            "groups": [
                ("program", _("program")),
                ("commission", _("commission")),
                ("centre", _("centre")),
            ],
            "rows": rows,
            "totals": totals,
            "statuses": FileStatus.choices,
            "kinds": DecisionKind.choices,
            "per_day": heights,
            # Server-rendered SVG bars: 10 units per day, height in percent of the busiest day.
            "bars": [
                {"x": i * 10 + 1, "y": 100 - h, "height": h, "day": day, "n": n}
                for i, (day, n, h) in enumerate(heights)
            ],
            "chart_width": max(len(per_day), 1) * 10,
            "funnel": counts.funnel(applications),
            "campaign_form": campaign.form,
            # Kept by the grouping links and the export.
            "campaign_query": urlencode({"campaign": request.GET.get("campaign", "")}),
        },
    )


@staff_permission_required(VIEW)
@require_POST
@answers_storage_errors
def download(request):
    """Several application files at once, only within the user's scope; large selections
    are built by the worker (progress page, then a private download)."""

    ids = parse_ids(request.POST.getlist("ids"))[: jobs.BULK_LIMIT]
    applications = list(
        _visible(request.user).filter(pk__in=ids).select_related("candidate", "program")
    )
    if not applications:
        raise Http404
    kind = request.POST.get("kind", "zip")
    if kind not in ("zip", "pdf", "document"):
        raise Http404
    document_type = str(parse_id(request.POST.get("document_type")) or "")
    export_services.record_download(
        user=request.user,
        kind=kind,
        application_ids=[a.pk for a in applications],
    )
    if len(applications) > downloads.SYNC_LIMIT:
        job = jobs.start_file_job(
            user=request.user,
            action=f"download_{kind}",
            application_ids=[a.pk for a in applications],
            params={"document_type": document_type},
        )
        return redirect("staff:bulk_job", pk=job.pk)
    content, name, mime = downloads.build(
        applications,
        kind=kind,
        document_type=document_type,
        language=request.user.preferred_language,
    )
    return attachment(content, name, mime)


@staff_permission_required(ENTER)
@require_POST
def decision_enter(request, pk):
    # The permission says "may enter decisions somewhere"; decidable_by says where: a
    # member's can_decide holds for the commission of that assignment only.
    application = get_object_or_404(_visible(request.user).decidable_by(request.user), pk=pk)
    form = staff_forms.DecisionForm(request.POST, application=application)
    if form.is_valid():
        data = form.cleaned_data
        try:
            decisions.enter_decision(
                application_id=application.pk,
                decision_type=data["decision_type"],
                user=request.user,
                reason=data["reason"],
                rank=data["rank"],
                preselection_at=data["preselection_at"],
                preselection_place=data["preselection_place"],
                comment=data["comment"],
                appeal=data["appeal"],
                publish_at=data["publish_at"],
            )
        except decisions.DecisionError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("The decision is entered; it is published once validated."))
            registrations.warn_without_code(request, data["decision_type"], application.program)
            return redirect("staff:application", pk=application.pk)
    application, editable = _editable_application(request, pk)
    return _detail(request, application, editable, failed=form, action="decision")


@staff_permission_required(VALIDATE)
@require_POST
def decision_validate(request, pk, decision_id):
    application, editable = _editable_application(request, pk)
    if not editable:
        raise Http404
    decision = get_object_or_404(application.decisions, pk=decision_id)
    try:
        decisions.validate_decision(decision_id=decision.pk, user=request.user)
    except decisions.DecisionError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The decision is validated: the candidate has been told."))
        registrations.warn_without_code(request, decision.decision_type, application.program)
    return redirect("staff:application", pk=application.pk)


@staff_permission_required(VALIDATE)
@require_POST
def direct_access(request, pk):
    application, editable = _editable_application(request, pk)
    if not editable:
        raise Http404
    try:
        decisions.validate_direct_access(application_id=application.pk, user=request.user)
    except decisions.DecisionError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Direct access validated: a favourable decision is published."))
    return redirect("staff:application", pk=application.pk)


@staff_permission_required(VIEW)
@answers_storage_errors
def export_file(request, pk):
    """The file of a finished background export or download, for the person who asked."""

    job = get_object_or_404(BulkJob, pk=pk, user=request.user)
    name = job.params.get("file")
    if not name:
        raise Http404
    return attachment(open_file(default_storage, name), f"applications.{name.rsplit('.', 1)[-1]}")
