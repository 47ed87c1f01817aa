"""Whatever a dossier holds, the Pégase files keep their shape, and nothing changes unseen.

Over arbitrary Unicode (controls, lone surrogates, separators, quotes, line breaks of every
kind, formula starts): one row per candidate in the candidat and inscription files, one
per wish in the candidature file, always the header's number of values, UTF-8 without BOM,
LF line ends; and every value is either the value of the dossier (trimmed, names upper-cased
as eCandidat stores them) or listed in the export report with what was written instead.
"""

import csv
import io

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ecandidat.exports import pegase
from ecandidat.exports.pegase import CandidateData, WishData

NASTY = ";\"\r\n\t\x00\x0b\x1f\x7f\x85\u2028\u2029\ufeff\ufffe\ud800 aéß=+-@'’ﬁİ"
text = st.one_of(
    st.none(),
    st.text(alphabet=st.characters(exclude_categories=()), max_size=40),
    st.text(alphabet=st.sampled_from(NASTY), max_size=40),
    st.text(max_size=80),
)
candidates = st.lists(
    st.builds(
        CandidateData,
        dossier_number=st.text(max_size=10),
        name=st.text(max_size=20),
        values=st.fixed_dictionaries(dict.fromkeys(pegase.IDENTITY_KEYS, text)),
        wishes=st.lists(st.builds(WishData, code=text, period=text), min_size=1, max_size=7),
    ),
    min_size=1,
    max_size=4,
    unique_by=lambda candidate: candidate.dossier_number,  # the report's key
)


def plain(raw, column: str) -> str:
    """The value as it goes out when nothing had to change."""
    value = ("" if raw is None else raw).strip()
    return value.upper() if column in pegase.UPPER_CASE else value


def lines_of(content: bytes) -> list[str]:
    assert not content.startswith(b"\xef\xbb\xbf") and b"\r" not in content
    decoded = content.decode("utf-8")  # strict: every byte sequence is valid UTF-8
    assert decoded.endswith("\n")
    return decoded.split("\n")[:-1]


@settings(
    max_examples=150,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(candidates)
def test_the_files_keep_their_shape_and_report_every_change(people):
    built = pegase.build_files(people, day="20260705")
    candidat, candidature, inscription = (lines_of(c) for c in built.files.values())
    tables = {}
    for name, lines, header, count in (
        ("candidat", candidat, pegase.CANDIDAT_COLUMNS, len(people)),
        (
            "candidature",
            candidature,
            pegase.CANDIDATURE_COLUMNS,
            sum(len(p.wishes) for p in people),
        ),
        ("inscription", inscription, pegase.INSCRIPTION_COLUMNS, len(people)),
    ):
        assert lines[0] == ";".join(header)
        assert len(lines) == 1 + count, name
        rows = [line.split(";") for line in lines[1:]]
        assert all(len(row) == len(header) for row in rows), name
        # A reader that knows nothing but ";" and LF (no quoting) reads the same rows.
        read = list(
            csv.reader(io.StringIO("\n".join(lines[1:])), delimiter=";", quoting=csv.QUOTE_NONE)
        )
        assert read == rows or (not rows and read == [])
        tables[name] = [dict(zip(header, row, strict=True)) for row in rows]

    reported = {(f.dossier_number, f.column): f for f in built.findings}
    wish_rows = iter(tables["candidature"])
    for person, row, single in zip(people, tables["candidat"], tables["inscription"], strict=True):
        for column in pegase.IDENTITY_KEYS:
            written = (
                single["libelle_commune_naissance_etranger"]
                if column == "libelle_commune_naissance_etranger"
                else row[column]
            )
            finding = reported.get((person.dossier_number, column))
            if finding is None:
                assert written == plain(person.values[column], column), column
            else:
                assert finding.written == written and finding.problems
        for inscription_column, source in pegase.INSCRIPTION_IDENTITY.items():
            if source in row:
                assert single[inscription_column] == row[source]
        for index, wish in enumerate(person.wishes, start=1):
            wish_row = next(wish_rows)
            assert wish_row["numero_candidat"] == row["numero_candidat"]
            assert wish_row["origine_admission"] == "EC"
            for column, raw in (("code_voeu", wish.code), ("code_periode", wish.period)):
                finding = reported.get((person.dossier_number, f"{column}{index}"))
                if finding is None:
                    assert wish_row[column] == plain(raw, column)
                else:
                    assert finding.written == wish_row[column]
                if index <= pegase.MAX_WISHES:
                    assert single[f"{column}{index}"] == wish_row[column]
        if len(person.wishes) > pegase.MAX_WISHES:
            assert (person.dossier_number, f"code_voeu{pegase.MAX_WISHES + 1}") in reported


@settings(max_examples=300, deadline=None, database=None)
@given(text, st.sampled_from(sorted({*pegase.IDENTITY_KEYS, "code_voeu", "code_periode"})))
def test_the_json_values_change_only_with_a_reason(raw, column):
    value, problems = pegase.sis_value(raw, column)
    if not problems:
        assert value == plain(raw, column)
    assert all(pegase._storable(char) for char in value)
    limit = pegase.LIMITS.get(column)
    assert limit is None or len(value) <= limit
    written, more = pegase.csv_value(value, column)
    assert ";" not in written and '"' not in written and "\n" not in written
    assert limit is None or len(written) <= limit
    assert (written != value) == bool(more)
