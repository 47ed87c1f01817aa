"""The filters of the staff application list (a FilterSet of the shared list mechanism,
``lists.py``); the back-office lists build theirs from their declaration
(``lists.model_filterset``)."""

import django_filters
from django import forms
from django.db.models import Q
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from ecandidat.accounts.models import User
from ecandidat.applications.enums import FileStatus
from ecandidat.applications.models import Application
from ecandidat.catalog.enums import Treatment
from ecandidat.catalog.models import Campaign, Commission, Program, campaigns_newest_first
from ecandidat.decisions.enums import DecisionKind
from ecandidat.dossier.models import PersonalInformation
from ecandidat.review.models import Tag

from .lists import ALL, StaffFilterSet

NO_DECISION = "none"
ALL_CAMPAIGNS = "all"


def _campaign_choices():
    return [
        *((str(c.pk), c.label) for c in campaigns_newest_first()),
        (ALL_CAMPAIGNS, _("All campaigns")),
    ]


def campaign_filter():
    return django_filters.ChoiceFilter(
        label=capfirst(_("campaign")),
        choices=_campaign_choices,
        empty_label=_("Current campaign"),
        method="in_campaign",
    )


def in_campaign(queryset, value):
    """``queryset`` in the campaign chosen: the active one when none is, every one for
    ``ALL_CAMPAIGNS``."""
    if value == ALL_CAMPAIGNS:
        return queryset
    if not value:
        return queryset.filter(campaign__in=Campaign.objects.active())
    return queryset.filter(campaign_id=value)


def _programs(request):
    return Program.objects.visible_to(request.user).order_by("label_fr")


def _commissions(request):
    return Commission.objects.visible_to(request.user).order_by("label")


class ApplicationFilterSet(StaffFilterSet):
    id_prefix = "f-"

    q = django_filters.CharFilter(
        label=_("Search"), method="search", min_length=2, widget=forms.SearchInput
    )
    # Nothing chosen is the active campaign: last year's applications stay out of the list,
    # its counts and its exports unless asked for.
    campaign = campaign_filter()
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
    # Choices set per request (__init__): the scope's tags, read once for the filter and
    # for the bulk "add a tag" beside it.
    tag = django_filters.ChoiceFilter(
        field_name="tags", label=capfirst(_("tags")), choices=[], empty_label=ALL
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

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        self.visible_tags = list(Tag.objects.visible_to(request.user)) if request else []
        self.filters["tag"].extra["choices"] = [(str(t.pk), str(t)) for t in self.visible_tags]

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        if not self.form.cleaned_data.get("campaign"):
            queryset = self.in_campaign(queryset, "campaign", "")
        return queryset

    def in_campaign(self, queryset, _name, value):
        return in_campaign(queryset, value)

    def chosen_campaign(self, queryset):
        """``queryset`` restricted to the campaign the list shows (the counts beside it)."""
        value = self.form.cleaned_data.get("campaign", "") if self.form.is_valid() else ""
        return self.in_campaign(queryset, "campaign", value)

    def search(self, queryset, _name, text):
        # The people matching first (each condition answered by its own index on
        # PostgreSQL: the dossier number, the INE, trigrams of names and email), then their
        # applications: an OR across the joined tables would scan every application.
        people = User.objects.filter(
            Q(username__iexact=text)
            | Q(last_name__icontains=text)
            | Q(first_name__icontains=text)
            | Q(email__icontains=text)
        ).values("pk")
        by_ine = PersonalInformation.objects.filter(ine__iexact=text).values("user_id")
        return queryset.filter(Q(candidate__in=people) | Q(candidate__in=by_ine))

    def latest_decision(self, queryset, _name, kind):
        """The kind of the latest validated decision, or none validated yet."""
        return queryset.filter(decision_kind="" if kind == NO_DECISION else kind)


class CampaignFilterSet(StaffFilterSet):
    """The campaign alone, for the statistics: the active one unless another (or every
    one) is asked for, as on the list."""

    id_prefix = "s-"

    campaign = campaign_filter()

    class Meta:
        model = Application
        fields: list[str] = []

    def filter_queryset(self, queryset):
        value = self.form.cleaned_data.get("campaign", "") if self.form.is_valid() else ""
        return in_campaign(queryset, value)

    def in_campaign(self, queryset, _name, value):
        return in_campaign(queryset, value)
