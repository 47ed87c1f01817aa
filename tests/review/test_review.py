import csv
import io
import time
import tracemalloc
import zipfile
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from openpyxl import load_workbook
from pypdf import PdfReader

from ecandidat.accounts.enums import StaffRole
from ecandidat.applications import services as application_services
from ecandidat.applications.enums import DocumentStatus, FileStatus
from ecandidat.applications.models import Application
from ecandidat.audit.models import AuditEvent
from ecandidat.exports import downloads
from ecandidat.exports.columns import COLUMNS
from ecandidat.jobs import runner
from ecandidat.jobs import services as jobs
from ecandidat.jobs.models import BulkJob
from ecandidat.notifications.models import OutboxEmail
from ecandidat.review import services
from ecandidat.review.models import Tag
from tests.applications.conftest import complete_dossier, make_pdf, prepared
from tests.factories import CentreFactory, UserFactory, put_in_state, staff_with_role

pytestmark = pytest.mark.django_db


def submitted(candidate, program, document_types, questions):
    application = prepared(candidate, program, document_types, questions)
    return application_services.submit(application_id=application.pk, actor=candidate)


@pytest.fixture
def application(candidate, program, document_types, questions):
    return submitted(candidate, program, document_types, questions)


@pytest.fixture
def manager(program):
    return staff_with_role(StaffRole.CENTRE_MANAGER, centre=program.centre)


@pytest.mark.parametrize(
    ("start", "action", "end"),
    [
        (FileStatus.RECEIVED, "mark_complete", FileStatus.COMPLETE),
        (FileStatus.RECEIVED, "mark_incomplete", FileStatus.INCOMPLETE),
        (FileStatus.COMPLETE, "mark_incomplete", FileStatus.INCOMPLETE),
        (FileStatus.WAITING, "mark_complete", None),
        (FileStatus.INCOMPLETE, "mark_complete", None),
        (FileStatus.INCOMPLETE, "mark_incomplete", None),
        (FileStatus.WAITING, "mark_incomplete", None),
    ],
)
def test_staff_file_status_transitions(application, manager, start, action, end):
    put_in_state(application, start)
    if end is None:
        with pytest.raises(services.ReviewError):
            services.change_file_status(application_id=application.pk, action=action, user=manager)
        assert Application.objects.get(pk=application.pk).file_status == start
        return
    services.change_file_status(application_id=application.pk, action=action, user=manager)
    assert Application.objects.get(pk=application.pk).file_status == end
    event = AuditEvent.objects.get(action="application.file_status")
    assert event.actor == manager and event.data == {"action": action, "from": start, "to": end}
    assert OutboxEmail.objects.filter(template="application_incomplete").exists() == (
        end == FileStatus.INCOMPLETE
    )


def test_refused_document_replaced_and_resubmitted(application, manager, document_types):
    letter = application.documents.get(document_type=document_types["letter"])
    with pytest.raises(services.ReviewError):
        services.check_document(
            document_id=letter.pk, status=DocumentStatus.REFUSED, comment=" ", user=manager
        )
    services.check_document(
        document_id=letter.pk, status=DocumentStatus.REFUSED, comment="Illegible scan", user=manager
    )
    cv = application.documents.get(document_type=document_types["cv"])
    services.check_document(
        document_id=cv.pk, status=DocumentStatus.VALIDATED, comment="", user=manager
    )
    email = OutboxEmail.objects.get(template="document_refused")
    assert "Illegible scan" in email.body_text
    services.change_file_status(
        application_id=application.pk, action="mark_incomplete", user=manager
    )
    assert "Cover letter" in OutboxEmail.objects.get(template="application_incomplete").body_text
    # The candidate replaces the refused document (the validated one is locked) and resubmits.
    with pytest.raises(application_services.DocumentRefused):
        application_services.upload_document(
            application=application,
            document_type_id=document_types["cv"].pk,
            data=make_pdf(),
            filename="x",
            actor=application.candidate,
        )
    application_services.upload_document(
        application=application,
        document_type_id=document_types["letter"].pk,
        data=make_pdf(),
        filename="x",
        actor=application.candidate,
    )
    application_services.submit(application_id=application.pk, actor=application.candidate)
    assert Application.objects.get(pk=application.pk).file_status == FileStatus.RECEIVED
    services.change_file_status(application_id=application.pk, action="mark_complete", user=manager)


def test_notes_tags_and_deadline_are_audited(application, manager):
    tag = Tag.objects.create(label="Priority")
    foreign = Tag.objects.create(label="Elsewhere", centre=CentreFactory())
    services.add_note(application=application, text="Call back", user=manager)
    services.set_tags(application=application, tags=[tag], user=manager)
    assert foreign not in services.tags_for(application)
    services.set_personal_deadline(application_id=application.pk, deadline=None, user=manager)
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {
        "application.note_added",
        "application.tags",
        "application.personal_deadline",
    } <= actions


def test_bulk_action_reports_partial_failures(application, manager, candidate, program):
    waiting = Application.objects.create(
        candidate=UserFactory(),
        program=program,
        campaign=application.campaign,
        treatment="controlled",
    )
    outsider = staff_with_role(StaffRole.CENTRE_MANAGER, centre=CentreFactory())
    job = jobs.start_bulk_job(
        user=manager,
        action="mark_complete",
        application_ids=[application.pk, waiting.pk],
        params={},
    )
    runner.run_bulk(job.pk)
    job.refresh_from_db()
    assert job.status == BulkJob.Status.DONE and job.percent == 100
    assert job.succeeded == [application.pk]
    assert job.refused[0][0] == waiting.pk and "not possible" in job.refused[0][1]
    foreign_job = jobs.start_bulk_job(
        user=outsider, action="mark_incomplete", application_ids=[application.pk], params={}
    )
    runner.run_bulk(foreign_job.pk)
    foreign_job.refresh_from_db()
    assert foreign_job.succeeded == [] and "outside your scope" in foreign_job.refused[0][1]
    with pytest.raises(jobs.JobRefusal):
        jobs.start_bulk_job(
            user=manager, action="mark_complete", application_ids=list(range(501)), params={}
        )


@pytest.mark.parametrize("persona", ["manager", "member", "outsider", "candidate"])
def test_staff_application_pages_by_persona(client, application, manager, persona):
    member = staff_with_role(StaffRole.COMMISSION_MEMBER, commission=application.program.commission)
    people = {
        "manager": manager,
        "member": member,
        "outsider": staff_with_role(StaffRole.CENTRE_MANAGER, centre=CentreFactory()),
        "candidate": application.candidate,
    }
    client.force_login(people[persona])
    list_status = client.get(reverse("staff:applications")).status_code
    detail_status = client.get(reverse("staff:application", args=[application.pk])).status_code
    action_status = client.post(
        reverse("staff:application_action", args=[application.pk, "mark_complete"])
    ).status_code
    expected = {
        "manager": (200, 200, 302),
        "member": (200, 200, 404),
        "outsider": (200, 404, 404),
        "candidate": (404, 404, 404),
    }[persona]
    assert (list_status, detail_status, action_status) == expected
    if persona == "outsider":
        assert (
            application.candidate.username
            not in client.get(reverse("staff:applications")).content.decode()
        )


def _bulk_applications(program, campaign, n, prefix):
    users = UserFactory._meta.model.objects.bulk_create(
        [
            UserFactory.build(username=f"{prefix}{i:07d}", email=f"{prefix}{i}@example.org")
            for i in range(n)
        ]
    )
    Application.objects.bulk_create(
        [
            Application(
                candidate=u,
                program=program,
                campaign=campaign,
                treatment="controlled",
                file_status=FileStatus.RECEIVED,
                submitted_at=timezone.now(),
            )
            for u in users
        ]
    )


def test_list_query_count_is_the_same_at_10_and_1000(client, manager, program, campaign):
    _bulk_applications(program, campaign, 10, "S")
    client.force_login(manager)
    url = (
        reverse("staff:applications")
        + "?columns="
        + "&columns=".join(
            [
                "dossier_number",
                "last_name",
                "birth_date",
                "nationality",
                "bac_series",
                "program",
                "tags",
            ]
        )
    )
    client.get(url)  # saves the column choice
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    _bulk_applications(program, campaign, 990, "L")
    with CaptureQueriesContext(connection) as large:
        assert client.get(url).status_code == 200
    assert len(small) == len(large)


def test_exports_have_the_chosen_columns_and_neutralise_formulas(client, application, manager):
    candidate = application.candidate
    candidate.last_name = "=HYPERLINK(1)"
    candidate.save()
    client.force_login(manager)
    url = (
        reverse("staff:applications_export", args=["xlsx"])
        + "?columns=dossier_number&columns=last_name&columns=program"
    )
    workbook = load_workbook(io.BytesIO(b"".join(client.get(url).streaming_content)))
    rows = list(workbook.active.values)
    assert rows[0] == ("dossier number", "Last name", "program")
    assert rows[1][0] == candidate.username and rows[1][1] == "'=HYPERLINK(1)"
    response = client.get(reverse("staff:applications_export", args=["csv"]) + "?columns=last_name")
    content = b"".join(response.streaming_content).decode("utf-8-sig")
    assert list(csv.reader(io.StringIO(content), delimiter=";"))[1] == ["'=HYPERLINK(1)"]
    assert AuditEvent.objects.filter(action="review.export").count() == 2


def test_dashboard_counts_and_chart(client, application, manager, program, campaign):
    _bulk_applications(program, campaign, 3, "D")
    client.force_login(manager)
    for group in ["program", "commission", "centre"]:
        response = client.get(reverse("staff:applications_dashboard") + f"?by={group}")
        assert response.status_code == 200
        totals = response.context["totals"]
        assert totals["total"] == 4 and totals["received"] == 4
    assert "<svg" in response.content.decode() and "<rect" in response.content.decode()
    xlsx = client.get(reverse("staff:applications_dashboard") + "?by=program&format=xlsx")
    rows = list(load_workbook(io.BytesIO(xlsx.content)).active.values)
    assert rows[1][0] == program.label_fr and rows[1][-2] == 4
    client.force_login(staff_with_role(StaffRole.CENTRE_MANAGER, centre=CentreFactory()))
    assert client.get(reverse("staff:applications_dashboard")).context["totals"]["total"] == 0


def test_downloads_of_the_selection(client, application, manager, document_types):
    client.force_login(manager)
    url = reverse("staff:applications_download")
    archive = zipfile.ZipFile(
        io.BytesIO(
            b"".join(client.post(url, {"ids": [application.pk], "kind": "zip"}).streaming_content)
        )
    )
    assert archive.namelist() == [
        f"{application.candidate.username}-{application.program.code}.pdf"
    ]
    merged = client.post(url, {"ids": [application.pk], "kind": "pdf"})
    assert len(PdfReader(io.BytesIO(b"".join(merged.streaming_content))).pages) >= 3
    letters = client.post(
        url,
        {"ids": [application.pk], "kind": "document", "document_type": document_types["letter"].pk},
    )
    letters = zipfile.ZipFile(io.BytesIO(b"".join(letters.streaming_content)))
    assert letters.namelist()[0].endswith(".jpg")
    client.force_login(staff_with_role(StaffRole.CENTRE_MANAGER, centre=CentreFactory()))
    assert client.post(url, {"ids": [application.pk], "kind": "zip"}).status_code == 404


def test_treatment_change_is_audited(client, application, manager):
    client.force_login(manager)
    client.post(
        reverse("staff:application_action", args=[application.pk, "treatment"]),
        {"treatment": "direct"},
    )
    assert Application.objects.get(pk=application.pk).treatment == "direct"
    assert AuditEvent.objects.get(action="application.treatment").data == {
        "from": "controlled",
        "to": "direct",
    }


@pytest.mark.benchmark
def test_export_of_10000_applications_memory(
    client, manager, program, campaign, bench, monkeypatch
):

    monkeypatch.setattr(jobs, "EXPORT_SYNC_LIMIT", 100_000)  # measure the streamed path
    _bulk_applications(program, campaign, 10_000, "X")
    client.force_login(manager)
    tracemalloc.start()
    started = time.perf_counter()
    response = client.get(
        reverse("staff:applications_export", args=["csv"])
        + "?columns=dossier_number&columns=last_name&columns=program"
    )
    lines = sum(chunk.count(b"\n") for chunk in response.streaming_content)
    elapsed = time.perf_counter() - started
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert lines == 10_001
    bench.report("CSV export of 10,000 applications", elapsed, f"peak {peak / 1e6:.1f} MB")


def test_about_sixty_columns_and_notes_only_for_those_who_act(client, application, manager):
    assert len(COLUMNS) >= 55
    services.add_note(application=application, text="Strong profile", user=manager)
    member = staff_with_role(StaffRole.COMMISSION_MEMBER, commission=application.program.commission)
    url = (
        reverse("staff:applications_export", args=["csv"]) + "?columns=dossier_number&columns=notes"
    )
    client.force_login(manager)
    assert "Strong profile" in b"".join(client.get(url).streaming_content).decode("utf-8-sig")
    client.force_login(member)
    assert "Strong profile" not in b"".join(client.get(url).streaming_content).decode("utf-8-sig")


def test_every_column_renders(client, application, manager):
    client.force_login(manager)
    url = reverse("staff:applications_export", args=["xlsx"]) + "".join(
        f"&columns={c.key}" for c in COLUMNS
    ).replace("&", "?", 1)
    content = b"".join(client.get(url).streaming_content)
    rows = list(load_workbook(io.BytesIO(content)).active.values)
    assert len(rows[0]) == len(COLUMNS) and rows[1][0] == application.candidate.username


def test_large_exports_run_in_the_background(
    client, application, manager, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(jobs, "EXPORT_SYNC_LIMIT", 0)
    client.force_login(manager)
    url = (
        reverse("staff:applications_export", args=["xlsx"])
        + "?columns=dossier_number&columns=last_name"
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(url)
    job = BulkJob.objects.get(action="export_xlsx")
    assert response["Location"] == reverse("staff:bulk_job", args=[job.pk])
    progress = client.get(response["Location"]).content.decode()
    assert reverse("staff:export_file", args=[job.pk]) in progress
    content = b"".join(client.get(reverse("staff:export_file", args=[job.pk])).streaming_content)
    rows = list(load_workbook(io.BytesIO(content)).active.values)
    assert rows[1] == (application.candidate.username, application.candidate.last_name)
    client.force_login(staff_with_role(StaffRole.CENTRE_MANAGER, centre=application.program.centre))
    assert client.get(reverse("staff:export_file", args=[job.pk])).status_code == 404


def test_large_downloads_are_built_by_the_worker(
    client, application, manager, monkeypatch, django_capture_on_commit_callbacks
):

    monkeypatch.setattr(downloads, "SYNC_LIMIT", 0)
    client.force_login(manager)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("staff:applications_download"), {"ids": [application.pk], "kind": "zip"}
        )
    job = BulkJob.objects.get(action="download_zip")
    assert response["Location"] == reverse("staff:bulk_job", args=[job.pk])
    content = b"".join(client.get(reverse("staff:export_file", args=[job.pk])).streaming_content)
    assert zipfile.ZipFile(io.BytesIO(content)).namelist() == [
        f"{application.candidate.username}-{application.program.code}.pdf"
    ]


def test_the_timeline_shows_status_changes_and_the_emails_they_sent(client, application, manager):
    client.force_login(manager)
    client.post(reverse("staff:application_action", args=[application.pk, "mark_complete"]))
    events = AuditEvent.objects.for_object(application)
    queued = [e for e in events if e.action == "email.queued"]
    assert {e.data["template"] for e in queued} >= {"application_submitted"}
    assert any(
        e.action == "application.file_status" and e.data["to"] == FileStatus.COMPLETE
        for e in events
    )
    page = client.get(reverse("staff:application", args=[application.pk])).content.decode()
    subject = OutboxEmail.objects.filter(template="application_submitted").get().subject
    assert escape(subject) in page and application.candidate.email in page


def test_a_personal_date_lets_an_incomplete_file_be_resubmitted_after_the_deadline(
    application, manager
):

    program = application.program
    personal = program.return_deadline + timedelta(days=7)
    services.change_file_status(
        application_id=application.pk, action="mark_incomplete", user=manager, deadline=personal
    )
    after_the_program_date = program.return_deadline + timedelta(days=1)
    resubmitted = application_services.submit(
        application_id=application.pk, actor=application.candidate, now=after_the_program_date
    )
    assert resubmitted.file_status == FileStatus.RECEIVED

    services.change_file_status(
        application_id=application.pk, action="mark_incomplete", user=manager
    )
    Application.objects.filter(pk=application.pk).update(personal_return_deadline=None)
    with pytest.raises(application_services.SubmitRefused):
        application_services.submit(
            application_id=application.pk,
            actor=application.candidate,
            now=max(after_the_program_date, timezone.now()),
        )


def test_staff_home_shows_the_work_waiting_in_scope_in_constant_queries(
    client, application, manager, program, campaign
):

    client.force_login(manager)
    url = reverse("staff:dashboard")

    def load():
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url)
        assert response.status_code == 200
        return response, len(ctx)

    response, queries = load()
    assert response.context["work"]["received"] == 1
    assert response.context["work"]["overdue"] == 0
    Application.objects.filter(pk=application.pk).update(
        submitted_at=timezone.now() - timedelta(days=60)
    )
    _bulk_applications(program, campaign, 20, "W")
    response, more_queries = load()
    work = response.context["work"]
    assert work["overdue"] == 1 and work["received"] == 21 and more_queries == queries
    page = response.content.decode()
    assert "?file_status=received" in page and program.centre.label in page  # the role's scope
    outsider = staff_with_role(StaffRole.CENTRE_MANAGER, centre=CentreFactory())
    client.force_login(outsider)
    assert client.get(url).context["work"]["received"] == 0
    client.force_login(staff_with_role(StaffRole.CANDIDATE_MANAGER))
    assert client.get(url).context["work"] is None


def test_the_list_highlights_applications_still_undecided_after_the_set_delay(
    client, application, manager, program, campaign
):

    _bulk_applications(program, campaign, 2, "H")
    Application.objects.filter(pk=application.pk).update(
        submitted_at=timezone.now() - timedelta(days=60)
    )
    client.force_login(manager)
    rows = client.get(reverse("staff:applications")).context["rows"]
    assert {a.pk: overdue for a, _values, overdue in rows} == {
        a.pk: a.pk == application.pk for a, _values, _overdue in rows
    }
    assert len(rows) == 3


def test_a_bulk_job_that_breaks_says_so_to_its_author(
    client, application, manager, program, document_types, questions, monkeypatch, caplog
):
    """An unexpected error stops the job as failed, shown on its page in the author's
    language and logged with the traceback; the applications done before it stay done."""
    other = UserFactory()
    complete_dossier(other)
    second = submitted(other, program, document_types, questions)
    calls = []

    def breaks_on_the_second(**kwargs):
        calls.append(kwargs["application_id"])
        if len(calls) == 2:
            raise RuntimeError("disk full")
        return original(**kwargs)

    original = services.change_file_status
    monkeypatch.setattr(services, "change_file_status", breaks_on_the_second)
    job = jobs.start_bulk_job(
        user=manager,
        action="mark_complete",
        application_ids=[application.pk, second.pk],
        params={},
    )
    with caplog.at_level("ERROR", logger="ecandidat.jobs.runner"):
        runner.run_bulk(job.pk)
    job.refresh_from_db()
    assert job.status == BulkJob.Status.FAILED and job.finished_at is not None
    assert job.succeeded == [application.pk] and job.done == 1
    assert "RuntimeError" in job.error and str(job.pk) in job.error
    assert any(r.exc_info and str(job.pk) in r.getMessage() for r in caplog.records)
    assert AuditEvent.objects.filter(action="review.bulk_failed").exists()
    application.refresh_from_db()
    assert application.file_status == FileStatus.COMPLETE  # kept
    client.force_login(manager)
    page = client.get(reverse("staff:bulk_job", args=[job.pk]), headers={"HX-Request": "true"})
    html = page.content.decode()
    assert "unexpected error" in html and "hx-trigger" not in html  # no more polling
    runner.run_bulk(job.pk)  # a failed job is not run again by a late retry
    job.refresh_from_db()
    assert job.status == BulkJob.Status.FAILED and len(calls) == 2
