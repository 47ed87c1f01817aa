import pytest
from django.urls import reverse

from ecandidat.accounts.enums import StaffRole
from ecandidat.accounts.models import IssuedDossierNumber, RoleAssignment, User
from ecandidat.applications.models import CandidateFile
from ecandidat.audit.models import AuditEvent
from ecandidat.dossier.models import Address, PersonalInformation
from ecandidat.notifications.models import OutboxEmail
from tests.factories import UserFactory, staff_with_role
from tests.review.test_review import submitted

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor():
    user = staff_with_role(StaffRole.CANDIDATE_MANAGER)
    RoleAssignment.objects.filter(user=user).update(can_edit=True)
    return user


def test_search_needs_two_characters_and_finds_by_name_email_ine(client, candidate, editor):
    client.force_login(editor)
    short = client.get(reverse("staff:candidate_search") + "?q=L")
    assert short.context["too_short"] and short.context["page"] is None
    for text in [candidate.username, "lebr", candidate.email[:6]]:
        page = client.get(reverse("staff:candidate_search") + f"?q={text}").context["page"]
        assert candidate in list(page)


def test_read_only_candidate_manager_cannot_edit(client, candidate):
    client.force_login(staff_with_role(StaffRole.CANDIDATE_MANAGER))
    assert client.get(reverse("staff:candidate_search") + "?q=le").status_code == 200
    for url in [
        reverse("staff:candidate_edit", args=[candidate.username, "address"]),
        reverse("staff:candidate_create"),
        reverse("staff:candidate_erase", args=[candidate.username]),
    ]:
        assert client.get(url).status_code == 404


def test_edit_on_behalf_is_audited_in_the_staff_name(client, candidate, editor):
    client.force_login(editor)
    url = reverse("staff:candidate_edit", args=[candidate.username, "address"])
    address = Address.objects.get(user=candidate)
    response = client.post(
        url,
        {
            "country": "FR",
            "postal_code": "76000",
            "commune": "76540",
            "line1": "2 rue Lecat",
            "version": address.version,
        },
    )
    assert response.status_code == 302
    assert Address.objects.get(user=candidate).line1 == "2 rue Lecat"
    event = AuditEvent.objects.get(action="dossier.address.saved")
    assert event.actor == editor and event.target_id == str(candidate.pk)


def test_edit_on_behalf_shows_the_form_at_once_and_says_whose_change(client, candidate, editor):
    client.force_login(editor)
    url = reverse("staff:candidate_edit", args=[candidate.username, "address"])
    page = client.get(url)
    assert page.status_code == 200
    assert page.context["form"] is not None  # no summary first, unlike the candidate's page
    assert page.context["subject"] == candidate
    assert "the change is recorded in your name" in page.content.decode()
    assert (
        client.get(reverse("staff:candidate_edit", args=[candidate.username, "x"])).status_code
        == 404
    )


def test_edit_on_behalf_of_personal_information_saves_the_names(client, candidate, editor):
    from tests.dossier.test_dossier_views import PERSONAL

    client.force_login(editor)
    url = reverse("staff:candidate_edit", args=[candidate.username, "personal"])
    info = PersonalInformation.objects.get(user=candidate)
    refreshed = client.post(url, {**PERSONAL, "first_name": "PAUL", "_refresh": "1"})
    assert refreshed.status_code == 200 and not refreshed.context["form"].errors
    response = client.post(
        url, {**PERSONAL, "first_name": "PAUL", "version": info.version}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse(
        "staff:candidate_dossier", args=[candidate.username]
    )
    assert [str(m) for m in response.context["messages"]] == ["Saved on the candidate's behalf."]
    candidate.refresh_from_db()
    assert candidate.first_name == "PAUL"
    event = AuditEvent.objects.get(action="dossier.personalinformation.saved")
    assert event.actor == editor and event.target_id == str(candidate.pk)


def test_edit_on_behalf_refuses_a_stale_form(client, candidate, editor):
    client.force_login(editor)
    url = reverse("staff:candidate_edit", args=[candidate.username, "address"])
    address = Address.objects.get(user=candidate)
    data = {"country": "FR", "postal_code": "76000", "commune": "76540"}
    client.post(url, {**data, "line1": "2 rue Lecat", "version": address.version})
    response = client.post(url, {**data, "line1": "3 rue Jeanne", "version": address.version})
    assert response.status_code == 200
    assert "This information was changed meanwhile" in response.content.decode()
    assert Address.objects.get(user=candidate).line1 == "2 rue Lecat"


def test_create_an_account_for_a_candidate(client, editor):
    client.force_login(editor)
    data = {
        "last_name": "Martin",
        "first_name": "Léa",
        "email": "lea@example.org",
        "language": "fr",
    }
    assert client.post(reverse("staff:candidate_create"), data).status_code == 302
    user = User.objects.get(email="lea@example.org")
    assert not user.is_activated
    assert OutboxEmail.objects.get(template="account_created").recipient == "lea@example.org"
    assert AuditEvent.objects.get(action="account.created").actor == editor
    again = client.post(reverse("staff:candidate_create"), data)
    assert "already uses this address" in again.content.decode()


def test_gdpr_erasure_removes_data_and_files(
    client, editor, candidate, program, document_types, questions
):
    application = submitted(candidate, program, document_types, questions)
    files = list(CandidateFile.objects.filter(owner=candidate))
    assert files and all(f.file.storage.exists(f.file.name) for f in files)
    client.force_login(editor)
    url = reverse("staff:candidate_erase", args=[candidate.username])
    page = client.get(url).content.decode()
    assert "uploaded files" in page
    client.post(url, {"confirm": "wrong"})
    assert User.objects.filter(pk=candidate.pk).exists()
    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(execute=True):
        client.post(url, {"confirm": candidate.username})
    assert not User.objects.filter(pk=candidate.pk).exists()
    assert not CandidateFile.objects.exists()
    assert not any(f.file.storage.exists(f.file.name) for f in files)
    assert IssuedDossierNumber.objects.filter(number=candidate.username).exists()
    assert AuditEvent.objects.filter(action="account.erased", actor=editor).exists()
    assert application.pk is not None


def test_other_candidates_get_404(client, candidate):
    client.force_login(UserFactory())
    assert client.get(reverse("staff:candidate_search")).status_code == 404
