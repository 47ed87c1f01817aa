import io
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from ecandidat.accounts import services
from ecandidat.accounts.enums import TokenPurpose
from ecandidat.accounts.models import AccountToken, IssuedDossierNumber, User
from ecandidat.audit.models import AuditEvent
from ecandidat.notifications.models import OutboxEmail
from ecandidat.notifications.services import enqueue_delivery
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def register(**kwargs):
    data = {"last_name": "Lebrun", "first_name": "Laurent", "email": "laurent@example.org"}
    data.update(kwargs)
    return services.register_candidate(language="en", **data)


def token_from(email: OutboxEmail, marker: str) -> str:
    line = next(line for line in email.delivered_bodies()[0].splitlines() if marker in line)
    return line.rstrip("/").rsplit("/", 1)[-1]


def test_register_creates_an_inactive_account_and_emails_login_and_link():
    user = register(last_name="  de la Fontaine ", first_name=" Jean ")
    assert user.last_name == "de la Fontaine" and user.first_name == "Jean"
    assert not user.is_activated and not user.has_usable_password()
    email = OutboxEmail.objects.get(template="account_created")
    assert email.recipient == "laurent@example.org"
    assert user.dossier_number in email.body_text
    assert "/account/activate/" in email.body_text
    assert "password" not in email.subject.lower()
    assert AuditEvent.objects.filter(action="account.created", target_id=str(user.pk)).exists()


def test_register_with_a_known_email_sends_a_notice_instead_of_a_second_account():
    first = register()
    assert register(email="LAURENT@example.org", first_name="Other") is None
    assert User.objects.count() == 1
    notice = OutboxEmail.objects.get(template="account_exists")
    assert notice.recipient == first.email and first.dossier_number in notice.body_text


def test_activation_link_is_single_use_and_sets_the_password():
    user = register()
    raw = token_from(OutboxEmail.objects.get(template="account_created"), "/account/activate/")
    services.activate_account(raw_token=raw, password="a long enough passphrase")
    user.refresh_from_db()
    assert user.is_activated and user.check_password("a long enough passphrase")
    with pytest.raises(services.AccountError):
        services.activate_account(raw_token=raw, password="another long passphrase")


def test_activation_link_expires_after_activation_days(settings):
    settings.ACTIVATION_DAYS = 5
    register()
    raw = token_from(OutboxEmail.objects.get(template="account_created"), "/account/activate/")
    with time_machine.travel(timezone.now() + timedelta(days=5, seconds=-5)):
        assert services.find_usable_token(raw, TokenPurpose.ACTIVATION) is not None
    with time_machine.travel(timezone.now() + timedelta(days=5, seconds=5)):
        assert services.find_usable_token(raw, TokenPurpose.ACTIVATION) is None
        with pytest.raises(services.AccountError):
            services.activate_account(raw_token=raw, password="a long enough passphrase")


def test_a_new_activation_link_revokes_the_previous_one():
    user = register()
    first = token_from(OutboxEmail.objects.get(template="account_created"), "/account/activate/")
    services.resend_activation(email=user.email)
    second = token_from(OutboxEmail.objects.get(template="activation_resent"), "/account/activate/")
    assert services.find_usable_token(first, TokenPurpose.ACTIVATION) is None
    assert services.find_usable_token(second, TokenPurpose.ACTIVATION) is not None


def test_only_the_hash_of_a_token_is_stored():
    register()
    raw = token_from(OutboxEmail.objects.get(template="account_created"), "/account/activate/")
    assert not AccountToken.objects.filter(token_hash=raw).exists()


def test_password_reset_link_lasts_one_hour_and_works_once():
    user = UserFactory()
    services.recover_identification(email=user.email)
    email = OutboxEmail.objects.get(template="identification_lost")
    assert user.dossier_number in email.body_text
    raw = token_from(email, "/account/password/")
    later = timezone.now() + timedelta(minutes=61)
    with time_machine.travel(later), pytest.raises(services.AccountError):
        services.reset_password(raw_token=raw, password="a brand new passphrase")
    services.reset_password(raw_token=raw, password="a brand new passphrase")
    user.refresh_from_db()
    assert user.check_password("a brand new passphrase")
    with pytest.raises(services.AccountError):
        services.reset_password(raw_token=raw, password="yet another passphrase")


def test_identification_lost_for_a_never_activated_account_resends_the_activation_link():
    user = UserFactory(not_activated=True)
    services.recover_identification(email=user.email)
    assert OutboxEmail.objects.filter(template="activation_resent").count() == 1
    assert not OutboxEmail.objects.filter(template="identification_lost").exists()


def test_lost_activation_on_an_active_account_says_it_is_already_active():
    user = UserFactory()
    services.resend_activation(email=user.email)
    assert OutboxEmail.objects.get().template == "already_activated"


def test_unknown_addresses_send_nothing():
    services.resend_activation(email="nobody@example.org")
    services.recover_identification(email="nobody@example.org")
    assert not OutboxEmail.objects.exists()


def test_email_change_keeps_the_old_address_until_confirmed():
    user = UserFactory(email="old@example.org")
    services.request_email_change(user=user, new_email="new@example.org")
    user.refresh_from_db()
    assert user.email == "old@example.org" and user.pending_email == "new@example.org"
    link_mail = OutboxEmail.objects.get(template="email_change")
    assert link_mail.recipient == "new@example.org"
    assert OutboxEmail.objects.get(template="email_change_notice").recipient == "old@example.org"
    services.confirm_email_change(raw_token=token_from(link_mail, "/account/email/"))
    user.refresh_from_db()
    assert user.email == "new@example.org" and user.pending_email == ""
    assert AuditEvent.objects.filter(action="account.email_changed").exists()


def test_email_change_to_an_address_in_use_tells_that_address_only():
    UserFactory(email="taken@example.org")
    user = UserFactory()
    services.request_email_change(user=user, new_email="taken@example.org")
    assert OutboxEmail.objects.get().template == "email_in_use"
    assert not AccountToken.objects.filter(purpose=TokenPurpose.EMAIL_CHANGE).exists()


def test_purge_deletes_expired_never_activated_accounts_and_keeps_their_numbers(settings):
    settings.ACTIVATION_DAYS = 5
    stale = register(email="stale@example.org")
    fresh_user = register(email="fresh@example.org")
    active = UserFactory()
    with time_machine.travel(timezone.now() + timedelta(days=5, hours=1)):
        # fresh_user asked for a new link yesterday: still within its deadline.
        with time_machine.travel(timezone.now() - timedelta(days=1)):
            services.resend_activation(email=fresh_user.email)
        call_command("purge_inactive_accounts", stdout=io.StringIO())
    remaining = set(User.objects.values_list("pk", flat=True))
    assert remaining == {fresh_user.pk, active.pk}
    assert IssuedDossierNumber.objects.filter(number=stale.username).exists()
    assert AuditEvent.objects.filter(action="account.purged", target_id=str(stale.pk)).exists()


def test_no_email_leaves_before_commit(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        register()
    deliveries = [c for c in callbacks if getattr(c, "func", None) is enqueue_delivery]
    assert len(deliveries) == 1 and len(mail.outbox) == 0
