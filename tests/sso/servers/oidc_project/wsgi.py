"""The provider's WSGI application; loading it migrates the database, creates the test
people's accounts and the portal's client (one gunicorn worker, so once)."""

import os

import django
from django.core.management import call_command

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.sso.servers.oidc_project.settings")
django.setup()
call_command("migrate", interactive=False, run_syncdb=True, verbosity=0)

from django.contrib.auth import get_user_model  # noqa: E402 (needs the app registry)
from django.core.wsgi import get_wsgi_application  # noqa: E402
from oauth2_provider.models import get_application_model  # noqa: E402

from tests.sso.people import PASSWORD, PEOPLE  # noqa: E402

from .switches import CLIENT_ID, read  # noqa: E402

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

Application = get_application_model()
if not Application.objects.filter(client_id=CLIENT_ID).exists():
    Application.objects.create(
        name="eCandidat portal (tests)",
        client_id=CLIENT_ID,
        client_secret=os.environ["SSO_CLIENT_SECRET"],
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        algorithm=Application.RS256_ALGORITHM,
        skip_authorization=True,
        redirect_uris=" ".join(read("redirect_uris").split()),
    )

application = get_wsgi_application()
