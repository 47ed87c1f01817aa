"""Registration export of confirmed candidates: Pégase CSV files for staff, and a JSON
endpoint for the student information system. Both scoped and audited, both with the
same selection (exports/registration.py)."""

import hmac

from django.contrib import messages
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods

from ecandidat.applications.models import Application
from ecandidat.exports import registration
from ecandidat.www.access import staff_permission_required
from ecandidat.www.responses import attachment

PERMISSION = "decisions.change_decision"
# What the export screen offers to download: the ZIP of eCandidat's three files, or one.
FILES = ("zip", "candidat", "candidature", "inscription")
EVERYTHING = "all"  # ?selection=all: every confirmed candidate of the campaign


def _scoped(user):
    return Application.objects.visible_to_staff(user)


def _everything(data) -> bool:
    return data.get("selection") == EVERYTHING


@staff_permission_required(PERMISSION)
@require_http_methods(["GET", "POST"])
def export_page(request):
    everything = _everything(request.POST if request.method == "POST" else request.GET)
    selection = registration.select(_scoped(request.user), everything=everything)
    if request.method == "POST":
        wanted = request.POST.get("file", "zip")
        if wanted not in FILES:
            raise Http404
        if not selection.candidates:
            messages.warning(request, _("No candidate to export: no file is written."))
            return redirect("staff:registrations")
        export = registration.export_pegase(selection, actor=request.user)
        if wanted == "zip":
            return attachment(registration.zip_bytes(export.files), export.zip_name)
        name = next(n for n in export.files if n.startswith(f"{wanted}-"))
        return attachment(export.files[name], name, "text/csv; charset=utf-8")
    export = registration.build(selection)
    return render(
        request,
        "staff/registrations.html",
        {
            "selection": selection,
            "everything": everything,
            "export": export,
            "downloads": list(zip(FILES[1:], export.files, strict=True)),
            "wishes": len(selection.applications),
            "new": sum(a.registration_exported_at is None for a in selection.applications),
        },
    )


def warn_without_code(request, decision_type, program=None) -> None:
    """Tell whoever sets a decision that feeds the registration export where its confirmed
    candidates would not reach Pégase: on ``program``, or on every program of the type's
    scope (the decision types screen)."""
    programs = registration.programs_without_code(decision_type)
    if program is not None:
        if programs.filter(pk=program.pk).exists():
            messages.warning(
                request,
                _(
                    "This program has no Pégase code: candidates who confirm this decision "
                    "are not sent to Pégase until it has one."
                ),
            )
        return
    count = programs.count()
    if count:
        messages.warning(
            request,
            ngettext(
                "%(n)d program in service has no Pégase code: its candidates who confirm a "
                "decision of this type are not sent to Pégase.",
                "%(n)d programs in service have no Pégase code: their candidates who confirm "
                "a decision of this type are not sent to Pégase.",
                count,
            )
            % {"n": count},
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
    """JSON for the SIS: the candidates, fields and wishes of the day's files (with
    ``?selection=all``: every confirmed candidate of the active campaign) and their report.
    Reading marks nothing exported: the files' download does. A bearer token
    (REGISTRATION_API_TOKEN) sees the whole institution; a signed-in staff member with the
    right sees their scope only. Every refusal answers 404 and is audited."""
    header = request.headers.get("Authorization")
    if header is not None:
        # A request that names a token is judged on it alone, never on a session as well.
        refusal = _token_refusal(header)
        if refusal:
            _refuse(request, refusal)
        applications = Application.objects.all()
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
    selection = registration.select(applications, everything=_everything(request.GET))
    data = registration.as_json(selection)
    registration.record_api_read(actor=actor, client=who, count=len(data["registrations"]))
    return JsonResponse(data)
