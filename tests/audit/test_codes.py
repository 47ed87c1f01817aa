import re
from pathlib import Path

import pytest

from ecandidat.audit import codes
from ecandidat.audit.models import AuditEvent
from ecandidat.audit.services import record

pytestmark = pytest.mark.django_db
PACKAGE = Path(__file__).resolve().parents[2] / "ecandidat"


def test_an_undeclared_code_is_refused():
    with pytest.raises(ValueError, match="undeclared audit code"):
        record("application.submited")  # a typo
    assert not AuditEvent.objects.exists()


def test_constants_and_families_are_accepted():
    record(codes.APPLICATION_SUBMITTED)
    record(codes.catalog_saved("program", created=False))
    record(codes.dossier("address", "saved"))
    assert AuditEvent.objects.count() == 3


def test_every_constant_is_listed_and_well_formed():
    constants = {v for k, v in vars(codes).items() if k.isupper() and isinstance(v, str)}
    assert constants == set(codes.ALL)
    assert all(re.fullmatch(r"[a-z_]+(\.[a-z_]+)+", code) for code in codes.ALL)


def test_no_code_is_typed_as_a_string_at_a_call_site():
    """Audit rows are written with a constant or a helper of codes.py, never a literal."""
    literal = re.compile(r"(?:\brecord\(|\b_audit\(|\baction=)\s*f?\"[a-z_]+\.[a-z_.{}]+\"")
    offenders = [
        str(path.relative_to(PACKAGE))
        for path in PACKAGE.rglob("*.py")
        if "migrations" not in path.parts and literal.search(path.read_text())
    ]
    assert offenders == []


def test_views_never_write_audit_rows():
    """Audit rows are written by services (which the worker and commands share), never by
    the web layer: it reads the audit log, and passes the client address to services."""
    writes = re.compile(r"import[^\n]*\brecord\b|AuditEvent\.objects\.create|\brecord\(")
    offenders = [
        str(path.relative_to(PACKAGE))
        for path in (PACKAGE / "www").rglob("*.py")
        if writes.search(path.read_text())
    ]
    assert offenders == []
