"""OpenID Connect sign-in, with mozilla-django-oidc: authorization code flow with PKCE
(S256), ``state`` and ``nonce`` (kept in the session by the library, each used once).

The library checks the state, the nonce and the signature of the ID token against the
provider's JWKS; it does not check the issuer, the audience or that the token carries an
expiry, so ``_verify_jws`` adds them (PyJWT, with the required claims). Once the token is
checked, the backend hands the identity to ``flow.finish`` (by raising ``IdentityChecked``
out of ``authenticate``): the same path as CAS and SAML decides which account it opens.
"""

import logging
from urllib.parse import urlencode

import jwt
import requests
from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.http import Http404
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.views import (
    OIDCAuthenticationCallbackView,
    OIDCAuthenticationRequestView,
)

from ecandidat.identity import services
from ecandidat.identity.assertion import (
    BIRTH_DATE,
    EMAIL,
    FIRST_NAME,
    INE,
    LAST_NAME,
    STUDENT_NUMBER,
    SignedInIdentity,
)
from ecandidat.identity.enums import Protocol, Refusal
from ecandidat.notifications.links import absolute_url

from . import flow

logger = logging.getLogger("ecandidat.www.sso")

# Standard claims under the SUPANN names the services read; a provider that releases the
# SUPANN names themselves (supannEtuId…) is read as is.
CLAIMS = {
    "given_name": FIRST_NAME,
    "family_name": LAST_NAME,
    "email": EMAIL,
    "birthdate": BIRTH_DATE,
    "supannEtuId": STUDENT_NUMBER,
    "supannCodeINE": INE,
}
LEEWAY = 60  # seconds of clock difference tolerated between the provider and us


def enabled() -> bool:
    return bool(settings.OIDC_RP_CLIENT_ID and settings.OIDC_OP_ISSUER)


class IdentityChecked(Exception):
    def __init__(self, identity: SignedInIdentity):
        self.identity = identity
        super().__init__(identity.identifier)


def _values(value) -> list[str]:
    if value is None or isinstance(value, dict):
        return []
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def identity_from_claims(claims: dict) -> SignedInIdentity:
    attributes = {name: _values(value) for name, value in claims.items()}
    for claim, name in CLAIMS.items():
        if claims.get(claim) not in (None, ""):
            attributes[name] = _values(claims[claim])
    identifier = (_values(claims.get(settings.OIDC_ID_CLAIM)) or [""])[0]
    return SignedInIdentity(
        protocol=Protocol.OIDC,
        issuer=settings.OIDC_OP_ISSUER,
        identifier=identifier,
        attributes=attributes,
        multi_factor=flow.is_multi_factor(_values(claims.get("amr")) + _values(claims.get("acr"))),
    )


class UniversityOIDCBackend(OIDCAuthenticationBackend):
    def _verify_jws(self, payload, key):
        header = jwt.get_unverified_header(payload)
        if header.get("alg") != self.OIDC_RP_SIGN_ALGO:
            raise SuspiciousOperation(f"ID token signed with {header.get('alg')!r}")
        try:
            return jwt.decode(
                payload,
                key,
                algorithms=[self.OIDC_RP_SIGN_ALGO],
                audience=self.OIDC_RP_CLIENT_ID,
                issuer=settings.OIDC_OP_ISSUER,
                leeway=LEEWAY,
                options={"require": ["exp", "iat", "iss", "aud", "sub"]},
            )
        except jwt.InvalidTokenError as exc:
            raise SuspiciousOperation(f"ID token refused: {exc}") from exc

    def get_or_create_user(self, access_token, id_token, payload):
        claims = dict(payload)
        if settings.OIDC_OP_USER_ENDPOINT:
            userinfo = self.get_userinfo(access_token, id_token, payload)
            if userinfo.get("sub") != payload.get("sub"):
                raise SuspiciousOperation("userinfo is about another subject")
            claims.update(userinfo)
        raise IdentityChecked(identity_from_claims(claims))


class OIDCStartView(OIDCAuthenticationRequestView):
    def get(self, request):
        if not enabled():
            raise Http404
        audience = flow.audience_of(request)
        if not flow.provider_answers(settings.OIDC_OP_AUTHORIZATION_ENDPOINT):
            return flow.unavailable(request, protocol=Protocol.OIDC, audience=audience)
        flow.begin(request, request.session, audience=audience)
        return super().get(request)


class OIDCCallbackView(OIDCAuthenticationCallbackView):
    def get(self, request):
        if not enabled():
            raise Http404
        state = {key: request.session.get(key) for key in (flow.AUDIENCE_KEY, flow.NEXT_KEY)}
        audience = state[flow.AUDIENCE_KEY] or flow.audience_of(request)

        def refuse(detail: str):
            exc = services.refuse(
                Refusal.INVALID_RESPONSE,
                protocol=Protocol.OIDC,
                audience=audience,
                issuer=settings.OIDC_OP_ISSUER,
                detail=detail,
            )
            return flow.refused(request, exc)

        if state[flow.AUDIENCE_KEY] is None:
            return refuse("answer received by a browser that did not start an OIDC sign-in")
        if request.GET.get("error"):
            return refuse(f"provider error: {request.GET.get('error', '')[:100]}")
        if request.GET.get("state", "") not in (request.session.get("oidc_states") or {}):
            return refuse("no valid state in the answer")
        try:
            super().get(request)
        except IdentityChecked as checked:
            for key in (flow.AUDIENCE_KEY, flow.NEXT_KEY):
                request.session.pop(key, None)
            return flow.finish(request, state, checked.identity)
        except SuspiciousOperation as exc:
            return refuse(str(exc))
        except requests.RequestException as exc:
            logger.warning("OIDC provider call failed: %s", exc)
            return flow.unavailable(
                request, protocol=Protocol.OIDC, audience=audience, detail=str(exc)
            )
        # No code, no state, or a state this session never issued.
        return refuse("no valid state in the answer")


def logout_url(request, then: str) -> str | None:
    """The provider's end-session URL (RP-initiated logout), when it publishes one; it
    sends the browser back to ``then`` (a view name; register it as a post-logout URI)."""
    if not settings.OIDC_OP_LOGOUT_ENDPOINT:
        return None
    params = {
        "client_id": settings.OIDC_RP_CLIENT_ID,
        "post_logout_redirect_uri": absolute_url(then),
    }
    if request.session.get("oidc_id_token"):
        params["id_token_hint"] = request.session["oidc_id_token"]
    return f"{settings.OIDC_OP_LOGOUT_ENDPOINT}?{urlencode(params)}"
