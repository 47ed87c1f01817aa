"""The provider's WSGI application (its database, the test people and the portal's client
set up first)."""

import os

from tests.sso.servers.bootstrap import set_up

set_up("tests.sso.servers.oidc_project.settings")

from django.core.wsgi import get_wsgi_application  # noqa: E402 (after set-up)
from oauth2_provider.models import get_application_model  # noqa: E402

from .switches import CLIENT_ID, read  # noqa: E402

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
