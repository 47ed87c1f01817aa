"""A real slapd per test process (one per xdist worker), and the settings pointing at it.

Without slapd the directory tests skip with the reason; in CI (``CI`` or ``SSO_REQUIRED``
set) they fail instead, since a skip there would hide a broken set-up.
"""

import pytest

from . import slapd


@pytest.fixture(scope="session")
def slapd_server(tmp_path_factory):
    if reason := slapd.missing_reason():
        slapd.skip_or_fail(reason)
    directory = slapd.start(tmp_path_factory.mktemp("slapd"))
    yield directory
    slapd.stop(directory)


@pytest.fixture
def directory(slapd_server, settings):
    """The portal configured for the test directory (as the read-only service account)."""
    settings.LDAP_URL = slapd_server.url
    settings.LDAP_BIND_DN = slapd.SERVICE_DN
    settings.LDAP_BIND_PASSWORD = slapd.SERVICE_PASSWORD
    settings.LDAP_PEOPLE_BASE = slapd.PEOPLE_BASE
    settings.LDAP_START_TLS = False
    settings.LDAP_TIMEOUT = 5
    return slapd_server


@pytest.fixture
def directory_down(settings):
    """A directory configured, but nothing listens on its port (no slapd needed)."""
    settings.LDAP_URL = f"ldap://127.0.0.1:{slapd.free_port()}"
    settings.LDAP_BIND_DN = slapd.SERVICE_DN
    settings.LDAP_BIND_PASSWORD = slapd.SERVICE_PASSWORD
    settings.LDAP_PEOPLE_BASE = slapd.PEOPLE_BASE
    settings.LDAP_TIMEOUT = 1
    return settings.LDAP_URL


@pytest.fixture
def removed_person(directory):
    """Deletes a person's entry (as the rootdn) for the test, and puts it back after."""
    removed = []

    def remove(person):
        dn, attributes = slapd.person_entry(person)
        admin = directory.admin()
        assert admin.delete(dn), admin.result
        admin.unbind()
        removed.append((dn, attributes))

    yield remove
    for dn, attributes in removed:
        admin = directory.admin()
        classes = attributes["objectClass"]
        rest = {k: v for k, v in attributes.items() if k != "objectClass"}
        assert admin.add(dn, classes, rest), admin.result
        admin.unbind()
