"""The directory lookup against a real slapd: search, find, present, and failures."""

import logging
import socket
import time

import pytest

from ecandidat.audit.models import AuditEvent
from ecandidat.directory.lookup import (
    DirectoryPerson,
    DirectoryUnavailable,
    find,
    present,
    search,
)
from tests.sso.people import PEOPLE, STAFF_MANAGER, STAFF_TEACHER, STUDENT

from . import slapd


def logins(people):
    return sorted(person.login for person in people)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("Durand", ["mdurand"]),
        ("durand", ["mdurand"]),
        ("marie durand", ["mdurand"]),
        ("Durand Marie", ["mdurand"]),
        ("jmartin", ["jmartin"]),
        ("jean.martin@univ-test.fr", ["jmartin"]),
        ("etu.univ-test", ["e21900001", "e21900002"]),
        ("Léa", ["e21900001"]),
        ("  lea.petit  ", ["e21900001"]),
        ("nobody-of-that-name", []),
    ],
)
def test_search_by_name_login_or_email(directory, query, expected):
    assert logins(search(query)) == expected


def test_a_person_carries_the_mapped_attributes(directory):
    [person] = search("Petit")
    assert person == DirectoryPerson(
        identifier=STUDENT.uid,
        login=STUDENT.uid,
        first_name="Léa",
        last_name="Petit",
        email=STUDENT.mail,
        eppn=STUDENT.eppn,
        student_number="21900001",
        ine="1234567890V",
        affiliations=("student",),
    )


def test_the_identifier_attribute_is_configurable(directory, settings):
    settings.LDAP_ID_ATTRIBUTE = "eduPersonPrincipalName"
    [person] = search("mdurand")
    assert person.identifier == STAFF_MANAGER.eppn and person.login == "mdurand"
    assert find(STAFF_MANAGER.eppn.upper()).login == "mdurand"


def test_results_are_sorted_by_name_and_limited(directory):
    everyone = search("univ-test.fr")
    assert len(everyone) == len(PEOPLE)
    assert [p.last_name for p in everyone] == sorted(p.surname for p in PEOPLE)
    assert len(search("univ-test.fr", limit=2)) == 2


@pytest.mark.parametrize(
    "query",
    [
        "*",
        "*)(uid=*",
        "*)(uid=*))(|(uid=*",
        ")(objectClass=*",
        "\\2a",
        "mdurand)(|(uid=*",
        "\x00",
        "dur\x00and*",
        "*\x00*",
    ],
)
def test_filter_syntax_in_a_query_is_literal_text(directory, query):
    # Unescaped, each of these would widen the filter to everyone (or break it).
    assert search(query) == []


def test_too_short_or_empty_queries_ask_nothing(directory_down):
    # The directory is down: a query that asks it would raise.
    for query in ["", "   ", "a", "\x00"]:
        assert search(query) == []


def test_find_by_identifier(directory):
    assert find("jmartin").email == STAFF_TEACHER.mail
    assert find("JMARTIN").login == "jmartin"  # uid compares case-insensitively
    assert find("nobody") is None
    assert find("*") is None
    assert find("jmartin)(uid=*") is None
    assert find("jmar\x00tin") is not None  # a NUL is dropped, never sent
    assert find("") is None


def test_present_answers_which_identifiers_remain(directory, monkeypatch):
    monkeypatch.setattr("ecandidat.directory.lookup.PRESENT_BATCH", 2)
    asked = ["mdurand", "JMartin", "gone1", "e21900001", "*", "gone2)(uid=*", ""]
    assert present(asked) == {"mdurand", "JMartin", "e21900001"}
    assert present([]) == set()


@pytest.mark.django_db
def test_the_service_account_only_reads_the_people(directory, settings):
    # The test directory's ACL hides everything outside ou=people from the portal.
    settings.LDAP_PEOPLE_BASE = f"ou=services,{slapd.SUFFIX}"
    with pytest.raises(DirectoryUnavailable):
        search("ecandidat")


@pytest.mark.django_db
def test_wrong_password_is_unavailable_and_logged(directory, settings, caplog):
    settings.LDAP_BIND_PASSWORD = "wrong"
    with (
        caplog.at_level(logging.ERROR, logger="ecandidat.directory"),
        pytest.raises(DirectoryUnavailable) as raised,
    ):
        search("durand")
    assert "cannot be reached" in str(raised.value)
    assert [r.name for r in caplog.records] == ["ecandidat.directory"]


@pytest.mark.django_db
def test_a_wrong_base_is_unavailable(directory, settings):
    settings.LDAP_PEOPLE_BASE = "ou=nowhere,dc=univ-test,dc=fr"
    with pytest.raises(DirectoryUnavailable):
        search("durand")


@pytest.mark.django_db
def test_connection_refused_is_unavailable_at_once(directory_down, caplog):
    for call in (lambda: search("durand"), lambda: find("mdurand"), lambda: present(["x"])):
        started = time.monotonic()
        with (
            caplog.at_level(logging.ERROR, logger="ecandidat.directory"),
            pytest.raises(DirectoryUnavailable),
        ):
            call()
        assert time.monotonic() - started < 2
    assert caplog.records and {r.name for r in caplog.records} == {"ecandidat.directory"}
    # One audit row per failed lookup, naming the operation.
    operations = AuditEvent.objects.filter(action="directory.unavailable").values_list(
        "data__operation", flat=True
    )
    assert sorted(operations) == ["find", "present", "search"]


@pytest.mark.django_db
def test_a_server_that_never_answers_times_out(settings):
    # It accepts the connection (the kernel's backlog) and never says a word.
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(5)
        settings.LDAP_URL = f"ldap://127.0.0.1:{silent.getsockname()[1]}"
        settings.LDAP_BIND_DN = slapd.SERVICE_DN
        settings.LDAP_BIND_PASSWORD = slapd.SERVICE_PASSWORD
        settings.LDAP_PEOPLE_BASE = slapd.PEOPLE_BASE
        settings.LDAP_TIMEOUT = 1
        started = time.monotonic()
        with pytest.raises(DirectoryUnavailable):
            search("durand")
        assert time.monotonic() - started < 3


def test_directory_off_asks_nothing(settings):
    settings.LDAP_URL = ""
    assert search("durand") == [] and find("mdurand") is None and present(["a"]) == set()
