"""Pégase's limits where the candidate types: the address lines and the town abroad at 38
characters, the names at 100, each with the limit shown beside the field; the characters
the registration files cannot carry refused with a reason. A longer value stored before
stays as it was until the section is saved again."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from ecandidat.dossier.limits import ADDRESS_LINE_MAX_LENGTH, NAME_MAX_LENGTH
from ecandidat.dossier.models import Address
from tests.dossier.test_dossier_views import ADDRESS, PERSONAL
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ADDRESS_URL = "candidate:dossier_address"


@pytest.fixture
def candidate(client, referentials):
    user = UserFactory(last_name="LEBRUN", first_name="LAURENT")
    client.force_login(user)
    return user


@pytest.mark.parametrize("field", ["line1", "line2", "line3"])
def test_an_address_line_takes_38_characters_and_says_so(client, candidate, field):
    page = client.get(reverse(ADDRESS_URL)).content.decode()
    assert f'maxlength="{ADDRESS_LINE_MAX_LENGTH}"' in page
    assert "At most 38 characters (the limit of the student information system)." in page
    fits = client.post(reverse(ADDRESS_URL), {**ADDRESS, field: "x" * 38})
    assert fits.status_code == 302
    assert getattr(Address.objects.get(), field) == "x" * 38
    too_long = client.post(reverse(ADDRESS_URL), {**ADDRESS, field: "y" * 39})
    assert too_long.status_code == 200
    assert "at most 38 characters" in str(too_long.context["form"].errors[field])


def test_the_town_abroad_takes_38_characters(client, candidate):
    abroad = {**ADDRESS, "country": "DE", "postal_code": "10115", "commune": ""}
    too_long = client.post(reverse(ADDRESS_URL), {**abroad, "town_abroad": "B" * 39})
    assert "town_abroad" in too_long.context["form"].errors
    assert client.post(reverse(ADDRESS_URL), {**abroad, "town_abroad": "Berlin"}).status_code == 302


@pytest.mark.parametrize("typed", ["12; rue X", 'Résidence "Les Pins"', "Bât. A\nEsc. 2"])
def test_what_the_files_cannot_carry_is_refused_with_a_reason(client, candidate, typed):
    response = client.post(reverse(ADDRESS_URL), {**ADDRESS, "line1": typed})
    assert response.status_code == 200
    assert "use a comma or an apostrophe" in str(response.context["form"].errors["line1"])
    assert not Address.objects.exists()


def test_the_names_take_100_characters_and_say_so(client, candidate):
    url = reverse("candidate:dossier_personal")
    page = client.get(url).content.decode()
    assert "At most 100 characters (the limit of the student information system)." in page
    assert f'maxlength="{NAME_MAX_LENGTH}"' in page
    response = client.post(url, {**PERSONAL, "other_first_name": "A" * 101})
    assert "other_first_name" in response.context["form"].errors
    response = client.post(url, {**PERSONAL, "other_first_name": "A" * 100})
    assert response.status_code == 302
    signup = client.get(reverse("public:signup")).content.decode()
    assert "At most 100 characters" in signup


def test_a_longer_line_stored_before_is_kept_and_the_model_refuses_a_new_one(candidate):
    # What an import or the time before the limit left: kept as it is, never cut...
    address = Address.objects.create(
        user=candidate, country_id="FR", postal_code="76130", commune_id="76451", line1="z" * 60
    )
    address.refresh_from_db()
    assert address.line1 == "z" * 60
    # ...and refused by the model's own validation from now on.
    with pytest.raises(ValidationError, match="at most 38"):
        address.full_clean()
