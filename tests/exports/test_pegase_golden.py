"""The Pégase files byte for byte: the header lines of eCandidat's three beans, and full rows.

The header strings are eCandidat's (``OpiCandidat``, ``OpiVoeu``, ``OpiPegase``, fields in
declaration order, EsupPortail/esup-ecandidat @ 7ec1d6e0). The expected files below were
also written by opencsv 5.3 itself, configured as eCandidat configures it (the same values
in the same beans, ``;``, no quote character): the bytes are the same.
"""

from pathlib import Path

import pytest

from ecandidat.exports import pegase
from ecandidat.exports.pegase import CandidateData, WishData

CANDIDAT_HEADER = (
    "numero_candidat;sexe;nom_famille;nom_usuel;prenom;prenom2;prenom3;date_naissance;"
    "code_pays_naissance;code_commune_naissance;libelle_commune_naissance;code_nationalite;"
    "ine;adresse_code_pays;adresse_ligne1_etage;adresse_ligne2_batiment;adresse_ligne3_voie;"
    "adresse_ligne4_complement;adresse_code_postal;adresse_code_commune;"
    "adresse_cp_ville_etranger;numero_telephone1;numero_telephone2;courriel"
)
CANDIDATURE_HEADER = (
    "numero_candidat;origine_admission;voie_admission;annee_concours;code_voeu;code_periode;"
    "code_formation_psup;code_sise;code_etablissement_affectation"
)
INSCRIPTION_HEADER = (
    "nom_naissance;nom_usage;prenom;prenom2;prenom3;sexe;date_naissance;code_pays_naissance;"
    "code_commune_naissance;libelle_commune_naissance_etranger;code_nationalite;ine;"
    "adresse_code_pays;adresse_ligne1_etage;adresse_ligne2_batiment;adresse_ligne3_voie;"
    "adresse_ligne4_complement;adresse_ligne5_etranger;adresse_code_postal;"
    "adresse_code_commune;numero_telephone1;numero_telephone2;mail;"
    "origine_admission1;annee_concours1;code_voeu1;code_periode1;"
    "origine_admission2;annee_concours2;code_voeu2;code_periode2;"
    "origine_admission3;annee_concours3;code_voeu3;code_periode3;"
    "origine_admission4;annee_concours4;code_voeu4;code_periode4;"
    "origine_admission5;annee_concours5;code_voeu5;code_periode5"
)
SPEC = Path(__file__).resolve().parents[2] / "docs" / "registration-export.md"


def values(**given) -> dict:
    base = dict.fromkeys(pegase.IDENTITY_KEYS, "")
    base.update(given)
    return base


# Born in Cologne, living in Berlin: accents, apostrophes (typed ' and ’), a street line
# longer than Pégase's 38 characters, a foreign address.
ABROAD = CandidateData(
    "EC4K7Q2Z",
    "Zoé N’Diaye-Lefèvre",
    values(
        numero_candidat="EC4K7Q2Z",
        sexe="F",
        nom_famille="N’Diaye-Lefèvre",
        nom_usuel="d'Arcy",
        prenom="Zoé",
        prenom2="Marie-Hélène",
        date_naissance="07/03/2004",
        code_pays_naissance="109",
        libelle_commune_naissance="Köln",
        libelle_commune_naissance_etranger="Köln",
        code_nationalite="109",
        adresse_code_pays="109",
        adresse_ligne1_etage="c/o Müller",
        adresse_ligne3_voie="Straße des 17. Juni 135, Gebäude Ost-Flügel",
        adresse_cp_ville_etranger="10623 Berlin",
        numero_telephone1="+49301234567",
        courriel="zoe.ndiaye@example.org",
    ),
    [WishData("M1-INFO-FI", "PER-2026", "Master informatique")],
)
# Born in Rouen, living in Mont-Saint-Aignan, two wishes.
FRANCE = CandidateData(
    "EC00A1B2",
    "Éloïse D’Aubigné",
    values(
        numero_candidat="EC00A1B2",
        sexe="F",
        nom_famille="D’Aubigné",
        prenom="Éloïse",
        date_naissance="29/02/2004",
        code_pays_naissance="100",
        code_commune_naissance="76540",
        libelle_commune_naissance="Rouen",
        code_nationalite="100",
        ine="1234567890a",
        adresse_code_pays="100",
        adresse_ligne1_etage="Appt 12",
        adresse_ligne2_batiment="Résidence Les Pins",
        adresse_ligne3_voie="3 rue de l’Église",
        adresse_code_postal="76130",
        adresse_code_commune="76451",
        numero_telephone1="+33235000000",
        numero_telephone2="+33600000000",
        courriel="eloise@example.org",
    ),
    [WishData("LP-ASSR", "PER-2026"), WishData("M1-MIAGE", "PER-2026")],
)

EXPECTED = {
    "candidat-20260705.csv": (
        f"{CANDIDAT_HEADER}\n"
        "EC4K7Q2Z;F;N’DIAYE-LEFÈVRE;D'ARCY;ZOÉ;MARIE-HÉLÈNE;;07/03/2004;109;;KÖLN;109;;109;"
        "c/o Müller;;Straße des 17. Juni 135, Gebäude Ost-F;;;;10623 Berlin;+49301234567;;"
        "zoe.ndiaye@example.org\n"
        "EC00A1B2;F;D’AUBIGNÉ;;ÉLOÏSE;;;29/02/2004;100;76540;ROUEN;100;1234567890A;100;"
        "Appt 12;Résidence Les Pins;3 rue de l’Église;;76130;76451;;+33235000000;+33600000000;"
        "eloise@example.org\n"
    ),
    "candidature-20260705.csv": (
        f"{CANDIDATURE_HEADER}\n"
        "EC4K7Q2Z;EC;;;M1-INFO-FI;PER-2026;;;\n"
        "EC00A1B2;EC;;;LP-ASSR;PER-2026;;;\n"
        "EC00A1B2;EC;;;M1-MIAGE;PER-2026;;;\n"
    ),
    "inscription-20260705.csv": (
        f"{INSCRIPTION_HEADER}\n"
        "N’DIAYE-LEFÈVRE;D'ARCY;ZOÉ;MARIE-HÉLÈNE;;F;07/03/2004;109;;KÖLN;109;;109;c/o Müller;;"
        "Straße des 17. Juni 135, Gebäude Ost-F;;10623 Berlin;;;+49301234567;;"
        "zoe.ndiaye@example.org;EC;;M1-INFO-FI;PER-2026" + ";" * 16 + "\n"
        "D’AUBIGNÉ;;ÉLOÏSE;;;F;29/02/2004;100;76540;;100;1234567890A;100;Appt 12;"
        "Résidence Les Pins;3 rue de l’Église;;;76130;76451;+33235000000;+33600000000;"
        "eloise@example.org;EC;;LP-ASSR;PER-2026;EC;;M1-MIAGE;PER-2026" + ";" * 12 + "\n"
    ),
}


def test_the_header_lines_are_ecandidats_in_order():
    assert pegase.SEPARATOR.join(pegase.CANDIDAT_COLUMNS) == CANDIDAT_HEADER
    assert pegase.SEPARATOR.join(pegase.CANDIDATURE_COLUMNS) == CANDIDATURE_HEADER
    assert pegase.SEPARATOR.join(pegase.INSCRIPTION_COLUMNS) == INSCRIPTION_HEADER
    assert [len(h.split(";")) for h in (CANDIDAT_HEADER, CANDIDATURE_HEADER)] == [24, 9]
    assert len(INSCRIPTION_HEADER.split(";")) == 43
    # Columns 19 to 21 of the candidat file, where an earlier version of ours went wrong.
    assert CANDIDAT_HEADER.split(";")[18:21] == [
        "adresse_code_postal",
        "adresse_code_commune",
        "adresse_cp_ville_etranger",
    ]


def test_the_specification_shows_the_same_header_lines():
    lines = SPEC.read_text(encoding="utf-8").splitlines()
    for header in (CANDIDAT_HEADER, CANDIDATURE_HEADER, INSCRIPTION_HEADER):
        assert header in lines


def test_full_rows_byte_for_byte():
    built = pegase.build_files([ABROAD, FRANCE], day="20260705")
    assert list(built.files) == list(EXPECTED)
    for name, content in built.files.items():
        assert content == EXPECTED[name].encode("utf-8"), name
        assert not content.startswith(b"\xef\xbb\xbf")
    # The one value that could not go as it was: the long street line, cut and reported.
    (finding,) = built.findings
    assert (finding.dossier_number, finding.column, finding.problems) == (
        "EC4K7Q2Z",
        "adresse_ligne3_voie",
        ("too_long",),
    )
    assert finding.value == "Straße des 17. Juni 135, Gebäude Ost-Flügel"
    assert finding.written == "Straße des 17. Juni 135, Gebäude Ost-F"
    assert len(finding.written) == 38


def test_names_are_upper_cased_and_trimmed_as_ecandidat_stores_them():
    assert pegase.sis_value("  de la Fontaine-Müller ", "nom_famille") == (
        "DE LA FONTAINE-MÜLLER",
        [],
    )
    assert pegase.sis_value("Straße", "prenom") == ("STRASSE", [])  # as Java's toUpperCase
    assert pegase.sis_value("1234567890a", "ine") == ("1234567890A", [])
    # Addresses and emails keep their case.
    assert pegase.sis_value("3 rue de l’Église", "adresse_ligne3_voie") == (
        "3 rue de l’Église",
        [],
    )


@pytest.mark.parametrize(
    ("typed", "ecandidat", "ours", "problems"),
    [
        # opencsv writes an escape character '"' before ";", '"', LF and NUL, and a CR as is:
        # eCandidat's row then has one value too many, or a line break in the middle.
        ("12; rue X", '12"; rue X', "12, rue X", ["separator"]),
        ('Résidence "Les Pins"', 'Résidence ""Les Pins""', "Résidence 'Les Pins'", ["quote"]),
        ("Bât. A\nEsc. 2", 'Bât. A"\nEsc. 2', "Bât. A Esc. 2", ["line_break"]),
        ("Bât. A\r\nEsc. 2", 'Bât. A\r"\nEsc. 2', "Bât. A  Esc. 2", ["line_break"]),
        ("Bât.\x00A", 'Bât."\x00A', "Bât.A", ["character"]),
        ("\\ rue", "\\ rue", "\\ rue", []),  # a backslash is an ordinary character
    ],
)
def test_what_ecandidat_breaks_is_changed_and_reported(typed, ecandidat, ours, problems):
    text, found = pegase.sis_value(typed, "adresse_ligne3_voie")
    written, more = pegase.csv_value(text, "adresse_ligne3_voie")
    assert written == ours and found + more == problems
    # eCandidat's bytes are not the typed value either, and without a report.
    assert (ecandidat != typed) == bool(problems)
    row = pegase.csv_bytes(["a", "b", "c"], [["x", written, "y"]]).decode().split("\n")
    assert row[1].split(";") == ["x", ours, "y"] and row[2:] == [""]


def test_a_value_starting_like_a_formula_is_quoted_within_the_limit_and_reported():
    line = "=" + "x" * 40
    text, problems = pegase.sis_value(line, "adresse_ligne3_voie")
    written, more = pegase.csv_value(text, "adresse_ligne3_voie")
    assert problems + more == ["too_long", "formula"]
    assert written.startswith("'=") and len(written) == 38
    assert pegase.csv_value("+33235000000", "numero_telephone1") == ("+33235000000", [])


def test_a_sixth_wish_is_reported_and_only_in_the_candidature_file():
    many = CandidateData(
        FRANCE.dossier_number,
        FRANCE.name,
        FRANCE.values,
        [WishData(f"W{k}", "PER-2026", f"Program {k}") for k in range(1, 7)],
    )
    built = pegase.build_files([many], day="20260705")
    candidature = built.files["candidature-20260705.csv"].decode().splitlines()
    inscription = built.files["inscription-20260705.csv"].decode().splitlines()
    assert [line.split(";")[4] for line in candidature[1:]] == [f"W{k}" for k in range(1, 7)]
    assert inscription[1].split(";")[-2] == "W5"
    (finding,) = built.findings
    assert finding.column == "code_voeu6" and finding.problems == ("extra_wish",)
    assert (finding.value, finding.written, finding.detail) == ("W6", "W6", "Program 6")


def test_each_report_line_names_the_field_as_the_candidate_knows_it():
    lines = {
        column: str(pegase.Finding("X", "x", column, ("missing",)).field)
        for column in ("prenom", "prenom2", "code_voeu6", "adresse_ligne3_voie", "other")
    }
    assert lines == {
        "prenom": "First name",
        "prenom2": "Other first name",
        "code_voeu6": "Pégase code of the program",
        "adresse_ligne3_voie": "Address",
        "other": "other",
    }


def test_a_row_that_would_break_is_refused_never_written():
    with pytest.raises(ValueError, match="columns"):
        pegase.csv_bytes(["a", "b"], [["x;y", "z"]])
    with pytest.raises(ValueError, match="columns"):
        pegase.csv_bytes(["a", "b"], [["x"]])
