import re

import pytest

from ecandidat.accounts import dossier_numbers
from ecandidat.accounts.dossier_numbers import (
    DossierNumberExhausted,
    allocate_dossier_number,
    random_dossier_number,
)
from ecandidat.accounts.models import IssuedDossierNumber
from ecandidat.catalog.models import InstitutionSettings
from tests.factories import UserFactory

FORMAT = re.compile(r"^[0-9A-Z]{8}$")


def test_random_numbers_have_the_format():
    numbers = {random_dossier_number() for _ in range(500)}
    assert all(FORMAT.match(n) for n in numbers)
    assert len(numbers) == 500  # 36^8 possibilities: a repeat here would mean a broken RNG


@pytest.mark.parametrize("prefix", ["R", "RU", "ru", "7"])
def test_prefix_replaces_the_first_characters(prefix):
    number = random_dossier_number(prefix)
    assert FORMAT.match(number)
    assert number.startswith(prefix.upper())


@pytest.mark.parametrize("prefix", ["RUU", "é", "R-"])
def test_invalid_prefix_is_refused(prefix):
    with pytest.raises(ValueError):
        random_dossier_number(prefix)


@pytest.mark.django_db
def test_allocation_uses_the_configured_prefix(settings):
    settings.DOSSIER_NUMBER_PREFIX = "RU"
    number = allocate_dossier_number()
    assert number.startswith("RU") and FORMAT.match(number)
    assert IssuedDossierNumber.objects.filter(number=number).exists()


@pytest.mark.django_db
def test_the_central_office_prefix_wins(settings):
    settings.DOSSIER_NUMBER_PREFIX = "RU"
    InstitutionSettings.objects.update_or_create(pk=1, defaults={"dossier_number_prefix": "Z9"})
    assert allocate_dossier_number().startswith("Z9")


@pytest.mark.django_db
def test_allocation_skips_numbers_already_issued_even_to_deleted_accounts(monkeypatch):
    deleted = UserFactory(username="AAAAAAAA")
    deleted.delete()  # the account is gone, its number stays reserved
    UserFactory(username="BBBBBBBB")
    draws = iter(["AAAAAAAA", "BBBBBBBB", "CCCCCCCC"])
    monkeypatch.setattr(dossier_numbers, "random_dossier_number", lambda prefix="": next(draws))
    assert allocate_dossier_number() == "CCCCCCCC"


@pytest.mark.django_db
def test_allocation_skips_a_staff_login_that_looks_like_a_number(monkeypatch):
    UserFactory(staff=True, username="abcd1234")
    draws = iter(["ABCD1234", "ZZZZ9999"])
    monkeypatch.setattr(dossier_numbers, "random_dossier_number", lambda prefix="": next(draws))
    assert allocate_dossier_number() == "ZZZZ9999"


@pytest.mark.django_db
def test_allocation_gives_up_after_repeated_collisions(monkeypatch):
    IssuedDossierNumber.objects.create(number="AAAAAAAA")
    monkeypatch.setattr(dossier_numbers, "random_dossier_number", lambda prefix="": "AAAAAAAA")
    with pytest.raises(DossierNumberExhausted):
        allocate_dossier_number(max_attempts=5)
