"""Issue 6 acceptance: a centre manager processes an application, the candidate answers."""

import io

import pytest
from openpyxl import load_workbook

from ecandidat.accounts.enums import StaffRole
from ecandidat.applications.enums import FileStatus
from ecandidat.applications.models import Application
from tests.applications.conftest import make_pdf
from tests.e2e.conftest import check_accessibility, new_page
from tests.factories import PASSWORD, staff_with_role
from tests.review.test_review import submitted

pytestmark = pytest.mark.django_db(transaction=True)


def login(page, live_url, user, home):
    # Candidates log in on the home page; staff are sent to the staff login by /staff/.
    page.goto(live_url + ("/" if home == "/candidate/" else home))
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(
        lambda url: "/login/" not in url and url.rstrip("/").endswith(home.rstrip("/"))
    )


def test_manager_checks_documents_candidate_replaces_and_resubmits(
    browser, live_url, tmp_path, candidate, program, document_types, questions
):
    application = submitted(candidate, program, document_types, questions)
    manager = staff_with_role(
        StaffRole.CENTRE_MANAGER, centre=program.centre, preferred_language="en"
    )
    staff = new_page(browser, "en")
    login(staff, live_url, manager, "/staff/")
    staff.goto(live_url + "/staff/applications/")
    check_accessibility(staff)
    staff.fill("#f-q", candidate.last_name)
    staff.select_option("#f-status", "received")
    staff.get_by_role("button", name="Filter", exact=True).click()
    staff.get_by_role("link", name=candidate.username).click()
    staff.wait_for_url(f"**/staff/applications/{application.pk}/")
    check_accessibility(staff)
    cv = application.documents.get(document_type=document_types["cv"])
    letter = application.documents.get(document_type=document_types["letter"])
    staff.select_option(f"#status-{cv.pk}", "validated")
    staff.locator(f"form:has(#status-{cv.pk}) button").click()
    staff.wait_for_selector(".alert-success")
    staff.select_option(f"#status-{letter.pk}", "refused")
    staff.fill(f"#comment-{letter.pk}", "The scan is unreadable, please send it again.")
    staff.locator(f"form:has(#status-{letter.pk}) button").click()
    staff.wait_for_selector(".alert-success")
    staff.get_by_role("button", name="Mark incomplete (the candidate is emailed)").click()
    staff.wait_for_selector(".alert-success")
    assert Application.objects.get(pk=application.pk).file_status == FileStatus.INCOMPLETE

    # The candidate sees the comment, replaces the document and transmits again.
    page = new_page(browser, "en")
    login(page, live_url, candidate, "/candidate/")
    page.goto(live_url + f"/candidate/applications/{application.pk}/")
    assert "The scan is unreadable" in page.content()
    card = page.locator("li.card", has=page.get_by_role("heading", name="Cover letter"))
    card.locator("input[type=file]").set_input_files(
        files=[{"name": "letter.pdf", "mimeType": "application/pdf", "buffer": make_pdf()}]
    )
    card.get_by_role("button", name="Upload Cover letter").click()
    page.wait_for_selector(".alert-success")
    page.get_by_role("link", name="Transmit my application").click()
    page.get_by_role("button", name="I confirm: transmit my application").click()
    page.wait_for_selector(".alert-success")
    assert Application.objects.get(pk=application.pk).file_status == FileStatus.RECEIVED

    staff.reload()
    staff.get_by_role("button", name="Mark complete").click()
    staff.wait_for_selector(".alert-success")
    assert Application.objects.get(pk=application.pk).file_status == FileStatus.COMPLETE
    assert "application.file_status" in staff.locator(".history").inner_text()

    # Export with chosen columns, opened with openpyxl.
    staff.goto(
        live_url
        + "/staff/applications/?columns=dossier_number&columns=last_name&columns=file_status"
    )
    with staff.expect_download() as download:
        staff.get_by_role("link", name="Export (XLSX)").click()
    path = tmp_path / "export.xlsx"
    download.value.save_as(path)
    rows = list(load_workbook(io.BytesIO(path.read_bytes())).active.values)
    assert rows[0] == ("dossier number", "Last name", "file status")
    assert rows[1] == (candidate.username, candidate.last_name, "Complete")

    # The dashboard shows the counts.
    staff.goto(live_url + "/staff/applications/dashboard/")
    check_accessibility(staff)
    totals = staff.get_by_role("table", name="Applications by file status").locator("tfoot")
    assert "1" in totals.inner_text()
    staff.context.close()
    page.context.close()


def test_bulk_action_progress_page(
    browser, live_url, candidate, program, document_types, questions
):
    application = submitted(candidate, program, document_types, questions)
    manager = staff_with_role(
        StaffRole.CENTRE_MANAGER, centre=program.centre, preferred_language="en"
    )
    staff = new_page(browser, "en")
    login(staff, live_url, manager, "/staff/")
    staff.goto(live_url + "/staff/applications/")
    staff.locator(f"input[name=ids][value='{application.pk}']").check()
    staff.select_option("#bulk-action", "mark_complete")
    staff.get_by_role("button", name="Run").click()
    staff.wait_for_selector("text=Finished.")
    assert "1 succeeded." in staff.content()
    check_accessibility(staff)
    staff.context.close()
