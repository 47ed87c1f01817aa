"""Staff access: 2FA decided on path_info and denied by default, the staff login (rate
limits, audit, password reset), Django admin for superusers only, role-grant rules."""

import copy
import re

import pytest
from django.core import mail
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from ecandidat.accounts.enums import StaffRole
from ecandidat.accounts.models import RoleAssignment, User
from ecandidat.audit.models import AuditEvent
from ecandidat.catalog.models import InstitutionSettings
from ecandidat.review.models import Tag
from tests.factories import PASSWORD, CentreFactory, UserFactory, staff_with_role

pytestmark = pytest.mark.django_db


def code_for(device) -> str:
    return f"{totp(device.bin_key, step=30, t0=0, digits=6, drift=0):06d}"


@pytest.fixture
def password_only_session(client, settings):
    """A central-office member with a confirmed device who gave only the password."""
    settings.STAFF_2FA_REQUIRED = True
    user = staff_with_role(StaffRole.CENTRAL_OFFICE)
    TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    response = client.post(
        reverse("staff:login"), {"username": user.username, "password": PASSWORD}
    )
    assert response.status_code == 302
    return user


# --- 1. 2FA cannot be skipped ----------------------------------------------------------


@pytest.mark.parametrize("script_name", ["", "/x", "/staff"])
@pytest.mark.parametrize(
    "url",
    [
        "/staff/",
        "/staff/applications/",
        "/staff/catalog/programs/",
        "/staff/catalog/roles/",
        "/staff/settings/",
        "/staff/outbox/",
        "/staff/audit/",
        "/staff/candidates/",
        "/staff/admin/",
    ],
)
def test_no_staff_page_before_the_second_factor(client, password_only_session, url, script_name):
    response = client.get(url, SCRIPT_NAME=script_name)
    assert response.status_code == 302
    assert reverse("staff:two_factor_verify") in response["Location"]


@pytest.mark.parametrize("script_name", ["", "/x"])
def test_no_staff_write_before_the_second_factor(client, password_only_session, script_name):
    response = client.post(
        "/staff/catalog/tags/new/", {"label": "VIP", "colour": "#ff0000"}, SCRIPT_NAME=script_name
    )
    assert response.status_code == 302
    assert not Tag.objects.exists()


def test_the_named_exempt_pages_answer_before_the_second_factor(client, password_only_session):
    assert client.get(reverse("staff:two_factor_verify")).status_code == 200
    assert client.post(reverse("staff:logout")).status_code == 302
    assert "_auth_user_id" not in client.session


def test_under_a_sub_path_the_code_then_opens_the_pages(client, password_only_session):
    device = TOTPDevice.objects.get(user=password_only_session)
    response = client.post(
        reverse("staff:two_factor_verify"),
        {"code": code_for(device), "next": "/staff/applications/"},
        SCRIPT_NAME="/x",
    )
    assert response.status_code == 302
    assert client.get("/staff/applications/", SCRIPT_NAME="/x").status_code == 200


# --- 2. The staff login ---------------------------------------------------------------


def test_staff_login_page_is_the_products_own(client):
    page = client.get(reverse("staff:login"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Staff login" in html and 'autocomplete="current-password"' in html
    assert html.count("<h1") == 1


def test_django_admin_login_sends_to_the_staff_login(client):
    response = client.get("/staff/admin/login/?next=/staff/admin/")
    assert response.status_code == 302 and response["Location"].startswith(reverse("staff:login"))


def test_staff_login_logs_in_and_is_audited(client):
    user = staff_with_role(StaffRole.CENTRE_MANAGER, centre=CentreFactory())
    response = client.post(
        reverse("staff:login"), {"username": user.username, "password": PASSWORD}
    )
    assert response.status_code == 302 and response["Location"] == reverse("staff:dashboard")
    assert AuditEvent.objects.filter(action="account.login", actor=user).exists()
    assert client.get(reverse("staff:dashboard")).status_code == 200


def test_a_candidate_cannot_use_the_staff_login(client):
    candidate = UserFactory()
    response = client.post(
        reverse("staff:login"), {"username": candidate.username, "password": PASSWORD}
    )
    assert response.status_code == 200 and "_auth_user_id" not in client.session


def test_staff_login_is_limited_per_account_and_audited(client, settings):
    settings.RATELIMITS = {**settings.RATELIMITS, "staff_login_account": "5/h"}
    user = staff_with_role(StaffRole.CENTRAL_OFFICE)
    for _ in range(5):
        response = client.post(reverse("staff:login"), {"username": user.username, "password": "x"})
        assert response.status_code == 200
    assert AuditEvent.objects.filter(action="account.login_failed").count() == 5
    for _ in range(3):
        blocked = client.post(
            reverse("staff:login"), {"username": user.username.upper(), "password": PASSWORD}
        )
        assert blocked.status_code == 429
    assert "Too many attempts" in blocked.content.decode()
    assert "_auth_user_id" not in client.session  # the right password is not even tried
    # One lock-out row per window, however often the locked account is hammered.
    assert (
        AuditEvent.objects.filter(action="account.login_locked", target_id=str(user.pk)).count()
        == 1
    )


def test_forty_wrong_passwords_then_the_right_one_is_refused(client):
    user = staff_with_role(StaffRole.CENTRAL_OFFICE)
    statuses = [
        client.post(
            reverse("staff:login"), {"username": user.username, "password": f"x{n}"}
        ).status_code
        for n in range(40)
    ]
    assert 429 in statuses
    final = client.post(reverse("staff:login"), {"username": user.username, "password": PASSWORD})
    assert final.status_code == 429 and "_auth_user_id" not in client.session


def test_staff_login_is_limited_per_address(client, settings):
    settings.RATELIMITS = {**settings.RATELIMITS, "staff_login_ip": "3/h"}
    for n in range(3):
        client.post(reverse("staff:login"), {"username": f"nobody{n}", "password": "x"})
    assert (
        client.post(reverse("staff:login"), {"username": "z", "password": "x"}).status_code == 429
    )


def test_staff_password_reset_flow(client, run_on_commit):
    user = staff_with_role(StaffRole.CENTRE_MANAGER, centre=CentreFactory())
    with run_on_commit():
        response = client.post(reverse("staff:password_lost"), {"username": user.username})
    assert response.status_code == 302 and response["Location"] == reverse(
        "staff:password_lost_done"
    )
    message = next(m for m in mail.outbox if m.to == [user.email])
    path = re.search(r"http://testserver(/account/password/[^/\s]+/)", message.body).group(1)
    response = client.post(
        path, {"new_password1": "An0ther-long-secret", "new_password2": "An0ther-long-secret"}
    )
    assert response.status_code == 302 and response["Location"] == reverse("staff:login")
    user.refresh_from_db()
    assert user.check_password("An0ther-long-secret")
    assert client.get(path).status_code == 410  # used once


def test_staff_password_reset_for_an_unknown_login_looks_the_same(client):
    response = client.post(reverse("staff:password_lost"), {"username": "nobody-here"})
    assert response.status_code == 302 and response["Location"] == reverse(
        "staff:password_lost_done"
    )
    assert mail.outbox == []


def test_every_staff_role_may_turn_on_two_factor(client):
    centre = CentreFactory()
    user = staff_with_role(StaffRole.CENTRE_MANAGER, centre=centre)
    client.force_login(user)
    page = client.get(reverse("staff:dashboard")).content.decode()
    assert reverse("staff:two_factor_setup") in page
    assert client.get(reverse("staff:two_factor_setup")).status_code == 200


def test_the_central_office_requires_two_factor_per_role(client, settings):
    settings.STAFF_2FA_REQUIRED = False
    centre = CentreFactory()
    manager = staff_with_role(StaffRole.CENTRE_MANAGER, centre=centre)
    client.force_login(manager)
    assert client.get(reverse("staff:dashboard")).status_code == 200
    institution = InstitutionSettings.load()
    institution.two_factor_roles = [StaffRole.CENTRE_MANAGER]
    institution.save()
    response = client.get(reverse("staff:dashboard"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("staff:two_factor_setup"))


def test_the_settings_form_saves_the_roles_that_need_two_factor(client):
    central = staff_with_role(StaffRole.CENTRAL_OFFICE)
    client.force_login(central)
    form = client.get(reverse("staff:settings")).context["form"]
    data = {k: v for k, v in form.initial.items() if v is not None and k != "two_factor_roles"}
    data = {k: ("on" if v is True else v) for k, v in data.items() if v is not False}
    data["two_factor_roles"] = [StaffRole.COMMISSION_MEMBER, StaffRole.CENTRE_MANAGER]
    response = client.post(reverse("staff:settings"), data)
    assert response.status_code == 302, response.context["form"].errors
    assert set(InstitutionSettings.load().two_factor_roles) == {
        StaffRole.COMMISSION_MEMBER,
        StaffRole.CENTRE_MANAGER,
    }


# --- 9. Anonymous attempts never lock the second factor ------------------------------------


def test_anonymous_login_attempts_do_not_lock_the_code_step(client, settings):
    settings.RATELIMITS = {**settings.RATELIMITS, "staff_login_account": "3/h"}
    user = staff_with_role(StaffRole.CENTRAL_OFFICE)
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    # The right password first, then an attacker locks the password step of the account.
    client.post(reverse("staff:login"), {"username": user.username, "password": PASSWORD})
    from django.test import Client

    attacker = Client()
    for _ in range(5):
        attacker.post(reverse("staff:login"), {"username": user.username, "password": "x"})
    response = client.post(reverse("staff:two_factor_verify"), {"code": code_for(device)})
    assert response.status_code == 302
    assert client.get(reverse("staff:dashboard")).status_code == 200


def test_the_code_step_is_limited_per_account(client, settings):
    settings.RATELIMITS = {**settings.RATELIMITS, "two_factor_account": "2/h"}
    user = staff_with_role(StaffRole.CENTRAL_OFFICE)
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    client.force_login(user)
    for _ in range(2):
        client.post(reverse("staff:two_factor_verify"), {"code": "000001"})
    blocked = client.post(reverse("staff:two_factor_verify"), {"code": code_for(device)})
    assert "Too many attempts" in blocked.content.decode()
    assert client.get(reverse("staff:dashboard")).status_code == 302


# --- 3. Nobody grants rights above their own ---------------------------------------------------


def test_django_admin_is_for_superusers_only(client):
    central = staff_with_role(StaffRole.CENTRAL_OFFICE)
    client.force_login(central)
    for url in [
        "/staff/admin/",
        "/staff/admin/accounts/user/",
        f"/staff/admin/accounts/user/{central.pk}/change/",
    ]:
        assert client.get(url).status_code in (302, 404)
        assert client.get(url, follow=True).status_code == 404
    response = client.post(
        f"/staff/admin/accounts/user/{central.pk}/change/", {"is_superuser": "on"}, follow=True
    )
    assert response.status_code == 404
    central.refresh_from_db()
    assert not central.is_superuser


def test_a_superuser_cannot_toggle_is_superuser_in_admin(admin_client, settings):
    # Django admin's own templates use variables they do not always define.
    templates = copy.deepcopy(settings.TEMPLATES)
    templates[0]["OPTIONS"]["string_if_invalid"] = ""
    settings.TEMPLATES = templates  # assigned, so the template engines are rebuilt
    target = UserFactory(staff=True)
    page = admin_client.get(f"/staff/admin/accounts/user/{target.pk}/change/")
    assert page.status_code == 200
    assert 'name="is_superuser"' not in page.content.decode()


def _role_form(client, data, pk=None):
    url = (
        reverse("staff:resource_edit", args=["roles", pk])
        if pk
        else reverse("staff:resource_new", args=["roles"])
    )
    return client.post(url, {"can_decide": "", "can_edit": "", **data})


def test_central_office_cannot_grant_itself_administrator(client):
    central = staff_with_role(StaffRole.CENTRAL_OFFICE)
    client.force_login(central)
    response = _role_form(client, {"user": central.pk, "role": StaffRole.ADMINISTRATOR})
    assert response.status_code == 200
    assert not RoleAssignment.objects.filter(user=central, role=StaffRole.ADMINISTRATOR).exists()


def test_central_office_cannot_grant_administrator_to_anyone(client):
    central = staff_with_role(StaffRole.CENTRAL_OFFICE)
    other = UserFactory(staff=True)
    client.force_login(central)
    response = _role_form(client, {"user": other.pk, "role": StaffRole.ADMINISTRATOR})
    assert response.status_code == 200 and "role" in response.context["form"].errors
    assert not RoleAssignment.objects.filter(user=other).exists()


def test_nobody_changes_their_own_roles(client):
    central = staff_with_role(StaffRole.CENTRAL_OFFICE)
    own = RoleAssignment.objects.get(user=central)
    client.force_login(central)
    response = _role_form(client, {"user": central.pk, "role": StaffRole.CANDIDATE_MANAGER})
    assert response.status_code == 200 and "user" in response.context["form"].errors
    assert (
        _role_form(
            client, {"user": central.pk, "role": StaffRole.CENTRAL_OFFICE}, own.pk
        ).status_code
        == 404
    )
    page = client.get(reverse("staff:resource_edit", args=["roles", own.pk]))
    assert page.status_code == 200 and not page.context["can_edit"]


def test_central_office_cannot_touch_an_administrators_roles(client):
    central = staff_with_role(StaffRole.CENTRAL_OFFICE)
    admin = staff_with_role(StaffRole.ADMINISTRATOR)
    assignment = RoleAssignment.objects.get(user=admin)
    client.force_login(central)
    response = _role_form(
        client, {"user": admin.pk, "role": StaffRole.CANDIDATE_MANAGER}, assignment.pk
    )
    assert response.status_code == 404
    assert RoleAssignment.objects.get(pk=assignment.pk).role == StaffRole.ADMINISTRATOR
    response = _role_form(client, {"user": admin.pk, "role": StaffRole.CANDIDATE_MANAGER})
    assert "user" in response.context["form"].errors


def test_central_office_grants_roles_below_its_own(client):
    central = staff_with_role(StaffRole.CENTRAL_OFFICE)
    other = UserFactory(staff=True)
    client.force_login(central)
    response = _role_form(client, {"user": other.pk, "role": StaffRole.CANDIDATE_MANAGER})
    assert response.status_code == 302
    assert RoleAssignment.objects.filter(user=other, role=StaffRole.CANDIDATE_MANAGER).exists()


def test_an_administrator_grants_administrator(client):
    admin = staff_with_role(StaffRole.ADMINISTRATOR)
    other = UserFactory(staff=True)
    client.force_login(admin)
    response = _role_form(client, {"user": other.pk, "role": StaffRole.ADMINISTRATOR})
    assert response.status_code == 302
    assert User.objects.outranking(2).filter(pk=other.pk).exists()


# --- The new screens in the persona walk ---------------------------------------------------

PERSONAS = ["admin", "superuser", "central", "manager", "member", "candidate_manager", "candidate"]


@pytest.fixture
def people():
    centre = CentreFactory()
    from tests.factories import CommissionFactory

    commission = CommissionFactory(centre=centre)
    return {
        "admin": staff_with_role(StaffRole.ADMINISTRATOR),
        "superuser": UserFactory(staff=True, is_superuser=True),
        "central": staff_with_role(StaffRole.CENTRAL_OFFICE),
        "manager": staff_with_role(StaffRole.CENTRE_MANAGER, centre=centre),
        "member": staff_with_role(
            StaffRole.COMMISSION_MEMBER, centre=centre, commission=commission
        ),
        "candidate_manager": staff_with_role(StaffRole.CANDIDATE_MANAGER),
        "candidate": UserFactory(),
    }


WALK = [
    ("outbox", lambda: reverse("staff:outbox"), {"admin", "superuser", "central"}),
    ("audit log", lambda: reverse("staff:audit_log"), {"admin", "superuser", "central"}),
    ("django admin", lambda: "/staff/admin/", {"superuser"}),
    ("django admin users", lambda: "/staff/admin/accounts/user/", {"superuser"}),
]


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize(("name", "url", "allowed"), WALK, ids=[w[0] for w in WALK])
def test_new_staff_screens_per_persona(client, people, persona, name, url, allowed, settings):
    templates = copy.deepcopy(settings.TEMPLATES)
    templates[0]["OPTIONS"]["string_if_invalid"] = ""  # Django admin's templates
    settings.TEMPLATES = templates
    client.force_login(people[persona])
    response = client.get(url(), follow=True)
    assert response.status_code == (200 if persona in allowed else 404), f"{persona} on {name}"


@pytest.mark.parametrize("url", ["/staff/outbox/", "/staff/audit/", "/staff/admin/"])
def test_anonymous_visitors_go_to_the_staff_login(client, url):
    response = client.get(url, follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0].startswith(reverse("staff:login"))


@pytest.mark.parametrize("persona", PERSONAS)
def test_login_pages_answer_every_persona(client, people, persona):
    client.force_login(people[persona])
    assert client.get(reverse("staff:password_lost")).status_code == 200
    response = client.get(reverse("staff:login"))
    assert response.status_code == (302 if people[persona].is_staff else 200)


def test_a_failed_email_is_sent_again_from_the_outbox(client, run_on_commit):
    from ecandidat.notifications.enums import OutboxStatus
    from ecandidat.notifications.models import OutboxEmail

    email = OutboxEmail.objects.create(
        template="password_changed",
        language="en",
        recipient="x@example.org",
        subject="s",
        body_text="b",
        status=OutboxStatus.FAILED,
        attempts=6,
    )
    client.force_login(staff_with_role(StaffRole.CENTRAL_OFFICE))
    with run_on_commit():
        response = client.post(reverse("staff:outbox_resend", args=[email.pk]))
    assert response.status_code == 302
    email.refresh_from_db()
    assert email.status == OutboxStatus.SENT
    assert AuditEvent.objects.filter(action="email.requeued", target_id=str(email.pk)).exists()
