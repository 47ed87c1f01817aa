"""Creating a staff account from the directory, and reviewing accounts that left it, with
the Django test client against the real slapd."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ecandidat.accounts.enums import StaffRole, UserKind
from ecandidat.accounts.models import RoleAssignment, User
from ecandidat.audit.models import AuditEvent
from tests.factories import CentreFactory, UserFactory, staff_with_role
from tests.sso.people import STAFF_MANAGER, STAFF_TEACHER, STAFF_UNKNOWN, STUDENT

pytestmark = pytest.mark.django_db

URL = reverse("staff:staff_account_create")
REVIEW = reverse("staff:staff_accounts_missing")


@pytest.fixture
def central(client):
    user = staff_with_role(StaffRole.CENTRAL_OFFICE)
    client.force_login(user)
    return user


def test_search_choose_create(client, directory, central, run_on_commit):
    page = client.get(URL)
    assert page.status_code == 200 and page.context["mode"] == "search"
    assert 'href="?manual=1"' in page.content.decode()

    page = client.get(URL, {"q": "Durand"})
    [(person, refusal)] = page.context["rows"]
    assert person.login == "mdurand" and refusal == ""
    html = page.content.decode()
    assert 'name="person" value="mdurand"' in html and "marie.durand@univ-test.fr" in html

    page = client.get(URL, {"person": "mdurand"})
    assert page.context["mode"] == "person"
    html = page.content.decode()
    assert 'value="mdurand"' in html  # the login proposed from the directory
    # The identity is shown, not editable.
    assert 'name="last_name"' not in html and 'name="email"' not in html
    assert "Durand" in html and "marie.durand@univ-test.fr" in html

    with run_on_commit():
        response = client.post(
            URL,
            {
                "person": "mdurand",
                "username": "m.durand",
                "language": "fr",
                # Tampered identity fields: ignored, the directory is re-read.
                "last_name": "Forged",
                "first_name": "Eve",
                "email": "eve@evil.example",
                "university_id": "jmartin",
            },
        )
    assert response.status_code == 302
    user = User.objects.get(username="m.durand")
    assert (user.last_name, user.first_name, user.email, user.university_id) == (
        "Durand",
        "Marie",
        STAFF_MANAGER.mail,
        "mdurand",
    )
    assert user.kind == UserKind.STAFF and not user.has_usable_password()
    event = AuditEvent.objects.get(action="account.staff_invited")
    assert event.actor == central and event.data == {"university_id": "mdurand"}

    # Now linked: shown as such, no longer choosable, and a second creation is refused.
    page = client.get(URL, {"q": "durand"})
    [(person, refusal)] = page.context["rows"]
    assert "m.durand" in refusal and 'name="person"' not in page.content.decode()
    response = client.post(URL, {"person": "MDURAND", "username": "other", "language": "en"})
    assert response.status_code == 200 and response.context["refusal"]
    assert not User.objects.filter(username="other").exists()


def test_the_identifier_attribute_decides_the_university_id(client, directory, central, settings):
    settings.LDAP_ID_ATTRIBUTE = "eduPersonPrincipalName"
    response = client.post(
        URL, {"person": STAFF_TEACHER.eppn, "username": "jmartin", "language": "en"}
    )
    assert response.status_code == 302
    assert User.objects.get(username="jmartin").university_id == STAFF_TEACHER.eppn


def test_bad_input_on_the_directory_path(client, directory, central):
    UserFactory(username="pnouveau", staff=True)  # a local account already has that login
    response = client.post(URL, {"person": "pnouveau", "username": "pnouveau", "language": "xx"})
    assert response.status_code == 200
    form = response.context["form"]
    assert "username" in form.errors and "language" in form.errors
    assert 'value="pnouveau"' in response.content.decode()  # typed values kept

    for identifier in ["nobody", "*", "mdurand)(uid=*", "", "x" * 500]:
        response = client.post(URL, {"person": identifier, "username": "abc", "language": "en"})
        assert response.status_code in (200, 302)
    assert not User.objects.filter(username="abc").exists()
    # A NUL byte is turned away by the middleware, before any view.
    assert client.get(URL, {"q": "dur\x00and"}).status_code == 400

    response = client.post(URL, {"person": "pnouveau", "username": "p.nouveau", "language": "en"})
    assert response.status_code == 302
    assert User.objects.get(username="p.nouveau").university_id == STAFF_UNKNOWN.uid


@pytest.mark.parametrize("query", ["*", "*)(uid=*", "x", "  "])
def test_searches_that_find_nobody(client, directory, central, query):
    page = client.get(URL, {"q": query})
    assert page.status_code == 200
    assert not page.context["rows"]


def test_directory_down_at_creation(client, directory_down, central):
    for params in [{"q": "durand"}, {"person": "mdurand"}]:
        page = client.get(URL, params)
        assert page.status_code == 200
        assert "directory cannot be reached" in page.content.decode()
        assert 'href="?manual=1"' in page.content.decode()  # the manual path is offered
    response = client.post(URL, {"person": "mdurand", "username": "m.durand", "language": "en"})
    assert response.status_code == 200
    assert "directory cannot be reached" in response.content.decode()
    assert not User.objects.filter(username="m.durand").exists()
    assert not AuditEvent.objects.filter(action="account.staff_invited").exists()
    events = AuditEvent.objects.filter(action="directory.unavailable")
    assert sorted(e.data["operation"] for e in events) == ["find", "find", "search"]
    assert {e.actor for e in events} == {central}

    # The manual path still works.
    page = client.get(URL, {"manual": "1"})
    assert page.context["mode"] == "manual"
    response = client.post(
        f"{URL}?manual=1",
        {
            "username": "x.jury",
            "last_name": "Jury",
            "first_name": "Xavier",
            "email": "x.jury@other.example.org",
            "language": "en",
        },
    )
    assert response.status_code == 302
    assert User.objects.get(username="x.jury").university_id == ""


def test_directory_off_the_page_is_the_manual_form(client, central, settings):
    settings.LDAP_URL = ""
    page = client.get(URL, {"q": "durand", "person": "mdurand"})
    assert page.context["mode"] == "manual" and "?manual=1" not in page.content.decode()
    assert (
        "Accounts missing"
        not in client.get(reverse("staff:resource_list", args=["roles"])).content.decode()
    )
    assert "No university directory" in client.get(REVIEW).content.decode()


def linked_staff(person):
    return staff_with_role(
        StaffRole.CENTRE_MANAGER,
        centre=CentreFactory(),
        username=person.uid,
        university_id=person.uid,
    )


def test_review_lists_accounts_whose_entry_left(client, directory, central, removed_person):
    left = linked_staff(STAFF_TEACHER)
    stays = linked_staff(STAFF_MANAGER)
    UserFactory(username="external", staff=True)  # not linked: never listed
    page = client.get(REVIEW)
    assert page.status_code == 200 and list(page.context["accounts"]) == []
    assert (
        reverse("staff:staff_accounts_missing")
        in client.get(reverse("staff:resource_list", args=["roles"])).content.decode()
    )

    removed_person(STAFF_TEACHER)
    page = client.get(REVIEW)
    assert [a.username for a in page.context["accounts"]] == [left.username]
    html = page.content.decode()
    assert f"?q={left.username}" in html and "never" in html
    assert stays.username not in html

    left.is_active = False
    left.save(update_fields=["is_active"])
    assert list(client.get(REVIEW).context["accounts"]) == []


def test_review_query_count_does_not_grow(client, directory, central, removed_person):
    def count():
        with CaptureQueriesContext(connection) as queries:
            page = client.get(REVIEW)
        assert page.status_code == 200
        return len(queries), len(page.context["accounts"])

    linked_staff(STAFF_TEACHER)
    removed_person(STAFF_TEACHER)
    removed_person(STUDENT)
    count()
    small, listed = count()
    assert listed == 1
    for number in range(15):
        account = staff_with_role(
            StaffRole.CENTRE_MANAGER,
            centre=CentreFactory(),
            username=f"gone{number}",
            university_id=f"gone{number}",
        )
        RoleAssignment.objects.create(user=account, role=StaffRole.CENTRAL_OFFICE)
    linked_staff(STUDENT)
    assert count() == (small, 17)


def test_review_with_the_directory_down(client, directory_down, central):
    linked_staff(STAFF_TEACHER)
    page = client.get(REVIEW)
    assert page.status_code == 200 and "directory cannot be reached" in page.content.decode()
    assert AuditEvent.objects.filter(action="directory.unavailable").exists()


def test_review_is_for_the_central_office(client, directory):
    client.force_login(staff_with_role(StaffRole.CENTRE_MANAGER, centre=CentreFactory()))
    assert client.get(REVIEW).status_code == 404
