"""Every staff page within its query budget at 10 and at 10,000 applications, the same count
at both volumes (no query per row, no page that grows with the campaign).

The data is bulk-created (one query per batch, no service): what is measured is the page,
not the set-up. The figures at 100,000 applications, timed, are ``make bench``'s."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from ecandidat.accounts.enums import StaffRole
from ecandidat.accounts.models import User
from ecandidat.applications.enums import DecisionKind, FileStatus
from ecandidat.applications.models import Application
from ecandidat.catalog.enums import CampaignStatus
from ecandidat.catalog.models import Campaign
from ecandidat.decisions.models import Decision
from ecandidat.decisions.services import refresh_decision_kind, validate_decision
from ecandidat.dossier.models import PersonalInformation
from tests.factories import UserFactory, decision_type, staff_with_role

pytestmark = pytest.mark.django_db

# Queries per page, whatever the volume: the user, the second-factor check, the role walk
# and the permissions (4), then the page's own. The application page, which is about one
# application and does not grow with the campaign, reads its documents, answers, decisions,
# notes, tags and timeline (and offers the decision form, its lists from the cache): 12.
BUDGET = 12
BUDGETS = {"application": 12}

STATUSES = [FileStatus.WAITING, FileStatus.RECEIVED, FileStatus.COMPLETE, FileStatus.INCOMPLETE]


def add_applications(program, campaign, n: int, prefix: str) -> None:
    """``n`` candidates with one application each, a quarter of them decided."""
    now = timezone.now()
    users = User.objects.bulk_create(
        [
            UserFactory.build(
                username=f"{prefix}{i:07d}",
                last_name=f"NAME{i % 997}",
                email=f"{prefix.lower()}{i}@example.org",
            )
            for i in range(n)
        ],
        batch_size=2000,
    )
    PersonalInformation.objects.bulk_create(
        [
            PersonalInformation(
                user=user,
                title="M.",
                birth_date=now.date() - timedelta(days=7000),
                nationality_id="FR",
                birth_country_id="FR",
                birth_department_id="76",
                birth_commune_id="76540",
                ine=f"{i:010d}{prefix[0]}",
            )
            for i, user in enumerate(users)
        ],
        batch_size=2000,
    )
    applications = Application.objects.bulk_create(
        [
            Application(
                candidate=user,
                program=program,
                campaign=campaign,
                treatment="controlled",
                file_status=STATUSES[i % 4],
                submitted_at=None if i % 4 == 0 else now - timedelta(minutes=i),
            )
            for i, user in enumerate(users)
        ],
        batch_size=2000,
    )
    kinds = [decision_type(DecisionKind.FAVOURABLE), decision_type(DecisionKind.UNFAVOURABLE)]
    Decision.objects.bulk_create(
        [
            Decision(application=a, decision_type=kinds[i % 2], validated_at=now)
            for i, a in enumerate(applications[2::4])
        ],
        batch_size=2000,
    )
    refresh_decision_kind(Application.objects.filter(campaign=campaign))


def staff_pages(program, application) -> dict[str, str]:
    applications = reverse("staff:applications")
    return {
        "home": reverse("staff:dashboard"),
        "list": applications,
        "list by name": applications + "?sort=candidate__last_name",
        "list search": applications + "?q=name1",
        "list dossier number": applications + f"?q={application.candidate.username}",
        "list decision filter": applications + "?decision=favourable",
        "statistics by program": reverse("staff:applications_dashboard"),
        "statistics by centre": reverse("staff:applications_dashboard") + "?by=centre",
        "application": reverse("staff:application", args=[application.pk]),
        "candidates": reverse("staff:candidate_search") + "?q=name1",
        "outbox": reverse("staff:outbox"),
        "audit log": reverse("staff:audit_log"),
        "programs": reverse("staff:resource_list", args=["programs"]),
    }


def measure(client, pages) -> dict[str, int]:
    counts = {}
    for name, url in pages.items():
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200, (name, response.status_code)
        counts[name] = len(queries)
    return counts


def test_staff_pages_stay_within_their_budget_at_10_and_10000_applications(
    client, program, campaign, settings
):
    # Sessions where production keeps them (Redis, through the cache): no query.
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cache"
    add_applications(program, campaign, 10, "S")
    manager = staff_with_role(StaffRole.CENTRAL_OFFICE)
    client.force_login(manager)
    pages = staff_pages(program, Application.objects.order_by("pk").first())
    measure(client, pages)  # warm the per-process caches (content types, settings)
    small = measure(client, pages)
    add_applications(program, campaign, 9990, "L")
    # Warm again: adding 9,990 rows can outlast the cache timeout on a loaded machine, and
    # the cached lists are the same at any volume.
    measure(client, pages)
    large = measure(client, pages)
    over = {name: n for name, n in large.items() if n > BUDGETS.get(name, BUDGET)}
    assert not over, f"over the budget: {over}"
    assert small == large


def test_the_newest_transmitted_come_first_and_the_untransmitted_last(client, program, campaign):
    add_applications(program, campaign, 8, "N")
    client.force_login(staff_with_role(StaffRole.CENTRAL_OFFICE))
    rows = client.get(reverse("staff:applications")).context["rows"]
    submitted = [a.submitted_at for a, _values, _overdue in rows]
    transmitted = [moment for moment in submitted if moment is not None]
    assert submitted == transmitted + [None] * (len(submitted) - len(transmitted))
    assert transmitted == sorted(transmitted, reverse=True) and len(transmitted) == 6


def test_the_list_shows_the_active_campaign_unless_another_is_asked_for(client, program, campaign):
    add_applications(program, campaign, 3, "A")
    last_year = Campaign.objects.create(
        code="OLD",
        label_fr="Campagne 2025",
        label_en="Campaign 2025",
        starts_on=campaign.starts_on.replace(year=campaign.starts_on.year - 1),
        candidate_ends_on=campaign.candidate_ends_on.replace(
            year=campaign.candidate_ends_on.year - 1
        ),
        ends_on=campaign.ends_on.replace(year=campaign.ends_on.year - 1),
        status=CampaignStatus.ARCHIVED,
    )
    add_applications(program, last_year, 2, "B")
    client.force_login(staff_with_role(StaffRole.CENTRAL_OFFICE))
    url = reverse("staff:applications")

    def shown(query=""):
        return {a.campaign_id for a, _v, _o in client.get(url + query).context["rows"]}, len(
            client.get(url + query).context["rows"]
        )

    assert shown() == ({campaign.pk}, 3)
    assert shown(f"?campaign={last_year.pk}") == ({last_year.pk}, 2)
    assert shown("?campaign=all") == ({campaign.pk, last_year.pk}, 5)

    # The statistics too: last year's applications are counted only when asked for.
    statistics = reverse("staff:applications_dashboard")

    def counted(query=""):
        return client.get(statistics + query).context["totals"]["total"]

    assert counted() == 3
    assert counted(f"?campaign={last_year.pk}") == 2
    assert counted("?campaign=all&by=centre") == 5
    page = client.get(statistics + "?campaign=all").content.decode()
    assert "campaign=all&amp;format=xlsx" in page  # the export follows the choice


@pytest.mark.parametrize(
    "query, expected",
    [
        ("Q0000002", {"Q0000002"}),  # a dossier number, exactly
        ("q0000002", {"Q0000002"}),  # in any case
        ("0000000003Q", {"Q0000003"}),  # an INE
        ("name4", {"Q0000004"}),  # part of a last name
        ("q1@example", {"Q0000001"}),  # part of an email address
        ("nobody", set()),
    ],
)
def test_the_search_finds_dossier_numbers_ines_names_and_emails(
    client, program, campaign, query, expected
):
    add_applications(program, campaign, 6, "Q")
    client.force_login(staff_with_role(StaffRole.CENTRAL_OFFICE))
    rows = client.get(reverse("staff:applications"), {"q": query}).context["rows"]
    assert {a.candidate.username for a, _v, _o in rows} == expected


def test_the_decision_kind_follows_the_latest_validated_decision(program, campaign):
    add_applications(program, campaign, 1, "D")
    application = Application.objects.get(candidate__username="D0000000")
    manager = staff_with_role(StaffRole.CENTRAL_OFFICE)
    assert application.decision_kind == ""
    before = ""
    for kind in (DecisionKind.COMPLEMENTARY_LIST, DecisionKind.UNFAVOURABLE):
        decision = Decision.objects.create(
            application=application, decision_type=decision_type(kind), rank=1
        )
        application.refresh_from_db()
        assert application.decision_kind == before  # entered, not validated: unchanged
        validate_decision(decision_id=decision.pk, user=manager)
        application.refresh_from_db()
        assert application.decision_kind == kind
        before = kind
    # A column out of line (a bulk import) is brought back from the decisions themselves.
    Application.objects.filter(pk=application.pk).update(decision_kind=DecisionKind.FAVOURABLE)
    assert refresh_decision_kind(Application.objects.filter(pk=application.pk)) == 1
    application.refresh_from_db()
    assert application.decision_kind == DecisionKind.UNFAVOURABLE
