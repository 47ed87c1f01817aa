"""Single-use links under concurrency, no live secret in the outbox, recovery forms that do
the same work whatever the address, one rate-limit bucket per account."""

import re

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from ecandidat.accounts import services
from ecandidat.accounts.enums import StaffRole, TokenPurpose
from ecandidat.accounts.models import AccountToken
from ecandidat.audit.models import AuditEvent
from ecandidat.notifications.link_secrets import PLACEHOLDER
from ecandidat.notifications.models import OutboxEmail
from tests.concurrency import race
from tests.factories import PASSWORD, UserFactory, staff_with_role

LINK = re.compile(r"/account/(?:activate|password|email)/([^/\s]+)/")


def live_link(email: OutboxEmail) -> str:
    return LINK.search(email.delivered_bodies()[0]).group(1)


@pytest.mark.django_db
def test_stored_bodies_hold_no_usable_link():
    user = UserFactory()
    services.recover_identification(user.email)
    email = OutboxEmail.objects.get(template="identification_lost")
    for body in (email.body_text, email.body_html):
        assert PLACEHOLDER in body
        assert LINK.search(body).group(1) == PLACEHOLDER
    secret = live_link(email)
    assert secret != PLACEHOLDER and secret not in email.body_text + email.body_html
    assert services.find_usable_token(secret, TokenPurpose.PASSWORD_RESET) is not None
    assert services.find_usable_token(PLACEHOLDER, TokenPurpose.PASSWORD_RESET) is None


@pytest.mark.django_db
@pytest.mark.parametrize(
    "make",
    [
        lambda: services.register_candidate(
            last_name="Lebrun", first_name="Laurent", email="l@example.org", language="en"
        ),
        lambda: services.invite_staff_member(
            username="m.durand",
            last_name="Durand",
            first_name="Marie",
            email="m@example.org",
            language="fr",
            actor=None,
        ),
        lambda: services.request_email_change(user=UserFactory(), new_email="new@example.org"),
    ],
    ids=["activation", "invitation", "email-change"],
)
def test_no_secret_link_is_stored_for_any_kind(make):
    make()
    for email in OutboxEmail.objects.exclude(secret_reference=""):
        assert PLACEHOLDER in email.body_text
        assert live_link(email) not in email.body_text + email.body_html


@pytest.mark.django_db
def test_staff_screens_show_the_placeholder_never_the_secret(client, run_on_commit):
    user = UserFactory()
    with run_on_commit():
        services.recover_identification(user.email)
    email = OutboxEmail.objects.get(template="identification_lost")
    secret = LINK.search(mail.outbox[-1].body).group(1)  # what the candidate received
    assert secret == live_link(email)
    client.force_login(staff_with_role(StaffRole.CENTRAL_OFFICE))
    for url in (
        reverse("staff:outbox"),
        reverse("staff:outbox_email", args=[email.pk]),
        reverse("staff:audit_log"),
    ):
        page = client.get(url)
        assert page.status_code == 200
        assert secret not in page.content.decode()
    assert (
        PLACEHOLDER in client.get(reverse("staff:outbox_email", args=[email.pk])).content.decode()
    )


@pytest.mark.django_db
def test_changing_the_password_ends_outstanding_reset_links():
    user = UserFactory()
    services.recover_identification(user.email)
    secret = live_link(OutboxEmail.objects.get(template="identification_lost"))
    services.change_password(user=user, new_password="A new long passphrase")
    assert services.find_usable_token(secret, TokenPurpose.PASSWORD_RESET) is None
    with pytest.raises(services.AccountError):
        services.reset_password(raw_token=secret, password="Yet another passphrase")


@pytest.mark.django_db
def test_a_link_of_a_deactivated_account_is_not_consumed():
    user = UserFactory()
    services.recover_identification(user.email)
    secret = live_link(OutboxEmail.objects.get(template="identification_lost"))
    user.is_active = False
    user.save()
    with pytest.raises(services.AccountError):
        services.reset_password(raw_token=secret, password="Yet another passphrase")


def _race(n, action):
    return race(n, action, refused=(services.AccountError,))


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("purpose", ["reset", "activation"])
def test_twenty_parallel_uses_of_one_link_succeed_once(purpose, settings, referentials):
    if connection.vendor != "postgresql":
        pytest.skip("concurrency test runs on PostgreSQL (make test-postgres, CI)")
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    if purpose == "reset":
        user = UserFactory()
        services.recover_identification(user.email)
        secret = live_link(OutboxEmail.objects.get(template="identification_lost"))

        def action():
            services.reset_password(raw_token=secret, password="A long new passphrase")

        audit = "account.password_reset"
    else:
        user = services.register_candidate(
            last_name="Lebrun", first_name="Laurent", email="race@example.org", language="en"
        )
        secret = live_link(OutboxEmail.objects.get(template="account_created"))

        def action():
            services.activate_account(raw_token=secret, password="A long new passphrase")

        audit = "account.activated"
    outcomes = _race(20, action)
    assert outcomes.count("ok") == 1, outcomes
    assert outcomes.count("refused") == 19, outcomes
    assert AuditEvent.objects.filter(action=audit, target_id=str(user.pk)).count() == 1
    assert OutboxEmail.objects.filter(template="password_changed").count() == (
        1 if purpose == "reset" else 0
    )
    assert AccountToken.objects.filter(user=user, used_at__isnull=True).count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url_name", "field", "known"),
    [
        ("public:identification_lost", "email", lambda: UserFactory().email),
        ("public:lost_activation", "email", lambda: UserFactory(not_activated=True).email),
        ("staff:password_lost", "username", lambda: UserFactory(staff=True).username),
    ],
)
def test_recovery_does_the_same_work_for_known_and_unknown(
    client, settings, url_name, field, known
):
    """The request path is identical (same queries, one task enqueued): timing cannot tell
    which addresses have an account."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

    value = known()
    # Warm the session, the form and the institution settings (created on first use), so
    # both measured requests start from the same state.
    client.get(reverse(url_name))
    client.post(reverse(url_name), {field: "warm-up@example.org" if field == "email" else "x"})
    runs = []
    for typed in (value, "nobody-at-all@example.org" if field == "email" else "nobody-at-all"):
        with CaptureQueriesContext(connection) as ctx:
            response = client.post(reverse(url_name), {field: typed})
        assert response.status_code == 302
        runs.append([re.sub(r"'[^']*'|\d+", "?", q["sql"]) for q in ctx.captured_queries])
    assert runs[0] == runs[1]
    assert DBTaskResult.objects.count() == 3
    assert mail.outbox == [] and not OutboxEmail.objects.exists()  # nothing done in the request


@pytest.mark.django_db
def test_the_login_limit_is_one_bucket_per_account(client, settings):
    settings.RATELIMITS = {**settings.RATELIMITS, "login_account": "4/h"}
    user = UserFactory()
    for login in (user.username, user.email, user.username.lower(), user.email.upper()):
        assert (
            client.post(reverse("public:home"), {"username": login, "password": "x"}).status_code
            == 200
        )
    blocked = client.post(reverse("public:home"), {"username": user.email, "password": PASSWORD})
    assert blocked.status_code == 429
    blocked = client.post(reverse("public:home"), {"username": user.username, "password": PASSWORD})
    assert blocked.status_code == 429
