import factory
from django.utils import timezone

from ecandidat.accounts.enums import UserKind
from ecandidat.accounts.models import IssuedDossierNumber, User

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
