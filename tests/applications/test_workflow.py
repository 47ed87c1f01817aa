"""The file-status table (applications/workflow.py) against the services, for every state and
every action: the services do what the table says, and nothing it does not."""

from pathlib import Path

import pytest

from ecandidat.accounts.enums import StaffRole
from ecandidat.applications import services as application_services
from ecandidat.applications import workflow
from ecandidat.applications.enums import FileStatus
from ecandidat.applications.models import Application
from ecandidat.applications.workflow import By, FileAction
from ecandidat.audit.models import AuditEvent
from ecandidat.common.errors import DomainError
from ecandidat.notifications.models import OutboxEmail
from ecandidat.review import services as review_services
from tests.factories import put_in_state, staff_with_role

from .conftest import prepared

pytestmark = pytest.mark.django_db


def _submit(application, staff):
    return application_services.submit(application_id=application.pk, actor=application.candidate)


def _cancel(application, staff):
    return application_services.cancel(application_id=application.pk, actor=application.candidate)


def _staff(action):
    def run(application, staff):
        return review_services.change_file_status(
            application_id=application.pk, action=action, user=staff
        )

    return run


# How each action of the table is taken (creating the application is every other test's
# set-up), with the actions one service call may take: the candidate's "Transmit" is a
# submit from "waiting" and a resubmit from "incomplete". A new action in the table without
# a line here fails test_every_action_is_tested.
RUN = {
    FileAction.SUBMIT: (_submit, {FileAction.SUBMIT, FileAction.RESUBMIT}),
    FileAction.RESUBMIT: (_submit, {FileAction.SUBMIT, FileAction.RESUBMIT}),
    FileAction.CANCEL: (_cancel, {FileAction.CANCEL}),
    FileAction.MARK_COMPLETE: (_staff(FileAction.MARK_COMPLETE), {FileAction.MARK_COMPLETE}),
    FileAction.MARK_INCOMPLETE: (
        _staff(FileAction.MARK_INCOMPLETE),
        {FileAction.MARK_INCOMPLETE},
    ),
}
REFUSALS = DomainError  # every refusal of the rules
CASES = [
    pytest.param(status, t.action, id=f"{t.action}-from-{status}")
    for t in workflow.TRANSITIONS
    if t.action != FileAction.APPLY
    for status in FileStatus
]


def test_every_action_is_tested():
    assert set(RUN) == set(FileAction) - {FileAction.APPLY}


def _in_state(application, status):
    return put_in_state(application, status)


@pytest.mark.parametrize(("status", "action"), CASES)
def test_the_services_follow_the_table(
    status, action, candidate, program, document_types, questions, run_on_commit
):
    staff = staff_with_role(StaffRole.CENTRE_MANAGER, centre=program.centre)
    application = _in_state(prepared(candidate, program, document_types, questions), status)
    service, may_take = RUN[action]
    # The row the table gives for this call from this state, if any.
    rows = [workflow.BY_ACTION[a] for a in may_take if status in workflow.BY_ACTION[a].sources]
    row = rows[0] if rows else None
    audits_before = AuditEvent.objects.count()
    with run_on_commit():
        try:
            service(application, staff)
        except REFUSALS:
            assert row is None, f"refused although the table allows {row}"
    application.refresh_from_db()
    if row is not None:
        assert application.file_status == row.target
        assert AuditEvent.objects.filter(action=row.audit).count() == 1
        if row.stamp:
            assert getattr(application, row.stamp) is not None
        if row.email:
            assert OutboxEmail.objects.filter(template=row.email).exists()
    else:
        # Not in the table from this state: nothing changes, nothing is recorded.
        assert application.file_status == status
        assert AuditEvent.objects.count() == audits_before


def test_the_candidate_may_edit_exactly_where_they_may_transmit():
    for status in FileStatus:
        expected = workflow.submission(status) is not None
        assert (status in workflow.EDITABLE_BY_CANDIDATE) is expected
        assert Application(file_status=status).is_editable_by_candidate is expected


def test_properties_templates_ask_come_from_the_table():
    for status in FileStatus:
        application = Application(file_status=status)
        assert application.can_be_cancelled is (
            FileAction.CANCEL in workflow.actions_from(status, by=By.CANDIDATE)
        )
        assert application.staff_file_actions == workflow.actions_from(status, by=By.STAFF)


def test_every_state_is_reachable_from_apply():
    reached, frontier = set(), {FileStatus.WAITING}
    while frontier:
        status = frontier.pop()
        reached.add(status)
        frontier |= {workflow.BY_ACTION[a].target for a in workflow.actions_from(status)} - reached
    assert reached == set(FileStatus)


def test_an_action_from_a_state_not_listed_is_refused():
    with pytest.raises(workflow.TransitionRefused):
        workflow.transition(FileAction.MARK_COMPLETE, FileStatus.WAITING)
    with pytest.raises(workflow.TransitionRefused):
        workflow.transition("no_such_action", FileStatus.WAITING)


def test_the_diagram_shows_every_row():
    diagram = workflow.mermaid()
    for t in workflow.TRANSITIONS:
        for source in t.sources or ("[*]",):
            assert f"{source} --> {t.target}: {t.action}" in diagram


def test_the_architecture_page_shows_the_table_of_the_code():
    page = (Path(__file__).resolve().parents[2] / "docs" / "architecture.md").read_text()
    assert workflow.markdown() in page
    assert workflow.mermaid() in page
