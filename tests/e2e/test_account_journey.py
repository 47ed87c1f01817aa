"""Seed steps 1 and 2 in a real browser, in English and in French."""

import re

import pytest

from ecandidat.accounts.models import User
from tests.e2e.conftest import check_accessibility, new_page
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

TEXT = {
    "en": {
        "create": "Create an account",
        "check": "Check your mailbox",
        "activate_subject": "activate it",
        "activate_button": "Activate my account",
        "activated": "Your account is activated",
        "login": "Log in",
        "logout": "Logout",
        "home_menu": "Home menu",
    },
    "fr": {
        "create": "Créer un compte",
        "check": "Consultez votre messagerie",
        "activate_subject": "activez-le",
        "activate_button": "Activer mon compte",
        "activated": "Votre compte est activé",
        "login": "Se connecter",
        "logout": "Déconnexion",
        "home_menu": "Menu d’accueil",
    },
}


@pytest.mark.parametrize("language", ["en", "fr"])
def test_create_confirm_login_logout(browser, live_url, language):
    t = TEXT[language]
    page = new_page(browser, language)
    email = f"laurent.lebrun.{language}@example.org"

    page.goto(live_url + "/")
    assert page.locator("html").get_attribute("lang") == language
    check_accessibility(page)

    # 1/ Create an account
    page.get_by_role("link", name=t["create"], exact=True).click()
    check_accessibility(page)
    page.fill("#id_last_name", "LEBRUN")
    page.fill("#id_first_name", "LAURENT")
    page.fill("#id_email", email)
    page.fill("#id_email_confirmation", "typo@example.org")
    page.get_by_role("button", name=t["create"]).click()
    # The error is next to the field and what was typed is kept.
    assert page.locator("#id_email_confirmation_error").is_visible()
    assert page.input_value("#id_last_name") == "LEBRUN"
    check_accessibility(page)
    page.fill("#id_email_confirmation", email)
    page.get_by_role("button", name=t["create"]).click()
    page.get_by_role("heading", name=t["check"]).wait_for()
    check_accessibility(page)

    # Read the email in the development mailbox and follow the link.
    page.goto(live_url + "/dev/mailbox/")
    check_accessibility(page)
    page.get_by_role("link", name=re.compile(t["activate_subject"])).first.click()
    check_accessibility(page)
    page.locator("pre a[href*='/account/activate/']").click()

    # 2/ Confirm your account: choose the password.
    check_accessibility(page)
    page.fill("#id_new_password1", "my activation passphrase")
    page.fill("#id_new_password2", "my activation passphrase")
    page.get_by_role("button", name=t["activate_button"]).click()
    page.get_by_text(t["activated"]).wait_for()
    user = User.objects.get(email=email)
    assert user.is_activated and user.dossier_number in page.content()
    assert user.preferred_language == language

    # Log in with the dossier number…
    page.fill("#id_username", user.dossier_number)
    page.fill("#id_password", "my activation passphrase")
    page.get_by_role("button", name=t["login"]).click()
    page.get_by_role("heading", name=re.compile(user.dossier_number)).wait_for()
    assert page.get_by_role("link", name=t["home_menu"]).is_visible()
    check_accessibility(page)

    # …log out…
    page.get_by_role("button", name=t["logout"]).click()
    page.locator("#id_username").wait_for()

    # …and log in with the email.
    page.fill("#id_username", email)
    page.fill("#id_password", "my activation passphrase")
    page.keyboard.press("Enter")  # keyboard use: submitting with Enter works
    page.get_by_role("heading", name=re.compile(user.dossier_number)).wait_for()
    page.context.close()


def test_every_account_page_is_accessible_in_both_languages(browser, live_url):
    user = UserFactory(preferred_language="en")
    anonymous_paths = [
        "/",
        "/account/create/",
        "/account/lost/",
        "/account/lost-activation/",
        "/account/lost/done/",
        "/account/create/done/",
        "/account/activate/expired-or-unknown/",
        "/help/",
    ]
    for language in ["en", "fr"]:
        page = new_page(browser, language)
        for path in anonymous_paths:
            page.goto(live_url + path)
            check_accessibility(page)
        page.goto(live_url + "/")
        page.fill("#id_username", user.username)
        page.fill("#id_password", PASSWORD)
        page.keyboard.press("Enter")
        page.wait_for_url(live_url + "/candidate/")
        for path in ["/candidate/", "/candidate/account/", "/help/"]:
            page.goto(live_url + path)
            check_accessibility(page)
        # Errors on the account page are visible and accessible too.
        page.goto(live_url + "/candidate/account/")
        page.fill("#id_password-old_password", "wrong")
        page.fill("#id_password-new_password1", "short")
        page.fill("#id_password-new_password2", "different")
        page.locator("form:has(#id_password-old_password) button[type=submit]").click()
        assert page.locator("#id_password-old_password_error").is_visible()
        check_accessibility(page)
        page.context.close()


def test_language_switcher_changes_the_page_language(browser, live_url):
    page = new_page(browser, "en")
    page.goto(live_url + "/help/")
    page.get_by_role("button", name="Français").click()
    page.wait_for_url(live_url + "/help/")
    assert page.locator("html").get_attribute("lang") == "fr"
    assert page.get_by_role("heading", name="Aide", exact=True).is_visible()
    page.context.close()
