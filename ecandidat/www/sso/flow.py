"""What every protocol does around its own exchange: remember who started the sign-in and
where they go next, turn the checked answer into a session, show a refusal.

A protocol view (``cas``, ``oidc``, ``saml``) calls ``begin`` before sending the browser to
the identity provider and ``finish`` with the ``SignedInIdentity`` it checked; ``finish``
returns the response (a redirect into the portal, to the student link page, or the refusal
page). The state lives in a mapping the caller passes: the session for CAS and OIDC (the
browser comes back by a top-level GET, so the Lax session cookie is sent), the SAML
exchange's own cookie for SAML (the IdP posts cross-site, and a Lax cookie is not sent).
"""

import logging

import requests
from django.conf import settings
from django.contrib.auth import login
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import get_language

from ecandidat.common.cache import cached
from ecandidat.identity import services
from ecandidat.identity.assertion import SignedInIdentity
from ecandidat.identity.config import enabled_protocols, student_protocol
from ecandidat.identity.enums import Audience, Protocol, Refusal
from ecandidat.identity.services import SignInRefused
from ecandidat.www.access import safe_next

logger = logging.getLogger("ecandidat.www.sso")

AUDIENCE_KEY = "sso_audience"
NEXT_KEY = "sso_next"
# Set on the session a sign-in through the university opened.
PROTOCOL_KEY = "sso_protocol"
MFA_KEY = "sso_multi_factor"  # the IdP's second factor counts (SSO_TRUST_IDP_MFA)
PENDING_LINK_KEY = "sso_pending_link"

SERVICE_UNAVAILABLE = 503
FORBIDDEN = 403


def audience_of(request) -> str:
    audience = request.GET.get("audience") or request.POST.get("audience")
    return Audience.STUDENT if audience == Audience.STUDENT else Audience.STAFF


def _default_next(audience: str) -> str:
    return reverse("candidate:home" if audience == Audience.STUDENT else "staff:dashboard")


def begin(request, state, *, audience: str) -> None:
    state[AUDIENCE_KEY] = str(audience)
    state[NEXT_KEY] = safe_next(request, _default_next(audience))


def provider_answers(url: str) -> bool:
    """Whether the identity provider at ``url`` answers at all (any HTTP status counts).

    Checked before the browser is sent there: a provider that is down gets our page, with the
    local login, instead of the browser's connection error. The answer is remembered for a
    few seconds, either way: a crowd at the login page costs the provider one probe, not one
    per click, and nobody waits on the timeout of a provider already known to be down.
    """

    def probe() -> bool:
        try:
            requests.head(url, timeout=min(settings.SSO_TIMEOUT, 3), allow_redirects=False)
        except requests.RequestException as exc:
            logger.warning("identity provider %s does not answer: %s", url, exc)
            return False
        return True

    return cached(f"sso:answers:{url}", probe, timeout=15)


def unavailable(request, *, protocol: str, audience: str, detail: str = ""):
    exc = services.refuse(
        Refusal.PROVIDER_UNAVAILABLE, protocol=protocol, audience=audience, detail=detail
    )
    return refused(request, exc, status=SERVICE_UNAVAILABLE)


def refused(request, exc: SignInRefused, *, status: int = FORBIDDEN):
    """The page of a refused sign-in: what happened, what to do, the local login."""
    return render(
        request,
        "sso/refused.html",
        {
            "message": exc.message,
            "refusal": exc.refusal,
            "staff": exc.audience == Audience.STAFF,
        },
        status=status,
    )


def finish(request, state, identity: SignedInIdentity):
    """Open the session the checked ``identity`` gives, or show why not."""
    audience = state.get(AUDIENCE_KEY) or Audience.STAFF
    next_url = state.get(NEXT_KEY) or _default_next(audience)
    try:
        if audience == Audience.STUDENT:
            outcome = services.student_account(identity=identity, language=get_language())
            if outcome.to_link is not None:
                request.session[PENDING_LINK_KEY] = {
                    "account": outcome.to_link.pk,
                    "identity": services.identity_data(identity),
                    "next": next_url,
                }
                return redirect("sso:link")
            user = outcome.user
        else:
            user = services.staff_account(identity=identity)
    except SignInRefused as exc:
        return refused(request, exc)
    sign_in(request, user, identity, audience=audience)
    return redirect(next_url)


def sign_in(request, user, identity: SignedInIdentity, *, audience: str) -> None:
    # login() gives the session a new key: a session fixed before is worthless.
    login(request, user, backend=settings.AUTHENTICATION_BACKENDS[0])
    request.session[PROTOCOL_KEY] = str(identity.protocol)
    request.session[MFA_KEY] = bool(settings.SSO_TRUST_IDP_MFA and identity.multi_factor)
    request.session.save()
    services.record_sign_in(
        user=user, identity=identity, audience=audience, session_key=request.session.session_key
    )


def multi_factor_counts(request) -> bool:
    """The identity provider's second factor stands for ours in this session."""
    session = getattr(request, "session", None)
    return bool(session is not None and session.get(MFA_KEY))


def is_multi_factor(values) -> bool:
    wanted = {value.lower() for value in settings.SSO_MFA_VALUES}
    return any(str(value).lower() in wanted for value in values or ())


LOGIN_VIEWS = {
    Protocol.CAS: "sso:cas_login",
    Protocol.SAML: "sso:saml_login",
    Protocol.OIDC: "sso:oidc_login",
}


def sign_in_links(request, *, audience: str) -> list[dict]:
    """The "sign in with the university" buttons of a login page."""
    protocols = [student_protocol()] if audience == Audience.STUDENT else enabled_protocols()
    protocols = [protocol for protocol in protocols if protocol]
    query = {"audience": str(audience)}
    target = safe_next(request)
    if target:
        query["next"] = target
    return [
        {
            "protocol": protocol,
            "label": Protocol(protocol).label,
            "url": f"{reverse(LOGIN_VIEWS[protocol])}?{urlencode(query)}",
        }
        for protocol in protocols
    ]
