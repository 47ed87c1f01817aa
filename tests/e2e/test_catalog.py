"""The offer tree for visitors, the program editor for a centre manager and staff-account
invitations, in Chromium."""

import re

import pytest

from ecandidat.accounts.enums import StaffRole
from ecandidat.catalog.models import Centre, Program
from ecandidat.demo.catalog import load_demo_catalog
from ecandidat.notifications.models import OutboxEmail
from tests.e2e.conftest import check_accessibility, new_page
from tests.factories import PASSWORD, staff_with_role

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize(
    ("language", "type_label"),
    [("en", "Licence Professionnelle"), ("fr", "Licence Professionnelle")],
)
def test_visitor_browses_the_offer_tree(browser, live_url, language, type_label):
    load_demo_catalog()
    page = new_page(browser, language)
    page.goto(live_url + "/programs/")
    check_accessibility(page)
    page.get_by_text("Sciences et Techniques (Mont-St-Aignan)", exact=True).click()
    centre = page.locator("details.centre", has_text="Sciences et Techniques (Mont-St-Aignan)")
    centre.locator("summary", has_text=type_label).click()
    expected = (
        "Métiers de l'informatique" if language == "fr" else "systems and network administration"
    )
    assert centre.get_by_role("heading", name=expected).is_visible()
    check_accessibility(page)
    # Search by keyword (keywords are in French in the demo data).
    page.fill("#q", "cybersécurité")
    page.keyboard.press("Enter")
    page.wait_for_url("**/programs/?q=*")
    assert page.locator("details.training-type li").count() == 1
    check_accessibility(page)
    page.context.close()


def test_centre_manager_edits_a_program(browser, live_url):
    load_demo_catalog()
    centre = Centre.objects.get(code="SCI")
    manager = staff_with_role(StaffRole.CENTRE_MANAGER, centre=centre, preferred_language="en")
    page = new_page(browser, "en")
    page.goto(live_url + "/staff/")
    page.fill("#id_username", manager.username)
    page.fill("#id_password", PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(live_url + "/staff/")
    check_accessibility(page)
    page.goto(live_url + "/staff/catalog/programs/")
    check_accessibility(page)
    page.get_by_role("link", name="SCI-LP-ASSR").click()
    page.wait_for_url("**/staff/catalog/programs/*/")
    check_accessibility(page)
    original_closing = page.input_value("#id_closes_at")
    page.fill("#id_closes_at", "2020-01-01T10:00")
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_selector("#id_closes_at_error")
    check_accessibility(page)
    assert page.input_value("#id_capacity") == "24"  # the rest of the form is kept
    page.fill("#id_closes_at", original_closing)
    page.fill("#id_capacity", "26")
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_selector(".history li code")
    assert Program.objects.get(code="SCI-LP-ASSR").capacity == 26
    assert "catalog.program.updated" in page.locator(".history").inner_text()
    page.context.close()


def test_central_office_creates_a_staff_account_and_the_invitee_sets_a_password(
    browser, live_url, e2e_settings
):
    e2e_settings.STAFF_2FA_REQUIRED = False
    central = staff_with_role(StaffRole.CENTRAL_OFFICE, preferred_language="fr")
    page = new_page(browser, "fr")
    page.goto(live_url + "/staff/")
    page.fill("#id_username", central.username)
    page.fill("#id_password", PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(live_url + "/staff/")
    page.goto(live_url + "/staff/catalog/roles/")
    page.get_by_role("link", name="Créer un compte de gestionnaire").click()
    page.wait_for_url("**/staff/staff-accounts/new/")
    check_accessibility(page)
    page.fill("#id_username", "m durand")
    page.fill("#id_last_name", "Durand")
    page.fill("#id_first_name", "Marie")
    page.fill("#id_email", "marie.durand@univ.example.org")
    page.locator("main form button[type=submit]").click()
    page.wait_for_selector("#id_username_error")
    check_accessibility(page)
    assert page.input_value("#id_last_name") == "Durand"  # the rest is kept
    page.fill("#id_username", "m.durand")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/staff/catalog/roles/new/?user=*")
    check_accessibility(page)
    page.context.close()

    body = OutboxEmail.objects.get(template="staff_invitation").delivered_bodies()[0]
    link = re.search(r"https?://\S+/account/password/\S+/", body).group(0)
    invitee = new_page(browser, "fr")
    invitee.goto(link)
    assert "m.durand" in invitee.locator("main").inner_text()
    check_accessibility(invitee)
    invitee.fill("#id_new_password1", "Tr3s-long-secret!")
    invitee.fill("#id_new_password2", "Tr3s-long-secret!")
    invitee.locator("main form button[type=submit]").click()
    invitee.wait_for_url("**/staff/login/**")
    invitee.context.close()
