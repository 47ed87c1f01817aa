"""The CAS server's WSGI application (its database and the test people set up first)."""

from tests.sso.servers.bootstrap import set_up

set_up("tests.sso.servers.cas_project.settings")

from django.core.wsgi import get_wsgi_application  # noqa: E402 (after set-up)

application = get_wsgi_application()
