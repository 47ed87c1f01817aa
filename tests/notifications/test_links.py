"""Email links are built by reverse(): under a sub-path they carry its prefix."""

import pytest
from django.urls import get_script_prefix, set_script_prefix

from ecandidat.accounts import services as account_services
from ecandidat.applications import services
from ecandidat.notifications.models import OutboxEmail
from tests.applications.conftest import prepared

pytestmark = pytest.mark.django_db


@pytest.fixture
def mounted_under_a_sub_path():
    # What django.setup() does with FORCE_SCRIPT_NAME=/candidatures, in the worker too.
    previous = get_script_prefix()
    set_script_prefix("/candidatures/")
    yield
    set_script_prefix(previous)


def test_application_emails_link_under_the_sub_path(
    mounted_under_a_sub_path, candidate, program, document_types, questions, run_on_commit
):
    with run_on_commit():
        application = prepared(candidate, program, document_types, questions)
        services.submit(application_id=application.pk, actor=candidate)
    email = OutboxEmail.objects.get(template="application_submitted")
    expected = f"http://testserver/candidatures/candidate/applications/{application.pk}/"
    assert expected in email.delivered_bodies()[0]


def test_account_links_under_the_sub_path(mounted_under_a_sub_path, client, run_on_commit):
    assert account_services.secret_link("public:activate").startswith(
        "http://testserver/candidatures/account/activate/"
    )
