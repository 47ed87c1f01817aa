"""The filters of the staff application list (a FilterSet of the shared list mechanism,
``lists.py``); the back-office lists build theirs from their declaration
(``lists.model_filterset``)."""

import django_filters
from django import forms
from django.db.models import Q
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from ecandidat.applications.enums import FileStatus
from ecandidat.applications.models import Application
from ecandidat.catalog.enums import Treatment
from ecandidat.catalog.models import Commission, Program
from ecandidat.decisions import services as decisions
from ecandidat.decisions.enums import DecisionKind
from ecandidat.review.models import Tag

from .lists import ALL, StaffFilterSet

NO_DECISION = "none"


def _programs(request):
    return Program.objects.visible_to(request.user).order_by("label_fr")


def _commissions(request):
    return Commission.objects.visible_to(request.user).order_by("label")


def _tags(request):
    return Tag.objects.visible_to(request.user)


class ApplicationFilterSet(StaffFilterSet):
    id_prefix = "f-"

    q = django_filters.CharFilter(
        label=_("Search"), method="search", min_length=2, widget=forms.SearchInput
    )
    program = django_filters.ModelChoiceFilter(
        label=capfirst(_("program")), queryset=_programs, empty_label=ALL
    )
    commission = django_filters.ModelChoiceFilter(
        field_name="program__commission",
        label=capfirst(_("commission")),
        queryset=_commissions,
        empty_label=ALL,
    )
    file_status = django_filters.ChoiceFilter(
        label=capfirst(_("file status")),
        choices=FileStatus.choices,
        empty_label=ALL,
        widget=forms.Select(attrs={"id": "f-status"}),
    )
    tag = django_filters.ModelChoiceFilter(
        field_name="tags", label=capfirst(_("tags")), queryset=_tags, empty_label=ALL
    )
    treatment = django_filters.ChoiceFilter(
        label=capfirst(_("treatment")), choices=Treatment.choices, empty_label=ALL
    )
    decision = django_filters.ChoiceFilter(
        label=capfirst(_("decision")),
        choices=[(NO_DECISION, _("No validated decision")), *DecisionKind.choices],
        empty_label=ALL,
        method="latest_decision",
    )

    class Meta:
        model = Application
        fields = []

    def search(self, queryset, _name, text):
        return queryset.filter(
            Q(candidate__username__iexact=text)
            | Q(candidate__last_name__icontains=text)
            | Q(candidate__first_name__icontains=text)
            | Q(candidate__email__icontains=text)
            | Q(candidate__personal_information__ine__iexact=text)
        )

    def latest_decision(self, queryset, _name, kind):
        """The kind of the latest validated decision, or none validated yet."""
        queryset = queryset.annotate(
            latest_kind=decisions.latest_validated_subquery("decision_type__kind")
        )
        if kind == NO_DECISION:
            return queryset.filter(latest_kind__isnull=True)
        return queryset.filter(latest_kind=kind)
