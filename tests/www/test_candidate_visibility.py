"""Which staff member reaches which candidate: every URL that takes a dossier number, and the
candidate search, walked by every role for a candidate who applied in centre A, one who
applied only in centre B and one who applied nowhere."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from ecandidat.accounts.enums import StaffRole
from ecandidat.accounts.models import RoleAssignment, User
from ecandidat.applications.access import candidates_visible_to_staff
from ecandidat.applications.enums import FileStatus
from ecandidat.applications.models import Application
from tests.factories import CentreFactory, ProgramFactory, UserFactory, staff_with_role

pytestmark = pytest.mark.django_db

PERSONAS = [
    "admin",
    "central",
    "manager_a",  # centre manager of the centre the candidate applied to
    "manager_b",  # centre manager of another centre
    "member_a",  # commission member of the program applied to
    "member_b",  # commission member of another commission
    "reader",  # candidate manager, read only
    "editor",  # candidate manager who may edit
    "candidate",
]
SUBJECTS = ["applicant_a", "applicant_b", "nobody"]

# Who reaches every candidate, whatever they applied to.
READ_ALL = {"admin", "central", "reader", "editor"}
EDIT_ALL = {"admin", "central", "editor"}
APPLY_ALL = {"admin", "central", "reader", "editor"}
# Who reaches the candidate through an application in their scope, and only so.
THROUGH_APPLICATION = {
    "applicant_a": {"manager_a", "member_a"},
    "applicant_b": {"manager_b", "member_b"},
    "nobody": set(),
}
SEARCHERS = READ_ALL | {"manager_a", "manager_b"}  # who holds the search permission


@pytest.fixture
def world(campaign):
    program_a = ProgramFactory(centre=CentreFactory(label="Centre A"))
    program_b = ProgramFactory(centre=CentreFactory(label="Centre B"))
    editor = staff_with_role(StaffRole.CANDIDATE_MANAGER)
    RoleAssignment.objects.filter(user=editor).update(can_edit=True)
    people = {
        "admin": UserFactory(staff=True, is_superuser=True),
        "central": staff_with_role(StaffRole.CENTRAL_OFFICE),
        "manager_a": staff_with_role(StaffRole.CENTRE_MANAGER, centre=program_a.centre),
        "manager_b": staff_with_role(StaffRole.CENTRE_MANAGER, centre=program_b.centre),
        "member_a": staff_with_role(StaffRole.COMMISSION_MEMBER, commission=program_a.commission),
        "member_b": staff_with_role(StaffRole.COMMISSION_MEMBER, commission=program_b.commission),
        "reader": staff_with_role(StaffRole.CANDIDATE_MANAGER),
        "editor": editor,
        "candidate": UserFactory(),
    }
    subjects = {name: UserFactory(last_name=f"ZORRO{name.upper()}") for name in SUBJECTS}
    for name, program in [("applicant_a", program_a), ("applicant_b", program_b)]:
        Application.objects.create(
            candidate=subjects[name],
            program=program,
            campaign=campaign,
            treatment="controlled",
            file_status=FileStatus.RECEIVED,
            submitted_at=timezone.now(),
        )
    return {"people": people, "subjects": subjects}


URLS = {
    "dossier": lambda number: reverse("staff:candidate_dossier", args=[number]),
    "edit": lambda number: reverse("staff:candidate_edit", args=[number, "personal"]),
    "erase": lambda number: reverse("staff:candidate_erase", args=[number]),
    "apply": lambda number: reverse("staff:apply_for_candidate", args=[number]),
}


def expected_status(page: str, persona: str, subject: str) -> int:
    allowed = {
        "dossier": READ_ALL | THROUGH_APPLICATION[subject],
        "edit": EDIT_ALL,
        "erase": EDIT_ALL,
        "apply": APPLY_ALL,
    }[page]
    return 200 if persona in allowed else 404


@pytest.mark.parametrize("subject", SUBJECTS)
@pytest.mark.parametrize("page", list(URLS))
@pytest.mark.parametrize("persona", PERSONAS)
def test_pages_by_dossier_number(client, world, persona, page, subject):
    client.force_login(world["people"][persona])
    number = world["subjects"][subject].dossier_number
    status = client.get(URLS[page](number)).status_code
    assert status == expected_status(page, persona, subject), f"{persona} on {page} of {subject}"


@pytest.mark.parametrize("subject", SUBJECTS)
@pytest.mark.parametrize("persona", PERSONAS)
def test_search(client, world, persona, subject):
    client.force_login(world["people"][persona])
    candidate = world["subjects"][subject]
    response = client.get(reverse("staff:candidate_search"), {"q": candidate.last_name})
    if persona not in SEARCHERS:
        assert response.status_code == 404
        return
    assert response.status_code == 200
    found = list(response.context["page"])
    visible = persona in READ_ALL or persona in THROUGH_APPLICATION[subject]
    assert found == ([candidate] if visible else []), f"{persona} searching {subject}"


@pytest.mark.parametrize("page", list(URLS))
def test_anonymous_is_sent_to_the_login(client, world, page):
    number = world["subjects"]["applicant_a"].dossier_number
    assert client.get(URLS[page](number)).status_code == 302


@pytest.fixture
def manager_with_extra_rights(world):
    """A centre manager of A given the edit and apply permissions by hand: the permission
    says what kind of action, never which candidates."""
    manager = world["people"]["manager_a"]
    for codename in ("change_candidate_dossier", "add_application"):
        manager.user_permissions.add(Permission.objects.get(codename=codename))
    return manager


@pytest.mark.parametrize("page", list(URLS))
@pytest.mark.parametrize(
    ("subject", "status"), [("applicant_a", 200), ("applicant_b", 404), ("nobody", 404)]
)
def test_extra_permissions_do_not_widen_the_scope(
    client, world, manager_with_extra_rights, page, subject, status
):
    client.force_login(manager_with_extra_rights)
    number = world["subjects"][subject].dossier_number
    assert client.get(URLS[page](number)).status_code == status


def test_an_out_of_scope_account_cannot_be_erased_nor_applied_for(
    client, world, manager_with_extra_rights, program
):
    client.force_login(manager_with_extra_rights)
    nobody = world["subjects"]["nobody"]
    number = nobody.dossier_number
    assert client.post(URLS["erase"](number), {"confirm": number}).status_code == 404
    assert User.objects.filter(pk=nobody.pk).exists()
    assert client.post(URLS["apply"](number), {"program": program.pk}).status_code == 404
    assert not Application.objects.filter(candidate=nobody).exists()


def test_one_queryset_decides(world):
    subjects = world["subjects"]
    for persona in PERSONAS:
        visible = set(candidates_visible_to_staff(world["people"][persona]))
        expected = {
            subjects[name]
            for name in SUBJECTS
            if persona in READ_ALL or persona in THROUGH_APPLICATION[name]
        }
        assert visible & set(subjects.values()) == expected, persona
    # A staff account without any role reaches nobody, whatever it was given by hand.
    bare = UserFactory(staff=True)
    bare.user_permissions.add(Permission.objects.get(codename="view_candidate_dossier"))
    assert not candidates_visible_to_staff(bare).exists()
