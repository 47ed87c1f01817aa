"""Writes on the catalogue: every save audited, campaign activation, bulk program edits."""

from dataclasses import dataclass, field

from django.db import transaction
from django.forms.models import model_to_dict
from django.utils import timezone

from ecandidat.audit import codes
from ecandidat.audit.services import record
from ecandidat.files import storage as stored_files

from .enums import CampaignStatus
from .models import Campaign


def _snapshot(obj) -> dict:
    return {k: str(v) for k, v in model_to_dict(obj).items()}


@transaction.atomic
def save_form(form, *, user):
    """Save a back-office ModelForm and audit which fields changed; a file field's upload
    the storage cannot take is ``files.storage.StorageUnavailable``, nothing saved."""
    obj = form.instance
    created = obj.pk is None
    before = {} if created else _snapshot(type(obj).objects.get(pk=obj.pk))
    # A template or signature image: StorageUnavailable (the page says so) rather than the
    # storage's own error half-way through the save.
    stored_files.store_new_files(obj)
    obj = form.save()
    after = _snapshot(obj)
    changed = sorted(k for k in after if before.get(k) != after[k])
    record(
        codes.catalog_saved(obj._meta.model_name, created=created),
        actor=user,
        target=obj,
        data={"fields": changed},
    )
    return obj


@transaction.atomic
def activate_campaign(campaign: Campaign, *, user=None) -> Campaign:
    """Make ``campaign`` the active one, archiving the campaign it replaces."""
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if campaign.status == CampaignStatus.ACTIVE:
        return campaign
    now = timezone.now()
    for previous in Campaign.objects.select_for_update().filter(status=CampaignStatus.ACTIVE):
        previous.status = CampaignStatus.ARCHIVED
        previous.archived_at = now
        previous.save(update_fields=["status", "archived_at"])
        record(codes.CATALOG_CAMPAIGN_ARCHIVED, actor=user, target=previous)
    campaign.status = CampaignStatus.ACTIVE
    campaign.activated_at = now
    campaign.save(update_fields=["status", "activated_at"])
    record(codes.CATALOG_CAMPAIGN_ACTIVATED, actor=user, target=campaign)
    return campaign


def activate_due_campaigns(today=None) -> Campaign | None:
    """Periodic job: activate the prepared campaign whose start date has come."""
    today = today or timezone.localdate()
    due = (
        Campaign.objects.filter(status=CampaignStatus.PREPARED, starts_on__lte=today)
        .order_by("-starts_on")
        .first()
    )
    if due is None:
        return None
    return activate_campaign(due)


@dataclass
class BulkReport:
    updated: list = field(default_factory=list)
    refused: list = field(default_factory=list)  # (program, reason)


@transaction.atomic
def bulk_update_programs(programs, changes: dict, *, user) -> BulkReport:
    """Apply the same dates / in-service flag to many programs; refuse each one whose
    milestones would end up out of order, saying why, and save the others."""
    report = BulkReport()
    if not changes:
        return report
    for program in programs:
        for name, value in changes.items():
            setattr(program, name, value)
        errors = program.milestone_errors()
        if errors:
            report.refused.append((program, " ".join(str(e) for e in errors.values())))
            continue
        program.version += 1
        program.save(update_fields=[*changes, "version"])
        record(
            codes.CATALOG_PROGRAM_BULK_UPDATED,
            actor=user,
            target=program,
            data={"fields": sorted(changes)},
        )
        report.updated.append(program)
    return report


def programs_tree(programs):
    """Group programs (with centre and training type loaded) into centre → type → programs."""
    tree: dict = {}
    for program in programs:
        tree.setdefault(program.centre, {}).setdefault(program.training_type, []).append(program)
    return [
        (centre, sorted(types.items(), key=lambda item: (item[0].order, item[0].label)))
        for centre, types in sorted(tree.items(), key=lambda item: item[0].label)
    ]
