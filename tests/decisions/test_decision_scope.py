"""``can_decide`` holds for the commission of its assignment only: a member who decides in
commission A reads commission B's applications but enters no decision there, by the page,
the service or a bulk action run by the worker."""

import pytest
from django.urls import reverse

from ecandidat.accounts.enums import StaffRole
from ecandidat.accounts.models import RoleAssignment
from ecandidat.applications.models import Application
from ecandidat.decisions import services as decisions
from ecandidat.decisions.enums import DecisionKind
from ecandidat.decisions.models import Decision, DecisionReason
from ecandidat.jobs import runner
from ecandidat.jobs import services as jobs
from tests.decisions.test_decisions import decision_types, received, type_of  # noqa: F401
from tests.factories import (
    CentreFactory,
    CommissionFactory,
    ProgramFactory,
    UserFactory,
    staff_with_role,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(campaign):
    centre = CentreFactory()
    program_a = ProgramFactory(centre=centre, commission=CommissionFactory(centre=centre))
    program_b = ProgramFactory(centre=centre, commission=CommissionFactory(centre=centre))
    member = staff_with_role(StaffRole.COMMISSION_MEMBER, commission=program_a.commission)
    RoleAssignment.objects.filter(user=member).update(can_decide=True)
    # The same person also sits on commission B, without the right to decide there.
    RoleAssignment.objects.create(
        user=member, role=StaffRole.COMMISSION_MEMBER, commission=program_b.commission
    )
    narrowed = staff_with_role(
        StaffRole.CENTRE_MANAGER, centre=centre, commission=program_a.commission
    )
    (in_a,) = received(program_a, campaign)
    (in_b,) = received(program_b, campaign)
    return {
        "member": member,
        "a": in_a,
        "b": in_b,
        "people": {
            "admin": UserFactory(staff=True, is_superuser=True),
            "central": staff_with_role(StaffRole.CENTRAL_OFFICE),
            "manager": staff_with_role(StaffRole.CENTRE_MANAGER, centre=centre),
            "manager_elsewhere": staff_with_role(StaffRole.CENTRE_MANAGER, centre=CentreFactory()),
            "manager_of_a": narrowed,
            "member": member,
            "member_without_decide": staff_with_role(
                StaffRole.COMMISSION_MEMBER, commission=program_a.commission
            ),
            "candidate_manager": staff_with_role(StaffRole.CANDIDATE_MANAGER),
            "candidate": UserFactory(),
        },
    }


def _enter(client, application):
    return client.post(
        reverse("staff:decision_enter", args=[application.pk]),
        {"decision_type": type_of(DecisionKind.FAVOURABLE).pk},
    )


def test_member_enters_in_the_commission_that_lets_them_only(client, world):
    client.force_login(world["member"])
    assert _enter(client, world["b"]).status_code == 404
    assert not Decision.objects.filter(application=world["b"]).exists()
    assert _enter(client, world["a"]).status_code == 302
    assert Decision.objects.filter(application=world["a"], entered_by=world["member"]).exists()


def test_the_decision_form_is_shown_where_it_may_be_used(client, world):
    client.force_login(world["member"])
    entry_form = 'action="{}"'
    page_b = client.get(reverse("staff:application", args=[world["b"].pk]))
    assert page_b.status_code == 200  # B is still read
    assert entry_form.format(reverse("staff:decision_enter", args=[world["b"].pk])) not in (
        page_b.content.decode()
    )
    page_a = client.get(reverse("staff:application", args=[world["a"].pk])).content.decode()
    assert entry_form.format(reverse("staff:decision_enter", args=[world["a"].pk])) in page_a


def test_the_service_refuses_too(world):
    with pytest.raises(decisions.DecisionError):
        decisions.enter_decision(
            application_id=world["b"].pk,
            decision_type=type_of(DecisionKind.FAVOURABLE),
            user=world["member"],
        )
    decision = decisions.enter_decision(
        application_id=world["a"].pk,
        decision_type=type_of(DecisionKind.FAVOURABLE),
        user=world["member"],
    )
    assert decision.entered_by == world["member"]


def test_bulk_entry_by_the_worker_is_refused_per_application(world):
    unfavourable = type_of(DecisionKind.UNFAVOURABLE)
    job = jobs.start_bulk_job(
        user=world["member"],
        action="enter_decision",
        application_ids=[world["a"].pk, world["b"].pk],
        params={"decision_type": unfavourable.pk, "reason": DecisionReason.objects.first().pk},
    )
    runner.run_bulk(job.pk)
    job.refresh_from_db()
    assert job.succeeded == [world["a"].pk]
    assert [application_id for application_id, _reason in job.refused] == [world["b"].pk]
    assert not Decision.objects.filter(application=world["b"]).exists()


@pytest.mark.parametrize(
    ("persona", "decides_in"),
    [
        ("admin", {"a", "b"}),
        ("central", {"a", "b"}),
        ("manager", {"a", "b"}),
        ("manager_elsewhere", set()),
        ("manager_of_a", {"a"}),
        ("member", {"a"}),
        ("member_without_decide", set()),
        ("candidate_manager", set()),
        ("candidate", set()),
    ],
)
def test_decidable_by_for_every_role(client, world, persona, decides_in):
    user = world["people"][persona]
    decidable = set(Application.objects.decidable_by(user).values_list("pk", flat=True))
    assert decidable == {world[key].pk for key in decides_in}
    client.force_login(user)
    for key in ("a", "b"):
        status = _enter(client, world[key]).status_code
        assert status == (302 if key in decides_in else 404), f"{persona} in {key}"
