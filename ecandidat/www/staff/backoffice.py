"""The staff back office: one list / create / edit screen per catalogue resource.

Each resource is declared once (model, form, columns, filters, search); the views are
shared, and the list is the staff lists' one mechanism (``lists.py``: a django-filter
FilterSet built from the declaration, the sort among the columns, the page). Objects are
always fetched through ``visible_to(user)`` (404 outside the user's scope) and saved only
when also in ``editable_by(user)``; otherwise the page is read-only. Every save is audited
and the object's history is shown beside the form.
"""

from dataclasses import dataclass, field
from functools import cached_property

from django.contrib import messages
from django.db.models import CharField, Count, Q, QuerySet, Value
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from ecandidat.accounts.models import RoleAssignment
from ecandidat.applications.enums import FileStatus
from ecandidat.applications.models import Application
from ecandidat.audit.models import AuditEvent
from ecandidat.catalog import services
from ecandidat.catalog.enums import CampaignStatus
from ecandidat.catalog.models import (
    Campaign,
    Centre,
    Commission,
    DocumentType,
    InstitutionSettings,
    PegasePeriod,
    Program,
    Question,
    TrainingType,
)
from ecandidat.decisions.models import Decision, DecisionReason, DecisionType
from ecandidat.directory import lookup as directory
from ecandidat.files.storage import StorageUnavailable
from ecandidat.review.models import Tag
from ecandidat.www.access import staff_required

from . import forms, lists, registrations
from .lists import Column

PAGE_SIZE = 25


@dataclass(frozen=True)
class Resource:
    key: str
    model: type
    form: type
    columns: tuple
    filters: tuple = ()  # model field names filterable by exact value
    search: tuple = ()
    select_related: tuple = ()
    default_sort: str = "pk"
    scoped: bool = True  # has visible_to / editable_by
    extra: dict = field(default_factory=dict)

    @cached_property
    def filterset(self) -> type[lists.StaffFilterSet]:
        return lists.model_filterset(self.model, filters=self.filters, search=self.search)

    @property
    def title(self):
        return self.model._meta.verbose_name_plural

    def perm(self, action: str) -> str:
        return f"{self.model._meta.app_label}.{action}_{self.model._meta.model_name}"

    def visible(self, user):
        qs = self.model.objects.visible_to(user) if self.scoped else self.model.objects.all()
        return qs.select_related(*self.select_related) if self.select_related else qs

    def editable(self, user):
        return self.model.objects.editable_by(user) if self.scoped else self.model.objects.all()


RESOURCES = {
    r.key: r
    for r in [
        Resource(
            "programs",
            Program,
            forms.ProgramForm,
            (
                Column("code", gettext_lazy("code"), "code"),
                Column("label", gettext_lazy("label"), "label_fr"),
                Column("centre", gettext_lazy("centre"), "centre__label"),
                Column("training_type", gettext_lazy("training type"), "training_type__order"),
                Column("commission", gettext_lazy("commission"), "commission__label"),
                Column("opens_at", gettext_lazy("applications open"), "opens_at"),
                Column("closes_at", gettext_lazy("applications close"), "closes_at"),
                Column("in_service", gettext_lazy("in service"), "in_service"),
            ),
            filters=("centre", "training_type", "commission", "in_service", "treatment"),
            search=("code", "label_fr", "label_en", "keywords"),
            select_related=("centre", "training_type", "commission"),
            default_sort="label_fr",
        ),
        Resource(
            "commissions",
            Commission,
            forms.CommissionForm,
            (
                Column("code", gettext_lazy("code"), "code"),
                Column("label", gettext_lazy("label"), "label"),
                Column("centre", gettext_lazy("centre"), "centre__label"),
                Column("contact_email", gettext_lazy("contact email")),
            ),
            filters=("centre",),
            search=("code", "label"),
            select_related=("centre",),
            default_sort="label",
        ),
        Resource(
            "centres",
            Centre,
            forms.CentreForm,
            (
                Column("code", gettext_lazy("code"), "code"),
                Column("label", gettext_lazy("label"), "label"),
                Column("site", gettext_lazy("site"), "site"),
                Column("online", gettext_lazy("online applications"), "online"),
                Column("in_service", gettext_lazy("in service"), "in_service"),
            ),
            filters=("in_service", "online"),
            search=("code", "label", "site"),
            default_sort="label",
        ),
        Resource(
            "document-types",
            DocumentType,
            forms.DocumentTypeForm,
            (
                Column("label", gettext_lazy("label"), "label_fr"),
                Column("scope", gettext_lazy("scope"), "scope"),
                Column("centre", gettext_lazy("centre"), "centre__label"),
                Column("common", gettext_lazy("common to all applications"), "common"),
                Column("conditional", gettext_lazy("conditional"), "conditional"),
                Column("in_service", gettext_lazy("in service"), "in_service"),
            ),
            filters=("scope", "centre", "in_service"),
            search=("label_fr", "label_en"),
            select_related=("centre",),
            default_sort="order",
        ),
        Resource(
            "questions",
            Question,
            forms.QuestionForm,
            (
                Column("label", gettext_lazy("label"), "label_fr"),
                Column("kind", gettext_lazy("kind"), "kind"),
                Column("scope", gettext_lazy("scope"), "scope"),
                Column("centre", gettext_lazy("centre"), "centre__label"),
                Column("in_service", gettext_lazy("in service"), "in_service"),
            ),
            filters=("scope", "centre", "kind", "in_service"),
            search=("label_fr", "label_en"),
            select_related=("centre",),
            default_sort="order",
        ),
        Resource(
            "campaigns",
            Campaign,
            forms.CampaignForm,
            (
                Column("code", gettext_lazy("code"), "code"),
                Column("label", gettext_lazy("label"), "label_fr"),
                Column("starts_on", gettext_lazy("start"), "starts_on"),
                Column("ends_on", gettext_lazy("end"), "ends_on"),
                Column("status", gettext_lazy("status"), "status"),
                Column("pegase_period__code", gettext_lazy("Pégase period"), "pegase_period__code"),
            ),
            filters=("status",),
            search=("code", "label_fr"),
            select_related=("pegase_period",),
            default_sort="-starts_on",
            scoped=False,
        ),
        Resource(
            "pegase-periods",
            PegasePeriod,
            forms.PegasePeriodForm,
            (
                Column("code", gettext_lazy("code"), "code"),
                Column("label", gettext_lazy("label"), "label"),
                Column("starts_on", gettext_lazy("start"), "starts_on"),
                Column("ends_on", gettext_lazy("end"), "ends_on"),
            ),
            search=("code", "label"),
            default_sort="-starts_on",
            scoped=False,
        ),
        Resource(
            "roles",
            RoleAssignment,
            forms.RoleAssignmentForm,
            (
                Column("user", gettext_lazy("account"), "user__username"),
                Column("role", gettext_lazy("role"), "role"),
                Column("centre", gettext_lazy("centre"), "centre__label"),
                Column("commission", gettext_lazy("commission"), "commission__label"),
                Column("can_decide", gettext_lazy("may enter decisions")),
                Column("can_edit", gettext_lazy("may edit dossiers")),
            ),
            filters=("role", "centre"),
            search=("user__username", "user__last_name", "user__email"),
            select_related=("user", "centre", "commission"),
            default_sort="user__username",
        ),
        Resource(
            "decision-types",
            DecisionType,
            forms.DecisionTypeForm,
            (
                Column("code", gettext_lazy("code"), "code"),
                Column("label", gettext_lazy("label"), "label_fr"),
                Column("kind", gettext_lazy("kind"), "kind"),
                Column("centre", gettext_lazy("centre"), "centre__label"),
                Column("in_service", gettext_lazy("in service"), "in_service"),
            ),
            filters=("kind", "in_service"),
            search=("code", "label_fr", "label_en"),
            select_related=("centre",),
            default_sort="kind",
        ),
        Resource(
            "tags",
            Tag,
            forms.TagForm,
            (
                Column("label", gettext_lazy("label"), "label"),
                Column("colour", gettext_lazy("colour")),
                Column("centre", gettext_lazy("centre"), "centre__label"),
            ),
            filters=("centre",),
            search=("label",),
            select_related=("centre",),
            default_sort="label",
        ),
        Resource(
            "decision-reasons",
            DecisionReason,
            forms.DecisionReasonForm,
            (
                Column("label_fr", gettext_lazy("label (French)"), "label_fr"),
                Column("label_en", gettext_lazy("label (English)"), "label_en"),
                Column("in_service", gettext_lazy("in service"), "in_service"),
            ),
            search=("label_fr", "label_en"),
            default_sort="label_fr",
            scoped=False,
        ),
        Resource(
            "training-types",
            TrainingType,
            forms.TrainingTypeForm,
            (
                Column("code", gettext_lazy("code"), "code"),
                Column("label", gettext_lazy("label"), "label_fr"),
                Column("order", gettext_lazy("order"), "order"),
            ),
            search=("code", "label_fr", "label_en"),
            default_sort="order",
            scoped=False,
        ),
    ]
}


def _resource(key: str, user, action: str) -> Resource:
    resource = RESOURCES.get(key)
    if resource is None or not user.has_perm(resource.perm(action)):
        raise Http404
    return resource


@staff_required
def dashboard(request):
    shown = [r for r in RESOURCES.values() if request.user.has_perm(r.perm("view"))]
    counts = _counts({r.key: r.visible(request.user) for r in shown})
    cards = [(resource, counts[resource.key]) for resource in shown]
    active = Campaign.objects.active().first()
    roles = RoleAssignment.objects.filter(user=request.user).select_related("centre", "commission")
    return render(
        request,
        "staff/dashboard.html",
        {
            "cards": cards,
            "active_campaign": active,
            "roles": roles,
            "work": _work_in_scope(request.user),
        },
    )


def _counts(querysets: dict[str, QuerySet]) -> dict[str, int]:
    """The row count of each queryset, in one query (a UNION ALL of one grouped count per
    queryset; an empty table yields no row, hence the zeros)."""
    counts = dict.fromkeys(querysets, 0)
    parts = [
        queryset.order_by()
        .annotate(key=Value(key, output_field=CharField()))
        .values("key")
        .annotate(n=Count("pk"))
        .values_list("key", "n")
        for key, queryset in querysets.items()
    ]
    if parts:
        counts.update(parts[0].union(*parts[1:], all=True))
    return counts


def _work_in_scope(user) -> dict | None:
    """What waits for this staff member in their scope, in a fixed number of queries."""
    if not user.has_perm("catalog.view_program"):
        return None
    institution = InstitutionSettings.load()
    applications = Application.objects.visible_to_staff(user)
    work = applications.with_overdue(institution.overdue_cutoff()).aggregate(
        received=Count("pk", filter=Q(file_status=FileStatus.RECEIVED)),
        incomplete=Count("pk", filter=Q(file_status=FileStatus.INCOMPLETE)),
        complete=Count("pk", filter=Q(file_status=FileStatus.COMPLETE)),
        waiting=Count("pk", filter=Q(file_status=FileStatus.WAITING)),
        overdue=Count("pk", filter=Q(is_overdue=True)),
    )
    work["to_validate"] = (
        Decision.objects.filter(application__in=applications, validated_at__isnull=True).count()
        if user.has_perm("decisions.change_decision")
        else None
    )
    work["overdue_days"] = institution.overdue_days
    return work


@staff_required
def resource_list(request, key):
    resource = _resource(key, request.user, "view")
    filterset = resource.filterset(
        request.GET, queryset=resource.visible(request.user), request=request
    )
    listing = lists.list_page(
        request,
        filterset,
        columns=resource.columns,
        default_sort=resource.default_sort,
        page_size=PAGE_SIZE,
    )
    rows = [(obj, [c.value(obj) for c in resource.columns]) for obj in listing.page]
    return render(
        request,
        "staff/list.html",
        {
            "resource": resource,
            "page": listing.page,
            "rows": rows,
            "filters": filterset.form,
            "sort": listing.sort,
            "can_add": request.user.has_perm(resource.perm("add")),
            "bulk": resource.key == "programs" and request.user.has_perm("catalog.change_program"),
            # The roles screen links the review of accounts whose directory entry is gone.
            "directory_enabled": directory.is_enabled(),
        },
    )


def _history(obj):
    return AuditEvent.objects.for_object(obj).select_related("actor")[:50]


@staff_required
@require_http_methods(["GET", "POST"])
def resource_edit(request, key, pk=None):
    action = "change" if pk else "add"
    resource = _resource(key, request.user, "view" if pk else "add")
    instance = get_object_or_404(resource.visible(request.user), pk=pk) if pk else None
    can_edit = request.user.has_perm(resource.perm(action)) and (
        instance is None or resource.editable(request.user).filter(pk=instance.pk).exists()
    )
    initial = {}
    if instance is None:
        # Deep links pre-select a field (a centre's new program, a new account's first role).
        initial = {name: request.GET[name] for name in ("centre", "user") if name in request.GET}
    form = resource.form(
        request.POST or None,
        request.FILES or None,
        instance=instance,
        initial=initial,
        user=request.user,
    )
    if request.method == "POST":
        if not can_edit:
            raise Http404
        if form.is_valid():
            try:
                obj = services.save_form(form, user=request.user)
            except StorageUnavailable:
                form.add_error(
                    None,
                    _(
                        "The file could not be saved because of a problem on our side; nothing "
                        "was changed. Please send the form again in a few minutes."
                    ),
                )
            else:
                messages.success(request, _("Saved."))
                if key == "decision-types":
                    registrations.warn_without_code(request, obj)
                return redirect("staff:resource_edit", key=key, pk=obj.pk)
    if not can_edit:
        for bound in form.fields.values():
            bound.disabled = True
    return render(
        request,
        "staff/edit.html",
        {
            "resource": resource,
            "object": instance,
            "form": form,
            "can_edit": can_edit,
            "history": _history(instance) if instance else [],
            "can_activate": key == "campaigns"
            and instance is not None
            and instance.status == CampaignStatus.PREPARED
            and request.user.has_perm("catalog.change_campaign"),
        },
    )


@staff_required
@require_POST
def campaign_activate(request, pk):
    if not request.user.has_perm("catalog.change_campaign"):
        raise Http404
    campaign = get_object_or_404(Campaign, pk=pk)
    services.activate_campaign(campaign, user=request.user)
    messages.success(request, _("The campaign is now active; the previous one is archived."))
    return redirect("staff:resource_edit", key="campaigns", pk=pk)


@staff_required
@require_http_methods(["GET", "POST"])
def programs_bulk(request):
    if not request.user.has_perm("catalog.change_program"):
        raise Http404
    ids = request.POST.getlist("ids") or request.GET.getlist("ids")
    programs = list(
        Program.objects.editable_by(request.user).filter(pk__in=[i for i in ids if i.isdigit()])
    )
    if not ids:
        messages.error(request, _("Select at least one program you manage."))
        return redirect("staff:resource_list", key="programs")
    if not programs:
        raise Http404  # programs outside the user's scope do not exist for them
    form = forms.BulkProgramForm(request.POST if "apply" in request.POST else None)
    report = None
    if form.is_bound and form.is_valid():
        report = services.bulk_update_programs(programs, form.changes(), user=request.user)
    return render(
        request,
        "staff/programs_bulk.html",
        {"programs": programs, "form": form, "report": report},
    )


@staff_required
@require_http_methods(["GET", "POST"])
def institution_settings(request):
    if not request.user.has_perm("catalog.view_institutionsettings"):
        raise Http404
    can_edit = request.user.has_perm("catalog.change_institutionsettings")
    instance = InstitutionSettings.load()
    form = forms.InstitutionSettingsForm(request.POST or None, instance=instance, user=request.user)
    if request.method == "POST" and can_edit and form.is_valid():
        services.save_form(form, user=request.user)
        messages.success(request, _("Saved."))
        return redirect("staff:settings")
    return render(
        request,
        "staff/settings.html",
        {"form": form, "history": _history(instance), "can_edit": can_edit},
    )


def staff_menu(user):
    """The back-office menu entries this user may open."""
    entries = [(reverse("staff:dashboard"), _("Dashboard"))]
    if user.has_perm("catalog.view_program"):
        entries.append((reverse("staff:applications"), _("Applications")))
        entries.append((reverse("staff:applications_dashboard"), _("Statistics")))
    entries.extend(
        (reverse("staff:resource_list", args=[resource.key]), resource.title)
        for resource in RESOURCES.values()
        if user.has_perm(resource.perm("view"))
    )
    if user.has_perm("dossier.view_candidate_dossier"):
        entries.append((reverse("staff:candidate_search"), _("Candidates")))
    if user.has_perm("catalog.view_institutionsettings"):
        entries.append((reverse("staff:settings"), _("Settings")))
    if user.has_perm("notifications.view_outboxemail"):
        entries.append((reverse("staff:email_templates"), _("Emails")))
        entries.append((reverse("staff:outbox"), _("Outgoing emails")))
    if user.has_perm("audit.view_auditevent"):
        entries.append((reverse("staff:audit_log"), _("Audit log")))
    if user.has_perm("decisions.change_decision"):
        entries.append((reverse("staff:registrations"), _("Registration export")))
    if user.has_perm("core.change_periodicjob"):
        entries.append((reverse("staff:jobs"), _("Periodic jobs")))
    if user.has_perm("sitemode.change_sitemode"):
        entries.append((reverse("staff:site_mode"), _("Site mode")))
    entries.append((reverse("staff:two_factor_setup"), _("Two-factor authentication")))
    return entries
