"""The site's URLs plus views that fail, for the error-page tests."""

from django.core.exceptions import BadRequest, PermissionDenied
from django.db import OperationalError
from django.urls import path

from ecandidat.urls import urlpatterns as site


def _raises(exception):
    def view(request):
        raise exception

    return view


urlpatterns = [
    path("boom/", _raises(RuntimeError("boom"))),
    path("boom-db/", _raises(OperationalError("the database went away"))),
    path("forbidden/", _raises(PermissionDenied())),
    path("bad/", _raises(BadRequest())),
    *site,
]
