import io

import pytest
from django.core.management import CommandError, call_command

from ecandidat.accounts.models import User
from ecandidat.applications.models import Application
from ecandidat.catalog.models import Program


@pytest.mark.django_db
def test_setup_demo_is_idempotent_and_refused_without_debug(settings, referentials):
    settings.DEBUG = False
    with pytest.raises(CommandError):
        call_command("setup_demo", stdout=io.StringIO())
    settings.DEBUG = True
    out = io.StringIO()
    call_command("setup_demo", stdout=out)
    counts = (User.objects.count(), Program.objects.count(), Application.objects.count())
    call_command("setup_demo", stdout=io.StringIO())
    assert (User.objects.count(), Program.objects.count(), Application.objects.count()) == counts
    assert "gestionnaire.sciences" in out.getvalue()
    assert Application.objects.filter(file_status="received").count() == 5
    assert (
        Program.objects.filter(
            centre__label="Sciences et Techniques (Mont-St-Aignan)",
            training_type__label_fr="Licence Professionnelle",
        ).count()
        == 3
    )
