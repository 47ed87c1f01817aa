"""Registration export of confirmed candidates: Pégase CSV files for staff, and a JSON
endpoint for the student information system. Both scoped and audited."""

import hmac

from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_http_methods

from ecandidat.applications.models import Application
from ecandidat.exports import registration
from ecandidat.www.access import staff_permission_required
from ecandidat.www.responses import attachment

PERMISSION = "decisions.change_decision"


def _scoped(user):
    return registration.confirmed_registrations(Application.objects.visible_to_staff(user))


@staff_permission_required(PERMISSION)
@require_http_methods(["GET", "POST"])
def export_page(request):
    applications = _scoped(request.user)
    only_new = request.POST.get("only_new") == "on" if request.method == "POST" else True
    if request.method == "POST":
        selected = list(
            applications.filter(registration_exported_at=None) if only_new else applications
        )
        if not selected:
            raise Http404
        content = registration.export_pegase(selected, actor=request.user)
        return attachment(content, "pegase-opi.zip", "application/zip")
    return render(
        request,
        "staff/registrations.html",
        {
            "total": applications.count(),
            "new": applications.filter(registration_exported_at=None).count(),
        },
    )


def _token_refusal(header: str) -> str | None:
    """Why an ``Authorization`` header does not open the API, or None when it does.

    Only ``Bearer <token>`` (RFC 6750; the scheme name is case-insensitive) with the
    configured token, compared in constant time. A token too short to be configured
    (registration.api_token) opens nothing.
    """
    scheme, _space, given = header.partition(" ")
    given = given.strip()
    if scheme.lower() != "bearer" or not given:
        return "scheme"
    expected = registration.api_token()
    if not expected:
        return "token_disabled"
    if not hmac.compare_digest(given.encode(), expected.encode()):
        return "wrong_token"
    return None


def _refuse(request, reason: str):
    registration.record_api_refusal(actor=request.user, reason=reason)
    raise Http404


@require_GET
def api(request):
    """JSON for the SIS: a bearer token (REGISTRATION_API_TOKEN) sees every confirmed
    registration; a signed-in staff member with the right sees their scope only. Every
    refusal answers 404 and is audited."""
    header = request.headers.get("Authorization")
    if header is not None:
        # A request that names a token is judged on it alone, never on a session as well.
        refusal = _token_refusal(header)
        if refusal:
            _refuse(request, refusal)
        applications = registration.confirmed_registrations(Application.objects.all())
        actor, who = None, "api-token"
    elif (
        request.user.is_authenticated
        and request.user.is_staff
        and request.user.has_perm(PERMISSION)
    ):
        applications = _scoped(request.user)
        actor, who = request.user, request.user.get_username()
    else:
        _refuse(request, "not_allowed" if request.user.is_authenticated else "no_credentials")
    if request.GET.get("new") == "1":
        applications = applications.filter(registration_exported_at=None)
    data = registration.as_json(applications)
    registration.record_api_read(actor=actor, client=who, count=len(data))
    return JsonResponse({"registrations": data})
