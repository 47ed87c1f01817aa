import io

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command

from ecandidat.applications.enums import ScanStatus
from ecandidat.applications.models import Application, CandidateFile
from tests.directory.slapd import free_port


@pytest.mark.django_db
def test_setup_demo_warns_and_goes_on_when_clamd_is_down(settings, referentials):
    settings.DEBUG = True
    settings.CLAMAV_URL = f"tcp://127.0.0.1:{free_port()}"  # nobody listens
    settings.CLAMAV_UNAVAILABLE_POLICY = "refuse"
    out, err = io.StringIO(), io.StringIO()
    call_command("setup_demo", stdout=out, stderr=err)
    assert "clamd does not answer" in err.getvalue()
    assert "eCandidat demo is ready" in out.getvalue()
    assert Application.objects.filter(file_status="received").count() == 5
    files = CandidateFile.objects.all()
    assert files and {f.scan_status for f in files} == {ScanStatus.PENDING}
    assert all(f.received for f in files)  # to be scanned from what was received
    assert django_settings.CLAMAV_UNAVAILABLE_POLICY == "refuse"  # only for the demo data
