"""Bulk import of the reference files in ``data/`` (idempotent: rows are upserted)."""

import csv
import gzip
import io
import time
from collections.abc import Iterator
from pathlib import Path

from django.db import transaction

from ecandidat.common.cache import forget_model

from .models import (
    BacSeries,
    BacSpeciality,
    Commune,
    Country,
    Department,
    HigherEducationEstablishment,
    HighSchool,
    Honours,
    PostalCode,
)

DATA_DIR = Path(__file__).resolve().parent / "data"
BATCH = 2000


def read_rows(name: str, data_dir: Path = DATA_DIR) -> Iterator[dict]:
    with gzip.open(data_dir / name, "rb") as raw:
        yield from csv.DictReader(io.TextIOWrapper(raw, encoding="utf-8"))


def _int(value: str) -> int | None:
    return int(value) if value else None


def _upsert(model, objects: list, unique_field: str) -> int:
    fields = [
        f.name for f in model._meta.concrete_fields if not f.primary_key and f.name != unique_field
    ]
    model.objects.bulk_create(
        objects,
        batch_size=BATCH,
        update_conflicts=True,
        unique_fields=[unique_field],
        update_fields=fields,
    )
    forget_model(model)  # a bulk change sends no signal: the cached lists are rebuilt
    return len(objects)


@transaction.atomic
def import_all(data_dir: Path = DATA_DIR, log=print) -> dict[str, int]:
    counts: dict[str, int] = {}
    started = time.monotonic()

    counts["countries"] = _upsert(
        Country,
        [
            Country(
                iso2=r["iso2"],
                iso3=r["iso3"],
                numeric=r["numeric"],
                insee_code=r["insee_code"],
                name_fr=r["name_fr"],
                name_en=r["name_en"],
                nationality_fr=r["nationality_fr"],
                nationality_fr_feminine=r["nationality_fr_feminine"],
                nationality_en=r["nationality_en"],
            )
            for r in read_rows("countries.csv.gz", data_dir)
        ],
        "iso2",
    )
    counts["departments"] = _upsert(
        Department,
        [
            Department(
                code=r["code"],
                name=r["name"],
                region_code=r["region_code"],
                region_name=r["region_name"],
            )
            for r in read_rows("departments.csv.gz", data_dir)
        ],
        "code",
    )
    counts["communes"] = _upsert(
        Commune,
        [
            Commune(insee_code=r["insee_code"], name=r["name"], department_id=r["department_code"])
            for r in read_rows("communes.csv.gz", data_dir)
        ],
        "insee_code",
    )
    postal = [
        PostalCode(code=r["postal_code"], commune_id=r["insee_code"])
        for r in read_rows("postal_codes.csv.gz", data_dir)
    ]
    PostalCode.objects.bulk_create(postal, batch_size=BATCH, ignore_conflicts=True)
    counts["postal codes"] = len(postal)
    # A few schools abroad carry obsolete ISO codes (e.g. CS, Serbia and Montenegro).
    known_countries = set(Country.objects.values_list("iso2", flat=True))
    counts["high schools"] = _upsert(
        HighSchool,
        [
            HighSchool(
                uai=r["uai"],
                name=r["name"],
                city=r["city"],
                postal_code=r["postal_code"],
                commune_id=r["commune_insee_code"] or None,
                department_id=r["department_code"] or None,
                country_id=r["country_iso2"] if r["country_iso2"] in known_countries else None,
            )
            for r in read_rows("high_schools.csv.gz", data_dir)
        ],
        "uai",
    )
    counts["bac series"] = _upsert(
        BacSeries,
        [
            BacSeries(
                code=r["code"],
                label_fr=r["label_fr"],
                label_en=r["label_en"],
                first_year=_int(r["first_year"]),
                last_year=_int(r["last_year"]),
                kind=r["kind"],
            )
            for r in read_rows("bac_series.csv.gz", data_dir)
        ],
        "code",
    )
    counts["bac specialities"] = _upsert(
        BacSpeciality,
        [
            BacSpeciality(
                code=r["code"],
                label_fr=r["label_fr"],
                label_en=r["label_en"],
                first_year=_int(r["first_year"]),
            )
            for r in read_rows("bac_specialities.csv.gz", data_dir)
        ],
        "code",
    )
    counts["honours"] = _upsert(
        Honours,
        [
            Honours(
                code=r["code"],
                label_fr=r["label_fr"],
                label_en=r["label_en"],
                min_average=_int(r["min_average"]),
                first_year=_int(r["first_year"]),
            )
            for r in read_rows("honours.csv.gz", data_dir)
        ],
        "code",
    )
    counts["higher-education establishments"] = _upsert(
        HigherEducationEstablishment,
        [
            HigherEducationEstablishment(
                code=r["code"],
                name=r["name"][:250],
                country_id=r["country_iso2"] if r["country_iso2"] in known_countries else None,
            )
            for r in read_rows("higher_education.csv.gz", data_dir)
        ],
        "code",
    )
    log(
        ", ".join(f"{count} {name}" for name, count in counts.items())
        + f" imported in {time.monotonic() - started:.1f} s."
    )
    return counts
