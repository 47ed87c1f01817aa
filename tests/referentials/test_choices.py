"""The cached reference lists: sorted as a reader expects in each language, and forgotten
when their rows change (a save, or the bulk import)."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from ecandidat.referentials import choices
from ecandidat.referentials.importer import import_all
from ecandidat.referentials.models import Commune, Country

pytestmark = pytest.mark.django_db


def labels(pairs):
    return [label for _code, label in pairs]


def test_countries_sorted_in_the_page_language_ignoring_accents(referentials):
    with translation.override("fr"):
        french = labels(choices.countries())
    with translation.override("en"):
        english = labels(choices.countries())
    assert french.index("Égypte") < french.index("Espagne") < french.index("Zimbabwe")
    assert english.index("Egypt") < english.index("Spain")
    assert french == sorted(french, key=choices.collation_key)
    assert english == sorted(english, key=choices.collation_key)
    assert "Germany" in english and "Allemagne" in french


def test_a_list_is_read_once_then_served_from_the_cache(referentials):
    choices.countries()
    with CaptureQueriesContext(connection) as ctx:
        choices.countries()
        choices.departments()
        choices.departments()
    assert len(ctx) == 1  # departments, once


def test_a_changed_country_is_seen_at_once(referentials):
    with translation.override("en"):
        choices.countries()
        country = Country.objects.get(pk="DE")
        country.name_en = "Deutschland"
        country.save()
        assert "Deutschland" in labels(choices.countries())


def test_the_towns_of_a_department_are_cached_and_forgotten_on_change(referentials):
    towns = choices.communes_in("75")
    assert towns and all(code.startswith("75") for code, _name in towns)
    Commune.objects.filter(pk=towns[0][0]).update(name="Renamed")  # no signal: still cached
    assert "Renamed" not in labels(choices.communes_in("75"))
    Commune.objects.get(pk=towns[0][0]).save()  # a save forgets every department's list
    assert "Renamed" in labels(choices.communes_in("75"))


def test_the_import_forgets_the_lists(referentials):
    choices.communes_in("75")
    with translation.override("en"):
        choices.countries()
    assert cache.get(choices.COMMUNES_GENERATION) is not None
    assert cache.get(f"{choices.COUNTRIES}:en") is not None
    import_all(log=lambda *args: None)
    assert cache.get(choices.COMMUNES_GENERATION) is None
    assert cache.get(f"{choices.COUNTRIES}:en") is None
