import time

import pytest
from django.utils import translation

from ecandidat.referentials.importer import import_all
from ecandidat.referentials.models import (
    BacSeries,
    Commune,
    Country,
    Department,
    HighSchool,
    PostalCode,
)

pytestmark = pytest.mark.django_db


def test_import_is_complete_idempotent_and_fast(capsys):
    before = {m.__name__: m.objects.count() for m in (Country, Department, Commune, PostalCode)}
    started = time.monotonic()
    counts = import_all(log=lambda *a: None)
    elapsed = time.monotonic() - started
    after = {m.__name__: m.objects.count() for m in (Country, Department, Commune, PostalCode)}
    assert before == after  # the session already loaded it once: re-running adds nothing
    assert counts["communes"] > 34_000 and counts["postal codes"] > 35_000
    assert Department.objects.filter(code__in=["2A", "2B", "971", "976"]).count() == 4
    assert HighSchool.objects.count() > 5_000
    assert elapsed < 60, f"reference import took {elapsed:.1f} s"
    with capsys.disabled():
        print(f"\n[benchmark] reference data re-import: {elapsed:.2f} s")


@pytest.mark.parametrize(
    ("postal_code", "town"),
    [("76130", "Mont-Saint-Aignan"), ("76000", "Rouen"), ("75005", "Paris 5e Arrondissement")],
)
def test_postal_code_to_commune(postal_code, town):
    names = set(
        Commune.objects.filter(postal_codes__code=postal_code).values_list("name", flat=True)
    )
    assert town in names


def test_france_and_germany_have_insee_codes_and_nationalities():
    germany = Country.objects.get(pk="DE")
    assert Country.objects.get(pk="FR").insee_code == "99100"
    assert germany.insee_code == "99109"
    with translation.override("fr"):
        assert germany.nationality == "ALLEMAND(E)"
        assert germany.name == "Allemagne"
    with translation.override("en"):
        assert germany.nationality == "German"


@pytest.mark.parametrize(
    ("year", "present", "absent"),
    [
        (2015, {"S", "ES", "L", "STMG", "PRO"}, {"GEN", "STG", "A"}),
        (2010, {"S", "STG"}, {"STMG", "GEN"}),
        (2022, {"GEN", "STMG", "STI2D"}, {"S", "ES", "L"}),
        (1990, {"A", "C", "D"}, {"S", "GEN"}),
    ],
)
def test_series_are_filtered_by_year(year, present, absent):
    codes = set(BacSeries.objects.valid_in(year).values_list("code", flat=True))
    assert present <= codes
    assert not (absent & codes)
