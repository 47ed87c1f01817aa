"""Our CSP in a real browser: the pages it could break work, and a violation is caught."""

import copy

import pytest
from django.contrib.auth.models import Permission

from tests.e2e import conftest
from tests.e2e.conftest import check_accessibility, new_page
from tests.e2e.test_staff_processing import login
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_csp_violation_is_reported(browser, live_url):
    page = new_page(browser, "en")
    response = page.goto(live_url + "/")
    assert "'unsafe-inline'" not in response.headers["content-security-policy"]
    # What an inline style would do: refused by the browser, and noticed by the conftest.
    page.evaluate("document.body.setAttribute('style', 'color: red')")
    page.wait_for_timeout(200)
    assert page.evaluate("getComputedStyle(document.body).color") != "rgb(255, 0, 0)"
    assert any("Content Security Policy" in error for error in conftest._header_errors)
    conftest._header_errors.clear()
    page.context.close()


def test_email_preview_and_administration_under_the_csp(browser, live_url, settings):
    # Django's admin templates rely on missing variables rendering empty (tests/conftest.py
    # makes them fail): as in production for this test.
    templates = copy.deepcopy(settings.TEMPLATES)
    templates[0]["OPTIONS"]["string_if_invalid"] = ""
    settings.TEMPLATES = templates
    admin = UserFactory(staff=True, is_superuser=True, preferred_language="en")
    admin.user_permissions.add(Permission.objects.get(codename="view_outboxemail"))
    page = new_page(browser, "en")
    login(page, live_url, admin, "/staff/")
    # The email's HTML, with its inline styles, in its own framed document.
    page.goto(live_url + "/staff/emails/account_created/en/")
    frame = page.frame_locator("iframe.mail-html")
    link = frame.get_by_role("link", name="Activate my account")
    assert link.evaluate("a => getComputedStyle(a).display") == "inline-block"
    check_accessibility(page)
    # Django's administration runs its own scripts only.
    for path, selector in [
        ("/staff/admin/", "#content-main"),
        ("/staff/admin/accounts/user/", "#changelist"),
        (f"/staff/admin/accounts/user/{admin.pk}/change/", "#user_form"),
    ]:
        page.goto(live_url + path)
        assert page.locator(selector).count() == 1, path
        page.wait_for_load_state("load")
        conftest.assert_no_header_errors()
    page.context.close()
