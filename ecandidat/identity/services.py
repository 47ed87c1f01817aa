"""Signing in through the university: which account an identity opens, and what is recorded.

The protocol clients (``www.sso``) have checked the identity provider's answer with their
library (signature, audience, dates, ticket, nonce); these services decide what it opens:

- staff: the staff account whose ``university_id`` is the identifier. Signing in never
  creates a staff account and never grants a role: roles stay in the back office. An
  unknown identity is refused ("no access yet, ask your central office") and audited.
- students: the candidate account of that identifier; the first time, one is created from
  the directory's attributes, unless a local account already holds the same INE or email:
  then the student proves it is theirs (password or emailed link) and the two are linked.

Every refusal is a ``SignInRefused`` (its text is the page the person sees) with an audit
row; ``ConsumedAssertion`` makes an assertion usable once; ``SignInSession`` lets a
single-logout request end the session a ticket opened.
"""

import datetime
import logging
from dataclasses import asdict, dataclass
from importlib import import_module

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ecandidat.accounts import services as account_services
from ecandidat.accounts.dossier_numbers import allocate_dossier_number
from ecandidat.accounts.enums import TokenPurpose, UserKind
from ecandidat.accounts.models import User
from ecandidat.audit import codes
from ecandidat.audit.services import record
from ecandidat.common.errors import DomainError
from ecandidat.dossier.local_studies import claim_pending
from ecandidat.dossier.models import PersonalInformation
from ecandidat.notifications.services import send_email

from .assertion import SignedInIdentity
from .enums import Audience, Protocol, Refusal
from .models import ConsumedAssertion, SignInSession, UniversityIdentity

logger = logging.getLogger("ecandidat.identity")

LINK_LIFETIME = datetime.timedelta(hours=1)

REFUSAL_MESSAGES = {
    (Refusal.UNKNOWN_IDENTITY, Audience.STAFF): _(
        "You have no access to eCandidat yet. Ask your central office to create your staff "
        "account: they will find you in the university directory."
    ),
    (Refusal.INACTIVE_ACCOUNT, Audience.STAFF): _(
        "Your staff account is deactivated. Ask your central office."
    ),
    (Refusal.INACTIVE_ACCOUNT, Audience.STUDENT): _(
        "Your eCandidat account is deactivated. Contact the admissions office."
    ),
    Refusal.MISSING_IDENTIFIER: _(
        "The university sign-in did not send your identifier. Contact the university's IT "
        "help desk."
    ),
    Refusal.INVALID_RESPONSE: _(
        "The answer of the university sign-in could not be checked, so you are not signed "
        "in. Try again from the sign-in page."
    ),
    Refusal.REPLAYED: _(
        "This sign-in answer has already been used. Start again from the sign-in page."
    ),
    Refusal.PROVIDER_UNAVAILABLE: _(
        "The university sign-in is not answering at the moment. Try again in a few "
        "minutes, or sign in with your eCandidat password."
    ),
}


def refusal_message(refusal: str, audience: str):
    return REFUSAL_MESSAGES.get((refusal, audience)) or REFUSAL_MESSAGES.get(
        refusal, REFUSAL_MESSAGES[Refusal.INVALID_RESPONSE]
    )


class SignInRefused(DomainError):
    def __init__(self, refusal: str, audience: str):
        self.refusal = refusal
        self.audience = audience
        super().__init__(refusal_message(refusal, audience))


def refuse(
    refusal: str,
    *,
    protocol: str,
    audience: str,
    issuer: str = "",
    identifier: str = "",
    detail: str = "",
) -> SignInRefused:
    """Audit and log a refused sign-in; returns the exception for the caller to raise."""
    data = {
        "refusal": str(refusal),
        "protocol": str(protocol),
        "audience": str(audience),
        "issuer": issuer[:255],
        "identifier": identifier[:150],
        "detail": detail.replace("\x00", "")[:500],
    }
    record(codes.SSO_REFUSED, data=data)
    logger.warning("sign-in through %s refused (%s): %s", protocol, refusal, data)
    return SignInRefused(refusal, audience)


def _require_identifier(identity: SignedInIdentity, audience: str) -> str:
    identifier = identity.identifier.replace("\x00", "").strip()[:150]
    if not identifier:
        raise refuse(
            Refusal.MISSING_IDENTIFIER,
            protocol=identity.protocol,
            audience=audience,
            issuer=identity.issuer,
        )
    return identifier


def staff_account(*, identity: SignedInIdentity) -> User:
    """The staff account this identity opens; ``SignInRefused`` otherwise (audited)."""
    identifier = _require_identifier(identity, Audience.STAFF)
    user = User.objects.filter(
        kind=UserKind.STAFF, is_staff=True, university_id__iexact=identifier
    ).first()
    if user is None or not user.is_active:
        raise refuse(
            Refusal.UNKNOWN_IDENTITY if user is None else Refusal.INACTIVE_ACCOUNT,
            protocol=identity.protocol,
            audience=Audience.STAFF,
            issuer=identity.issuer,
            identifier=identifier,
        )
    return user


def consume_assertion(
    *,
    protocol: str,
    identifier: str,
    expires_at: datetime.datetime,
    audience: str,
    issuer: str = "",
) -> None:
    """Accept the assertion ``identifier`` once: a second use, even at the same moment in
    another request, is refused (the unique constraint decides, not a prior read)."""
    try:
        with transaction.atomic():
            ConsumedAssertion.objects.create(
                protocol=protocol, identifier=identifier[:255], expires_at=expires_at
            )
    except IntegrityError:
        raise refuse(
            Refusal.REPLAYED,
            protocol=protocol,
            audience=audience,
            issuer=issuer,
            detail=f"assertion {identifier[:200]}",
        ) from None


def record_sign_in(
    *, user: User, identity: SignedInIdentity, audience: str, session_key: str
) -> None:
    """Audit the sign-in and remember which session the ticket opened (single logout)."""
    record(
        codes.SSO_SIGNED_IN,
        actor=user,
        target=user,
        data={
            "protocol": str(identity.protocol),
            "issuer": identity.issuer[:255],
            "audience": str(audience),
            "multi_factor": identity.multi_factor,
        },
    )
    if identity.session_index and session_key:
        SignInSession.objects.create(
            user=user,
            protocol=identity.protocol,
            session_index=identity.session_index[:255],
            session_key=session_key,
        )


def end_sessions(*, protocol: str, session_index: str) -> int:
    """Single logout: end every session the identity provider's ``session_index`` (a CAS
    service ticket, a SAML SessionIndex) opened. Returns how many were ended."""
    rows = list(
        SignInSession.objects.filter(
            protocol=protocol, session_index=session_index[:255]
        ).select_related("user")
    )
    store = import_module(settings.SESSION_ENGINE).SessionStore
    for row in rows:
        store(session_key=row.session_key).delete()
        record(
            codes.SSO_SINGLE_LOGOUT,
            target=row.user,
            data={"protocol": str(protocol)},
        )
    SignInSession.objects.filter(pk__in=[row.pk for row in rows]).delete()
    return len(rows)


def prune(now=None) -> tuple[int, int]:
    """Forget consumed assertions past their validity and session links older than any
    session can live (periodic job)."""
    now = now or timezone.now()
    assertions, _ = ConsumedAssertion.objects.filter(expires_at__lt=now).delete()
    oldest = now - datetime.timedelta(seconds=settings.SESSION_COOKIE_AGE)
    sessions, _ = SignInSession.objects.filter(created_at__lt=oldest).delete()
    return assertions, sessions


# Students ------------------------------------------------------------------------------


@dataclass(frozen=True)
class StudentOutcome:
    """Either the account to sign in, or a local account the student must prove first."""

    user: User | None = None
    to_link: User | None = None


def _remember_identity(user: User, identity: SignedInIdentity) -> None:
    UniversityIdentity.objects.update_or_create(
        user=user,
        defaults={
            "protocol": identity.protocol,
            "issuer": identity.issuer[:255],
            "student_number": identity.student_number,
            "ine": identity.ine,
            "birth_date": identity.birth_date,
        },
    )
    claim_pending(user, student_number=identity.student_number, ine=identity.ine)


def _local_account_of(identity: SignedInIdentity) -> User | None:
    """A candidate account not yet linked that the same person may have made by hand."""
    unlinked = User.objects.candidates().filter(university_id="")
    if identity.ine:
        owner = PersonalInformation.objects.filter(
            ine__iexact=identity.ine, user__in=unlinked
        ).values_list("user_id", flat=True)
        account = unlinked.filter(pk__in=owner).first()
        if account is not None:
            return account
    if identity.email:
        return unlinked.with_email(identity.email).first()
    return None


def student_account(*, identity: SignedInIdentity, language: str) -> StudentOutcome:
    """The candidate account of a student signing in through the university."""
    identifier = _require_identifier(identity, Audience.STUDENT)
    user = User.objects.candidates().filter(university_id__iexact=identifier).first()
    if user is not None:
        if not user.is_active:
            raise refuse(
                Refusal.INACTIVE_ACCOUNT,
                protocol=identity.protocol,
                audience=Audience.STUDENT,
                issuer=identity.issuer,
                identifier=identifier,
            )
        _remember_identity(user, identity)
        return StudentOutcome(user=user)
    local = _local_account_of(identity)
    if local is not None:
        return StudentOutcome(to_link=local)
    return StudentOutcome(user=_create_student(identity, identifier, language))


def _create_student(identity: SignedInIdentity, identifier: str, language: str) -> User:
    try:
        with transaction.atomic():
            user = User(
                username=allocate_dossier_number(),
                kind=UserKind.CANDIDATE,
                last_name=" ".join(identity.last_name.split()),
                first_name=" ".join(identity.first_name.split()),
                email=account_services.normalize_email(identity.email),
                preferred_language=language,
                university_id=identifier,
                activated_at=timezone.now(),  # the university vouched for the person
            )
            # No password: the university's sign-in is how this account is opened.
            user.set_unusable_password()
            user.save()
            _remember_identity(user, identity)
            record(
                codes.ACCOUNT_STUDENT_CREATED,
                target=user,
                data={"protocol": str(identity.protocol), "issuer": identity.issuer[:255]},
            )
    except IntegrityError:
        # The same student's first sign-in in two tabs: the other one created the account.
        user = User.objects.candidates().filter(university_id__iexact=identifier).first()
        if user is None:
            raise
    return user


def link_with_password(*, identity: SignedInIdentity, account: User, password: str) -> bool:
    """Link the student's identity to ``account`` if ``password`` is its password."""
    if not account.has_usable_password() or not account.check_password(password):
        record(
            codes.ACCOUNT_LOGIN_FAILED,
            target=account,
            data={"login": account.username, "via": "identity_link"},
        )
        return False
    _link(account, identity, proof="password")
    return True


def identity_data(identity: SignedInIdentity) -> dict:
    """The identity as JSON (kept in a session or a link token until the student proves
    which local account is theirs)."""
    data = asdict(identity)
    data["protocol"] = str(identity.protocol)
    return data


def identity_from_data(data: dict) -> SignedInIdentity:
    return SignedInIdentity(
        protocol=Protocol(data["protocol"]),
        issuer=str(data.get("issuer", "")),
        identifier=str(data.get("identifier", "")),
        attributes={
            str(name): [str(v) for v in values]
            for name, values in (data.get("attributes") or {}).items()
        },
        multi_factor=bool(data.get("multi_factor")),
    )


def request_link_email(*, identity: SignedInIdentity, account: User) -> None:
    """Email ``account``'s address a link that proves the student owns it."""
    reference, token = account_services.issue_token(
        account, TokenPurpose.IDENTITY_LINK, LINK_LIFETIME, data=identity_data(identity)
    )
    send_email(
        "identity_link",
        to=account.email,
        user=account,
        language=account.preferred_language,
        context={
            "first_name": account.first_name,
            "last_name": account.last_name,
            "dossier_number": account.username,
            "link": account_services.secret_link("public:identity_link"),
            "valid_until": account_services.format_deadline(
                token.expires_at, account.preferred_language
            ),
        },
        secret_reference=reference,
    )
    record(codes.ACCOUNT_IDENTITY_LINK_REQUESTED, target=account)


@transaction.atomic
def confirm_link_email(*, raw_token: str) -> User:
    """The emailed link was followed: link the identity it carries (once)."""
    token = account_services.consume_token(raw_token, TokenPurpose.IDENTITY_LINK)
    _link(token.user, identity_from_data(token.data), proof="email")
    return token.user


@transaction.atomic
def _link(account: User, identity: SignedInIdentity, *, proof: str) -> None:
    """From now on the university's sign-in opens ``account``; the directory's names win."""
    identifier = _require_identifier(identity, Audience.STUDENT)
    account.university_id = identifier
    fields = ["university_id"]
    for field, value in (("last_name", identity.last_name), ("first_name", identity.first_name)):
        if value:
            setattr(account, field, " ".join(value.split()))
            fields.append(field)
    account.save(update_fields=fields)
    _remember_identity(account, identity)
    record(
        codes.ACCOUNT_IDENTITY_LINKED,
        actor=account,
        target=account,
        data={"protocol": str(identity.protocol), "proof": proof},
    )
