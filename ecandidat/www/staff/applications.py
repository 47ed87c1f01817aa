"""Staff screens on applications: the list (columns, filters, sort, bulk actions, exports)
and the application page (documents, file status, tags, notes, deadline, timeline)."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from ecandidat.applications import workflow
from ecandidat.applications.enums import DocumentStatus, FileStatus
from ecandidat.applications.models import Application
from ecandidat.audit.models import AuditEvent
from ecandidat.catalog.enums import Treatment
from ecandidat.catalog.models import Commission, DocumentType, InstitutionSettings, Program
from ecandidat.decisions import services as decisions
from ecandidat.decisions.enums import DecisionKind
from ecandidat.decisions.models import DecisionReason
from ecandidat.exports import services as export_services
from ecandidat.exports.columns import BY_KEY, COLUMNS, DEFAULT_COLUMNS, RESTRICTED, with_column_data
from ecandidat.exports.models import ListPreference
from ecandidat.exports.writers import CsvWriter, xlsx_bytes
from ecandidat.jobs import services as jobs
from ecandidat.jobs.models import BulkJob
from ecandidat.review import services
from ecandidat.review.models import Tag
from ecandidat.www.access import staff_permission_required
from ecandidat.www.nul import parse_id, parse_ids, without_nul
from ecandidat.www.responses import XLSX, attachment

PAGE_SIZE = 50
VIEW = "catalog.view_program"
CHANGE = "applications.change_application"
ENTER = "decisions.add_decision"
VALIDATE = "decisions.change_decision"
FILTERS = ("program", "commission", "file_status", "treatment", "decision", "tag", "q")


def _visible(user):
    return Application.objects.visible_to_staff(user).exclude(file_status=FileStatus.CANCELLED)


def _filter_values(source) -> dict[str, str]:
    return {k: without_nul(source.get(k, "")).strip() for k in FILTERS}


def _filtered(request, preference):
    """Applications matching the request's filters (or the saved ones)."""
    source = request.GET if any(k in request.GET for k in FILTERS) else preference.filters
    values = _filter_values(source)
    qs = _visible(request.user)
    if (program_id := parse_id(values["program"])) is not None:
        qs = qs.filter(program_id=program_id)
    if (commission_id := parse_id(values["commission"])) is not None:
        qs = qs.filter(program__commission_id=commission_id)
    if values["file_status"] in FileStatus.values:
        qs = qs.filter(file_status=values["file_status"])
    if values["treatment"]:
        qs = qs.filter(treatment=values["treatment"])
    if values["decision"] in DecisionKind.values:
        qs = qs.annotate(
            latest_kind=decisions.latest_validated_subquery("decision_type__kind")
        ).filter(latest_kind=values["decision"])
    elif values["decision"] == "none":
        qs = qs.annotate(
            latest_kind=decisions.latest_validated_subquery("decision_type__kind")
        ).filter(latest_kind__isnull=True)
    if (tag_id := parse_id(values["tag"])) is not None:
        qs = qs.filter(tags=tag_id)
    if len(values["q"]) >= 2:
        text = values["q"]
        qs = qs.filter(
            Q(candidate__username__iexact=text)
            | Q(candidate__last_name__icontains=text)
            | Q(candidate__first_name__icontains=text)
            | Q(candidate__email__icontains=text)
            | Q(candidate__personal_information__ine__iexact=text)
        )
    return qs, values


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
    qs, values = _filtered(request, preference)
    sortable = {c.sort for c in columns if c.sort}
    sort = request.GET.get("sort", "-submitted_at")
    if sort.lstrip("-") not in sortable | {"submitted_at"}:
        sort = "-submitted_at"
    institution = InstitutionSettings.load()
    qs = with_column_data(qs.with_overdue(institution.overdue_cutoff()), columns)
    page = Paginator(qs.order_by(sort, "pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [(a, [c.value(a) for c in columns], a.is_overdue) for a in page]
    visible_programs = Program.objects.visible_to(request.user)
    return render(
        request,
        "staff/applications/list.html",
        {
            "page": page,
            "rows": rows,
            "columns": columns,
            "all_columns": allowed_columns(request.user),
            "chosen": {c.key for c in columns},
            "values": values,
            "sort": sort,
            "programs": visible_programs.order_by("label_fr"),
            "commissions": Commission.objects.visible_to(request.user).order_by("label"),
            "statuses": FileStatus.choices,
            "tags": Tag.objects.visible_to(request.user),
            "treatments": Treatment.choices,
            "kinds": DecisionKind.choices,
            "waiting_count": _visible(request.user).filter(file_status=FileStatus.WAITING).count(),
            "bulk_actions": jobs.BULK_ACTIONS,
            "can_change": request.user.has_perm(CHANGE),
            "document_types": DocumentType.objects.filter(in_service=True),
            "decision_types": decisions.DecisionType.objects.filter(in_service=True),
            "reasons": DecisionReason.objects.filter(in_service=True),
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
        preference.filters = {k: v for k, v in _filter_values(request.POST).items() if v}
        preference.save(update_fields=["filters"])
        messages.success(
            request, _("Your filters are saved: they apply whenever you open the list.")
        )
    return redirect("staff:applications")


def _editable_application(request, pk):
    application = get_object_or_404(_visible(request.user), pk=pk)
    editable = (
        request.user.has_perm(CHANGE)
        and Program.objects.editable_by(request.user).filter(pk=application.program_id).exists()
    )
    return application, editable


@staff_permission_required(VIEW)
def application_detail(request, pk):
    application, editable = _editable_application(request, pk)
    application = (
        Application.objects.select_related(
            "candidate", "program", "program__centre", "program__commission", "campaign"
        )
        .prefetch_related("tags")
        .get(pk=application.pk)
    )
    return render(
        request,
        "staff/applications/detail.html",
        {
            "application": application,
            "documents": application.documents.select_related("document_type", "file"),
            "answers": application.answers.select_related("question"),
            "notes": application.notes.select_related("author"),
            "timeline": AuditEvent.objects.for_object(application).select_related("actor")[:100],
            "available_tags": services.tags_for(application),
            "editable": editable,
            "treatments": Treatment.choices,
            "can_decide": request.user.has_perm(ENTER)
            and Application.objects.decidable_by(request.user).filter(pk=application.pk).exists(),
            "decisions": application.decisions.select_related(
                "decision_type", "reason", "entered_by", "validated_by"
            ),
            "decision_types": decisions.types_for(application),
            "reasons": DecisionReason.objects.filter(in_service=True),
            "document_statuses": [
                (DocumentStatus.VALIDATED, DocumentStatus.VALIDATED.label),
                (DocumentStatus.REFUSED, DocumentStatus.REFUSED.label),
            ],
        },
    )


@staff_permission_required(CHANGE)
@require_POST
def application_action(request, pk, action):
    application, editable = _editable_application(request, pk)
    if not editable:
        raise Http404
    try:
        if action == "document":
            document = get_object_or_404(
                application.documents, pk=parse_id(request.POST.get("document"))
            )
            services.check_document(
                document_id=document.pk,
                status=request.POST.get("status", ""),
                comment=without_nul(request.POST.get("comment", "")),
                user=request.user,
            )
        elif action in workflow.STAFF_ACTIONS:
            deadline = decisions.parse_moment(request.POST.get("deadline", ""))
            services.change_file_status(
                application_id=application.pk,
                action=action,
                user=request.user,
                deadline=deadline,
            )
        elif action == "treatment":
            services.set_treatment(
                application_id=application.pk,
                treatment=request.POST.get("treatment", ""),
                user=request.user,
            )
        elif action == "note":
            services.add_note(
                application=application,
                text=without_nul(request.POST.get("text", "")),
                user=request.user,
            )
        elif action == "tags":
            ids = parse_ids(request.POST.getlist("tags"))
            services.set_tags(
                application=application,
                tags=list(services.tags_for(application).filter(pk__in=ids)),
                user=request.user,
            )
        elif action == "confirmation_deadline":
            deadline = decisions.parse_moment(request.POST.get("deadline", ""))
            if deadline is None:
                raise services.ReviewError(_("Enter a valid date and time."))
            services.set_confirmation_deadline(
                application_id=application.pk, deadline=deadline, user=request.user
            )
        elif action == "deadline":
            raw = request.POST.get("deadline", "")
            deadline = decisions.parse_moment(raw)
            if raw and deadline is None:
                raise services.ReviewError(_("Enter a valid date and time."))
            services.set_personal_deadline(
                application_id=application.pk, deadline=deadline, user=request.user
            )
        else:
            raise Http404
    except services.ReviewError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Saved."))
    return redirect("staff:application", pk=application.pk)


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


class _Echo:
    def write(self, value):
        return value


@staff_permission_required(VIEW)
@require_http_methods(["GET"])
def export(request, fmt):
    preference = _preference(request.user)
    allowed = {c.key for c in allowed_columns(request.user)}
    keys = [k for k in request.GET.getlist("columns") if k in allowed] or [
        k for k in preference.columns if k in allowed
    ]
    columns = [BY_KEY[k] for k in keys]
    qs, _values = _filtered(request, preference)
    if fmt in ("csv", "xlsx") and qs.count() > jobs.EXPORT_SYNC_LIMIT:
        job = jobs.start_export_job(
            user=request.user,
            fmt=fmt,
            application_ids=list(qs.values_list("pk", flat=True)),
            columns=keys,
        )
        return redirect("staff:bulk_job", pk=job.pk)
    rows = with_column_data(qs, columns).order_by("pk").iterator(chunk_size=500)
    export_services.record_export(user=request.user, fmt=fmt, columns=keys)
    header = [str(c.label) for c in columns]
    if fmt == "csv":
        writer = CsvWriter(_Echo(), delimiter=";")  # neutralises every cell

        def lines():
            yield "\ufeff" + writer.writerow(header)
            for application in rows:
                yield writer.writerow([c.value(application) for c in columns])

        return attachment(lines(), "applications.csv", "text/csv; charset=utf-8")
    if fmt == "xlsx":
        content = xlsx_bytes(header, ([c.value(a) for c in columns] for a in rows))
        return attachment(content, "applications.xlsx", XLSX)
    raise Http404


@staff_permission_required(VIEW)
def dashboard(request):
    from ecandidat.review import dashboard as counts

    group = request.GET.get("by", "program")
    if group not in counts.GROUPS:
        group = "program"
    applications = Application.objects.visible_to_staff(request.user)
    rows = counts.counts_by(applications, group)
    per_day = counts.submitted_per_day(applications)
    peak = max((n for _day, n in per_day), default=0)
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
            "totals": counts.totals(rows),
            "statuses": FileStatus.choices,
            "kinds": DecisionKind.choices,
            "per_day": [(day, n, round(100 * n / peak) if peak else 0) for day, n in per_day],
            # Server-rendered SVG bars: 10 units per day, height in percent of the busiest day.
            "bars": [
                {"x": i * 10 + 1, "y": 100 - h, "height": h, "day": day, "n": n}
                for i, (day, n, h) in enumerate(
                    (day, n, round(100 * n / peak) if peak else 0) for day, n in per_day
                )
            ],
            "chart_width": max(len(per_day), 1) * 10,
            "funnel": counts.funnel(applications),
        },
    )


@staff_permission_required(VIEW)
@require_POST
def download(request):
    """Several application files at once, only within the user's scope; large selections
    are built by the worker (progress page, then a private download)."""
    from ecandidat.exports import downloads

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
    decision_type = (
        decisions.types_for(application)
        .filter(pk=parse_id(request.POST.get("decision_type")))
        .first()
    )
    reason = DecisionReason.objects.filter(
        pk=parse_id(request.POST.get("reason")), in_service=True
    ).first()
    rank = parse_id(request.POST.get("rank"))
    when = decisions.parse_moment(request.POST.get("preselection_at", ""))
    publish_at = decisions.parse_moment(request.POST.get("publish_at", ""))
    try:
        if decision_type is None:
            raise decisions.DecisionError(_("Choose the decision."))
        decisions.enter_decision(
            application_id=application.pk,
            decision_type=decision_type,
            user=request.user,
            reason=reason,
            rank=rank or None,
            preselection_at=when,
            preselection_place=without_nul(request.POST.get("preselection_place", ""))[:200],
            comment=without_nul(request.POST.get("comment", ""))[:4000],
            appeal=request.POST.get("appeal") == "on",
            publish_at=publish_at,
        )
    except decisions.DecisionError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The decision is entered; it is published once validated."))
    return redirect("staff:application", pk=application.pk)


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
def export_file(request, pk):
    """The file of a finished background export or download, for the person who asked."""
    from django.core.files.storage import default_storage

    job = get_object_or_404(BulkJob, pk=pk, user=request.user)
    name = job.params.get("file")
    if not name:
        raise Http404
    return attachment(default_storage.open(name, "rb"), f"applications.{name.rsplit('.', 1)[-1]}")
