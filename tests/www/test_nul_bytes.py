"""A NUL byte anywhere a client can put one answers 400 or a form error, never 500.

PostgreSQL refuses NUL in text, SQLite does not: the suite runs on both (make test-postgres).
"""

import pytest
from django.urls import reverse

from ecandidat.accounts.enums import StaffRole
from ecandidat.applications.enums import FileStatus
from ecandidat.applications.models import Answer
from ecandidat.decisions.enums import DecisionKind
from ecandidat.decisions.models import Decision
from ecandidat.jobs.models import BulkJob
from ecandidat.review.models import Note
from tests.applications.conftest import prepared
from tests.decisions.test_decisions import decide, decision_types, received, type_of  # noqa: F401
from tests.factories import UserFactory, put_in_state, staff_with_role

pytestmark = pytest.mark.django_db

# (who is signed in, URL): searches and lookups that reach the database with what was sent.
GET_URLS = [
    (None, "/programs/?q=%00"),
    (None, "/programs/?q=info%00rmatique"),
    (None, "/programs/?%00=1"),
    (None, "/?next=%00"),
    ("central", "/staff/candidates/?q=le%00brun"),
    ("central", "/staff/applications/?q=le%00brun"),
    ("central", "/staff/applications/?program=1%00"),
    ("central", "/staff/catalog/programs/?q=P%00"),
    ("central", "/staff/catalog/centres/?q=%00"),
    ("central", "/staff/candidates/AB%00CD/"),
    ("central", "/staff/candidates/AB\x00CD/"),
    ("central", "/staff/candidates/AB%00CD/erase/"),
    ("candidate", "/candidate/applications/?q=%00"),
]


@pytest.fixture
def people():
    return {"central": staff_with_role(StaffRole.CENTRAL_OFFICE), "candidate": UserFactory()}


@pytest.mark.parametrize(("who", "url"), GET_URLS)
def test_get_with_a_nul_byte_is_a_bad_request(client, people, who, url):
    if who:
        client.force_login(people[who])
    response = client.get(url)
    assert response.status_code == 400
    assert "null byte" in response.content.decode()


def test_the_bad_request_page_is_translated(client):
    response = client.get("/programs/?q=%00", headers={"Accept-Language": "fr"})
    assert response.status_code == 400
    html = response.content.decode()
    assert '<html lang="fr">' in html and "Requête incorrecte" in html


@pytest.mark.parametrize("junk", ["²", "٣", "9" * 30])
def test_list_filters_that_look_like_ids_but_are_not(client, people, junk):
    # str.isdigit() says yes to these; int() or the database then refuse them.
    client.force_login(people["central"])
    for name in ("program", "commission", "tag"):
        assert client.get(reverse("staff:applications"), {name: junk}).status_code == 200


def test_a_percent_sign_alone_is_no_nul(client):
    assert client.get("/programs/?q=%2500").status_code == 200


@pytest.mark.parametrize(
    ("url_name", "data"),
    [
        ("public:home", {"username": "DEMO\x000001", "password": "x"}),
        ("public:home", {"username": "a@b.fr\x00", "password": "x", "next": "/\x00"}),
        ("staff:login", {"username": "admin\x00", "password": "x"}),
        ("staff:password_lost", {"username": "admin\x00"}),
        ("public:identification_lost", {"email": "a\x00@example.org"}),
        (
            "public:signup",
            {
                "last_name": "A\x00",
                "first_name": "B",
                "email": "c\x00@example.org",
                "email_confirmation": "c\x00@example.org",
                "password1": "x",
                "password2": "x",
            },
        ),
    ],
)
def test_anonymous_forms_answer_a_form_error(client, url_name, data):
    assert client.post(reverse(url_name), data).status_code == 200


@pytest.fixture
def transmitted(program, campaign):
    (application,) = received(program, campaign)
    return application


@pytest.fixture
def manager(program):
    return staff_with_role(StaffRole.CENTRE_MANAGER, centre=program.centre)


NUL_REFUSED = "Null characters are not allowed."


def test_staff_note_with_nul_is_a_form_error(client, transmitted, manager):
    # A form field refuses a NUL with its own message, next to the field (never a 500).
    client.force_login(manager)
    url = reverse("staff:application_action", args=[transmitted.pk, "note"])
    response = client.post(url, {"text": "Good\x00 profile"})
    assert response.status_code == 200
    assert response.context["note_form"].errors["text"] == [NUL_REFUSED]
    assert not Note.objects.filter(application=transmitted).exists()
    assert client.post(url, {"text": "Good profile"}).status_code == 302
    assert Note.objects.get(application=transmitted).text == "Good profile"


def test_staff_decision_fields_with_nul(client, transmitted, manager):
    client.force_login(manager)
    url = reverse("staff:decision_enter", args=[transmitted.pk])
    # Not a number: the form's own error, not a 500.
    for junk in ("\x00", "1\x00", "²"):
        response = client.post(url, {"decision_type": junk, "reason": junk})
        assert response.status_code == 200
        assert set(response.context["decision_form"].errors) == {"decision_type", "reason"}
    assert not Decision.objects.exists()
    data = {
        "decision_type": type_of(DecisionKind.FAVOURABLE).pk,
        "comment": "Well\x00 done",
        "preselection_place": "Room\x00 1",
        "publish_at": "2026-02-31T10:00",  # well formed, impossible
        "rank": "\x00",
    }
    response = client.post(url, data)
    assert response.status_code == 200
    errors = response.context["decision_form"].errors
    assert errors["comment"] == errors["preselection_place"] == [NUL_REFUSED]
    assert errors["publish_at"] == ["Enter a valid date and time."]
    assert "rank" in errors
    assert not Decision.objects.exists()
    data.update(comment="Well done", preselection_place="Room 1", publish_at="", rank="")
    assert client.post(url, data).status_code == 302
    decision = Decision.objects.get(application=transmitted)
    assert decision.comment == "Well done" and decision.publish_at is None


def test_staff_bulk_parameters_with_nul(client, transmitted, manager):
    client.force_login(manager)
    response = client.post(
        reverse("staff:bulk_start"),
        {
            "ids": [str(transmitted.pk), "²", "\x00"],
            "action": "add_tag",
            "tag": "\x00",
            "decision_type": "²",
            "comment": "a\x00b",
            "publish_at": "\x00",
        },
    )
    assert response.status_code == 302
    job = BulkJob.objects.get()
    assert job.application_ids == [transmitted.pk]
    assert job.params["tag"] is None and job.params["comment"] == "ab"
    assert "\x00" not in job.params["publish_at"]


def test_staff_downloads_and_application_on_behalf_with_junk_ids(client, transmitted, program):
    central = staff_with_role(StaffRole.CENTRAL_OFFICE)
    client.force_login(central)
    response = client.post(
        reverse("staff:applications_download"),
        {"ids": [str(transmitted.pk)], "kind": "document", "document_type": "²\x00"},
    )
    assert response.status_code == 200
    url = reverse("staff:apply_for_candidate", args=[transmitted.candidate.dossier_number])
    for junk in ("\x00", "²"):
        assert client.post(url, {"program": junk}).status_code == 404


def test_candidate_answers_and_withdrawal_reason_without_nul(
    client, candidate, program, campaign, document_types, questions, manager
):
    application = prepared(candidate, program, document_types, questions)
    client.force_login(candidate)
    client.post(
        reverse("candidate:answers", args=[application.pk]),
        {f"q{questions['text'].pk}": "My\x00 plan"},
    )
    assert Answer.objects.get(application=application, question=questions["text"]).text == (
        "My plan"
    )
    put_in_state(application, FileStatus.RECEIVED)
    decide(application, DecisionKind.FAVOURABLE, manager)
    response = client.post(
        reverse("candidate:answer_offer", args=[application.pk, "withdrawn"]),
        {"reason": "Another\x00 offer"},
    )
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.answer == "withdrawn" and application.withdrawal_reason == "Another offer"
