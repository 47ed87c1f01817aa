"""The forms of the staff application page (one per action, and the decision entry) and the
filters of the staff lists (django-filter FilterSets, one mechanism for both lists).

A refused form shows the application page again: the message next to the field, what was
typed still in it, nothing changed and nothing audited. A valid one calls the service,
which audits it, and redirects to the page.
"""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from ecandidat.accounts.enums import StaffRole
from ecandidat.applications import services as application_services
from ecandidat.applications.enums import DocumentStatus, FileStatus
from ecandidat.applications.models import Application
from ecandidat.audit.models import AuditEvent
from ecandidat.decisions.enums import DecisionKind
from ecandidat.decisions.models import Decision, DecisionReason, DecisionType
from ecandidat.review.models import Note, Tag
from ecandidat.www.staff.applications import ACTIONS
from tests.applications.conftest import prepared
from tests.decisions.test_decisions import decision_types, received, type_of  # noqa: F401
from tests.factories import CentreFactory, ProgramFactory, put_in_state, staff_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def application(candidate, program, document_types, questions):
    application = prepared(candidate, program, document_types, questions)
    return application_services.submit(application_id=application.pk, actor=candidate)


@pytest.fixture
def manager(program):
    return staff_with_role(StaffRole.CENTRE_MANAGER, centre=program.centre)


def act(client, application, action, data=None):
    return client.post(
        reverse("staff:application_action", args=[application.pk, action]), data or {}
    )


def error_next_to(response, auto_id, message):
    """The message is in the error block that the field's aria-describedby points to."""
    html = response.content.decode()
    assert f'aria-describedby="{auto_id}_error"' in html
    block = html.split(f'id="{auto_id}_error"', 1)[1].split("</div>", 1)[0]
    assert message in block, block
    return html


def audited(application, code):
    return AuditEvent.objects.for_object(application).filter(action=code).count()


# --- one form per action -----------------------------------------------------------------


def test_every_action_has_its_form_and_the_same_url_name(client, application, manager):
    assert set(ACTIONS) == {
        "document",
        "mark_complete",
        "mark_incomplete",
        "treatment",
        "note",
        "tags",
        "confirmation_deadline",
        "deadline",
    }
    client.force_login(manager)
    assert act(client, application, "nope").status_code == 404


@pytest.mark.parametrize(
    ("action", "data", "element_id", "message", "kept"),
    [
        ("note", {"text": "   "}, "note-text", "The note is empty.", None),
        (
            "note",
            {"text": "x" * 4001},
            "note-text",
            "at most 4000 characters",
            "x" * 4001,
        ),
        ("note", {"text": "a\x00b"}, "note-text", "Null characters are not allowed.", None),
        (
            "deadline",
            {"deadline": "2030-02-31T10:00"},
            "personal-deadline",
            "Enter a valid date and time.",
            'value="2030-02-31T10:00"',
        ),
        (
            "deadline",
            {"deadline": "soon\x00"},
            "personal-deadline",
            "Enter a valid date and time.",
            None,
        ),
        (
            "confirmation_deadline",
            {"deadline": ""},
            "confirmation-deadline",
            "This field is required.",
            None,
        ),
        (
            "confirmation_deadline",
            {"deadline": "31/01/2030 noon"},
            "confirmation-deadline",
            "Enter a valid date and time.",
            'value="31/01/2030 noon"',
        ),
        (
            "mark_incomplete",
            {"deadline": "2030-13-01T10:00"},
            "incomplete-deadline",
            "Enter a valid date and time.",
            'value="2030-13-01T10:00"',
        ),
        (
            "treatment",
            {"treatment": "vip"},
            "treatment",
            "Select a valid choice. vip is not one of the available choices.",
            None,
        ),
        ("tags", {"tags": ["²"]}, "id_tags", "is not a valid value", None),
    ],
)
def test_bad_input_is_shown_next_to_the_field_and_kept(
    client, application, manager, action, data, element_id, message, kept
):
    client.force_login(manager)
    before = AuditEvent.objects.count()
    response = act(client, application, action, data)
    assert response.status_code == 200
    html = error_next_to(response, element_id, message)
    assert "Please correct the fields marked below." in html
    if kept:
        assert kept in html
    assert AuditEvent.objects.count() == before
    fresh = Application.objects.get(pk=application.pk)
    assert fresh.file_status == FileStatus.RECEIVED and fresh.treatment == application.treatment
    assert fresh.personal_return_deadline is None and not Note.objects.exists()


def test_the_message_is_translated(client, application, manager):
    manager.preferred_language = "fr"
    manager.save()
    client.force_login(manager)
    response = client.post(
        reverse("staff:application_action", args=[application.pk, "note"]),
        {"text": " "},
        headers={"Accept-Language": "fr"},
    )
    assert response.status_code == 200
    error_next_to(response, "note-text", "La note est vide.")


def test_a_refused_document_needs_its_reason_next_to_the_comment(client, application, manager):
    client.force_login(manager)
    document = application.documents.exclude(status=DocumentStatus.NOT_CONCERNED).first()
    response = act(client, application, "document", {"document": document.pk, "status": "refused"})
    assert response.status_code == 200
    html = error_next_to(response, f"comment-{document.pk}", "Say why the document is refused")
    form = html.split(f'id="status-{document.pk}"', 1)[1].split("</select>", 1)[0]
    assert '<option value="refused" selected>' in form  # what was chosen is kept
    document.refresh_from_db()
    assert document.status != DocumentStatus.REFUSED


def test_a_document_of_another_application_is_not_found(
    client, application, manager, program, campaign
):
    (other,) = received(program, campaign)
    client.force_login(manager)
    document = application.documents.first()
    for junk in (document.pk + 10_000, "²", "\x00", "9" * 30, ""):
        response = act(client, other, "document", {"document": junk, "status": "validated"})
        assert response.status_code == 404


def test_a_refusal_of_the_service_is_shown_on_the_page(client, application, manager):
    put_in_state(application, FileStatus.COMPLETE)
    client.force_login(manager)
    response = act(client, application, "mark_complete")
    assert response.status_code == 200
    html = response.content.decode()
    assert "alert-danger" in html and "This action is not possible while the file is" in html
    assert Application.objects.get(pk=application.pk).file_status == FileStatus.COMPLETE


def test_each_action_still_works_and_is_audited(client, application, manager, program):
    client.force_login(manager)
    tag = Tag.objects.create(label="Priority", centre=program.centre)
    document = application.documents.exclude(status=DocumentStatus.NOT_CONCERNED).first()
    later = "2030-01-31T12:00"
    steps = [
        ("document", {"document": document.pk, "status": "validated"}, "document.validated"),
        ("treatment", {"treatment": "direct"}, "application.treatment"),
        ("note", {"text": "  Good profile  "}, "application.note_added"),
        ("tags", {"tags": [tag.pk]}, "application.tags"),
        ("deadline", {"deadline": later}, "application.personal_deadline"),
        ("confirmation_deadline", {"deadline": later}, "application.confirmation_deadline"),
        ("mark_complete", {}, "application.file_status"),
        ("mark_incomplete", {"deadline": "2030-02-15T09:30"}, "application.file_status"),
    ]
    for action, data, code in steps:
        before = audited(application, code)
        response = act(client, application, action, data)
        assert response.status_code == 302, (action, response.content.decode()[:500])
        assert response["Location"] == reverse("staff:application", args=[application.pk])
        assert audited(application, code) == before + 1, action
    fresh = Application.objects.get(pk=application.pk)
    local = timezone.localtime
    assert fresh.file_status == FileStatus.INCOMPLETE and fresh.treatment == "direct"
    assert local(fresh.personal_return_deadline).strftime("%Y-%m-%d %H:%M") == "2030-02-15 09:30"
    assert local(fresh.confirmation_deadline).strftime("%Y-%m-%d %H:%M") == "2030-01-31 12:00"
    assert list(fresh.tags.all()) == [tag]
    assert Note.objects.get(application=fresh).text == "Good profile"
    document.refresh_from_db()
    assert document.status == DocumentStatus.VALIDATED
    # An empty personal deadline removes it.
    assert act(client, application, "deadline", {"deadline": ""}).status_code == 302
    assert Application.objects.get(pk=application.pk).personal_return_deadline is None
    # Unticking every tag removes them.
    assert act(client, application, "tags", {}).status_code == 302
    assert not fresh.tags.exists()


def test_tags_of_another_centre_are_no_choice(client, application, manager):
    foreign = Tag.objects.create(label="Elsewhere", centre=CentreFactory())
    client.force_login(manager)
    response = act(client, application, "tags", {"tags": [foreign.pk]})
    assert response.status_code == 200
    error_next_to(response, "id_tags", "Select a valid choice.")
    assert not application.tags.exists()


@pytest.mark.parametrize("persona", ["member", "outsider"])
def test_the_scope_checks_are_unchanged(client, application, persona, program):
    people = {
        "member": staff_with_role(StaffRole.COMMISSION_MEMBER, commission=program.commission),
        "outsider": staff_with_role(StaffRole.CENTRE_MANAGER, centre=CentreFactory()),
    }
    client.force_login(people[persona])
    for action in ACTIONS:
        assert act(client, application, action, {"text": "x"}).status_code == 404
    assert not Note.objects.exists()


# --- decision entry ----------------------------------------------------------------------


def enter(client, application, data):
    return client.post(reverse("staff:decision_enter", args=[application.pk]), data)


@pytest.mark.parametrize(
    ("kind", "extra", "element_id", "message"),
    [
        (DecisionKind.UNFAVOURABLE, {}, "decision-reason", "needs a reason"),
        (DecisionKind.COMPLEMENTARY_LIST, {}, "decision-rank", "needs a rank"),
        (
            DecisionKind.COMPLEMENTARY_LIST,
            {"rank": "0"},
            "decision-rank",
            "greater than or equal to 1",
        ),
        (DecisionKind.COMPLEMENTARY_LIST, {"rank": "first"}, "decision-rank", "whole number"),
        (DecisionKind.PRESELECTION, {}, "decision-preselection_at", "date and time"),
        (
            DecisionKind.FAVOURABLE,
            {"publish_at": "tomorrow"},
            "decision-publish_at",
            "Enter a valid date and time.",
        ),
    ],
)
def test_decision_form_errors_are_next_to_their_field(
    client, application, manager, kind, extra, element_id, message
):
    client.force_login(manager)
    data = {"decision_type": type_of(kind).pk, "comment": "Seen by the jury", **extra}
    response = enter(client, application, data)
    assert response.status_code == 200
    html = error_next_to(response, element_id, message)
    assert "Seen by the jury</textarea>" in html  # what was typed is kept
    assert f'<option value="{type_of(kind).pk}" selected>' in html
    assert not Decision.objects.exists() and not audited(application, "decision.entered")


def test_decision_types_of_another_centre_are_no_choice(client, application, manager):
    foreign = DecisionType.objects.create(
        code="OTHER", kind=DecisionKind.FAVOURABLE, label_fr="Autre", centre=CentreFactory()
    )
    client.force_login(manager)
    page = client.get(reverse("staff:application", args=[application.pk])).content.decode()
    assert f'value="{foreign.pk}"' not in page
    response = enter(client, application, {"decision_type": foreign.pk})
    assert response.status_code == 200
    error_next_to(response, "decision-decision_type", "Select a valid choice.")
    assert not Decision.objects.exists()


def test_a_decision_is_entered_and_audited(client, application, manager):
    client.force_login(manager)
    reason = DecisionReason.objects.first()
    response = enter(
        client,
        application,
        {
            "decision_type": type_of(DecisionKind.COMPLEMENTARY_LIST).pk,
            "reason": reason.pk,
            "rank": "3",
            "comment": "  On the list  ",
            "appeal": "on",
            "publish_at": "2030-06-01T08:00",
        },
    )
    assert response.status_code == 302
    decision = Decision.objects.get(application=application)
    assert (decision.rank, decision.comment, decision.appeal) == (3, "On the list", True)
    assert timezone.localtime(decision.publish_at).strftime("%Y-%m-%d %H:%M") == (
        "2030-06-01 08:00"
    )
    assert audited(application, "decision.entered") == 1


def test_a_refusal_of_the_decision_service_keeps_the_form(client, application, manager):
    put_in_state(application, FileStatus.WAITING)
    client.force_login(manager)
    response = enter(
        client,
        application,
        {"decision_type": type_of(DecisionKind.FAVOURABLE).pk, "comment": "Kept"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "A decision is entered once the application is transmitted." in html
    assert "Kept</textarea>" in html
    assert not Decision.objects.exists()


# --- the list filters --------------------------------------------------------------------


def test_application_filters_explain_what_they_ignore(client, manager, program, campaign):
    first, second = received(program, campaign, 2)
    elsewhere = ProgramFactory(centre=CentreFactory())
    client.force_login(manager)
    url = reverse("staff:applications")
    response = client.get(url, {"q": "a"})
    assert response.status_code == 200
    error_next_to(response, "f-q", "at least 2 characters")
    assert {a.pk for a in response.context["page"]} == {first.pk, second.pk}
    html = client.get(url).content.decode()
    programs = html.split('id="f-program"', 1)[1].split("</select>", 1)[0]
    assert f'value="{program.pk}"' in programs and f'value="{elsewhere.pk}"' not in programs
    response = client.get(url, {"program": elsewhere.pk})
    error_next_to(response, "f-program", "Select a valid choice.")
    response = client.get(url, {"program": program.pk, "file_status": "complete"})
    assert list(response.context["page"]) == []
    assert response.context["values"] == {"program": str(program.pk), "file_status": "complete"}


def test_filtered_list_query_count_does_not_grow_with_the_results(
    client, manager, program, campaign
):
    tag = Tag.objects.create(label="Priority", centre=program.centre)
    client.force_login(manager)
    url = reverse("staff:applications")
    query = {"program": program.pk, "tag": tag.pk, "decision": "none", "q": "example"}

    def count(expected_rows):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url, query)
        assert response.status_code == 200
        assert len(response.context["rows"]) == expected_rows
        return len(queries)

    for application in received(program, campaign, 2):
        application.tags.add(tag)
    count(2)  # the first staff request creates the institution-settings row
    small = count(2)
    for application in received(program, campaign, 30):
        application.tags.add(tag)
    assert count(32) == small


def test_only_filters_that_apply_are_saved(client, manager, program, campaign):
    client.force_login(manager)
    client.post(
        reverse("staff:applications_preferences"),
        {"save": "filters", "file_status": "complete", "q": "a", "tag": "²", "decision": "none"},
    )
    assert manager.list_preference.filters == {"file_status": "complete", "decision": "none"}


def test_back_office_lists_filter_with_the_same_mechanism(client, program):
    central = staff_with_role(StaffRole.CENTRAL_OFFICE)
    closed = ProgramFactory(centre=program.centre, in_service=False, code="ZZ-CLOSED")
    client.force_login(central)
    url = reverse("staff:resource_list", args=["programs"])
    rows = client.get(url, {"in_service": "False"}).context["rows"]
    assert [obj for obj, _values in rows] == [closed]
    rows = client.get(url, {"centre": program.centre.pk, "q": "zz-clo"}).context["rows"]
    assert [obj for obj, _values in rows] == [closed]
    response = client.get(url, {"treatment": "nope", "sort": "password"})
    assert response.status_code == 200 and response.context["sort"] == "label_fr"
    error_next_to(response, "filter-treatment", "Select a valid choice.")
    assert client.get(url, {"sort": "-code"}).context["sort"] == "-code"


def test_back_office_choices_come_from_the_scope(client, program):
    manager = staff_with_role(StaffRole.CENTRE_MANAGER, centre=program.centre)
    other = CentreFactory()
    client.force_login(manager)
    html = client.get(reverse("staff:resource_list", args=["programs"])).content.decode()
    centres = html.split('id="filter-centre"', 1)[1].split("</select>", 1)[0]
    assert f'value="{program.centre.pk}"' in centres and f'value="{other.pk}"' not in centres


def test_a_preselection_with_its_date_is_entered(client, application, manager):
    client.force_login(manager)
    when = timezone.localtime(timezone.now() + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    response = enter(
        client,
        application,
        {"decision_type": type_of(DecisionKind.PRESELECTION).pk, "preselection_at": when},
    )
    assert response.status_code == 302
    assert Decision.objects.get(application=application).preselection_at is not None


def test_the_page_offers_to_validate_decisions_and_direct_access(client, application, manager):
    client.force_login(manager)
    enter(client, application, {"decision_type": type_of(DecisionKind.FAVOURABLE).pk})
    decision = Decision.objects.get(application=application)
    page = client.get(reverse("staff:application", args=[application.pk])).content.decode()
    assert reverse("staff:decision_validate", args=[application.pk, decision.pk]) in page
    Application.objects.filter(pk=application.pk).update(treatment="direct")
    Decision.objects.all().delete()
    page = client.get(reverse("staff:application", args=[application.pk])).content.decode()
    assert reverse("staff:direct_access", args=[application.pk]) in page
