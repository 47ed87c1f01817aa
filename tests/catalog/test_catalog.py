import io
from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.utils import timezone

from ecandidat.audit.models import AuditEvent
from ecandidat.catalog import services
from ecandidat.catalog.enums import CampaignStatus, Scope
from ecandidat.catalog.models import Campaign, DocumentType, Program
from tests.factories import ProgramFactory

pytestmark = pytest.mark.django_db

NOW = timezone.now()


def campaign(code, start, status=CampaignStatus.PREPARED):
    return Campaign.objects.create(
        code=code,
        label_fr=code,
        starts_on=start,
        candidate_ends_on=start + timedelta(days=200),
        ends_on=start + timedelta(days=300),
        status=status,
    )


@pytest.mark.parametrize(
    ("changes", "field", "names"),
    [
        (
            {"closes_at": NOW - timedelta(days=2)},
            "closes_at",
            ("applications close", "applications open"),
        ),
        (
            {"closes_at": NOW - timedelta(days=1)},
            "closes_at",
            ("applications close", "applications open"),
        ),
        (
            {"return_deadline": NOW + timedelta(days=5)},
            "return_deadline",
            ("return deadline", "applications close"),
        ),
        (
            {
                "jury_on": (NOW + timedelta(days=5)).date(),
                "return_deadline": NOW + timedelta(days=40),
            },
            "jury_on",
            ("jury", "return deadline"),
        ),
        (
            {"results_at": NOW + timedelta(days=3)},
            "results_at",
            ("publication of results", "applications close"),
        ),
        (
            {"confirmation_deadline": date(2000, 1, 1)},
            "confirmation_deadline",
            ("confirmation deadline", "applications close"),
        ),
    ],
)
def test_milestones_out_of_order_name_both_dates(changes, field, names):
    program = ProgramFactory.build(
        opens_at=NOW - timedelta(days=1), closes_at=NOW + timedelta(days=30)
    )
    for name, value in changes.items():
        setattr(program, name, value)
    errors = program.milestone_errors()
    assert field in errors
    assert all(name in errors[field] for name in names)


def test_milestones_in_order_pass():
    program = ProgramFactory.build(
        opens_at=NOW,
        closes_at=NOW + timedelta(days=30),
        pre_analysis_on=(NOW + timedelta(days=31)).date(),
        return_deadline=NOW + timedelta(days=35),
        jury_on=(NOW + timedelta(days=40)).date(),
        results_at=NOW + timedelta(days=45),
        confirmation_deadline=(NOW + timedelta(days=50)).date(),
    )
    assert program.milestone_errors() == {}


def test_confirmation_deadline_or_days_not_both():
    program = ProgramFactory.build(
        confirmation_deadline=(NOW + timedelta(days=60)).date(), confirmation_days=8
    )
    assert "confirmation_days" in program.milestone_errors()


def test_activating_a_campaign_archives_the_active_one():
    old = campaign("2025", date(2025, 9, 1), CampaignStatus.ACTIVE)
    new = campaign("2026", date(2026, 9, 1))
    services.activate_campaign(new)
    old.refresh_from_db()
    new.refresh_from_db()
    assert (old.status, new.status) == (CampaignStatus.ARCHIVED, CampaignStatus.ACTIVE)
    assert old.archived_at and new.activated_at
    assert set(AuditEvent.objects.values_list("action", flat=True)) >= {
        "catalog.campaign.archived",
        "catalog.campaign.activated",
    }


def test_only_one_campaign_can_be_active():
    campaign("2025", date(2025, 9, 1), CampaignStatus.ACTIVE)
    with pytest.raises(IntegrityError), transaction.atomic():
        campaign("2026", date(2026, 9, 1), CampaignStatus.ACTIVE)


def test_the_periodic_job_activates_the_campaign_whose_date_has_come():
    campaign("2025", date(2025, 9, 1), CampaignStatus.ACTIVE)
    future = campaign("2027", timezone.localdate() + timedelta(days=30))
    due = campaign("2026", timezone.localdate() - timedelta(days=1))
    out = io.StringIO()
    call_command("activate_campaigns", stdout=out)
    assert "Activated 2026" in out.getvalue()
    due.refresh_from_db()
    future.refresh_from_db()
    assert due.status == CampaignStatus.ACTIVE and future.status == CampaignStatus.PREPARED
    call_command("activate_campaigns", stdout=out)  # idempotent
    assert Campaign.objects.active().get() == due


def test_bulk_edit_reports_partial_failures():
    late = ProgramFactory(closes_at=NOW + timedelta(days=90))
    early = ProgramFactory(closes_at=NOW + timedelta(days=10))
    report = services.bulk_update_programs(
        [late, early],
        {"return_deadline": NOW + timedelta(days=20), "in_service": False},
        user=None,
    )
    assert [p.pk for p in report.updated] == [early.pk]
    assert report.refused[0][0].pk == late.pk
    assert "return deadline" in report.refused[0][1]
    assert Program.objects.get(pk=early.pk).in_service is False
    assert Program.objects.get(pk=late.pk).in_service is True


def test_document_types_in_scope_of_a_program():
    program = ProgramFactory()
    other = ProgramFactory()
    everywhere = DocumentType.objects.create(label_fr="CV", scope=Scope.ALL)
    centre_only = DocumentType.objects.create(
        label_fr="Stage", scope=Scope.CENTRE, centre=program.centre
    )
    chosen = DocumentType.objects.create(label_fr="Portfolio", scope=Scope.PROGRAMS)
    chosen.programs.add(other)
    DocumentType.objects.create(label_fr="Off", scope=Scope.ALL, in_service=False)
    DocumentType.objects.create(label_fr="Direct only", scope=Scope.ALL, treatment="direct")
    assert set(DocumentType.objects.for_program(program)) == {everywhere, centre_only}
    assert set(DocumentType.objects.for_program(other)) == {everywhere, chosen}


def test_program_search_by_keyword_and_label():
    ProgramFactory(label_fr="Licence professionnelle Réseaux", keywords="cybersécurité alternance")
    ProgramFactory(label_fr="Master Chimie", keywords="chimie")
    assert Program.objects.search("cybersécurité").count() == 1
    assert Program.objects.search("licence réseaux").count() == 1
    assert Program.objects.search("").count() == 2
