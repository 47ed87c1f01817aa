"""Administrators create staff accounts; the invitee chooses the password from the email."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from ecandidat.accounts.enums import StaffRole, UserKind
from ecandidat.accounts.models import IssuedDossierNumber, User
from ecandidat.audit.models import AuditEvent
from ecandidat.notifications.models import OutboxEmail
from ecandidat.www.staff import staff_accounts
from tests.factories import UserFactory, staff_with_role

pytestmark = pytest.mark.django_db

URL = "/staff/staff-accounts/new/"
DATA = {
    "username": "m.durand",
    "last_name": "Durand",
    "first_name": "Marie",
    "email": "marie.durand@univ.example.org",
    "language": "en",
}


def test_url_is_the_named_route():
    assert reverse("staff:staff_account_create") == URL


def test_an_administrator_invites_a_staff_member_who_chooses_the_password(
    client, django_capture_on_commit_callbacks
):
    admin = staff_with_role(StaffRole.ADMINISTRATOR)
    client.force_login(admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(URL, DATA)
    user = User.objects.get(username="m.durand")
    assert response.status_code == 302
    assert (
        response["Location"] == reverse("staff:resource_new", args=["roles"]) + f"?user={user.pk}"
    )
    assert user.kind == UserKind.STAFF and user.is_staff and not user.has_usable_password()
    assert AuditEvent.objects.get(action="account.staff_invited").actor == admin
    outbox = OutboxEmail.objects.get(template="staff_invitation")
    assert outbox.recipient == DATA["email"]
    [message] = [m for m in mail.outbox if m.to == [DATA["email"]]]
    assert "m.durand" in message.subject and "m.durand" in message.body
    link = re.search(r"https?://\S+/account/password/\S+/", message.body).group(0)
    path = link.split("://", 1)[1].split("/", 1)[1]

    # The role screen opens with the new account pre-selected.
    page = client.get(response["Location"]).content.decode()
    assert f'<option value="{user.pk}" selected>' in page

    client.logout()
    page = client.get("/" + path).content.decode()
    assert "m.durand" in page
    response = client.post(
        "/" + path, {"new_password1": "Tr3s-long-secret!", "new_password2": "Tr3s-long-secret!"}
    )
    assert response.status_code == 302 and response["Location"] == reverse("staff:login")
    assert client.login(username="m.durand", password="Tr3s-long-secret!")
    # The link works once.
    assert client.get("/" + path).status_code == 410


def test_bad_input_is_explained_next_to_the_field_and_kept(client):
    UserFactory(username="taken.login", staff=True)
    IssuedDossierNumber.objects.create(number="AB12CD34")
    client.force_login(staff_with_role(StaffRole.CENTRAL_OFFICE))
    for login in ["taken.LOGIN", "ab12cd34", "no spaces", "x"]:
        response = client.post(URL, {**DATA, "username": login, "email": "not-an-email"})
        assert response.status_code == 200
        form = response.context["form"]
        assert "username" in form.errors and "email" in form.errors
        assert f'value="{login}"' in response.content.decode()
    assert not User.objects.filter(email__icontains="not-an-email").exists()
    assert not AuditEvent.objects.filter(action="account.staff_invited").exists()


def test_invitation_email_is_in_french_for_a_french_speaker(
    client, django_capture_on_commit_callbacks
):
    client.force_login(staff_with_role(StaffRole.ADMINISTRATOR))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(URL, {**DATA, "language": "fr"})
    [message] = [m for m in mail.outbox if m.to == [DATA["email"]]]
    assert "choisir votre mot de passe" in message.body.lower()


def test_a_login_taken_between_form_check_and_save_is_a_field_error(client, monkeypatch):
    client.force_login(staff_with_role(StaffRole.ADMINISTRATOR))
    clean = staff_accounts.NewStaffMemberForm.clean_username

    def racing_clean(form):
        value = clean(form)
        UserFactory(username=value, staff=True)  # the other administrator wins the race
        return value

    monkeypatch.setattr(staff_accounts.NewStaffMemberForm, "clean_username", racing_clean)
    response = client.post(URL, DATA)
    assert response.status_code == 200
    assert "username" in response.context["form"].errors
    assert User.objects.filter(username="m.durand").count() == 1
