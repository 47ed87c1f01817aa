"""Writes on accounts: sign-up, activation, recovery, email and password changes.

Every function is atomic, writes an audit row and sends its emails through the outbox (so
nothing is emailed if the transaction rolls back). The anonymous flows behave the same way
whether or not the address belongs to an account: only the email that leaves differs.
"""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth.base_user import BaseUserManager
from django.core.cache import caches
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from ecandidat.audit import codes
from ecandidat.audit.services import record
from ecandidat.common.errors import DomainError
from ecandidat.common.text import without_nul
from ecandidat.notifications import link_secrets
from ecandidat.notifications.links import absolute_url
from ecandidat.notifications.services import send_email

from .dossier_numbers import allocate_dossier_number
from .enums import TokenPurpose, UserKind
from .models import AccountToken, User, hash_token


class AccountError(DomainError):
    """A refused account change: ``code`` says which (``invalid-token``, ``email-taken``)."""

    MESSAGES = {
        "invalid-token": _("This link is no longer valid"),
        "email-taken": _("An account already uses this address."),
    }

    def __init__(self, code: str):
        super().__init__(self.MESSAGES[code])
        self.code = code


def normalize_email(email: str) -> str:
    return BaseUserManager.normalize_email(email.strip())


def _email_context(user: User, **extra) -> dict:
    return {
        "first_name": user.first_name,
        "last_name": user.last_name,
        # A staff account has no dossier number: its login stands in (password notices).
        "dossier_number": user.dossier_number or user.username,
        **extra,
    }


def format_deadline(moment, language: str) -> str:
    with translation.override(language):
        return date_format(timezone.localtime(moment), "DATETIME_FORMAT")


def issue_token(user: User, purpose: str, lifetime: timedelta, data: dict | None = None):
    """Create a fresh single-use link secret; earlier unused links of that kind stop working.

    Returns ``(reference, token)``: the email is rendered with ``link_secrets.PLACEHOLDER``
    and stores the reference; the secret is derived from it at delivery. Only its SHA-256 is
    kept here (see notifications.link_secrets).
    """
    now = timezone.now()
    AccountToken.objects.filter(user=user, purpose=purpose, used_at__isnull=True).update(
        used_at=now
    )
    reference = link_secrets.new_reference()
    token = AccountToken.objects.create(
        user=user,
        purpose=purpose,
        token_hash=hash_token(link_secrets.secret_for(reference)),
        expires_at=now + lifetime,
        data=data or {},
    )
    return reference, token


def secret_link(viewname: str) -> str:
    """The absolute URL of a link page, with the placeholder where the secret goes."""
    return absolute_url(viewname, link_secrets.PLACEHOLDER)


def find_usable_token(raw: str, purpose: str) -> AccountToken | None:
    if not raw or "\x00" in raw:
        return None
    token = (
        AccountToken.objects.select_related("user")
        .filter(token_hash=hash_token(raw), purpose=purpose)
        .first()
    )
    if token is None or not token.is_usable or not token.user.is_active:
        return None
    return token


def consume_token(raw: str, purpose: str) -> AccountToken:
    """The token of ``raw``, marked used (exactly once); ``AccountError`` otherwise. Call
    it inside the transaction that does what the token allows."""
    return _consume_token(raw, purpose)


def _consume_token(raw: str, purpose: str) -> AccountToken:
    """Mark the token used, exactly once even under concurrent requests.

    The conditional UPDATE names the token row alone: on PostgreSQL a concurrent transaction
    waiting on that row re-checks ``used_at IS NULL`` once the first one commits, so only one
    succeeds. (A condition through a join — the user — is a sub-query that waiting
    transactions do not re-evaluate, which let 17 of 20 parallel resets through.)
    """
    now = timezone.now()
    token_hash = hash_token(raw or "")
    updated = AccountToken.objects.filter(
        token_hash=token_hash, purpose=purpose, used_at__isnull=True, expires_at__gt=now
    ).update(used_at=now)
    if updated != 1:
        raise AccountError("invalid-token")
    token = AccountToken.objects.select_related("user").get(token_hash=token_hash)
    if not token.user.is_active:
        raise AccountError("invalid-token")  # the caller's transaction rolls the use back
    return token


def end_password_reset_links(user: User) -> int:
    """Every outstanding password-reset (or invitation) link of ``user`` stops working."""
    return AccountToken.objects.filter(
        user=user, purpose=TokenPurpose.PASSWORD_RESET, used_at__isnull=True
    ).update(used_at=timezone.now())


def activation_lifetime() -> timedelta:
    return timedelta(days=settings.ACTIVATION_DAYS)


def _send_activation(user: User, key: str) -> None:
    reference, token = issue_token(user, TokenPurpose.ACTIVATION, activation_lifetime())
    send_email(
        key,
        to=user.email,
        user=user,
        language=user.preferred_language,
        context=_email_context(
            user,
            link=secret_link("public:activate"),
            valid_until=format_deadline(token.expires_at, user.preferred_language),
        ),
        secret_reference=reference,
    )


def _lost_link() -> str:
    return absolute_url("public:identification_lost")


@transaction.atomic
def register_candidate(
    *, last_name: str, first_name: str, email: str, language: str, actor=None
) -> User | None:
    """Create a candidate account and email its login and activation link.

    When the address already has an account, no second account is made: that address is
    told so instead. Returns the new account, or None.
    """
    email = normalize_email(email)
    existing = User.objects.candidates().with_email(email).first()
    if existing is None:
        try:
            with transaction.atomic():
                user = User(
                    username=allocate_dossier_number(),
                    kind=UserKind.CANDIDATE,
                    last_name=" ".join(last_name.split()),
                    first_name=" ".join(first_name.split()),
                    email=email,
                    preferred_language=language,
                )
                user.set_unusable_password()
                user.save()
        except IntegrityError:
            # Two sign-ups with the same address raced; the other one won.
            existing = User.objects.candidates().with_email(email).first()
            if existing is None:
                raise
        else:
            record(codes.ACCOUNT_CREATED, actor=actor, target=user)
            _send_activation(user, "account_created")
            return user
    record(codes.ACCOUNT_SIGNUP_EXISTING_EMAIL, target=existing)
    send_email(
        "account_exists",
        to=existing.email,
        user=existing,
        language=existing.preferred_language,
        context=_email_context(existing, link=_lost_link()),
    )
    return None


@transaction.atomic
def invite_staff_member(
    *,
    username: str,
    last_name: str,
    first_name: str,
    email: str,
    language: str,
    actor,
    university_id: str = "",
) -> User:
    """Create a staff account without a password and email a link to choose one.

    The link is a password-reset secret valid for ACTIVATION_DAYS: the new staff member
    chooses the password, so nobody else ever knows it. Roles are given separately.
    ``university_id`` links the account to the person's directory entry (the university
    sign-in finds it by that); empty for someone outside the directory.
    """
    user = User(
        username=username.strip(),
        kind=UserKind.STAFF,
        is_staff=True,
        last_name=" ".join(last_name.split()),
        first_name=" ".join(first_name.split()),
        email=normalize_email(email),
        preferred_language=language,
        activated_at=timezone.now(),
        university_id=university_id.strip(),
    )
    user.set_unusable_password()
    user.save()
    record(
        codes.ACCOUNT_STAFF_INVITED,
        actor=actor,
        target=user,
        data={"university_id": user.university_id} if user.university_id else None,
    )
    reference, token = issue_token(user, TokenPurpose.PASSWORD_RESET, activation_lifetime())
    send_email(
        "staff_invitation",
        to=user.email,
        user=user,
        language=language,
        context={
            **_email_context(user),
            "username": user.username,
            "link": secret_link("public:reset_password"),
            "valid_until": format_deadline(token.expires_at, language),
        },
        secret_reference=reference,
    )
    return user


@transaction.atomic
def activate_account(*, raw_token: str, password: str) -> User:
    token = _consume_token(raw_token, TokenPurpose.ACTIVATION)
    user = token.user
    user.set_password(password)
    user.activated_at = user.activated_at or timezone.now()
    user.save(update_fields=["password", "activated_at"])
    record(codes.ACCOUNT_ACTIVATED, actor=user, target=user)
    return user


RECOVERY_KINDS = ("identification", "activation", "staff_password")


def perform_recovery(*, kind: str, value: str) -> None:
    {
        "identification": recover_identification,
        "activation": resend_activation,
        "staff_password": recover_staff_password,
    }[kind](value)


@transaction.atomic
def resend_activation(email: str) -> None:
    user = User.objects.candidates().with_email(normalize_email(email)).first()
    if user is None or not user.is_active:
        return
    if user.is_activated:
        send_email(
            "already_activated",
            to=user.email,
            user=user,
            language=user.preferred_language,
            context=_email_context(user, link=_lost_link()),
        )
        record(codes.ACCOUNT_ACTIVATION_RESEND_REFUSED, target=user)
        return
    _send_activation(user, "activation_resent")
    record(codes.ACCOUNT_ACTIVATION_RESENT, target=user)


@transaction.atomic
def recover_identification(email: str) -> None:
    """Email the dossier number and a password-reset link (or, if never activated, a new
    activation link)."""
    user = User.objects.candidates().with_email(normalize_email(email)).first()
    if user is None or not user.is_active:
        return
    if not user.is_activated:
        _send_activation(user, "activation_resent")
        record(codes.ACCOUNT_ACTIVATION_RESENT, target=user)
        return
    _send_password_reset(user, "identification_lost")
    record(codes.ACCOUNT_PASSWORD_RESET_REQUESTED, target=user)


@transaction.atomic
def recover_staff_password(login: str) -> None:
    """Email a staff member a link to choose a new password (typed: their login)."""
    user = User.objects.filter(
        username__iexact=login.strip(), is_staff=True, is_active=True
    ).first()
    if user is None or user.is_candidate or not user.email:
        return
    _send_password_reset(user, "staff_password_reset", username=user.username)
    record(codes.ACCOUNT_PASSWORD_RESET_REQUESTED, target=user)


def _send_password_reset(user: User, key: str, **extra) -> None:
    reference, token = issue_token(
        user, TokenPurpose.PASSWORD_RESET, timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT)
    )
    send_email(
        key,
        to=user.email,
        user=user,
        language=user.preferred_language,
        context=_email_context(
            user,
            link=secret_link("public:reset_password"),
            valid_until=format_deadline(token.expires_at, user.preferred_language),
            **extra,
        ),
        secret_reference=reference,
    )


def _password_changed_notice(user: User) -> None:
    send_email(
        "password_changed",
        to=user.email,
        user=user,
        language=user.preferred_language,
        context=_email_context(user, link=_lost_link()),
    )


@transaction.atomic
def reset_password(*, raw_token: str, password: str) -> User:
    token = _consume_token(raw_token, TokenPurpose.PASSWORD_RESET)
    user = token.user
    user.set_password(password)
    user.save(update_fields=["password"])
    end_password_reset_links(user)
    record(codes.ACCOUNT_PASSWORD_RESET, actor=user, target=user)
    _password_changed_notice(user)
    return user


@transaction.atomic
def change_password(*, user: User, new_password: str) -> None:
    user.set_password(new_password)
    user.save(update_fields=["password"])
    # Someone who changes a password they suspect is known must not leave a reset link alive.
    end_password_reset_links(user)
    record(codes.ACCOUNT_PASSWORD_CHANGED, actor=user, target=user)
    _password_changed_notice(user)


@transaction.atomic
def request_email_change(*, user: User, new_email: str) -> None:
    """Send a validation link to the new address; the current one stays the login until then."""
    new_email = normalize_email(new_email)
    user.pending_email = new_email
    user.save(update_fields=["pending_email"])
    record(
        codes.ACCOUNT_EMAIL_CHANGE_REQUESTED,
        actor=user,
        target=user,
        data={"new_email": new_email},
    )
    other = User.objects.candidates().with_email(new_email).exclude(pk=user.pk).first()
    if other is not None:
        # Say nothing on screen (no enumeration); tell the owner of that address instead.
        send_email(
            "email_in_use",
            to=new_email,
            language=user.preferred_language,
            context=_email_context(user, link=_lost_link()),
        )
        return
    reference, token = issue_token(
        user,
        TokenPurpose.EMAIL_CHANGE,
        timedelta(days=settings.EMAIL_CHANGE_DAYS),
        data={"email": new_email},
    )
    send_email(
        "email_change",
        to=new_email,
        user=user,
        language=user.preferred_language,
        context=_email_context(
            user,
            new_email=new_email,
            link=secret_link("public:confirm_email"),
            valid_until=format_deadline(token.expires_at, user.preferred_language),
        ),
        secret_reference=reference,
    )
    send_email(
        "email_change_notice",
        to=user.email,
        user=user,
        language=user.preferred_language,
        context=_email_context(user, new_email=new_email),
    )


@transaction.atomic
def confirm_email_change(*, raw_token: str) -> User:
    token = _consume_token(raw_token, TokenPurpose.EMAIL_CHANGE)
    user = User.objects.select_for_update().get(pk=token.user_id)
    new_email = token.data["email"]
    if User.objects.candidates().with_email(new_email).exclude(pk=user.pk).exists():
        raise AccountError("email-taken")
    old_email = user.email
    user.email = new_email
    if user.pending_email.lower() == new_email.lower():
        user.pending_email = ""
    user.save(update_fields=["email", "pending_email"])
    record(
        codes.ACCOUNT_EMAIL_CHANGED,
        actor=user,
        target=user,
        data={"old_email": old_email, "new_email": new_email},
    )
    return user


@transaction.atomic
def set_preferred_language(*, user: User, language: str) -> None:
    if user.preferred_language == language:
        return
    old = user.preferred_language
    user.preferred_language = language
    user.save(update_fields=["preferred_language"])
    record(
        codes.ACCOUNT_LANGUAGE_CHANGED,
        actor=user,
        target=user,
        data={"from": old, "to": language},
    )


def record_logout(user: User) -> None:
    record(codes.ACCOUNT_LOGOUT, actor=user, target=user)


# The outcomes of a staff member's second-factor step, by the code of their audit row.
TWO_FACTOR_OUTCOMES = {
    "enabled": codes.ACCOUNT_TWO_FACTOR_ENABLED,
    "verified": codes.ACCOUNT_TWO_FACTOR_VERIFIED,
    "failed": codes.ACCOUNT_TWO_FACTOR_FAILED,
}


def record_two_factor(user: User, outcome: str) -> None:
    record(TWO_FACTOR_OUTCOMES[outcome], actor=user, target=user)


def record_login(user: User) -> None:
    record(codes.ACCOUNT_LOGIN, actor=user, target=user)


def record_login_failure(login: str) -> None:
    record(codes.ACCOUNT_LOGIN_FAILED, data={"login": without_nul(login[:150])})


def record_login_locked(login: str) -> None:
    """An attempt refused by a rate limit (the password was not even checked).

    Audited once per account (or typed value) and quarter of an hour: a script hammering a
    locked account must not turn the audit log into its own denial of service.
    """
    key = User.objects.rate_limit_key(login)
    # The rate limits' own cache, which keeps counting in memory when Redis is down.
    counters = caches[settings.RATELIMIT_USE_CACHE]
    if not counters.add(f"audit:login-locked:{hash_token(key)}", 1, timeout=15 * 60):
        return
    target = User.objects.for_login(login).first()
    record(
        codes.ACCOUNT_LOGIN_LOCKED,
        target=target,
        data={"login": without_nul(login[:150])},
    )


@transaction.atomic
def purge_never_activated(now=None) -> list[str]:
    """Delete candidate accounts never activated whose activation links have all expired.

    Their dossier numbers stay reserved in IssuedDossierNumber, so none is ever reissued.
    """
    now = now or timezone.now()
    cutoff_accounts = list(User.objects.never_activated_before(now))
    numbers = []
    for user in cutoff_accounts:
        numbers.append(user.username)
        record(codes.ACCOUNT_PURGED, target=user, data={"dossier_number": user.username})
        user.delete()
    return numbers
