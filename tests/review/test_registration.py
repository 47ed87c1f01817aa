import csv
import io
import zipfile

import pytest
from django.urls import reverse

from ecandidat.accounts.enums import StaffRole
from ecandidat.audit.models import AuditEvent
from ecandidat.review import decisions
from ecandidat.review.enums import DecisionKind
from ecandidat.review.models import DecisionType
from tests.applications.conftest import complete_dossier
from tests.factories import CentreFactory, UserFactory, staff_with_role
from tests.review.test_decisions import decision_types, received, type_of  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def confirmed(program, campaign):
    DecisionType.objects.filter(code="FAV").update(registration=True)
    program.sis_code = "PEG-LP-ASSR"
    program.save()
    manager = staff_with_role(StaffRole.CENTRE_MANAGER, centre=program.centre)
    application, other = received(program, campaign, 2)
    complete_dossier(application.candidate)
    for app in (application, other):
        decision = decisions.enter_decision(
            application_id=app.pk, decision_type=type_of(DecisionKind.FAVOURABLE), user=manager
        )
        decisions.validate_decision(decision_id=decision.pk, user=manager)
    decisions.answer(application_id=application.pk, value="confirmed", user=application.candidate)
    return application, manager


def rows(content: bytes):
    return list(csv.DictReader(io.StringIO(content.decode("utf-8")), delimiter=";"))


def test_pegase_files_for_confirmed_candidates_only(client, confirmed):
    application, manager = confirmed
    client.force_login(manager)
    page = client.get(reverse("staff:registrations"))
    assert page.context["total"] == 1 and page.context["new"] == 1
    archive = zipfile.ZipFile(
        io.BytesIO(client.post(reverse("staff:registrations"), {"only_new": "on"}).content)
    )
    names = sorted(archive.namelist())
    assert [n.split("-")[0] for n in names] == ["candidat", "candidature", "inscription"]
    candidate = rows(archive.read(names[0]))[0]
    assert candidate["numero_candidat"] == application.candidate.username
    assert candidate["sexe"] == "M" and candidate["date_naissance"] == "17/05/2000"
    assert candidate["code_pays_naissance"] == "100" and candidate["code_nationalite"] == "109"
    assert (
        candidate["code_commune_naissance"] == "76540"
        and candidate["adresse_code_commune"] == "76451"
    )
    wish = rows(archive.read(names[1]))[0]
    assert wish["code_voeu"] == "PEG-LP-ASSR" and wish["origine_admission"] == "EC"
    single = rows(archive.read(names[2]))[0]
    assert single["code_voeu1"] == "PEG-LP-ASSR" and single["code_voeu2"] == ""
    application.refresh_from_db()
    assert application.registration_exported_at is not None
    assert AuditEvent.objects.filter(action="registration.exported", actor=manager).exists()
    # Nothing new the second time.
    assert client.post(reverse("staff:registrations"), {"only_new": "on"}).status_code == 404


def test_api_by_token_and_by_scope(client, confirmed, settings):
    application, manager = confirmed
    url = reverse("staff:registrations_api")
    assert client.get(url).status_code == 404
    settings.REGISTRATION_API_TOKEN = "s3cret-token-for-the-sis"
    assert client.get(url, headers={"Authorization": "Bearer wrong"}).status_code == 404
    data = client.get(url, headers={"Authorization": "Bearer s3cret-token-for-the-sis"}).json()
    assert [r["numero_candidat"] for r in data["registrations"]] == [application.candidate.username]
    client.force_login(manager)
    assert len(client.get(url).json()["registrations"]) == 1
    client.force_login(staff_with_role(StaffRole.CENTRE_MANAGER, centre=CentreFactory()))
    assert client.get(url).json()["registrations"] == []
    client.force_login(UserFactory())
    assert client.get(url).status_code == 404
    assert AuditEvent.objects.filter(action="registration.api").count() == 3
