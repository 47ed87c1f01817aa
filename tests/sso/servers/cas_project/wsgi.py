"""The CAS server's WSGI application; loading it migrates the database and creates the
test people's accounts (one gunicorn worker, so once)."""

import os

import django
from django.core.management import call_command

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.sso.servers.cas_project.settings")
django.setup()
call_command("migrate", interactive=False, run_syncdb=True, verbosity=0)

from django.contrib.auth import get_user_model  # noqa: E402 (needs the app registry)
from django.core.wsgi import get_wsgi_application  # noqa: E402

from tests.sso.people import PASSWORD, PEOPLE  # noqa: E402

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

application = get_wsgi_application()
