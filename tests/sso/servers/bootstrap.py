"""What the CAS server's and the OIDC provider's WSGI modules do first: set Django up with
their settings, migrate their database and create the test people's accounts (one gunicorn
worker, so once)."""

import os

import django
from django.core.management import call_command


def set_up(settings_module: str) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", settings_module)
    django.setup()
    call_command("migrate", interactive=False, run_syncdb=True, verbosity=0)

    from django.contrib.auth import get_user_model  # noqa: PLC0415 (needs the app registry)

    from tests.sso.people import PASSWORD, PEOPLE  # noqa: PLC0415

    User = get_user_model()
    for person in PEOPLE:
        if not User.objects.filter(username=person.uid).exists():
            User.objects.create_user(
                person.uid,
                person.mail,
                PASSWORD,
                first_name=person.given_name,
                last_name=person.surname,
            )
