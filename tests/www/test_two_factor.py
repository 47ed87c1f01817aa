import re
from base64 import b32decode
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from ecandidat.accounts.enums import StaffRole
from ecandidat.audit.models import AuditEvent
from tests.factories import CentreFactory, staff_with_role

pytestmark = pytest.mark.django_db


def code_for(key: bytes) -> str:
    return f"{totp(key, step=30, t0=0, digits=6, drift=0):06d}"


def test_required_for_central_office_when_the_setting_is_on(client, settings):
    settings.STAFF_2FA_REQUIRED = True
    user = staff_with_role(StaffRole.CENTRAL_OFFICE)
    client.force_login(user)
    response = client.get(reverse("staff:dashboard"))
    assert response.status_code == 302 and response["Location"].startswith(
        reverse("staff:two_factor_setup")
    )
    page = client.get(response["Location"])
    secret = re.search(r'user-select-all">([A-Z2-7]+)<', page.content.decode()).group(1)
    assert "<svg" in page.content.decode()
    bad = client.post(reverse("staff:two_factor_setup"), {"code": "000000", "next": "/staff/"})
    assert "not valid" in bad.content.decode() or code_for(b32decode(secret)) == "000000"
    # django-otp throttles the attempt right after a failure: come back two seconds later.
    with time_machine.travel(timezone.now() + timedelta(seconds=2)):
        ok = client.post(
            reverse("staff:two_factor_setup"),
            {"code": code_for(b32decode(secret)), "next": "/staff/"},
        )
    assert ok.status_code == 302 and ok["Location"] == "/staff/"
    assert client.get(reverse("staff:dashboard")).status_code == 200
    assert AuditEvent.objects.filter(action="account.two_factor_enabled").exists()


def test_not_required_for_a_centre_manager(client, settings):
    settings.STAFF_2FA_REQUIRED = True
    client.force_login(staff_with_role(StaffRole.CENTRE_MANAGER, centre=CentreFactory()))
    assert client.get(reverse("staff:dashboard")).status_code == 200


def test_not_required_when_the_setting_is_off(client, settings):
    settings.STAFF_2FA_REQUIRED = False
    client.force_login(staff_with_role(StaffRole.CENTRAL_OFFICE))
    assert client.get(reverse("staff:dashboard")).status_code == 200


def test_a_configured_device_is_always_asked_for(client, settings):
    settings.STAFF_2FA_REQUIRED = False
    user = staff_with_role(StaffRole.CENTRE_MANAGER, centre=CentreFactory())
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    client.force_login(user)
    response = client.get(reverse("staff:resource_list", args=["programs"]))
    assert response["Location"].startswith(reverse("staff:two_factor_verify"))
    wrong = client.post(reverse("staff:two_factor_verify"), {"code": "12345"})
    assert "6 digits" in wrong.content.decode()
    ok = client.post(
        reverse("staff:two_factor_verify"),
        {
            "code": code_for(device.bin_key),
            "next": reverse("staff:resource_list", args=["programs"]),
        },
    )
    assert ok.status_code == 302
    assert client.get(reverse("staff:resource_list", args=["programs"])).status_code == 200
