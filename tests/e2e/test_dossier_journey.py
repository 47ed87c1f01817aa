"""Seed step 3 in a real browser: the seed's example candidate fills every section."""

import re

import pytest

from ecandidat.accounts.enums import StaffRole
from ecandidat.dossier.models import Address, Baccalaureate, PersonalInformation
from tests.e2e.conftest import check_accessibility, new_page
from tests.factories import PASSWORD, UserFactory, staff_with_role

pytestmark = pytest.mark.django_db(transaction=True)


def login(page, live_url, user):
    page.goto(live_url + "/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(live_url + "/candidate/")


def save(page):
    page.locator("#dossier-form button[type=submit]:not([name])").click()


def wait_option(page, select_id, value):
    page.wait_for_selector(f"#{select_id} option[value='{value}']", state="attached")


def add_entry(page):
    page.locator("main a[href$='/new/']").click()
    page.wait_for_url("**/new/")  # htmx must have processed the new page


def open_section(page, live_url, path):
    page.locator(f"nav a[href='{path}']").click()
    page.wait_for_url(live_url + path + "*")


@pytest.mark.parametrize("language", ["en", "fr"])
def test_seed_candidate_fills_every_section(browser, live_url, referentials, language):
    user = UserFactory(last_name="LEBRUN", first_name="LAURENT", preferred_language=language)
    page = new_page(browser, language)
    login(page, live_url, user)
    check_accessibility(page)

    # Personal information: German national without INE, born in Rouen.
    open_section(page, live_url, "/candidate/dossier/personal/")
    check_accessibility(page)
    page.select_option("#id_nationality", "DE")
    page.select_option("#id_title", "M.")
    page.fill("#id_birth_date", "2000-05-17")
    page.select_option("#id_birth_department", "76")  # htmx refreshes the towns
    wait_option(page, "id_birth_commune", "76540")
    page.select_option("#id_birth_commune", "76540")
    page.fill("#id_phone", "02 35 14 60 00")
    page.select_option("#id_preferred_language", language)
    page.fill("#id_birth_date", "1900-01-01")
    save(page)
    assert page.locator("#id_birth_date_error").is_visible()  # error next to the field
    assert page.input_value("#id_phone") == "02 35 14 60 00"  # input kept
    check_accessibility(page)
    page.fill("#id_birth_date", "2000-05-17")
    save(page)
    page.wait_for_selector(".dossier-summary")
    assert re.search("ALLEMAND\\(E\\)|German", page.content())
    check_accessibility(page)

    # Address: the postal code lists its towns.
    open_section(page, live_url, "/candidate/dossier/address/")
    page.fill("#id_postal_code", "76130")
    wait_option(page, "id_commune", "76451")
    page.select_option("#id_commune", "76451")
    page.fill("#id_line1", "1 rue Thomas Becket")
    check_accessibility(page)
    save(page)
    page.wait_for_selector(".dossier-summary")
    assert "Mont-Saint-Aignan" in page.content()

    # Baccalaureate 2015, series S, honours "Bien", obtained in Germany.
    open_section(page, live_url, "/candidate/dossier/baccalaureate/")
    page.select_option("#id_year", "2015")
    wait_option(page, "id_series", "S")
    page.select_option("#id_series", "S")
    page.select_option("#id_honours", "B")
    page.select_option("#id_country", "DE")
    page.wait_for_selector("#id_department", state="hidden")
    check_accessibility(page)
    save(page)
    page.wait_for_selector(".dossier-summary")

    # Local studies: none imported.
    open_section(page, live_url, "/candidate/dossier/local-studies/")
    check_accessibility(page)

    # Non-local studies, internships, work experience.
    open_section(page, live_url, "/candidate/dossier/non-local-studies/")
    check_accessibility(page)
    add_entry(page)
    page.select_option("#id_country", "DE")
    page.wait_for_selector("#id_town_abroad")
    page.fill("#id_town_abroad", "Berlin")
    page.fill("#id_establishment", "Humboldt-Universität zu Berlin")
    page.fill("#id_year", "2018")
    page.select_option("#id_training", "licence")
    page.fill("#id_description", "Licence 1, Physik")
    page.select_option("#id_result", "obtained")
    check_accessibility(page)
    save(page)
    page.wait_for_selector(".dossier-entries")
    check_accessibility(page)

    open_section(page, live_url, "/candidate/dossier/internships/")
    add_entry(page)
    page.fill("#id_year", "2019")
    page.fill("#id_duration", "3 months")
    page.fill("#id_hours_per_week", "35")
    page.fill("#id_employer", "Siemens")
    page.fill("#id_description", "Test bench for sensors")
    save(page)
    page.wait_for_selector(".dossier-entries")
    check_accessibility(page)

    open_section(page, live_url, "/candidate/dossier/work-experience/")
    add_entry(page)
    page.fill("#id_year", "2020")
    page.fill("#id_title", "Lab technician")
    page.fill("#id_duration", "1 year")
    page.fill("#id_employer", "BASF")
    check_accessibility(page)
    save(page)
    page.wait_for_selector(".dossier-entries")

    # Every required section is complete.
    page.goto(live_url + "/candidate/")
    assert page.locator("nav .badge.text-bg-success").count() == 3
    assert page.locator("nav .badge.text-bg-warning").count() == 0
    check_accessibility(page)
    assert PersonalInformation.objects.get(user=user).nationality_id == "DE"
    assert Address.objects.get(user=user).commune_id == "76451"
    assert Baccalaureate.objects.get(user=user).series_id == "S"
    page.context.close()


def test_dependent_lists_work_without_javascript(browser, live_url, referentials):
    user = UserFactory()
    context = browser.new_context(locale="en", java_script_enabled=False)
    page = context.new_page()
    login(page, live_url, user)
    page.goto(live_url + "/candidate/dossier/address/")
    page.fill("#id_postal_code", "76000")
    page.locator("button[name=_refresh]").click()  # "Update the lists"
    wait_option(page, "id_commune", "76540")
    page.select_option("#id_commune", "76540")
    page.fill("#id_line1", "1 rue Lecat")
    save(page)
    page.wait_for_selector(".dossier-summary")
    assert Address.objects.get(user=user).commune.name == "Rouen"
    context.close()


def test_candidate_manager_reads_a_dossier(browser, live_url, referentials):
    staff = staff_with_role(StaffRole.CANDIDATE_MANAGER)
    candidate = UserFactory(last_name="LEBRUN")
    page = new_page(browser, "fr")
    page.goto(live_url + f"/staff/candidates/{candidate.dossier_number}/")
    page.fill("#id_username", staff.username)
    page.fill("#id_password", PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: "/login/" not in url)
    assert "LEBRUN" in page.content()
    check_accessibility(page)
    page.context.close()
