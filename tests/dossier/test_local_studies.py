import io

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from ecandidat.audit.models import AuditEvent
from ecandidat.dossier.local_studies import claim_pending
from ecandidat.dossier.models import LocalStudy, PersonalInformation
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

CSV = """student_number;ine;academic_year;program_code;program_label;result;honours
;1234567890V;2023-2024;L1PHY;Licence 1 Physique;Admis;Assez bien
;1234567890V;2024-2025;L2PHY;Licence 2 Physique;Ajourné;
21900001;;2024-2025;L1MAT;Licence 1 Mathématiques;Admis;
;0000000000X;2024-2025;L1BIO;Licence 1 Biologie;Admis;
"""


@pytest.fixture
def candidates(referentials):
    first = UserFactory()
    PersonalInformation.objects.create(
        user=first,
        nationality_id="FR",
        ine="1234567890V",
        title="M.",
        birth_date="2001-01-01",
        birth_country_id="FR",
    )
    second = UserFactory()
    PersonalInformation.objects.create(
        user=second,
        nationality_id="FR",
        student_number="21900001",
        title="Mme",
        birth_date="2001-01-01",
        birth_country_id="FR",
    )
    return first, second


def run(tmp_path, text):
    path = tmp_path / "extract.csv"
    path.write_text(text, encoding="utf-8")
    out = io.StringIO()
    call_command("import_local_studies", str(path), stdout=out)
    return out.getvalue()


def test_import_matches_by_ine_and_student_number_and_is_idempotent(tmp_path, candidates, client):
    first, second = candidates
    output = run(tmp_path, CSV)
    assert "3 row(s) imported for 2 candidate(s); 1 row(s) matched no candidate (lines 5)" in output
    assert LocalStudy.objects.filter(user=first).count() == 2
    assert LocalStudy.objects.filter(user=second).count() == 1
    assert "kept until the student signs in" in output
    run(tmp_path, CSV)
    # The row of a student without an account waits, once, under its INE.
    assert LocalStudy.objects.count() == 4
    assert LocalStudy.objects.filter(user=None, ine="0000000000X").count() == 1
    assert AuditEvent.objects.filter(action="dossier.local_studies.imported").count() == 4
    client.force_login(first)
    html = client.get(reverse("candidate:dossier_local_studies")).content.decode()
    assert "Licence 2 Physique" in html and "L1PHY" in html


def test_import_refuses_a_file_without_the_columns(tmp_path, candidates):
    with pytest.raises(CommandError):
        run(tmp_path, "a;b\n1;2\n")


def test_a_student_who_signs_in_later_claims_the_rows_waiting_for_them(tmp_path, candidates):
    run(tmp_path, CSV + "21900099;;2025-2026;M1INF;Master 1 Informatique;Admis;\n")
    assert LocalStudy.objects.filter(user=None).count() == 2
    newcomer = UserFactory()
    assert claim_pending(newcomer, student_number="21900099", ine="") == 1
    assert list(newcomer.local_studies.values_list("program_code", flat=True)) == ["M1INF"]
    assert claim_pending(newcomer, student_number="", ine="0000000000x") == 1
    assert claim_pending(newcomer, student_number="21900099", ine="") == 0
    assert claim_pending(newcomer, student_number="", ine="") == 0
    assert not LocalStudy.objects.filter(user=None).exists()
