"""Three personas on every dossier URL: the owner, a candidate manager, another candidate."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ecandidat.accounts.enums import StaffRole
from ecandidat.dossier.models import Internship, NonLocalStudy, WorkExperience
from tests.factories import UserFactory, staff_with_role

pytestmark = pytest.mark.django_db

SINGLE_PAGES = [
    "candidate:dossier_personal",
    "candidate:dossier_address",
    "candidate:dossier_baccalaureate",
    "candidate:dossier_local_studies",
    "candidate:dossier_non_local_studies",
    "candidate:dossier_internships",
    "candidate:dossier_work_experience",
    "candidate:dossier_non_local_studies_new",
    "candidate:dossier_internships_new",
    "candidate:dossier_work_experience_new",
]


def make_entries(user, n=1):
    for i in range(n):
        Internship.objects.create(
            user=user, year=2019, duration="1 month", employer=f"E{i}", description="d"
        )
        WorkExperience.objects.create(
            user=user, year=2020, title="t", duration="1 year", employer=f"E{i}"
        )
        NonLocalStudy.objects.create(
            user=user,
            country_id="FR",
            department_id="76",
            commune_id="76540",
            establishment="Université",
            year=2018,
            training="licence",
            description="Licence 1",
            result="obtained",
        )


def entry_urls(user):
    urls = []
    for model, key in [
        (Internship, "internships"),
        (WorkExperience, "work_experience"),
        (NonLocalStudy, "non_local_studies"),
    ]:
        pk = model.objects.filter(user=user).values_list("pk", flat=True).first()
        urls += [
            reverse(f"candidate:dossier_{key}_edit", args=[pk]),
            reverse(f"candidate:dossier_{key}_delete", args=[pk]),
        ]
    return urls


@pytest.fixture
def owner(referentials):
    user = UserFactory()
    make_entries(user)
    return user


@pytest.fixture
def candidate_manager():
    # The role, not a permission given by hand: which candidates a staff member reaches
    # comes from their roles (ecandidat/applications/access.py).
    return staff_with_role(StaffRole.CANDIDATE_MANAGER)


@pytest.mark.parametrize("url_name", SINGLE_PAGES)
def test_owner_sees_every_page_and_anonymous_is_sent_to_login(client, owner, url_name):
    url = reverse(url_name)
    assert client.get(url).status_code == 302
    client.force_login(owner)
    assert client.get(url).status_code == 200


def test_another_candidate_gets_404_on_entries(client, owner):
    client.force_login(UserFactory())
    for url in entry_urls(owner):
        assert client.get(url).status_code == 404, url
        assert client.post(url, {"version": 1}).status_code == 404, url
    assert Internship.objects.filter(user=owner).exists()


def test_owner_opens_own_entries(client, owner):
    client.force_login(owner)
    for url in entry_urls(owner):
        assert client.get(url).status_code == 200, url


def test_staff_are_not_candidates(client, owner, candidate_manager):
    client.force_login(candidate_manager)
    for url_name in SINGLE_PAGES:
        assert client.get(reverse(url_name)).status_code == 404


def test_candidate_manager_reads_the_dossier(client, owner, candidate_manager):
    url = reverse("staff:candidate_dossier", args=[owner.dossier_number])
    client.force_login(candidate_manager)
    response = client.get(url)
    assert response.status_code == 200
    assert owner.last_name in response.content.decode()
    assert "<form" not in response.content.decode().split("<main")[1].split("</main>")[0]


@pytest.mark.parametrize("who", ["candidate", "staff_without_role"])
def test_others_get_404_on_the_staff_dossier(client, owner, who):
    user = UserFactory() if who == "candidate" else UserFactory(staff=True)
    client.force_login(user)
    assert (
        client.get(reverse("staff:candidate_dossier", args=[owner.dossier_number])).status_code
        == 404
    )


def test_unknown_dossier_number_is_404(client, candidate_manager):
    client.force_login(candidate_manager)
    assert client.get(reverse("staff:candidate_dossier", args=["NOPE0000"])).status_code == 404


def _count(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx)


@pytest.mark.parametrize(
    "url_name",
    [
        "candidate:dossier_non_local_studies",
        "candidate:dossier_internships",
        "candidate:dossier_work_experience",
        "candidate:dossier_local_studies",
        "candidate:dossier_personal",
        "candidate:dossier_address",
        "candidate:dossier_baccalaureate",
        "candidate:home",
    ],
)
def test_query_count_does_not_grow_with_entries(client, owner, url_name):
    client.force_login(owner)
    url = reverse(url_name)
    # Each measure on a warm cache (the sidebar summary and the reference lists are cached,
    # and the new entries forget the summary): the page's own queries are compared.
    cold = _count(client, url)
    one = _count(client, url)
    make_entries(owner, 20)
    _count(client, url)
    assert _count(client, url) == one
    assert one <= cold <= 8


def test_staff_dossier_query_count_is_constant(client, owner, candidate_manager):
    client.force_login(candidate_manager)
    url = reverse("staff:candidate_dossier", args=[owner.dossier_number])
    _count(client, url)  # the first staff request creates the institution-settings row
    one = _count(client, url)
    make_entries(owner, 20)
    assert _count(client, url) == one
