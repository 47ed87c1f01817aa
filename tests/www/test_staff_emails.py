import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from ecandidat.notifications.registry import EMAIL_TEMPLATES
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client):
    user = UserFactory(staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_outboxemail"))
    client.force_login(user)
    return user


def test_staff_preview_every_email_in_both_languages(client, staff):
    assert client.get(reverse("staff:email_templates")).status_code == 200
    for key in EMAIL_TEMPLATES:
        for language in ["fr", "en"]:
            response = client.get(reverse("staff:email_preview", args=[key, language]))
            assert response.status_code == 200


def test_unknown_template_is_404(client, staff):
    assert client.get(reverse("staff:email_preview", args=["nope", "fr"])).status_code == 404
    assert (
        client.get(reverse("staff:email_preview", args=["account_created", "de"])).status_code
        == 404
    )


@pytest.mark.parametrize("who", ["candidate", "staff_without_permission"])
def test_others_get_404(client, who):
    client.force_login(UserFactory() if who == "candidate" else UserFactory(staff=True))
    assert client.get(reverse("staff:email_templates")).status_code == 404
