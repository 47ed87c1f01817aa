"""Writes on the dossier: one function per kind of section, audited, safe across tabs.

A form carries the ``version`` of the row it was built from. Saving compares it, under a
row lock, with the stored version: if another tab (or a staff member) saved in between,
``StaleEdit`` is raised and nothing is written, so no edit is silently lost.
"""

from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from ecandidat.accounts.models import User
from ecandidat.audit import codes
from ecandidat.audit.services import record
from ecandidat.common.cache import cached, forget
from ecandidat.common.errors import DomainError

from .models import (
    Address,
    Baccalaureate,
    Internship,
    LocalStudy,
    NonLocalStudy,
    PersonalInformation,
    VersionedModel,
    WorkExperience,
)


class StaleEdit(DomainError):
    """The row changed since the form was displayed (each page words it for its reader)."""

    default_message = _("This information was changed meanwhile: check it and save again.")


def _changed_fields(obj, values: dict) -> list[str]:
    return sorted(name for name, value in values.items() if getattr(obj, name) != value)


def _audit(action: str, *, subject: User, actor, data: dict) -> None:
    record(action, actor=actor, target=subject, data=data)


def _rows(model: type[VersionedModel]) -> Any:
    """The section's manager. Every section has ``user`` and ``version``, but ``user`` is
    declared by each model (one-to-one or foreign key), not by the shared base, so the type
    checker cannot follow the lookups on ``user``."""
    return model._default_manager


@transaction.atomic
def save_single_section(
    model: type[VersionedModel],
    *,
    subject: User,
    values: dict,
    expected_version: int | None,
    actor,
    m2m: dict | None = None,
    user_values: dict | None = None,
):
    """Create or update the one-per-candidate row of ``model`` (personal info, address, bac).

    ``user_values`` are written to the account in the same transaction (names, language).
    """
    existing = _rows(model).select_for_update().filter(user=subject).first()
    section = str(model._meta.model_name)
    if existing is None:
        if expected_version:
            raise StaleEdit  # it existed when the form was shown and has gone since
        try:
            with transaction.atomic():
                obj = _rows(model).create(user=subject, **values)
        except IntegrityError as exc:
            if _rows(model).filter(user=subject).exists():
                raise StaleEdit from exc  # another tab created it first
            raise
        changed = sorted(values)
    else:
        if expected_version != existing.version:
            raise StaleEdit
        obj = existing
        changed = _changed_fields(obj, values)
        for name, value in values.items():
            setattr(obj, name, value)
        obj.version += 1
        obj.save()
    for name, value in (m2m or {}).items():
        before = set(getattr(obj, name).values_list("pk", flat=True))
        after = {item.pk for item in value}
        if before != after:
            getattr(obj, name).set(value)
            changed.append(name)
    if user_values:
        user_changed = _changed_fields(subject, user_values)
        if user_changed:
            for name, value in user_values.items():
                setattr(subject, name, value)
            subject.save(update_fields=list(user_values))
            changed += [f"account.{name}" for name in user_changed]
    _audit(
        codes.dossier(section, "saved"),
        subject=subject,
        actor=actor,
        data={"fields": sorted(changed), "version": obj.version},
    )
    return obj


@transaction.atomic
def save_entry(
    model: type[VersionedModel],
    *,
    subject: User,
    entry_id: int | None,
    values: dict,
    expected_version: int | None,
    actor,
):
    """Add (``entry_id`` None) or update one entry of a list section."""
    section = str(model._meta.model_name)
    if entry_id is None:
        obj = _rows(model).create(user=subject, **values)
        changed = sorted(values)
        action = "added"
    else:
        found = _rows(model).select_for_update().filter(user=subject, pk=entry_id)
        existing = found.first()
        if existing is None or existing.version != expected_version:
            raise StaleEdit
        obj = existing
        changed = _changed_fields(obj, values)
        for name, value in values.items():
            setattr(obj, name, value)
        obj.version += 1
        obj.save()
        action = "updated"
    _audit(
        codes.dossier(section, action),
        subject=subject,
        actor=actor,
        data={"entry": obj.pk, "fields": changed},
    )
    return obj


@transaction.atomic
def delete_entry(
    model: type[VersionedModel],
    *,
    subject: User,
    entry_id: int,
    expected_version: int,
    actor,
) -> None:
    deleted, _ = _rows(model).filter(user=subject, pk=entry_id, version=expected_version).delete()
    if not deleted:
        raise StaleEdit
    _audit(
        codes.dossier(str(model._meta.model_name), "deleted"),
        subject=subject,
        actor=actor,
        data={"entry": entry_id},
    )


def _count(model):
    return Coalesce(
        Subquery(
            _rows(model)
            .filter(user=OuterRef("pk"))
            .order_by()
            .values("user")
            .annotate(n=Count("pk"))
            .values("n")
        ),
        0,
    )


REQUIRED_SECTIONS = ("personal", "address", "baccalaureate")


def summary_key(user_id: int) -> str:
    return f"dossier-summary:{user_id}"


def cached_dossier_summary(user: User) -> dict:
    """``dossier_summary`` from the cache: the sidebar of every candidate page reads it.
    Any change to one of the candidate's dossier rows forgets it (signals, see apps.py;
    the bulk paths of local_studies call ``forget_summaries``). Rules that depend on it
    (may this candidate apply?) read ``dossier_summary`` itself."""
    return cached(summary_key(user.pk), lambda: dossier_summary(user))


def forget_summaries(user_ids) -> None:
    """Now, and again once the transaction commits (a request may have cached the old
    summary in between)."""
    keys = [summary_key(user_id) for user_id in user_ids if user_id]
    if keys:
        forget(*keys)
        transaction.on_commit(lambda: forget(*keys))


def dossier_summary(user: User) -> dict:
    """What is filled in, in one query: booleans for the single sections, counts for lists."""
    row = (
        User.objects.filter(pk=user.pk)
        .annotate(
            has_personal=Exists(PersonalInformation.objects.filter(user=OuterRef("pk"))),
            has_address=Exists(Address.objects.filter(user=OuterRef("pk"))),
            has_baccalaureate=Exists(Baccalaureate.objects.filter(user=OuterRef("pk"))),
            n_local_studies=_count(LocalStudy),
            n_non_local_studies=_count(NonLocalStudy),
            n_internships=_count(Internship),
            n_work_experience=_count(WorkExperience),
        )
        .values(
            "has_personal",
            "has_address",
            "has_baccalaureate",
            "n_local_studies",
            "n_non_local_studies",
            "n_internships",
            "n_work_experience",
        )
        .get()
    )
    summary = {
        "personal": row["has_personal"],
        "address": row["has_address"],
        "baccalaureate": row["has_baccalaureate"],
        "local_studies": row["n_local_studies"],
        "non_local_studies": row["n_non_local_studies"],
        "internships": row["n_internships"],
        "work_experience": row["n_work_experience"],
    }
    summary["missing"] = [name for name in REQUIRED_SECTIONS if not summary[name]]
    summary["complete"] = not summary["missing"]
    return summary
