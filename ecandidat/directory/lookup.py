"""Reading the university's LDAP directory (ldap3): search, find, present.

Each call opens one connection, binds with the service account, runs its searches and
closes: no connection is kept between requests (the app servers are stateless, and a
directory restarted overnight must not leave a dead socket in a worker). Every network
step is bounded by ``LDAP_TIMEOUT``; any failure to reach, bind or search raises
``DirectoryUnavailable`` after one log line and one audit row (``directory.unavailable``,
naming the ``actor`` who was waiting), so a page can say so and offer the manual path.

Filters are built from user input only through ``escape_filter_chars`` (RFC 4515: ``*``,
``(``, ``)``, ``\\`` and NUL are escaped), so a query can never widen the filter.
"""

import logging
import math
import ssl
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from ldap3 import NONE, SUBTREE, Connection, Server, Tls
from ldap3.core.exceptions import LDAPException
from ldap3.utils.conv import escape_filter_chars

from ecandidat.audit import codes
from ecandidat.audit.services import record
from ecandidat.common.errors import DomainError

logger = logging.getLogger("ecandidat.directory")

# Identifiers per OR filter in ``present``: short filters any directory accepts, few round trips.
PRESENT_BATCH = 50
# A query shorter than this would match half the directory.
MIN_QUERY_LENGTH = 2
MAX_QUERY_LENGTH = 100
# Searched by ``search``: each word of the query must appear in one of them.
SEARCHED_FIELDS = ("login", "first_name", "last_name", "email")
# LDAP result codes that still carry usable entries.
_SUCCESS, _SIZE_LIMIT_EXCEEDED = 0, 4


class DirectoryUnavailable(DomainError):
    """The directory could not be reached, refused our bind, or failed a search."""

    default_message = _(
        "The university directory cannot be reached at the moment. Try again in a few "
        "minutes, or create the account by hand."
    )


@dataclass(frozen=True)
class DirectoryPerson:
    identifier: str  # the LDAP_ID_ATTRIBUTE value: becomes User.university_id
    login: str
    first_name: str
    last_name: str
    email: str
    eppn: str = ""
    student_number: str = ""
    ine: str = ""
    affiliations: tuple[str, ...] = field(default_factory=tuple)

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


@dataclass(frozen=True)
class _Config:
    url: str
    bind_dn: str
    bind_password: str
    base: str
    people_filter: str
    start_tls: bool
    ca_file: str
    timeout: int
    id_attribute: str
    attributes: dict[str, str]


def _config() -> _Config:
    # Read at each call (never cached at import): tests and, later, per-institution
    # settings change them at run time.
    return _Config(
        url=settings.LDAP_URL,
        bind_dn=settings.LDAP_BIND_DN,
        bind_password=settings.LDAP_BIND_PASSWORD,
        base=settings.LDAP_PEOPLE_BASE,
        people_filter=settings.LDAP_PEOPLE_FILTER or "(objectClass=*)",
        start_tls=settings.LDAP_START_TLS,
        ca_file=settings.LDAP_CA_FILE,
        # Whole seconds: ldap3 sets the socket timeouts with integer arithmetic.
        timeout=max(1, math.ceil(settings.LDAP_TIMEOUT)),
        id_attribute=settings.LDAP_ID_ATTRIBUTE,
        attributes=dict(settings.LDAP_ATTRIBUTES),
    )


def is_enabled() -> bool:
    """Whether a directory is configured (``LDAP_URL``); off, the screens work without it."""
    return bool(settings.LDAP_URL)


@contextmanager
def _connection(config: _Config, *, operation: str, actor) -> Iterator[Connection]:
    """A bound connection; any failure (here or in the block) is logged, audited once with
    the ``operation`` and the ``actor`` who was waiting for it, and raised as
    ``DirectoryUnavailable``."""
    tls = None
    if config.start_tls or config.url.lower().startswith("ldaps://"):
        tls = Tls(
            validate=ssl.CERT_REQUIRED,
            ca_certs_file=config.ca_file or None,
            version=ssl.PROTOCOL_TLS_CLIENT,
        )
    server = Server(config.url, connect_timeout=config.timeout, get_info=NONE, tls=tls)
    connection = Connection(
        server,
        user=config.bind_dn or None,
        password=config.bind_password or None,
        read_only=True,
        receive_timeout=config.timeout,
        raise_exceptions=False,
    )
    try:
        connection.open()
        if config.start_tls and not connection.start_tls():
            logger.error("directory StartTLS refused", extra={"url": config.url})
            raise DirectoryUnavailable
        if not connection.bind():
            logger.error(
                "directory bind refused",
                extra={"url": config.url, "result": connection.result.get("description")},
            )
            raise DirectoryUnavailable
        yield connection
    except LDAPException as error:
        logger.error("directory unavailable: %s", type(error).__name__, extra={"url": config.url})
        _audit(config, operation, actor)
        raise DirectoryUnavailable from error
    except DirectoryUnavailable:
        _audit(config, operation, actor)
        raise
    finally:
        _close(connection)


def _audit(config: _Config, operation: str, actor) -> None:
    record(
        codes.DIRECTORY_UNAVAILABLE, actor=actor, data={"operation": operation, "url": config.url}
    )


def _close(connection: Connection) -> None:
    with suppress(LDAPException):  # already closed by the failure being reported
        connection.unbind()
    # ldap3 keeps the socket of a connection attempt that failed (refused, timed out).
    if (sock := getattr(connection, "socket", None)) is not None:
        sock.close()


def _search(
    connection: Connection,
    config: _Config,
    ldap_filter: str,
    limit: int,
    attributes: list[str] | None = None,
) -> list:
    wanted = attributes or sorted({config.id_attribute, *config.attributes.values()})
    connection.search(
        config.base,
        ldap_filter,
        search_scope=SUBTREE,
        attributes=wanted,
        size_limit=limit,
        time_limit=config.timeout,
    )
    code = connection.result.get("result")
    if code not in (_SUCCESS, _SIZE_LIMIT_EXCEEDED):
        logger.error(
            "directory search failed",
            extra={"url": config.url, "result": connection.result.get("description")},
        )
        raise DirectoryUnavailable
    return [item for item in connection.response or [] if item.get("type") == "searchResEntry"]


def _values(attributes: dict, name: str) -> list[str]:
    # Attribute names are case-insensitive in LDAP; the server answers in its own case.
    for key, value in attributes.items():
        if key.lower() == name.lower():
            values = value if isinstance(value, list) else [value]
            return [v.decode() if isinstance(v, bytes) else str(v) for v in values if v]
    return []


def _first(attributes: dict, name: str) -> str:
    values = _values(attributes, name)
    return values[0].strip() if values else ""


def _person(entry: dict, config: _Config) -> DirectoryPerson | None:
    attributes = entry.get("attributes") or {}
    identifier = _first(attributes, config.id_attribute)
    if not identifier:
        return None  # an entry without the identifier cannot be linked to an account
    names = config.attributes
    return DirectoryPerson(
        identifier=identifier,
        login=_first(attributes, names["login"]),
        first_name=_first(attributes, names["first_name"]),
        last_name=_first(attributes, names["last_name"]),
        email=_first(attributes, names["email"]),
        eppn=_first(attributes, names["eppn"]),
        student_number=_first(attributes, names["student_number"]),
        ine=_first(attributes, names["ine"]),
        affiliations=tuple(_values(attributes, names["affiliations"])),
    )


def _words(query: str) -> list[str]:
    cleaned = query.replace("\x00", " ")[:MAX_QUERY_LENGTH]
    return [word for word in cleaned.split() if word]


def search(query: str, *, limit: int = 20, actor=None) -> list[DirectoryPerson]:
    """People whose login, first name, last name or email contains every word of
    ``query``, sorted by name; at most ``limit``. An empty or too short query finds nobody
    without asking the directory."""
    words = _words(query)
    if not words or len("".join(words)) < MIN_QUERY_LENGTH or not is_enabled():
        return []
    config = _config()
    fields = [config.attributes[name] for name in SEARCHED_FIELDS]
    clauses = "".join(
        "(|" + "".join(f"({attr}=*{escape_filter_chars(word)}*)" for attr in fields) + ")"
        for word in words
    )
    with _connection(config, operation="search", actor=actor) as connection:
        entries = _search(connection, config, f"(&{config.people_filter}{clauses})", limit)
    people = [person for entry in entries if (person := _person(entry, config))]
    people.sort(key=lambda p: (p.last_name.lower(), p.first_name.lower(), p.login.lower()))
    return people[:limit]


def find(identifier: str, *, actor=None) -> DirectoryPerson | None:
    """The person whose ``LDAP_ID_ATTRIBUTE`` is ``identifier``, or None."""
    identifier = identifier.replace("\x00", "").strip()
    if not identifier or not is_enabled():
        return None
    config = _config()
    ldap_filter = (
        f"(&{config.people_filter}({config.id_attribute}={escape_filter_chars(identifier)}))"
    )
    with _connection(config, operation="find", actor=actor) as connection:
        entries = _search(connection, config, ldap_filter, 2)
    people = [person for entry in entries if (person := _person(entry, config))]
    if len(people) > 1:
        # Two entries claim one identifier: linking either would be a guess.
        logger.warning("directory identifier not unique", extra={"identifier": identifier})
        return None
    return people[0] if people else None


def present(identifiers: Iterable[str], *, actor=None) -> set[str]:
    """Those of ``identifiers`` the directory still has (compared case-insensitively,
    returned as given), asked in batches of ``PRESENT_BATCH`` over one connection."""
    wanted: dict[str, list[str]] = {}
    for identifier in identifiers:
        cleaned = identifier.replace("\x00", "").strip()
        if cleaned:
            wanted.setdefault(cleaned.lower(), []).append(identifier)
    if not wanted or not is_enabled():
        return set()
    config = _config()
    keys = sorted(wanted)
    found: set[str] = set()
    with _connection(config, operation="present", actor=actor) as connection:
        for start in range(0, len(keys), PRESENT_BATCH):
            batch = keys[start : start + PRESENT_BATCH]
            alternatives = "".join(
                f"({config.id_attribute}={escape_filter_chars(key)})" for key in batch
            )
            ldap_filter = f"(&{config.people_filter}(|{alternatives}))"
            entries = _search(
                connection, config, ldap_filter, len(batch) * 2, [config.id_attribute]
            )
            for entry in entries:
                for value in _values(entry.get("attributes") or {}, config.id_attribute):
                    found.add(value.strip().lower())
    return {original for key in found & wanted.keys() for original in wanted[key]}
