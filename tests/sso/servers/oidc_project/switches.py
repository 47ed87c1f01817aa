"""What the fixture changes while the provider runs, through files in its directory: the
redirect URIs, the MFA flag and the misbehaviour of the token endpoint."""

from django.conf import settings
from oauth2_provider.models import get_application_model

DATA = settings.DATA
CLIENT_ID = "ecandidat-portal"


def read(name: str) -> str:
    try:
        return (DATA / name).read_text().strip()
    except FileNotFoundError:
        return ""


class RedirectUrisMiddleware:
    """Before each request, the portal's redirect URIs from ``redirect_uris`` (one a line;
    any port on 127.0.0.1 matches, RFC 8252 loopback)."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.current = None

    def __call__(self, request):
        wanted = read("redirect_uris")
        if wanted and wanted != self.current:
            get_application_model().objects.filter(client_id=CLIENT_ID).update(
                redirect_uris=" ".join(wanted.split())
            )
            self.current = wanted
        return self.get_response(request)
