"""Which account a checked university identity opens, and what is recorded."""

import datetime
import re

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.urls import reverse
from django.utils import timezone

from ecandidat.accounts.enums import StaffRole, UserKind
from ecandidat.accounts.models import RoleAssignment, User
from ecandidat.audit.models import AuditEvent
from ecandidat.dossier.models import LocalStudy, PersonalInformation
from ecandidat.identity import services
from ecandidat.identity.assertion import SignedInIdentity
from ecandidat.identity.enums import Audience, Protocol, Refusal
from ecandidat.identity.models import ConsumedAssertion, SignInSession, UniversityIdentity
from ecandidat.identity.services import SignInRefused
from ecandidat.notifications.models import OutboxEmail
from tests.factories import UserFactory, staff_with_role
from tests.sso.people import STAFF_MANAGER, STUDENT, STUDENT_WITH_LOCAL_ACCOUNT, Person

pytestmark = pytest.mark.django_db


def identity_of(person: Person, protocol=Protocol.CAS, **kwargs) -> SignedInIdentity:
    return SignedInIdentity(
        protocol=protocol,
        issuer="https://idp.univ-test.fr",
        identifier=kwargs.pop("identifier", person.uid),
        attributes=person.attributes(),
        **kwargs,
    )


def refusals():
    events = AuditEvent.objects.filter(action="sso.refused").order_by("pk")
    return list(events.values_list("data", flat=True))


def test_a_known_identity_opens_its_staff_account_and_grants_nothing():
    manager = staff_with_role(StaffRole.CANDIDATE_MANAGER, university_id="MDurand")
    roles_before = list(RoleAssignment.objects.filter(user=manager).values_list("role"))
    assert services.staff_account(identity=identity_of(STAFF_MANAGER)) == manager
    assert list(RoleAssignment.objects.filter(user=manager).values_list("role")) == roles_before
    assert not manager.is_superuser


def test_an_unknown_identity_is_refused_with_a_clear_message_and_audited():
    UserFactory(university_id=STAFF_MANAGER.uid)  # a candidate account does not open staff
    with pytest.raises(SignInRefused) as refused:
        services.staff_account(identity=identity_of(STAFF_MANAGER))
    assert refused.value.refusal == Refusal.UNKNOWN_IDENTITY
    assert "central office" in refused.value.message
    assert refusals() == [
        {
            "refusal": "unknown_identity",
            "protocol": "cas",
            "audience": "staff",
            "issuer": "https://idp.univ-test.fr",
            "identifier": "mdurand",
            "detail": "",
        }
    ]
    assert not User.objects.filter(kind=UserKind.STAFF).exists()


def test_a_deactivated_staff_account_and_a_missing_identifier_are_refused():
    staff_with_role(StaffRole.CANDIDATE_MANAGER, university_id=STAFF_MANAGER.uid, is_active=False)
    with pytest.raises(SignInRefused) as refused:
        services.staff_account(identity=identity_of(STAFF_MANAGER))
    assert refused.value.refusal == Refusal.INACTIVE_ACCOUNT
    with pytest.raises(SignInRefused) as refused:
        services.staff_account(identity=identity_of(STAFF_MANAGER, identifier=" \x00 "))
    assert refused.value.refusal == Refusal.MISSING_IDENTIFIER
    assert [r["refusal"] for r in refusals()] == ["inactive_account", "missing_identifier"]


def test_an_assertion_is_accepted_once():
    expires = timezone.now() + datetime.timedelta(minutes=5)
    kwargs = {"protocol": Protocol.SAML, "identifier": "_a1", "expires_at": expires}
    services.consume_assertion(**kwargs, audience=Audience.STAFF)
    with pytest.raises(SignInRefused) as refused:
        services.consume_assertion(**kwargs, audience=Audience.STAFF)
    assert refused.value.refusal == Refusal.REPLAYED
    assert ConsumedAssertion.objects.count() == 1
    # Forgotten once past its validity (it could not be accepted by then anyway).
    assert services.prune(now=expires + datetime.timedelta(seconds=1)) == (1, 0)


def test_single_logout_ends_the_session_the_ticket_opened():
    manager = staff_with_role(StaffRole.CANDIDATE_MANAGER, university_id=STAFF_MANAGER.uid)
    session = SessionStore()
    session["marker"] = 1
    session.create()
    other = SessionStore()
    other.create()
    identity = identity_of(STAFF_MANAGER, session_index="ST-1-abc")
    services.record_sign_in(
        user=manager, identity=identity, audience=Audience.STAFF, session_key=session.session_key
    )
    assert services.end_sessions(protocol=Protocol.CAS, session_index="ST-other") == 0
    assert services.end_sessions(protocol=Protocol.CAS, session_index="ST-1-abc") == 1
    assert not SessionStore().exists(session.session_key)
    assert SessionStore().exists(other.session_key)
    assert not SignInSession.objects.exists()
    assert AuditEvent.objects.filter(action="sso.single_logout", target_id=str(manager.pk)).exists()


def test_a_student_signing_in_the_first_time_gets_an_account_with_their_studies(tmp_path):
    LocalStudy.objects.create(
        student_number=STUDENT.student_number,
        academic_year="2024-2025",
        program_code="L1INF",
        program_label="Licence 1 Informatique",
    )
    outcome = services.student_account(identity=identity_of(STUDENT), language="fr")
    student = outcome.user
    assert outcome.to_link is None
    assert (student.kind, student.university_id) == (UserKind.CANDIDATE, STUDENT.uid)
    assert (student.first_name, student.last_name, student.email) == (
        "Léa",
        "Petit",
        STUDENT.mail,
    )
    assert student.is_activated and not student.has_usable_password()
    identity = UniversityIdentity.objects.get(user=student)
    assert (identity.student_number, identity.ine) == ("21900001", "1234567890V")
    assert identity.birth_date == datetime.date(2003, 4, 15)
    assert list(student.local_studies.values_list("program_code", flat=True)) == ["L1INF"]
    assert AuditEvent.objects.filter(action="account.student_created").count() == 1
    # The next time, the same account.
    again = services.student_account(identity=identity_of(STUDENT), language="en")
    assert again.user == student
    assert User.objects.candidates().count() == 1


def test_a_local_account_with_the_same_ine_or_email_is_linked_not_duplicated(referentials):
    by_ine = UserFactory(email="hugo.personal@example.org")
    PersonalInformation.objects.create(
        user=by_ine,
        nationality_id="FR",
        ine=STUDENT_WITH_LOCAL_ACCOUNT.ine,
        title="M.",
        birth_date="2002-01-01",
        birth_country_id="FR",
    )
    by_ine.set_password("local-Password-1")
    by_ine.save()
    outcome = services.student_account(
        identity=identity_of(STUDENT_WITH_LOCAL_ACCOUNT), language="fr"
    )
    assert (outcome.user, outcome.to_link) == (None, by_ine)
    identity = identity_of(STUDENT_WITH_LOCAL_ACCOUNT)
    assert not services.link_with_password(identity=identity, account=by_ine, password="wrong")
    assert services.link_with_password(
        identity=identity, account=by_ine, password="local-Password-1"
    )
    by_ine.refresh_from_db()
    assert by_ine.university_id == STUDENT_WITH_LOCAL_ACCOUNT.uid
    assert (by_ine.first_name, by_ine.last_name) == ("Hugo", "Bernard")
    assert services.student_account(identity=identity, language="fr").user == by_ine
    assert User.objects.candidates().count() == 1
    assert AuditEvent.objects.filter(action="account.identity_linked").count() == 1

    by_email = UserFactory(email=STUDENT.mail.upper())
    assert services.student_account(identity=identity_of(STUDENT), language="fr").to_link == (
        by_email
    )


def test_the_emailed_link_proves_the_address_once(settings):
    account = UserFactory(email=STUDENT.mail)
    identity = identity_of(STUDENT, protocol=Protocol.OIDC)
    services.request_link_email(identity=identity, account=account)
    body = OutboxEmail.objects.get(template="identity_link").delivered_bodies()[0]
    raw = re.search(re.escape(settings.SITE_URL) + r"/account/link/(\S+)/", body).group(1)
    assert services.confirm_link_email(raw_token=raw) == account
    account.refresh_from_db()
    assert account.university_id == STUDENT.uid
    assert UniversityIdentity.objects.get(user=account).protocol == Protocol.OIDC
    with pytest.raises(services.account_services.AccountError):
        services.confirm_link_email(raw_token=raw)


def test_a_students_identity_fields_are_read_only_in_the_dossier(client, referentials):
    from tests.dossier.test_dossier_views import PERSONAL  # noqa: PLC0415 (one shared sample)

    student = services.student_account(identity=identity_of(STUDENT), language="en").user
    client.force_login(student)
    page = client.get(reverse("candidate:dossier_personal") + "?edit").content.decode()
    assert "From the university's records" in page and "disabled" in page
    tampered = {**PERSONAL, "last_name": "FORGED", "birth_date": "1990-01-01", "ine": ""}
    response = client.post(reverse("candidate:dossier_personal"), tampered)
    assert response.status_code == 302, response.context["form"].errors
    info = PersonalInformation.objects.get(user=student)
    student.refresh_from_db()
    assert student.last_name == "Petit"
    assert (info.birth_date, info.ine, info.student_number) == (
        datetime.date(2003, 4, 15),
        STUDENT.ine,
        STUDENT.student_number,
    )
