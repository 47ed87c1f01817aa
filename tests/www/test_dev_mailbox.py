import pytest
from django.urls import reverse

from ecandidat.notifications.services import send_email

pytestmark = pytest.mark.django_db


def _email():
    return send_email(
        "account_created",
        to="someone@example.org",
        language="en",
        context={
            "first_name": "A",
            "last_name": "B",
            "dossier_number": "ABCD1234",
            "link": "http://testserver/account/activate/xyz/",
            "valid_until": "soon",
        },
    )


def test_mailbox_is_404_without_debug(client, settings):
    settings.DEBUG = False
    email = _email()
    assert client.get(reverse("dev:mailbox")).status_code == 404
    assert client.get(reverse("dev:mailbox_detail", args=[email.pk])).status_code == 404


def test_mailbox_lists_emails_with_clickable_links(client, settings):
    settings.DEBUG = True
    email = _email()
    html = client.get(reverse("dev:mailbox")).content.decode()
    assert email.subject in html
    detail = client.get(reverse("dev:mailbox_detail", args=[email.pk])).content.decode()
    assert '<a href="http://testserver/account/activate/xyz/"' in detail
    html_part = client.get(reverse("dev:mailbox_html", args=[email.pk]))
    assert "script-src 'none'" in html_part["Content-Security-Policy"]
