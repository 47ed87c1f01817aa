"""The application list never writes on GET: its columns and filters are saved by a POST."""

import pytest
from django.test import Client
from django.urls import reverse

from ecandidat.accounts.enums import StaffRole
from ecandidat.exports.models import ListPreference
from tests.decisions.test_decisions import decision_types, received  # noqa: F401
from tests.factories import staff_with_role

pytestmark = pytest.mark.django_db

LIST = "staff:applications"
SAVE = "staff:applications_preferences"


@pytest.fixture
def manager(program):
    return staff_with_role(StaffRole.CENTRE_MANAGER, centre=program.centre)


@pytest.mark.parametrize(
    "query",
    [
        "",
        "?save_filters=1",
        "?save_filters=1&file_status=received&q=lebrun",
        "?columns=dossier_number&columns=last_name",
        "?columns=last_name&save_filters=1&treatment=direct",
    ],
)
def test_get_writes_nothing(client, manager, program, campaign, query):
    received(program, campaign)
    client.force_login(manager)
    assert client.get(reverse(LIST) + query).status_code == 200
    assert not ListPreference.objects.filter(user=manager).exists()


def test_get_does_not_change_saved_preferences(client, manager):
    ListPreference.objects.create(
        user=manager, columns=["dossier_number"], filters={"file_status": "complete"}
    )
    client.force_login(manager)
    client.get(reverse(LIST) + "?save_filters=1&file_status=received&columns=last_name")
    preference = ListPreference.objects.get(user=manager)
    assert preference.filters == {"file_status": "complete"}
    assert preference.columns == ["dossier_number"]


def test_get_columns_are_shown_but_not_saved(client, manager, program, campaign):
    received(program, campaign)
    client.force_login(manager)
    shown = client.get(reverse(LIST) + "?columns=last_name&columns=program").context["columns"]
    assert [c.key for c in shown] == ["last_name", "program"]


def test_saving_filters_is_a_post(client, manager, program, campaign):
    _first, second = received(program, campaign, 2)
    second.file_status = "complete"
    second.save(update_fields=["file_status"])
    client.force_login(manager)
    page = client.get(reverse(LIST) + "?file_status=complete").content.decode()
    # The page offers the save as a POST form carrying the filters shown.
    save_form = page.split(f'action="{reverse(SAVE)}"')[1].split("</form>")[0]
    assert "csrfmiddlewaretoken" in save_form and 'value="complete"' in save_form
    response = client.post(reverse(SAVE), {"save": "filters", "file_status": "complete"})
    assert response.status_code == 302 and response["Location"] == reverse(LIST)
    assert ListPreference.objects.get(user=manager).filters == {"file_status": "complete"}
    # The saved filters apply when the list is opened without any.
    assert [a for a, _values, _overdue in client.get(reverse(LIST)).context["rows"]] == [second]


def test_saving_columns_is_a_post(client, manager):
    client.force_login(manager)
    client.post(reverse(SAVE), {"save": "columns", "columns": ["last_name", "nope"]})
    assert ListPreference.objects.get(user=manager).columns == ["last_name"]


def test_the_save_needs_post_and_the_csrf_token(manager):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(manager)
    assert browser.get(reverse(SAVE) + "?save=filters&file_status=received").status_code == 405
    assert browser.post(reverse(SAVE), {"save": "filters"}).status_code == 403
    assert not ListPreference.objects.filter(user=manager).exists()


def test_only_staff_who_read_the_list_save(client, candidate):
    client.force_login(candidate)
    assert client.post(reverse(SAVE), {"save": "filters"}).status_code == 404
    assert not ListPreference.objects.exists()
