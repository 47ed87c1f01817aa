"""The reference lists behind the dossier's drop-downs, as ``(code, label)`` pairs sorted in
the active language, built once per language and kept in the cache.

The personal and baccalaureate forms show ~1,300 options (three lists of 250 countries, the
108 departments, the towns of a department); building them from the database and model
instances on every request was most of those pages' time. The rows change once a year (an
import, which forgets them: ``forget_model``), so a value may live longer than the general
cache timeout.
"""

import secrets
import unicodedata

from ecandidat.common.cache import cached, forget_on_change, language_key

from .models import Commune, Country, Department

TIMEOUT = 600
COUNTRIES = "ref:countries"
NATIONALITIES = "ref:nationalities"
DEPARTMENTS = "ref:departments"
COMMUNES = "ref:communes"  # + ":<generation>:<department>"
COMMUNES_GENERATION = "ref:communes:generation"


def collation_key(label: str) -> str:
    """Alphabetical order as a reader expects it: accents and case ignored (« Égypte »
    between « Équateur » and « Espagne », not after « Zimbabwe »)."""
    decomposed = unicodedata.normalize("NFKD", label)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def _sorted(pairs) -> list[tuple[str, str]]:
    return sorted(pairs, key=lambda pair: collation_key(pair[1]))


def countries() -> list[tuple[str, str]]:
    return cached(
        language_key(COUNTRIES),
        lambda: _sorted((c.pk, c.name) for c in Country.objects.all()),
        timeout=TIMEOUT,
    )


def nationalities() -> list[tuple[str, str]]:
    return cached(
        language_key(NATIONALITIES),
        lambda: _sorted((c.pk, c.nationality or c.name) for c in Country.objects.all()),
        timeout=TIMEOUT,
    )


def departments() -> list[tuple[str, str]]:
    """In code order (01, 02, 2A…), as on every French form."""
    return cached(
        DEPARTMENTS,
        lambda: [(d.pk, str(d)) for d in Department.objects.order_by("code")],
        timeout=TIMEOUT,
    )


def communes_in(department_code: str) -> list[tuple[str, str]]:
    # One key per department, all forgotten at once by changing the generation they carry.
    generation = cached(COMMUNES_GENERATION, _new_generation, timeout=TIMEOUT)
    return cached(
        f"{COMMUNES}:{generation}:{department_code}",
        lambda: list(
            Commune.objects.filter(department_id=department_code)
            .order_by("name")
            .values_list("pk", "name")
        ),
        timeout=TIMEOUT,
    )


def _new_generation() -> str:
    return secrets.token_hex(4)


def register() -> None:
    """Called by the app's ``ready()``: forget the lists whenever their rows change."""
    forget_on_change(Country, COUNTRIES, NATIONALITIES)
    forget_on_change(Department, DEPARTMENTS)
    forget_on_change(Commune, COMMUNES_GENERATION)
