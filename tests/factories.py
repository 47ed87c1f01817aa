import factory
from django.utils import timezone

from ecandidat.accounts.enums import UserKind
from ecandidat.accounts.models import IssuedDossierNumber, RoleAssignment, User
from ecandidat.applications.enums import SUBMITTED_STATUSES, FileStatus
from ecandidat.applications.models import Application
from ecandidat.decisions.models import DecisionType
from ecandidat.decisions.services import refresh_decision_kind

PASSWORD = "correct horse battery staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"T{n:07d}")
    kind = UserKind.CANDIDATE
    last_name = factory.Faker("last_name")
    first_name = factory.Faker("first_name")
    email = factory.Sequence(lambda n: f"candidate{n}@example.org")
    preferred_language = "en"
    activated_at = factory.LazyFunction(timezone.now)

    @factory.post_generation
    def password(obj, create, extracted, **kwargs):
        obj.set_password(extracted or PASSWORD)
        if create:
            obj.save(update_fields=["password"])

    @factory.post_generation
    def issued(obj, create, extracted, **kwargs):
        if create and obj.kind == UserKind.CANDIDATE:
            IssuedDossierNumber.objects.get_or_create(number=obj.username)

    class Params:
        not_activated = factory.Trait(activated_at=None)
        staff = factory.Trait(
            kind=UserKind.STAFF,
            is_staff=True,
            username=factory.Sequence(lambda n: f"staff{n}"),
        )


class CentreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "catalog.Centre"

    code = factory.Sequence(lambda n: f"C{n}")
    label = factory.Sequence(lambda n: f"Centre {n}")


class TrainingTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "catalog.TrainingType"
        django_get_or_create = ("code",)

    code = "LP"
    label_fr = "Licence Professionnelle"
    label_en = "Licence Professionnelle"


class CommissionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "catalog.Commission"

    code = factory.Sequence(lambda n: f"COM{n}")
    label = factory.Sequence(lambda n: f"Commission {n}")
    centre = factory.SubFactory(CentreFactory)


class ProgramFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "catalog.Program"

    code = factory.Sequence(lambda n: f"P{n}")
    label_fr = factory.Sequence(lambda n: f"Formation {n}")
    label_en = factory.Sequence(lambda n: f"Program {n}")
    centre = factory.SubFactory(CentreFactory)
    training_type = factory.SubFactory(TrainingTypeFactory)
    commission = factory.SubFactory(CommissionFactory, centre=factory.SelfAttribute("..centre"))
    opens_at = factory.LazyFunction(lambda: timezone.now() - timezone.timedelta(days=1))
    closes_at = factory.LazyFunction(lambda: timezone.now() + timezone.timedelta(days=30))


def staff_with_role(role, *, centre=None, commission=None, **kwargs):
    user = UserFactory(staff=True, **kwargs)
    RoleAssignment.objects.create(user=user, role=role, centre=centre, commission=commission)
    return user


def put_in_state(application, status):
    """Move an application straight to ``status`` for a test, with the timestamps the
    database requires of that state (submitted_at once transmitted, cancelled_at)."""

    now = timezone.now()
    Application.objects.filter(pk=application.pk).update(
        file_status=status,
        submitted_at=now if status in SUBMITTED_STATUSES else None,
        cancelled_at=now if status == FileStatus.CANCELLED else None,
    )
    application.refresh_from_db()
    return application


class CampaignFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "catalog.Campaign"
        django_get_or_create = ("code",)

    code = "C"
    label_fr = "Campagne"
    starts_on = factory.LazyFunction(lambda: timezone.localdate() - timezone.timedelta(days=30))
    candidate_ends_on = factory.LazyFunction(
        lambda: timezone.localdate() + timezone.timedelta(days=100)
    )
    ends_on = factory.LazyFunction(lambda: timezone.localdate() + timezone.timedelta(days=200))
    status = "active"


class ApplicationFactory(factory.django.DjangoModelFactory):
    """An application; the traits put it where a test needs it, with the timestamps the
    database constraints require of that state:
    ``ApplicationFactory(received=True)``, ``(cancelled=True)``, ``(confirmed=True)``…"""

    class Meta:
        model = "applications.Application"

    candidate = factory.SubFactory(UserFactory)
    program = factory.SubFactory(ProgramFactory)
    campaign = factory.SubFactory(CampaignFactory)
    treatment = "controlled"
    file_status = "waiting"

    class Params:
        received = factory.Trait(
            file_status="received", submitted_at=factory.LazyFunction(timezone.now)
        )
        complete = factory.Trait(
            file_status="complete", submitted_at=factory.LazyFunction(timezone.now)
        )
        incomplete = factory.Trait(
            file_status="incomplete", submitted_at=factory.LazyFunction(timezone.now)
        )
        cancelled = factory.Trait(
            file_status="cancelled", cancelled_at=factory.LazyFunction(timezone.now)
        )
        # An answer to an offer (give the application a validated favourable decision too).
        confirmed = factory.Trait(
            received=True, answer="confirmed", answered_at=factory.LazyFunction(timezone.now)
        )
        withdrawn = factory.Trait(
            received=True, answer="withdrawn", answered_at=factory.LazyFunction(timezone.now)
        )


def decision_type(kind: str):
    """The central decision type of ``kind`` (seeded by a migration; recreated after a
    transactional test flushed the table)."""

    code = {"favourable": "FAV", "unfavourable": "DEF", "waiting_list": "LA"}.get(kind, kind[:3])
    found = DecisionType.objects.filter(kind=kind, centre__isnull=True).order_by("pk").first()
    return found or DecisionType.objects.create(code=code, kind=kind, label_fr=code, label_en=code)


class DecisionFactory(factory.django.DjangoModelFactory):
    """A decision, entered by default; traits: ``scheduled``, ``validated``, and the kind
    (``favourable`` by default, ``unfavourable``, ``complementary`` with ``rank``)."""

    class Meta:
        model = "decisions.Decision"
        skip_postgeneration_save = True

    application = factory.SubFactory(ApplicationFactory, received=True)
    decision_type = factory.LazyFunction(lambda: decision_type("favourable"))

    class Params:
        scheduled = factory.Trait(
            publish_at=factory.LazyFunction(lambda: timezone.now() - timezone.timedelta(minutes=1))
        )
        validated = factory.Trait(validated_at=factory.LazyFunction(timezone.now))
        unfavourable = factory.Trait(
            decision_type=factory.LazyFunction(lambda: decision_type("unfavourable"))
        )
        complementary = factory.Trait(
            decision_type=factory.LazyFunction(lambda: decision_type("complementary_list")),
            rank=1,
        )

    @factory.post_generation
    def recorded_on_application(obj, create, extracted, **kwargs):
        # A validated decision created directly (not through validate_decision) is recorded
        # on its application by the same code the services and bulk imports use.
        if create and obj.validated_at is not None:
            refresh_decision_kind(Application.objects.filter(pk=obj.application_id))
            obj.application.refresh_from_db(fields=["decision_kind"])
