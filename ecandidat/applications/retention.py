"""Retention: applications of campaigns archived long ago are deleted, files included.
Accounts and dossiers stay (candidates keep them from one year to the next)."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from ecandidat.audit import codes
from ecandidat.audit.services import record
from ecandidat.catalog.enums import CampaignStatus
from ecandidat.catalog.models import Campaign, InstitutionSettings

from .models import Application, ApplicationDocument, CandidateFile


def purge_archived(now=None) -> int:
    now = now or timezone.now()
    days = InstitutionSettings.load().retention_days
    count = 0
    for campaign in Campaign.objects.filter(
        status=CampaignStatus.ARCHIVED, archived_at__lt=now - timedelta(days=days)
    ):
        with transaction.atomic():
            applications = Application.objects.filter(campaign=campaign)
            file_ids = set(
                ApplicationDocument.objects.filter(
                    application__campaign=campaign, file__isnull=False
                ).values_list("file", flat=True)
            )
            deleted = applications.count()
            applications.delete()
            for candidate_file in CandidateFile.objects.filter(pk__in=file_ids, uses__isnull=True):
                candidate_file.delete_with_content()
            record(
                codes.CAMPAIGN_PURGED, target=campaign, data={"applications": deleted, "days": days}
            )
            count += deleted
    return count
