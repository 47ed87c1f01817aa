"""Seed step "Choose a degree program" and the application, in Chromium."""

import io

import pytest
from pypdf import PdfReader

from ecandidat.applications.enums import FileStatus
from ecandidat.applications.models import Application
from ecandidat.catalog.models import InstitutionSettings, Program
from ecandidat.demo.catalog import load_demo_catalog
from tests.applications.conftest import complete_dossier, make_image, make_pdf
from tests.e2e.conftest import check_accessibility, new_page
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_candidate_applies_uploads_answers_submits_and_downloads(
    browser, live_url, referentials, tmp_path
):
    load_demo_catalog()
    InstitutionSettings.objects.update_or_create(pk=1, defaults={"max_applications": 2})
    candidate = UserFactory(last_name="LEBRUN", first_name="LAURENT", preferred_language="en")
    complete_dossier(candidate)
    page = new_page(browser, "en")
    page.goto(live_url + "/")
    page.fill("#id_username", candidate.username)
    page.fill("#id_password", PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(live_url + "/candidate/")

    # Degree programs → Sciences et Techniques (Mont-St-Aignan) → Licence Professionnelle.
    page.locator("nav a[href='/programs/']").click()
    page.wait_for_url("**/programs/")
    centre = page.locator("details.centre", has_text="Sciences et Techniques (Mont-St-Aignan)")
    centre.locator("summary").first.click()
    centre.locator("summary", has_text="Licence Professionnelle").click()
    program = Program.objects.get(code="SCI-LP-ASSR")
    page.get_by_role("button", name=f"Apply — {program.label_en}").click()
    page.wait_for_url("**/candidate/applications/*/")
    check_accessibility(page)
    application = Application.objects.get(candidate=candidate)

    # Upload a PDF and a JPEG, and the other required documents.
    def upload(label, name, mime, data):
        card = page.locator("li.card", has=page.get_by_role("heading", name=label))
        card.locator("input[type=file]").set_input_files(
            files=[{"name": name, "mimeType": mime, "buffer": data}]
        )
        card.get_by_role("button", name=f"Upload {label}").click()
        page.wait_for_selector(".alert-success")

    upload("Curriculum vitae", "cv.pdf", "application/pdf", make_pdf(2))
    upload("Cover letter", "letter.jpg", "image/jpeg", make_image("JPEG"))
    upload("Transcripts since the baccalaureate", "notes.pdf", "application/pdf", make_pdf())
    upload("Identity document", "id.png", "image/png", make_image("PNG"))
    # A bad file gets a clear message and nothing changes.
    upload_bad = page.locator("li.card", has=page.get_by_role("heading", name="Cover letter"))
    upload_bad.locator("input[type=file]").set_input_files(
        files=[{"name": "x.pdf", "mimeType": "application/pdf", "buffer": b"<html>"}]
    )
    upload_bad.get_by_role("button", name="Upload Cover letter").click()
    page.wait_for_selector(".alert-danger")
    assert "Only PDF, JPEG and PNG" in page.locator(".alert-danger").inner_text()
    check_accessibility(page)

    # Conditional documents: not concerned (sworn statement).
    for label in [
        "French language certificate (TCF, DELF, DALF)",
        "Internship or work certificate",
    ]:
        page.get_by_role("button", name=f"I am not concerned (sworn statement) — {label}").click()
        page.wait_for_selector(".alert-success")

    # Answer the questions and transmit.
    page.get_by_label("No", exact=True).check()
    page.get_by_role("button", name="Save my answers").click()
    page.wait_for_selector(".alert-success")
    page.get_by_role("link", name="Transmit my application").click()
    check_accessibility(page)
    page.get_by_role("button", name="I confirm: transmit my application").click()
    page.wait_for_selector(".alert-success")
    application.refresh_from_db()
    assert application.file_status == FileStatus.RECEIVED
    check_accessibility(page)

    # Download my file.
    with page.expect_download() as download:
        page.get_by_role("link", name="Download my file").click()
    path = tmp_path / "file.pdf"
    download.value.save_as(path)
    assert len(PdfReader(io.BytesIO(path.read_bytes())).pages) >= 6

    # Cannot apply twice to the same program, nor beyond the limit of 2.
    page.goto(live_url + "/programs/?q=SCI-LP-ASSR")
    page.get_by_role("button", name=f"Apply — {program.label_en}").click()
    assert "You have already applied to this program." in page.content()
    check_accessibility(page)
    second = Program.objects.get(code="SCI-LP-ELEC")
    page.goto(live_url + "/programs/?q=SCI-LP-ELEC")
    page.get_by_role("button", name=f"Apply — {second.label_en}").click()
    page.wait_for_url("**/candidate/applications/*/")
    third = Program.objects.get(code="SCI-LP-CHIM")
    page.goto(live_url + "/programs/?q=SCI-LP-CHIM")
    page.get_by_role("button", name=f"Apply — {third.label_en}").click()
    assert "maximum of 2 applications" in page.content()
    page.goto(live_url + "/candidate/applications/")
    check_accessibility(page)
    page.context.close()
