"""SAML 2.0 service provider, with djangosaml2 and pysaml2 (signatures checked by xmlsec1).

pysaml2 checks the answer: the assertion signed by a key the IdP's metadata publishes, the
audience and recipient ours, the dates (60 s of clock difference), ``InResponseTo`` one of
our outstanding requests (unsolicited answers refused). We add: each assertion ID used once
(``ConsumedAssertion``, so a replay in another browser is refused too), and every refusal
shown on our page with an audit row. The IdPs come from the metadata the periodic job
fetched and checked (``identity.saml_metadata``); with several, the discovery page lets the
person pick theirs. IdP-initiated and SP-initiated single logout are djangosaml2's.
"""

import calendar
import datetime
import logging
from pathlib import Path

import saml2
from django.conf import settings
from django.core.cache import caches
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.translation import get_language
from django.views.decorators.csrf import csrf_exempt
from djangosaml2 import views as saml_views
from djangosaml2.utils import available_idps
from saml2.config import SPConfig
from saml2.response import UnsolicitedResponse
from saml2.saml import NAMEID_FORMAT_PERSISTENT, NAMEID_FORMAT_TRANSIENT
from saml2.time_util import str_to_time

from ecandidat.identity import saml_metadata, services
from ecandidat.identity.assertion import SignedInIdentity
from ecandidat.identity.config import enabled_protocols
from ecandidat.identity.enums import Audience, Protocol, Refusal
from ecandidat.identity.services import SignInRefused
from ecandidat.notifications.links import absolute_url

from . import flow

logger = logging.getLogger("ecandidat.www.sso")

ATTRIBUTE_MAP_DIR = str(Path(__file__).parent / "attributemaps")
_config_cache: dict = {}


def enabled() -> bool:
    return Protocol.SAML in enabled_protocols()


def _sp_settings(metadata_xml: list[str]) -> dict:
    keypair = {"key_file": settings.SAML_SP_KEY_FILE, "cert_file": settings.SAML_SP_CERT_FILE}
    return {
        "entityid": absolute_url("sso:saml_metadata"),
        "xmlsec_binary": settings.SAML_XMLSEC_BINARY,
        "attribute_map_dir": ATTRIBUTE_MAP_DIR,
        "allow_unknown_attributes": True,
        "accepted_time_diff": 60,
        "service": {
            "sp": {
                "name": "eCandidat",
                "name_id_format": [NAMEID_FORMAT_PERSISTENT, NAMEID_FORMAT_TRANSIENT],
                "endpoints": {
                    "assertion_consumer_service": [
                        (absolute_url("sso:saml_acs"), saml2.BINDING_HTTP_POST)
                    ],
                    "single_logout_service": [
                        (absolute_url("sso:saml_ls"), saml2.BINDING_HTTP_REDIRECT),
                        (absolute_url("sso:saml_ls_post"), saml2.BINDING_HTTP_POST),
                    ],
                },
                "authn_requests_signed": True,
                "logout_requests_signed": True,
                "want_assertions_signed": True,
                "want_response_signed": False,
                "allow_unsolicited": False,
            }
        },
        **keypair,
        "encryption_keypairs": [keypair],
        "metadata": {"inline": metadata_xml} if metadata_xml else {},
    }


def config_loader(request=None) -> SPConfig:
    """The SP configuration, built once per metadata copy (parsing a federation's file
    takes seconds) and rebuilt when the job stores a new copy or the settings change."""
    if not enabled():
        raise Http404
    rows = saml_metadata.current()
    if not rows and caches[settings.RATELIMIT_USE_CACHE].add(
        "sso:saml-first-refresh", 1, timeout=60
    ):
        # First start (the periodic job has not run yet): one attempt a minute at most.
        saml_metadata.refresh_all()
        rows = saml_metadata.current()
    key = (
        settings.SITE_URL,
        settings.SAML_SP_KEY_FILE,
        settings.SAML_SP_CERT_FILE,
        tuple((row.pk, row.fetched_at) for row in rows),
    )
    cached = _config_cache.get("sp")
    if cached and cached[0] == key:
        return cached[1]
    config = SPConfig()
    config.load(_sp_settings([row.xml for row in rows]))
    _config_cache["sp"] = (key, config)
    return config


def _display_name(config: SPConfig, entity: str, language: str) -> str:
    """The name a federation gives the IdP (mdui:DisplayName) in ``language``, else in
    English or French, else its organisation's name, else its entity ID."""
    metadata = config.metadata
    for lang in (language, "en", "fr"):
        for name in metadata.mdui_uiinfo_display_name(entity, langpref=lang):
            if name:
                return name
    return metadata.name(entity, language) or metadata.name(entity, "en") or entity


def identity_providers(config: SPConfig) -> list[tuple[str, str]]:
    """``(entity ID, display name in the active language)`` of every IdP, sorted by name."""
    language = (get_language() or "fr")[:2]
    providers = [
        (entity, _display_name(config, entity, language)) for entity in available_idps(config)
    ]
    return sorted(providers, key=lambda provider: provider[1].casefold())


def start(request):
    """Discovery (when several IdPs are known and none is chosen), then djangosaml2's login."""
    if not enabled():
        raise Http404
    audience = flow.audience_of(request)
    config = config_loader(request)
    providers = identity_providers(config)
    if not providers:
        return flow.unavailable(
            request, protocol=Protocol.SAML, audience=audience, detail="no IdP metadata"
        )
    chosen = request.GET.get("idp", "")
    if len(providers) > 1 and chosen not in {entity for entity, _ in providers}:
        query = request.GET.get("q", "").replace("\x00", "").strip()[:100]
        shown = [p for p in providers if query.casefold() in p[1].casefold()]
        return render(
            request,
            "sso/discovery.html",
            {"providers": shown, "query": query, "audience": audience, "total": len(providers)},
        )
    entity = chosen or providers[0][0]
    location = config.metadata.single_sign_on_service(entity, saml2.BINDING_HTTP_REDIRECT)
    if location and not flow.provider_answers(location[0]["location"]):
        return flow.unavailable(request, protocol=Protocol.SAML, audience=audience)
    flow.begin(request, request.saml_session, audience=audience)
    request.saml_session.save()
    return LoginView.as_view()(request)


class LoginView(saml_views.LoginView):
    def should_prevent_auth(self, request) -> bool:
        return False  # a signed-in candidate may still sign in as staff, and the reverse


def _identity(session_info: dict) -> SignedInIdentity:
    attributes = {
        str(name): [str(value) for value in values]
        for name, values in (session_info.get("ava") or {}).items()
    }
    classes = [str(info[0]) for info in session_info.get("authn_info") or [] if info]
    identifier = (attributes.get(settings.SAML_ID_ATTRIBUTE) or [""])[0]
    return SignedInIdentity(
        protocol=Protocol.SAML,
        issuer=str(session_info.get("issuer", "")),
        identifier=identifier,
        attributes=attributes,
        multi_factor=flow.is_multi_factor(classes),
        session_index=str(session_info.get("session_index") or ""),
    )


def _expiry(assertion_info: dict) -> datetime.datetime:
    value = assertion_info.get("not_on_or_after")
    if value:
        return datetime.datetime.fromtimestamp(calendar.timegm(str_to_time(value)), tz=datetime.UTC)
    return timezone.now() + datetime.timedelta(hours=1)


class _Outcome(Exception):
    def __init__(self, response):
        self.response = response


@method_decorator(csrf_exempt, name="dispatch")  # the IdP posts it, from its own site
class AssertionConsumerView(saml_views.AssertionConsumerServiceView):
    def custom_validation(self, response):
        """pysaml2 checks the Recipient only when told the URL the answer arrived at, which
        djangosaml2 does not pass: every bearer confirmation must name our ACS."""
        ours = absolute_url("sso:saml_acs")
        confirmations = response.assertion.subject.subject_confirmation or []
        for confirmation in confirmations:
            data = confirmation.subject_confirmation_data
            if data is None or data.recipient != ours:
                recipient = getattr(data, "recipient", "")
                raise ValueError(f"assertion for another recipient: {recipient}")
        if not confirmations:
            raise ValueError("assertion without a subject confirmation")

    def dispatch(self, request, *args, **kwargs):
        if not enabled():
            raise Http404
        try:
            return super().dispatch(request, *args, **kwargs)
        except _Outcome as outcome:
            return outcome.response

    def authenticate_user(
        self, request, session_info, attribute_mapping, create_unknown_user, assertion_info
    ):
        state = request.saml_session
        audience = state.get(flow.AUDIENCE_KEY) or Audience.STAFF
        identity = _identity(session_info)
        try:
            services.consume_assertion(
                protocol=Protocol.SAML,
                identifier=str(assertion_info.get("assertion_id") or ""),
                expires_at=_expiry(assertion_info),
                audience=audience,
                issuer=identity.issuer,
            )
        except SignInRefused as exc:
            raise _Outcome(flow.refused(request, exc)) from None
        next_url = state.get(flow.NEXT_KEY)
        for key in (flow.AUDIENCE_KEY, flow.NEXT_KEY):
            state.pop(key, None)
        response = flow.finish(
            request, {flow.AUDIENCE_KEY: audience, flow.NEXT_KEY: next_url}, identity
        )
        if request.user.is_authenticated:
            # What djangosaml2's logout (SP- or IdP-initiated) needs to find the IdP session.
            saml_views._set_subject_id(request.saml_session, session_info["name_id"])
        raise _Outcome(response)

    def handle_acs_failure(self, request, exception=None, status=403, **kwargs):
        audience = request.saml_session.get(flow.AUDIENCE_KEY) or Audience.STAFF
        if isinstance(exception, UnsolicitedResponse):
            detail = "answer to no request of this browser (unsolicited or replayed)"
        else:
            detail = f"{type(exception).__name__}: {exception}"
        if getattr(exception, "__context__", None) is not None:
            detail += f" ({exception.__context__})"
        exc = services.refuse(
            Refusal.INVALID_RESPONSE, protocol=Protocol.SAML, audience=audience, detail=detail
        )
        return flow.refused(request, exc)


class MetadataView(saml_views.MetadataView):
    """Our SP metadata: the URL a federation or a Shibboleth IdP registers."""

    def get(self, request, *args, **kwargs):
        if not enabled():
            raise Http404
        return super().get(request, *args, **kwargs)


class LogoutServiceView(saml_views.LogoutView):
    """The IdP's single-logout requests and the answers to ours."""


class LogoutInitView(saml_views.LogoutInitView):
    """Our logout, passed on to the IdP (SP-initiated single logout)."""

    def handle_unsupported_slo_exception(self, request, exception, *args, **kwargs):
        return redirect("public:home")
