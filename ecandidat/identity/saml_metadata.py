"""Fetching a SAML federation's (or one IdP's) metadata, checking it, keeping it.

A federation such as Renater or eduGAIN publishes thousands of IdPs in one signed
aggregate. The periodic job fetches it, refuses it unless it is signed by the federation's
certificate (when one is configured; pysaml2 would accept an unsigned file) and still
valid, and stores the copy that passed: a bad or unreachable file never replaces a good one.
"""

import calendar
import datetime
import logging

import requests
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from saml2.attribute_converter import ac_factory
from saml2.config import Config
from saml2.md import EntitiesDescriptor
from saml2.mdstore import InMemoryMetaData
from saml2.sigver import SignatureError, security_context
from saml2.time_util import str_to_time

from ecandidat.audit import codes
from ecandidat.audit.services import record
from ecandidat.common.errors import DomainError

from .models import ProviderMetadata

logger = logging.getLogger("ecandidat.identity")


class MetadataRefused(DomainError):
    pass


def configured_sources() -> list[tuple[str, str]]:
    """``(url, certificate file)`` of each metadata source the settings name."""
    sources = []
    if settings.SAML_FEDERATION_METADATA_URL:
        sources.append((settings.SAML_FEDERATION_METADATA_URL, settings.SAML_FEDERATION_CERT_FILE))
    if settings.SAML_IDP_METADATA_URL:
        sources.append((settings.SAML_IDP_METADATA_URL, settings.SAML_FEDERATION_CERT_FILE))
    return sources


def _security():
    config = Config()
    config.load({"xmlsec_binary": settings.SAML_XMLSEC_BINARY})
    return security_context(config)


def check(xml: str, *, cert_file: str) -> InMemoryMetaData:
    """The parsed metadata, or ``MetadataRefused`` (bad XML, expired, unsigned or badly
    signed when ``cert_file`` is given)."""
    metadata = InMemoryMetaData(ac_factory(), security=_security())
    try:
        metadata.parse(xml)
    except Exception as exc:  # pysaml2 raises SAMLError, ToOld, XML errors…
        raise MetadataRefused(f"unreadable or expired metadata: {exc}") from exc
    if not metadata.entity:
        raise MetadataRefused("metadata without any entity (or past its validUntil)")
    if cert_file:
        if not metadata.signed():
            raise MetadataRefused("metadata not signed")
        node = (
            EntitiesDescriptor.c_tag if metadata.entities_descr is not None else "EntityDescriptor"
        )
        try:
            metadata.security.verify_signature(
                xml, node_name=f"urn:oasis:names:tc:SAML:2.0:metadata:{node}", cert_file=cert_file
            )
        except SignatureError as exc:
            raise MetadataRefused(f"metadata signature does not verify: {exc}") from exc
    return metadata


def _valid_until(metadata: InMemoryMetaData) -> datetime.datetime | None:
    descriptor = metadata.entities_descr or metadata.entity_descr
    value = getattr(descriptor, "valid_until", None)
    if not value:
        return None
    return datetime.datetime.fromtimestamp(calendar.timegm(str_to_time(value)), tz=datetime.UTC)


def refresh(url: str, *, cert_file: str) -> ProviderMetadata:
    """Fetch ``url``, check it, store it; ``MetadataRefused`` (audited) keeps the old copy."""
    try:
        response = requests.get(url, timeout=max(settings.SSO_TIMEOUT, 30))
        response.raise_for_status()
        xml = response.content.decode("utf-8")
        metadata = check(xml, cert_file=cert_file)
    except (requests.RequestException, UnicodeDecodeError, MetadataRefused) as exc:
        detail = str(exc)[:500]
        record(codes.SSO_METADATA_REFUSED, data={"url": url, "detail": detail})
        logger.error("SAML metadata %s refused: %s", url, detail)
        raise MetadataRefused(detail) from exc
    with transaction.atomic():
        row, _ = ProviderMetadata.objects.update_or_create(
            url=url,
            defaults={
                "xml": xml,
                "fetched_at": timezone.now(),
                "valid_until": _valid_until(metadata),
                "entities": len(metadata.entity),
            },
        )
        record(codes.SSO_METADATA_REFRESHED, data={"url": url, "entities": row.entities})
    return row


def refresh_all() -> list[str]:
    """Refresh every configured source; returns the errors (one per source refused)."""
    errors = []
    for url, cert_file in configured_sources():
        try:
            refresh(url, cert_file=cert_file)
        except MetadataRefused as exc:
            errors.append(f"{url}: {exc}")
    return errors


def current() -> list[ProviderMetadata]:
    """The stored copies of the configured sources that are still valid."""
    now = timezone.now()
    urls = [url for url, _ in configured_sources()]
    return [
        row
        for row in ProviderMetadata.objects.filter(url__in=urls)
        if row.valid_until is None or row.valid_until > now
    ]
