"""CAS 2.0 / 3.0 sign-in, with python-cas (the client django-cas-ng is built on).

The CAS server checks the person and hands the browser back with a service ticket; we
validate it on the server's ``(p3/)serviceValidate`` for our service URL. The server refuses
a ticket used twice or issued for another service; we refuse a callback this browser did
not start (a ticket pushed into someone else's browser would sign them in as its owner).
Single logout: the server POSTs a ``logoutRequest`` naming the ticket to the same URL, and
the session that ticket opened ends.
"""

import logging
from xml.etree.ElementTree import ParseError

import requests
from cas import CASClient
from defusedxml import ElementTree
from django.conf import settings
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from ecandidat.identity import services
from ecandidat.identity.assertion import SignedInIdentity
from ecandidat.identity.enums import Protocol, Refusal
from ecandidat.notifications.links import absolute_url

from . import flow

logger = logging.getLogger("ecandidat.www.sso")

CAS_NS = "{http://www.yale.edu/tp/cas}"
SAMLP_NS = "{urn:oasis:names:tc:SAML:2.0:protocol}"


class _TimeoutSession(requests.Session):
    """python-cas calls the server without a timeout: a hung server would hang the page."""

    def request(self, *args, **kwargs):
        kwargs.setdefault("timeout", settings.SSO_TIMEOUT)
        return super().request(*args, **kwargs)


def _client() -> CASClient:
    if not settings.CAS_SERVER_URL:
        raise Http404
    return CASClient(
        version=settings.CAS_VERSION,
        service_url=absolute_url("sso:cas_callback"),
        server_url=settings.CAS_SERVER_URL,
        session=_TimeoutSession(),
    )


@require_GET
def start(request):
    client = _client()
    audience = flow.audience_of(request)
    if not flow.provider_answers(client.get_login_url()):
        return flow.unavailable(request, protocol=Protocol.CAS, audience=audience)
    flow.begin(request, request.session, audience=audience)
    return redirect(client.get_login_url())


def _failure_code(content: bytes) -> str:
    try:
        tree = ElementTree.fromstring(content)
    except ParseError:
        return "unreadable answer"
    failure = tree.find(f"{CAS_NS}authenticationFailure")
    if failure is None:
        return ""
    return f"{failure.get('code', '')}: {(failure.text or '').strip()}"[:300]


def _identity(user: str, attributes: dict, ticket: str) -> SignedInIdentity:
    values = {
        str(name): [str(v) for v in (value if isinstance(value, list) else [value]) if v]
        for name, value in (attributes or {}).items()
    }
    identifier = user
    if settings.CAS_ID_ATTRIBUTE:
        identifier = (values.get(settings.CAS_ID_ATTRIBUTE) or [""])[0]
    return SignedInIdentity(
        protocol=Protocol.CAS,
        issuer=settings.CAS_SERVER_URL,
        identifier=identifier,
        attributes=values,
        multi_factor=flow.is_multi_factor(values.get(settings.CAS_MFA_ATTRIBUTE)),
        session_index=ticket,
    )


@csrf_exempt  # the CAS server's single-logout POST carries no CSRF token; GET is read-only
@require_http_methods(["GET", "POST"])
def callback(request):
    if request.method == "POST":
        return _single_logout(request)
    client = _client()
    ticket = request.GET.get("ticket", "")
    audience = request.session.get(flow.AUDIENCE_KEY)
    if not ticket:
        return redirect("staff:login")
    if audience is None:
        exc = services.refuse(
            Refusal.INVALID_RESPONSE,
            protocol=Protocol.CAS,
            audience=flow.audience_of(request),
            issuer=settings.CAS_SERVER_URL,
            detail="ticket received by a browser that did not start a CAS sign-in",
        )
        return flow.refused(request, exc)
    try:
        content = client.get_verification_response(ticket)
    except requests.RequestException as exc:
        logger.warning("CAS ticket validation failed: %s", exc)
        return flow.unavailable(request, protocol=Protocol.CAS, audience=audience, detail=str(exc))
    failure = _failure_code(content)
    user, attributes, _ = client.verify_response(content) if not failure else (None, None, None)
    if not user:
        exc = services.refuse(
            Refusal.INVALID_RESPONSE,
            protocol=Protocol.CAS,
            audience=audience,
            issuer=settings.CAS_SERVER_URL,
            detail=failure or "no user in the validation answer",
        )
        return flow.refused(request, exc)
    state = {key: request.session.pop(key, None) for key in (flow.AUDIENCE_KEY, flow.NEXT_KEY)}
    return flow.finish(request, state, _identity(user, attributes, ticket))


def _single_logout(request):
    if not (settings.CAS_SERVER_URL and settings.CAS_SINGLE_LOGOUT):
        raise Http404
    # Parsed with defusedxml (python-cas's parser would resolve external entities).
    try:
        tree = ElementTree.fromstring(request.POST.get("logoutRequest", ""))
    except (ParseError, ValueError):
        return HttpResponse(status=400)
    ended = sum(
        services.end_sessions(protocol=Protocol.CAS, session_index=(index.text or "").strip())
        for index in tree.iter(f"{SAMLP_NS}SessionIndex")
    )
    logger.info("CAS single logout: %d session(s) ended", ended)
    return HttpResponse(status=200)


def logout_url(then: str) -> str | None:
    """Where the browser goes after our logout, so that the CAS session ends too; the CAS
    server then sends it to ``then`` (a view name). None once CAS is switched off."""
    if not settings.CAS_SERVER_URL:
        return None
    return _client().get_logout_url(absolute_url(then))
