"""Counts for the staff dashboards, each in one aggregate query."""

from django.db.models import Count, Q
from django.db.models.functions import TruncDate
from django.utils.translation import gettext as _

from ecandidat.applications.enums import NO_DECISION, CandidateAnswer, DecisionKind, FileStatus
from ecandidat.catalog.enums import Treatment

GROUPS = {
    "program": ("program_id", "program__label_fr", "program__capacity"),
    "commission": ("program__commission_id", "program__commission__label", None),
    "centre": ("program__centre_id", "program__centre__label", None),
}


def counts_by(applications, group: str) -> list[dict]:
    key, label, capacity = GROUPS[group]
    annotations = {
        status: Count("pk", filter=Q(file_status=status)) for status in FileStatus.values
    }
    annotations["total"] = Count("pk", filter=~Q(file_status=FileStatus.CANCELLED))
    annotations["controlled"] = Count(
        "pk", filter=Q(treatment="controlled") & ~Q(file_status=FileStatus.CANCELLED)
    )
    annotations["direct"] = Count(
        "pk", filter=Q(treatment=Treatment.DIRECT) & ~Q(file_status=FileStatus.CANCELLED)
    )
    for kind in DecisionKind.values:
        annotations[f"kind_{kind}"] = Count("pk", filter=Q(decision_kind=kind))
    annotations["validated"] = Count("pk", filter=~Q(decision_kind=NO_DECISION))
    annotations["confirmed"] = Count("pk", filter=Q(answer=CandidateAnswer.CONFIRMED))
    annotations["withdrawn"] = Count("pk", filter=Q(answer=CandidateAnswer.WITHDRAWN))
    fields = [key, label] + ([capacity] if capacity else [])
    rows = list(applications.values(*fields).annotate(**annotations).order_by(label))
    for row in rows:
        row["label"] = row[label]
        row["capacity"] = row.get(capacity) if capacity else None
    return rows


def totals(rows: list[dict]) -> dict:
    keys = [
        *FileStatus.values,
        "total",
        "controlled",
        "direct",
        *(f"kind_{k}" for k in DecisionKind.values),
        "validated",
        "confirmed",
        "withdrawn",
    ]
    return {k: sum(r[k] for r in rows) for k in keys}


def submitted_per_day(applications) -> list[tuple]:
    return list(
        applications.exclude(submitted_at=None)
        .annotate(day=TruncDate("submitted_at"))
        .values_list("day")
        .annotate(n=Count("pk"))
        .order_by("day")
    )


def funnel(applications) -> list[tuple[str, int, int]]:
    """Created → confirmed, each step with its count and its share of the created (percent)."""
    counts = applications.aggregate(
        created=Count("pk"),
        submitted=Count("pk", filter=~Q(submitted_at=None)),
        complete=Count("pk", filter=Q(file_status=FileStatus.COMPLETE)),
        decided=Count("pk", filter=~Q(decision_kind=NO_DECISION)),
        favourable=Count("pk", filter=Q(decision_kind=DecisionKind.FAVOURABLE)),
        confirmed=Count("pk", filter=Q(answer=CandidateAnswer.CONFIRMED)),
    )
    labels = {
        "created": _("Created"),
        "submitted": _("Transmitted"),
        "complete": _("Complete"),
        "decided": _("Decision published"),
        "favourable": _("Favourable decision"),
        "confirmed": _("Confirmed by the candidate"),
    }
    created = counts["created"] or 1
    return [(labels[k], counts[k], round(100 * counts[k] / created)) for k in labels]
