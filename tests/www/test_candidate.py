import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ecandidat.audit.models import AuditEvent
from ecandidat.dossier.models import Address
from ecandidat.notifications.models import OutboxEmail
from tests.applications.conftest import complete_dossier
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def candidate(client):
    user = UserFactory(email="me@example.org")
    client.force_login(user)
    return user


def test_candidate_pages_require_login(client):
    for name in ["candidate:home", "candidate:account"]:
        response = client.get(reverse(name))
        assert response.status_code == 302 and response["Location"].startswith("/?next=")


def test_staff_account_gets_404_on_candidate_pages(client):
    client.force_login(UserFactory(staff=True))
    assert client.get(reverse("candidate:home")).status_code == 404


def test_home_menu_shows_name_number_and_sidebar(client, candidate):
    html = client.get(reverse("candidate:home")).content.decode()
    assert candidate.dossier_number in html
    assert "Home menu" in html and "Logout" in html and "Help" in html
    for item in [
        "Perso. information",
        "Address",
        "High school diploma",
        "Local studies",
        "Non-local Studies",
        "Internships",
        "Work experience",
    ]:
        assert item in html
    assert "Degree programs" in html and "Applications" in html


def test_change_password(client, candidate):
    response = client.post(
        reverse("candidate:account"),
        {
            "action": "password",
            "password-old_password": PASSWORD,
            "password-new_password1": "another fine passphrase",
            "password-new_password2": "another fine passphrase",
        },
    )
    assert response.status_code == 302
    candidate.refresh_from_db()
    assert candidate.check_password("another fine passphrase")
    # The session stays signed in after the change.
    assert client.get(reverse("candidate:home")).status_code == 200
    assert AuditEvent.objects.filter(action="account.password_changed").exists()
    assert OutboxEmail.objects.filter(template="password_changed").exists()


def test_change_password_with_a_wrong_old_password(client, candidate):
    response = client.post(
        reverse("candidate:account"),
        {
            "action": "password",
            "password-old_password": "wrong",
            "password-new_password1": "another fine passphrase",
            "password-new_password2": "another fine passphrase",
        },
    )
    assert response.status_code == 200
    assert "current password is incorrect" in response.content.decode()


def test_change_email_shows_the_pending_address(client, candidate):
    response = client.post(
        reverse("candidate:account"),
        {
            "action": "email",
            "email-new_email": "new@example.org",
            "email-new_email_confirmation": "new@example.org",
        },
        follow=True,
    )
    html = response.content.decode()
    assert "new@example.org is waiting for validation" in html
    candidate.refresh_from_db()
    assert candidate.email == "me@example.org"


def test_change_email_to_the_same_address_is_refused(client, candidate):
    response = client.post(
        reverse("candidate:account"),
        {
            "action": "email",
            "email-new_email": "ME@example.org",
            "email-new_email_confirmation": "me@example.org",
        },
    )
    assert "already your email address" in response.content.decode()


def test_change_language(client, candidate):
    client.post(
        reverse("candidate:account"), {"action": "language", "language-preferred_language": "fr"}
    )
    candidate.refresh_from_db()
    assert candidate.preferred_language == "fr"
    assert AuditEvent.objects.filter(action="account.language_changed").exists()


def test_logout_requires_post(client, candidate):
    assert client.get(reverse("candidate:logout")).status_code == 405
    response = client.post(reverse("candidate:logout"))
    assert response.status_code == 302
    assert client.get(reverse("candidate:home")).status_code == 302


def _queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx)


@pytest.mark.parametrize("url_name", ["candidate:home", "candidate:account"])
def test_candidate_pages_query_count_is_constant(client, candidate, url_name):
    url = reverse(url_name)
    cold = _queries(client, url)  # the dossier summary read and cached
    first = _queries(client, url)
    UserFactory.create_batch(20)
    for _ in range(3):
        client.post(reverse("public:set_language"), {"language": "en"})
    assert _queries(client, url) == first
    # The session and the user (and, on the home page, the applications with their
    # decisions); the sidebar's summary comes from the cache.
    assert first <= 4 and cold == first + 1


def test_public_pages_query_count(client):
    for url in ["/", "/account/create/", "/account/lost/", "/help/"]:
        assert _queries(client, url) <= 1


def test_the_sidebar_summary_follows_every_change_of_the_dossier(client, candidate, referentials):
    url = reverse("candidate:home")
    assert client.get(url).context["dossier_status"]["address"] is False
    complete_dossier(candidate)
    assert client.get(url).context["dossier_status"]["address"] is True
    Address.objects.filter(user=candidate).get().delete()
    assert client.get(url).context["dossier_status"]["address"] is False


@pytest.mark.parametrize(
    "url_name", ["candidate:dossier_personal", "candidate:dossier_baccalaureate"]
)
def test_edit_forms_take_their_reference_lists_from_the_cache(
    client, candidate, referentials, url_name
):
    """Countries, nationalities and departments (~850 options) are not read per request."""
    url = reverse(url_name) + "?edit"
    _queries(client, url)  # lists built and cached
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    read = " ".join(query["sql"] for query in ctx.captured_queries)
    assert 'FROM "referentials_country"' not in read
    assert 'FROM "referentials_department"' not in read
    page = response.content.decode()
    assert page.count("<option") > 400
    assert '<option value="FR" selected>' in page  # the default country chosen
