"""Which sign-in protocols the settings switch on (read on each call: settings can change
in tests, and the answer costs nothing)."""

from django.conf import settings

from .enums import Protocol


def enabled_protocols() -> list[str]:
    """The protocols configured for staff, in the order the login page offers them."""
    enabled = []
    if settings.CAS_SERVER_URL:
        enabled.append(Protocol.CAS)
    if settings.SAML_SP_KEY_FILE and (
        settings.SAML_IDP_METADATA_URL or settings.SAML_FEDERATION_METADATA_URL
    ):
        enabled.append(Protocol.SAML)
    if settings.OIDC_RP_CLIENT_ID and settings.OIDC_OP_ISSUER:
        enabled.append(Protocol.OIDC)
    return enabled


def student_protocol() -> str:
    protocol = settings.SSO_STUDENT_PROTOCOL
    return protocol if protocol in enabled_protocols() else ""
