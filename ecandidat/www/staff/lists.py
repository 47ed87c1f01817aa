"""One list mechanism for the staff screens: the application list and every back-office
resource list.

A list is a django-filter ``FilterSet`` (its form renders the filters, validates what was
sent and ignores what does not validate, with the reason next to the field), the sort chosen
among the columns shown (anything else falls back to the list's default) and a page of
results. A column is anything with ``label``, ``sort`` (an ORM ordering, or None) and
``value(obj)``: the application list declares its columns in ``review.columns``, the back
office with ``Column`` below.

Choices that name objects (a program, a centre, a tag…) come from the staff member's scoped
querysets: an object outside their scope is no choice at all.
"""

from dataclasses import dataclass

import django_filters
from django import forms
from django.core.paginator import Page, Paginator
from django.db.models import F, Q
from django.utils.functional import cached_property
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_filters.constants import EMPTY_VALUES

ALL = gettext_lazy("All")
YES_NO = [("", ALL), ("True", gettext_lazy("Yes")), ("False", gettext_lazy("No"))]


@dataclass(frozen=True)
class Column:
    """A back-office column: an attribute path on the object, "__" separated."""

    attr: str
    label: object
    sort: str | None = None  # ORM ordering field; None = not sortable

    def value(self, obj):
        value = obj
        for part in self.attr.split("__"):
            value = getattr(value, part, None)
            if value is None:
                return ""
        if isinstance(value, bool):
            return _("Yes") if value else _("No")
        display = getattr(obj, f"get_{self.attr}_display", None)
        return display() if display else value


class StaffFilterSet(django_filters.FilterSet):
    """A FilterSet bound to a staff request: choices of objects come from the user's scope
    (``ModelChoiceFilter(queryset=callable)`` receives the request), the form's ids start
    with ``id_prefix`` (the templates' labels and the browser tests use them)."""

    id_prefix = "filter-"

    @property
    def form(self):
        if not hasattr(self, "_form"):
            form_class = self.get_form_class()
            self._form = form_class(
                self.data if self.is_bound else None, auto_id=f"{self.id_prefix}%s"
            )
        return self._form

    def applied(self) -> dict[str, str]:
        """The filters that apply, as sent (what a "save these filters" form carries): the
        non-empty values that validate."""
        if not self.is_bound:
            return {}
        self.form.is_valid()  # cleaned_data then holds the fields that validate
        return {
            name: str(self.form.data.get(name, "")).strip()
            for name, value in self.form.cleaned_data.items()
            if value not in EMPTY_VALUES
        }


def visible_choices(model):
    """A ``ModelChoiceFilter`` queryset: what the request's user sees of ``model``."""

    def queryset(request):
        manager = model.objects
        if hasattr(manager, "visible_to"):
            return manager.visible_to(request.user)
        return manager.all()

    return queryset


def search_filter(fields, *, element_id="q"):
    """Free-text search over ``fields`` (``icontains`` on each, any one matching)."""

    def search(queryset, _name, value):
        condition = Q()
        for name in fields:
            condition |= Q(**{f"{name}__icontains": value})
        return queryset.filter(condition)

    return django_filters.CharFilter(
        label=gettext_lazy("Search"),
        method=search,
        widget=forms.SearchInput(attrs={"id": element_id}),
    )


def exact_filter(model, name: str):
    """An exact-value filter on one model field, from the field's kind: its scoped objects
    for a relation, its choices, or yes / no for a boolean."""
    field = model._meta.get_field(name)
    label = capfirst(field.verbose_name)
    if field.is_relation:
        return django_filters.ModelChoiceFilter(
            field_name=name,
            label=label,
            queryset=visible_choices(field.related_model),
            empty_label=ALL,
        )
    if field.choices:
        return django_filters.ChoiceFilter(
            field_name=name, label=label, choices=field.choices, empty_label=ALL
        )
    if field.get_internal_type() == "BooleanField":
        return django_filters.BooleanFilter(
            field_name=name, label=label, widget=forms.Select(choices=YES_NO)
        )
    raise ValueError(f"{model.__name__}.{name}: no exact filter for this field")


def model_filterset(model, *, filters=(), search=()) -> type[StaffFilterSet]:
    """The FilterSet of a back-office list: a search box over ``search`` and one exact
    filter per name in ``filters``."""
    declared = {}
    if search:
        declared["q"] = search_filter(search)
    for name in filters:
        declared[name] = exact_filter(model, name)
    meta = type("Meta", (), {"model": model, "fields": []})
    return type(f"{model.__name__}FilterSet", (StaffFilterSet,), {**declared, "Meta": meta})


def sort_order(requested, columns, default: str) -> str:
    """The requested ordering if it is a sortable column's (either way) or the default."""
    sortable = {c.sort for c in columns if c.sort} | {default.lstrip("-")}
    requested = str(requested or default)
    return requested if requested.lstrip("-") in sortable else default


# Beyond this many rows a list says "more than …" instead of counting them all: an exact
# COUNT(*) over a campaign's 100,000 applications on every page is what made the list slow,
# and nobody pages through more than 200 pages (the filters narrow it).
COUNT_CAP = 10_000


def capped_count(queryset, cap: int = COUNT_CAP) -> int:
    """The number of rows, or ``cap + 1`` when there are more than ``cap``: the count stops
    at the cap (``COUNT(*)`` over a ``LIMIT``ed subquery)."""
    return queryset.order_by()[: cap + 1].count()


class CappedPaginator(Paginator):
    """A paginator whose count stops at ``COUNT_CAP`` (then ``is_capped``)."""

    @cached_property
    def count(self) -> int:
        return capped_count(self.object_list)

    cap = COUNT_CAP

    @property
    def is_capped(self) -> bool:
        return self.count > COUNT_CAP


def ordering(sort: str):
    """The ORM ordering of ``sort`` ("field" or "-field") with empty values last either way
    (PostgreSQL puts NULLs first in a descending sort: the untransmitted applications would
    fill the first page of the newest-first list)."""
    if sort.startswith("-"):
        return F(sort[1:]).desc(nulls_last=True)
    return F(sort).asc(nulls_last=True)


@dataclass
class ListPage:
    filterset: StaffFilterSet
    page: Page
    sort: str


def list_page(request, filterset, *, columns, default_sort: str, page_size: int, prepare=None):
    """Filter, sort (then by primary key, for a stable order) and paginate."""
    sort = sort_order(request.GET.get("sort"), columns, default_sort)
    queryset = filterset.qs
    if prepare is not None:
        queryset = prepare(queryset)
    page = CappedPaginator(queryset.order_by(ordering(sort), "pk"), page_size).get_page(
        request.GET.get("page")
    )
    return ListPage(filterset=filterset, page=page, sort=sort)
