"""Every staff URL walked with every role, and with a foreign scope (404)."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ecandidat.accounts.enums import StaffRole
from ecandidat.accounts.models import RoleAssignment
from ecandidat.audit.models import AuditEvent
from ecandidat.catalog.models import Campaign, DocumentType, Program, TrainingType
from ecandidat.review.models import Tag
from tests.factories import (
    CentreFactory,
    CommissionFactory,
    ProgramFactory,
    UserFactory,
    staff_with_role,
)

pytestmark = pytest.mark.django_db

PERSONAS = [
    "admin",
    "central",
    "manager_a",
    "manager_b",
    "member_a",
    "candidate_manager",
    "candidate",
    "anonymous",
]


@pytest.fixture
def world():
    centre_a, centre_b = CentreFactory(label="Centre A"), CentreFactory(label="Centre B")
    commission_a = CommissionFactory(centre=centre_a)
    program_a = ProgramFactory(centre=centre_a, commission=commission_a)
    program_b = ProgramFactory(centre=centre_b)
    people = {
        "admin": UserFactory(staff=True, is_superuser=True),
        "central": staff_with_role(StaffRole.CENTRAL_OFFICE),
        "manager_a": staff_with_role(StaffRole.CENTRE_MANAGER, centre=centre_a),
        "manager_b": staff_with_role(StaffRole.CENTRE_MANAGER, centre=centre_b),
        "member_a": staff_with_role(
            StaffRole.COMMISSION_MEMBER, centre=centre_a, commission=commission_a
        ),
        "candidate_manager": staff_with_role(StaffRole.CANDIDATE_MANAGER),
        "candidate": UserFactory(),
        "anonymous": None,
    }
    return {
        "candidate": people["candidate"],
        "people": people,
        "program_a": program_a,
        "program_b": program_b,
        "commission_a": commission_a,
        "centre_a": centre_a,
    }


def get(client, world, persona, url):
    user = world["people"][persona]
    if user is not None:
        client.force_login(user)
    return client.get(url).status_code


# url builder → expected status per persona (anonymous is always sent to the login page).
ALL_STAFF = {"admin", "central", "manager_a", "manager_b", "member_a", "candidate_manager"}
CATALOG_READERS = {"admin", "central", "manager_a", "manager_b", "member_a"}
MATRIX = [
    ("dashboard", lambda w: reverse("staff:dashboard"), ALL_STAFF),
    ("programs", lambda w: reverse("staff:resource_list", args=["programs"]), CATALOG_READERS),
    (
        "commissions",
        lambda w: reverse("staff:resource_list", args=["commissions"]),
        CATALOG_READERS,
    ),
    ("centres", lambda w: reverse("staff:resource_list", args=["centres"]), CATALOG_READERS),
    (
        "campaigns",
        lambda w: reverse("staff:resource_list", args=["campaigns"]),
        {"admin", "central", "manager_a", "manager_b"},
    ),
    (
        "document types",
        lambda w: reverse("staff:resource_list", args=["document-types"]),
        {"admin", "central", "manager_a", "manager_b"},
    ),
    (
        "new program",
        lambda w: reverse("staff:resource_new", args=["programs"]),
        {"admin", "central", "manager_a", "manager_b"},
    ),
    (
        "new campaign",
        lambda w: reverse("staff:resource_new", args=["campaigns"]),
        {"admin", "central"},
    ),
    (
        "program of A",
        lambda w: reverse("staff:resource_edit", args=["programs", w["program_a"].pk]),
        {"admin", "central", "manager_a", "member_a"},
    ),
    (
        "program of B",
        lambda w: reverse("staff:resource_edit", args=["programs", w["program_b"].pk]),
        {"admin", "central", "manager_b"},
    ),
    (
        "commission of A",
        lambda w: reverse("staff:resource_edit", args=["commissions", w["commission_a"].pk]),
        {"admin", "central", "manager_a", "member_a"},
    ),
    (
        "centre A",
        lambda w: reverse("staff:resource_edit", args=["centres", w["centre_a"].pk]),
        {"admin", "central", "manager_a", "member_a"},
    ),
    ("settings", lambda w: reverse("staff:settings"), {"admin", "central"}),
    ("roles", lambda w: reverse("staff:resource_list", args=["roles"]), {"admin", "central"}),
    ("periodic jobs", lambda w: reverse("staff:jobs"), {"admin"}),
    (
        "tags",
        lambda w: reverse("staff:resource_list", args=["tags"]),
        {"admin", "central", "manager_a", "manager_b"},
    ),
    (
        "decision types",
        lambda w: reverse("staff:resource_list", args=["decision-types"]),
        {"admin", "central", "manager_a", "manager_b"},
    ),
    (
        "decision reasons",
        lambda w: reverse("staff:resource_new", args=["decision-reasons"]),
        {"admin", "central"},
    ),
    ("new role", lambda w: reverse("staff:resource_new", args=["roles"]), {"admin", "central"}),
    ("email previews", lambda w: reverse("staff:email_templates"), {"admin", "central"}),
    ("unknown resource", lambda w: reverse("staff:resource_list", args=["nope"]), set()),
    (
        "a candidate's dossier",
        # This candidate applied nowhere: no centre manager nor commission member reaches
        # them (tests/www/test_candidate_visibility.py walks every case).
        lambda w: reverse("staff:candidate_dossier", args=[w["candidate"].dossier_number]),
        {"admin", "central", "candidate_manager"},
    ),
    (
        "email preview",
        lambda w: reverse("staff:email_preview", args=["account_created", "fr"]),
        {"admin", "central"},
    ),
    (
        "bulk edit page",
        lambda w: reverse("staff:programs_bulk") + f"?ids={w['program_a'].pk}",
        {"admin", "central", "manager_a"},
    ),
    ("2FA setup", lambda w: reverse("staff:two_factor_setup"), ALL_STAFF),
    ("applications", lambda w: reverse("staff:applications"), CATALOG_READERS),
    ("statistics", lambda w: reverse("staff:applications_dashboard"), CATALOG_READERS),
    (
        "candidate search",
        lambda w: reverse("staff:candidate_search"),
        {"admin", "central", "manager_a", "manager_b", "candidate_manager"},
    ),
    (
        "create a staff account",
        lambda w: reverse("staff:staff_account_create"),
        {"admin", "central"},
    ),
    (
        "staff accounts missing from the directory",
        lambda w: reverse("staff:staff_accounts_missing"),
        {"admin", "central"},
    ),
    (
        "create a candidate account",
        lambda w: reverse("staff:candidate_create"),
        {"admin", "central"},
    ),
    (
        "edit a dossier on the candidate's behalf",
        lambda w: reverse("staff:candidate_edit", args=[w["candidate"].dossier_number, "personal"]),
        {"admin", "central"},
    ),
    (
        "erase an account",
        lambda w: reverse("staff:candidate_erase", args=[w["candidate"].dossier_number]),
        {"admin", "central"},
    ),
    (
        "apply for a candidate",
        lambda w: reverse("staff:apply_for_candidate", args=[w["candidate"].dossier_number]),
        {"admin", "central", "candidate_manager"},
    ),
]


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize(("name", "url", "allowed"), MATRIX, ids=[m[0] for m in MATRIX])
def test_staff_urls(client, world, persona, name, url, allowed):
    status = get(client, world, persona, url(world))
    if persona == "anonymous":
        assert status == 302
    else:
        assert status == (200 if persona in allowed else 404), f"{persona} on {name}"


@pytest.mark.parametrize("persona", ["manager_b", "member_a", "candidate_manager", "candidate"])
def test_outsiders_cannot_change_a_program(client, world, persona):
    client.force_login(world["people"][persona])
    program = world["program_a"]
    url = reverse("staff:resource_edit", args=["programs", program.pk])
    response = client.post(url, {"code": "HACKED", "label_fr": "x"})
    assert response.status_code == 404
    assert Program.objects.get(pk=program.pk).code != "HACKED"


def test_commission_member_sees_the_program_read_only(client, world):
    client.force_login(world["people"]["member_a"])
    html = client.get(
        reverse("staff:resource_edit", args=["programs", world["program_a"].pk])
    ).content.decode()
    assert "Read only" in html


def test_manager_b_list_does_not_show_centre_a(client, world):
    client.force_login(world["people"]["manager_b"])
    html = client.get(reverse("staff:resource_list", args=["programs"])).content.decode()
    assert world["program_b"].code in html and world["program_a"].code not in html


def test_bulk_edit_ignores_programs_outside_the_scope(client, world):
    client.force_login(world["people"]["manager_b"])
    response = client.post(
        reverse("staff:programs_bulk"),
        {"ids": [world["program_a"].pk], "in_service": "no", "apply": "1"},
    )
    assert response.status_code == 404
    assert Program.objects.get(pk=world["program_a"].pk).in_service


def test_campaign_activation_needs_the_central_office(client, world):
    campaign = Campaign.objects.create(
        code="X",
        label_fr="X",
        starts_on=date(2026, 1, 1),
        candidate_ends_on=date(2026, 6, 1),
        ends_on=date(2026, 12, 1),
    )
    client.force_login(world["people"]["manager_a"])
    assert client.post(reverse("staff:campaign_activate", args=[campaign.pk])).status_code == 404
    client.force_login(world["people"]["central"])
    assert client.post(reverse("staff:campaign_activate", args=[campaign.pk])).status_code == 302


def _count(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx)


@pytest.mark.parametrize(
    "key",
    [
        "roles",
        "programs",
        "commissions",
        "centres",
        "document-types",
        "questions",
        "campaigns",
        "training-types",
    ],
)
def test_list_pages_query_count_is_constant(client, world, key):
    client.force_login(world["people"]["central"])
    url = reverse("staff:resource_list", args=[key])
    _count(client, url)  # the first staff request creates the institution-settings row
    before = _count(client, url)
    for _ in range(15):
        ProgramFactory(centre=world["centre_a"], commission=world["commission_a"])
    CentreFactory.create_batch(5)
    assert _count(client, url) == before


def test_offer_tree_query_count_is_constant(client, world):
    url = reverse("public:programs")
    before = _count(client, url)
    for _ in range(20):
        ProgramFactory(centre=world["centre_a"], commission=world["commission_a"])
    assert _count(client, url) == before


def test_centre_manager_creates_a_program_with_dates_and_documents(client, world):
    manager = world["people"]["manager_a"]
    client.force_login(manager)
    data = {
        "code": "A-LP-NEW",
        "label_fr": "Licence professionnelle Nouvelle",
        "label_en": "New professional bachelor",
        "centre": world["centre_a"].pk,
        "training_type": TrainingType.objects.first().pk,
        "commission": world["commission_a"].pk,
        "in_service": "on",
        "treatment": "controlled",
        "opens_at": "2026-12-01T09:00",
        "closes_at": "2027-02-01T18:00",
        "return_deadline": "2027-01-15T18:00",
    }
    response = client.post(reverse("staff:resource_new", args=["programs"]), data)
    assert response.status_code == 200
    assert "must come after" in response.content.decode()  # return deadline before closing
    data["return_deadline"] = "2027-02-08T18:00"
    response = client.post(reverse("staff:resource_new", args=["programs"]), data)
    assert response.status_code == 302, response.context["form"].errors
    program = Program.objects.get(code="A-LP-NEW")
    assert AuditEvent.objects.filter(
        action="catalog.program.created", target_id=str(program.pk)
    ).exists()
    response = client.post(
        reverse("staff:resource_new", args=["document-types"]),
        {
            "label_fr": "Portfolio",
            "order": 1,
            "in_service": "on",
            "scope": "programs",
            "programs": [program.pk],
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    assert list(DocumentType.objects.for_program(program)) == [
        DocumentType.objects.get(label_fr="Portfolio")
    ]
    # An item for every program is the central office's business.
    response = client.post(
        reverse("staff:resource_new", args=["document-types"]),
        {"label_fr": "Everything", "order": 1, "in_service": "on", "scope": "all"},
    )
    assert (
        response.status_code == 200
        and not DocumentType.objects.filter(label_fr="Everything").exists()
    )
    # The manager of centre B cannot open the new program.
    client.force_login(world["people"]["manager_b"])
    assert (
        client.get(reverse("staff:resource_edit", args=["programs", program.pk])).status_code == 404
    )


def test_program_commission_must_belong_to_its_centre(client, world):
    client.force_login(world["people"]["central"])
    other_commission = CommissionFactory()
    response = client.post(
        reverse("staff:resource_new", args=["programs"]),
        {
            "code": "MIX",
            "label_fr": "Mix",
            "centre": world["centre_a"].pk,
            "training_type": TrainingType.objects.first().pk,
            "commission": other_commission.pk,
            "treatment": "controlled",
        },
    )
    assert "belongs to another centre" in response.content.decode()


def test_central_office_gives_a_role(client, world):
    newcomer = UserFactory(staff=True)
    client.force_login(world["people"]["central"])
    response = client.post(
        reverse("staff:resource_new", args=["roles"]),
        {"user": newcomer.pk, "role": "centre_manager"},
    )
    assert "Choose the centre" in response.content.decode()
    response = client.post(
        reverse("staff:resource_new", args=["roles"]),
        {"user": newcomer.pk, "role": "centre_manager", "centre": world["centre_a"].pk},
    )
    assert response.status_code == 302
    assert RoleAssignment.objects.filter(user=newcomer, centre=world["centre_a"]).exists()
    client.force_login(newcomer)
    assert (
        client.get(
            reverse("staff:resource_edit", args=["programs", world["program_a"].pk])
        ).status_code
        == 200
    )


def test_back_office_lists_paginate_filter_and_sort(client, world):
    for n in range(30):
        ProgramFactory(
            centre=world["centre_a"], commission=world["commission_a"], code=f"A-{n:02d}"
        )
    client.force_login(world["people"]["central"])
    url = reverse("staff:resource_list", args=["programs"])

    def codes(query):
        response = client.get(url + query)
        assert response.status_code == 200
        return [obj.code for obj, _cells in response.context["rows"]], response.context["page"]

    first, page = codes("?sort=code")
    assert len(first) == 25 and page.paginator.count == 32 and page.has_next()
    assert first == sorted(first)
    rest, page = codes("?sort=code&page=2")
    assert len(rest) == 7 and not set(rest) & set(first)
    descending, _page = codes("?sort=-code")
    assert descending[0] == max(first + rest)
    only_a, page = codes(f"?centre={world['centre_a'].pk}")
    assert page.paginator.count == 31 and world["program_b"].code not in only_a
    # Unknown sorts, filters and pages fall back instead of failing.
    for query in ["?sort=password", "?centre=abc", "?page=999", "?page=x"]:
        assert client.get(url + query).status_code == 200


def test_every_back_office_save_is_shown_in_the_history_panel(client, world):
    central = world["people"]["central"]
    client.force_login(central)
    new = client.post(
        reverse("staff:resource_new", args=["tags"]), {"label": "Prioritaire", "colour": "#aa0000"}
    )
    assert new.status_code == 302
    tag = Tag.objects.get(label="Prioritaire")
    edit_url = reverse("staff:resource_edit", args=["tags", tag.pk])
    client.post(edit_url, {"label": "Prioritaire !", "colour": "#aa0000"})
    history = [e.action for e in client.get(edit_url).context["history"]]
    assert history == ["catalog.tag.updated", "catalog.tag.created"]  # newest first
