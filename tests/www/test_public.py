import re

import pytest
from django.urls import reverse

from ecandidat.accounts.models import User
from ecandidat.audit.models import AuditEvent
from ecandidat.notifications.models import OutboxEmail
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

CSRF_VALUE = re.compile(rb'name="csrfmiddlewaretoken" value="[^"]+"')


def without_csrf(content: bytes) -> bytes:
    # The CSRF token is masked afresh on every response: it carries no information.
    return CSRF_VALUE.sub(b'name="csrfmiddlewaretoken" value=""', content)


SIGNUP = {
    "last_name": "Lebrun",
    "first_name": "Laurent",
    "email": "laurent.lebrun@example.org",
    "email_confirmation": "laurent.lebrun@example.org",
}


def test_home_shows_the_login_form_and_the_three_links(client):
    response = client.get(reverse("public:home"))
    html = response.content.decode()
    assert "Please connect with your eCandidat account" in html
    for text in ["Identification lost", "I lost my activation code.", "Create an account"]:
        assert text in html
    assert "Université de Rouen Normandie" in html


def test_home_in_french_follows_accept_language(client):
    response = client.get(reverse("public:home"), headers={"accept-language": "fr"})
    html = response.content.decode()
    assert "Je ne suis pas/plus étudiant à l’Université de Rouen Normandie" in html
    assert "Créer un compte" in html


def test_signup_creates_the_account_and_redirects_to_the_mailbox_page(client):
    response = client.post(reverse("public:signup"), SIGNUP)
    assert response.status_code == 302
    assert response["Location"] == reverse("public:signup_done")
    user = User.objects.get()
    assert user.email == "laurent.lebrun@example.org"
    assert OutboxEmail.objects.get().template == "account_created"


@pytest.mark.parametrize(
    ("field", "data", "message"),
    [
        ("email_confirmation", {"email_confirmation": "other@example.org"}, "are different"),
        ("email", {"email": "not-an-email"}, "valid email"),
        ("last_name", {"last_name": "   "}, "required"),
        ("first_name", {"first_name": "J0hn"}, "letters only"),
        ("last_name", {"last_name": "<script>"}, "letters only"),
    ],
)
def test_signup_errors_are_shown_next_to_the_field_and_input_is_kept(client, field, data, message):
    response = client.post(reverse("public:signup"), {**SIGNUP, **data})
    assert response.status_code == 200
    form = response.context["form"]
    assert message in " ".join(form.errors[field])
    html = response.content.decode()
    assert f'id="id_{field}_error"' in html
    assert 'value="laurent.lebrun@example.org"' in html or field == "email"
    assert not User.objects.exists()


@pytest.mark.parametrize(
    ("url_name", "data"),
    [
        ("public:signup", SIGNUP),
        ("public:identification_lost", {"email": SIGNUP["email"]}),
        ("public:lost_activation", {"email": SIGNUP["email"]}),
    ],
)
def test_no_account_enumeration(client, url_name, data):
    """Known and unknown addresses get the same status, headers and page."""
    UserFactory(email="known@example.org")
    unknown_data = {k: "unknown@example.org" if "email" in k else v for k, v in data.items()}
    known_data = {k: "known@example.org" if "email" in k else v for k, v in data.items()}
    unknown = client.post(reverse(url_name), unknown_data)
    known = client.post(reverse(url_name), known_data)
    assert unknown.status_code == known.status_code == 302
    assert unknown["Location"] == known["Location"]
    assert unknown.content == known.content
    page_unknown = client.get(unknown["Location"])
    page_known = client.get(known["Location"])
    assert without_csrf(page_unknown.content) == without_csrf(page_known.content)


def test_activation_page_sets_the_password_then_login_works(client):
    client.post(reverse("public:signup"), SIGNUP)
    link = re.search(
        r"http://testserver(/account/activate/\S+/)",
        OutboxEmail.objects.get().delivered_bodies()[0],
    )
    page = client.get(link.group(1))
    assert page.status_code == 200 and "Confirm your account" in page.content.decode()
    response = client.post(link.group(1), {"new_password1": "short", "new_password2": "short"})
    assert "at least 12 characters" in response.content.decode()
    response = client.post(
        link.group(1),
        {"new_password1": "my activation passphrase", "new_password2": "my activation passphrase"},
    )
    assert response.status_code == 302
    user = User.objects.get()
    assert user.is_activated
    again = client.get(link.group(1))
    assert again.status_code == 410
    assert "I lost my activation code." in again.content.decode()
    login = client.post(
        reverse("public:home"),
        {"username": user.dossier_number.lower(), "password": "my activation passphrase"},
    )
    assert login.status_code == 302 and login["Location"] == reverse("candidate:home")


def test_unknown_activation_link_gives_the_way_out(client):
    response = client.get(reverse("public:activate", args=["not-a-real-token"]))
    assert response.status_code == 410
    assert reverse("public:lost_activation") in response.content.decode()


@pytest.mark.parametrize("login_with", ["dossier_number", "email"])
def test_login_with_dossier_number_or_email_rotates_the_session(client, login_with):
    user = UserFactory()
    client.get(reverse("public:home"))
    client.session.save()
    before = client.session.session_key
    response = client.post(
        reverse("public:home"), {"username": getattr(user, login_with), "password": PASSWORD}
    )
    assert response.status_code == 302
    assert client.session.session_key != before
    assert AuditEvent.objects.filter(action="account.login", actor=user).exists()


def test_login_failure_is_generic_and_audited(client):
    user = UserFactory()
    wrong = client.post(reverse("public:home"), {"username": user.username, "password": "nope"})
    unknown = client.post(reverse("public:home"), {"username": "ZZZZZZZZ", "password": "nope"})
    assert wrong.context["form"].non_field_errors() == unknown.context["form"].non_field_errors()
    assert wrong.context["form"]["username"].value() == user.username
    assert AuditEvent.objects.filter(action="account.login_failed").count() == 2


def test_not_activated_account_cannot_log_in(client):
    user = UserFactory(not_activated=True)
    response = client.post(
        reverse("public:home"), {"username": user.username, "password": PASSWORD}
    )
    assert response.status_code == 200 and "_auth_user_id" not in client.session


def test_pending_email_is_not_a_login(client):
    user = UserFactory(pending_email="pending@example.org")
    response = client.post(
        reverse("public:home"), {"username": "pending@example.org", "password": PASSWORD}
    )
    assert response.status_code == 200
    ok = client.post(reverse("public:home"), {"username": user.email, "password": PASSWORD})
    assert ok.status_code == 302


def test_login_remembers_the_page_wanted(client):
    user = UserFactory()
    wanted = reverse("candidate:account")
    redirect = client.get(wanted)
    assert redirect.status_code == 302 and "next=" in redirect["Location"]
    response = client.post(
        reverse("public:home") + f"?next={wanted}",
        {"username": user.username, "password": PASSWORD, "next": wanted},
    )
    assert response["Location"] == wanted


def test_login_refuses_an_external_next(client):
    user = UserFactory()
    response = client.post(
        reverse("public:home"),
        {"username": user.username, "password": PASSWORD, "next": "https://evil.example/"},
    )
    assert response["Location"] == reverse("candidate:home")


def test_staff_cannot_use_the_candidate_login(client):
    staff = UserFactory(staff=True)
    response = client.post(
        reverse("public:home"), {"username": staff.username, "password": PASSWORD}
    )
    assert response.status_code == 200 and "_auth_user_id" not in client.session


def test_password_reset_page(client):
    user = UserFactory()
    client.post(reverse("public:identification_lost"), {"email": user.email})
    link = re.search(
        r"http://testserver(/account/password/\S+/)",
        OutboxEmail.objects.get().delivered_bodies()[0],
    )
    response = client.post(
        link.group(1),
        {"new_password1": "a fresh passphrase!", "new_password2": "a fresh passphrase!"},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("a fresh passphrase!")
    assert client.get(link.group(1)).status_code == 410


def test_language_switch_for_a_visitor_sets_the_cookie(client):
    response = client.post(reverse("public:set_language"), {"language": "fr", "next": "/help/"})
    assert response["Location"] == "/help/"
    assert response.cookies["django_language"].value == "fr"
    assert "Aide" in client.get("/help/").content.decode()


def test_language_switch_for_a_candidate_is_saved_on_the_account(client):
    user = UserFactory(preferred_language="en")
    client.force_login(user)
    client.post(reverse("public:set_language"), {"language": "fr"})
    user.refresh_from_db()
    assert user.preferred_language == "fr"
    # The account's language wins over the browser's.
    page = client.get(reverse("candidate:home"), headers={"accept-language": "en"})
    assert "Menu d’accueil" in page.content.decode()
