"""Pégase periods: the central office's list, chosen per campaign and checked on its form;
the migration that turned the campaigns' free-text codes into periods."""

from datetime import date, timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.db.models import ProtectedError
from django.urls import reverse

from ecandidat.accounts.enums import StaffRole
from ecandidat.audit.models import AuditEvent
from ecandidat.catalog.models import Campaign, PegasePeriod
from tests.factories import CentreFactory, staff_with_role

pytestmark = pytest.mark.django_db

START = date(2026, 1, 15)


def campaign_data(**changes) -> dict:
    data = {
        "code": "C2026",
        "label_fr": "Campagne 2026",
        "label_en": "",
        "starts_on": "2026-01-15",
        "candidate_ends_on": "2026-06-30",
        "ends_on": "2026-09-30",
        "pegase_period": "",
    }
    data.update(changes)
    return data


def period(code="PER-2026", starts_on=date(2026, 9, 1), ends_on=date(2027, 8, 31)):
    return PegasePeriod.objects.create(
        code=code, label=f"Année {code}", starts_on=starts_on, ends_on=ends_on
    )


def test_the_central_office_keeps_the_list(client):
    central = staff_with_role(StaffRole.CENTRAL_OFFICE)
    client.force_login(central)
    listing = client.get(reverse("staff:resource_list", args=["pegase-periods"]))
    assert listing.status_code == 200
    response = client.post(
        reverse("staff:resource_new", args=["pegase-periods"]),
        {
            "code": "PER-2026",
            "label": "2026-2027",
            "starts_on": "2026-09-01",
            "ends_on": "2027-08-31",
        },
    )
    assert response.status_code == 302
    created = PegasePeriod.objects.get(code="PER-2026")
    assert AuditEvent.objects.filter(action="catalog.pegaseperiod.created", actor=central).exists()
    assert (
        "PER-2026"
        in client.get(reverse("staff:resource_list", args=["pegase-periods"])).content.decode()
    )
    assert (
        reverse("staff:resource_list", args=["pegase-periods"])
        in client.get(reverse("staff:dashboard")).content.decode()
    )
    edit = reverse("staff:resource_edit", args=["pegase-periods", created.pk])
    assert client.get(edit).status_code == 200


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"code": "PER 2026"}, "code"),
        ({"code": "PER;2026"}, "code"),
        ({"code": 'PER"2026'}, "code"),
        ({"code": "x" * 21}, "code"),
        ({"starts_on": "2027-09-01"}, None),  # after its end
    ],
)
def test_a_period_is_checked(client, data, field):
    client.force_login(staff_with_role(StaffRole.CENTRAL_OFFICE))
    form = {
        "code": "PER-2026",
        "label": "2026-2027",
        "starts_on": "2026-09-01",
        "ends_on": "2027-08-31",
    }
    response = client.post(reverse("staff:resource_new", args=["pegase-periods"]), {**form, **data})
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert (field or "__all__") in errors
    assert not PegasePeriod.objects.exists()


def test_the_database_refuses_a_period_that_ends_before_it_starts():
    with pytest.raises(IntegrityError), transaction.atomic():
        period(starts_on=date(2027, 1, 1), ends_on=date(2026, 1, 1))


def test_centre_managers_read_the_list_and_do_not_edit_it(client):
    existing = period()
    client.force_login(staff_with_role(StaffRole.CENTRE_MANAGER, centre=CentreFactory()))
    assert client.get(reverse("staff:resource_list", args=["pegase-periods"])).status_code == 200
    assert client.get(reverse("staff:resource_new", args=["pegase-periods"])).status_code == 404
    edit = reverse("staff:resource_edit", args=["pegase-periods", existing.pk])
    assert (
        client.post(
            edit, {"code": "X", "label": "x", "starts_on": "2026-01-01", "ends_on": "2026-02-01"}
        ).status_code
        == 404
    )
    client.force_login(staff_with_role(StaffRole.CANDIDATE_MANAGER))
    assert client.get(reverse("staff:resource_list", args=["pegase-periods"])).status_code == 404


def test_the_campaign_form_chooses_a_period_still_running_when_the_campaign_ends(client):
    client.force_login(staff_with_role(StaffRole.CENTRAL_OFFICE))
    good, past = period(), period("PER-2025", date(2025, 9, 1), date(2026, 8, 31))
    url = reverse("staff:resource_new", args=["campaigns"])
    response = client.post(url, campaign_data(pegase_period=past.pk))
    assert response.status_code == 200
    assert "before the campaign does" in str(response.context["form"].errors["pegase_period"])
    response = client.post(url, campaign_data(pegase_period=good.pk))
    assert response.status_code == 302
    assert Campaign.objects.get(code="C2026").pegase_period == good
    listing = client.get(reverse("staff:resource_list", args=["campaigns"])).content.decode()
    assert "PER-2026" in listing
    # A period used by a campaign stays.
    with pytest.raises(ProtectedError), transaction.atomic():
        good.delete()


@pytest.mark.django_db(transaction=True)
def test_the_migration_makes_a_period_of_each_campaigns_code():
    executor = MigrationExecutor(connection)
    before, after = [("catalog", "0008_security")], [("catalog", "0009_pegase_periods")]
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    for code, start in (("2025", date(2025, 1, 10)), ("ECAND-26", date(2026, 1, 10))):
        old.get_model("catalog", "Campaign").objects.create(
            code=code,
            label_fr=f"Campagne {code}",
            starts_on=start,
            candidate_ends_on=start + timedelta(days=150),
            ends_on=start + timedelta(days=250),
        )
    executor = MigrationExecutor(connection)
    executor.migrate(after)
    new = executor.loader.project_state(after).apps
    campaigns = new.get_model("catalog", "Campaign").objects.order_by("starts_on")
    assert [(c.code, c.pegase_period.code, c.pegase_period.label) for c in campaigns] == [
        ("2025", "2025", "Campagne 2025"),
        ("ECAND-26", "ECAND-26", "Campagne ECAND-26"),
    ]
    assert all(c.pegase_period.ends_on == c.ends_on for c in campaigns)
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
