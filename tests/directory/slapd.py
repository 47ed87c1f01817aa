"""A real OpenLDAP ``slapd`` on 127.0.0.1, loaded with the test people (tests/sso/people.py).

``start(root)`` writes a slapd.conf (mdb database, the stock core/cosine/inetorgperson/nis
schemas and ``university.schema``), loads the LDIF with ``slapadd``, starts slapd on a free
port and waits until it answers a bind. The portal binds as a read-only service account
(an ACL lets it read the people and nothing else); the tests change entries as the rootdn.
"""

import base64
import hashlib
import os
import shutil
import socket
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from ldap3 import NONE, Connection, Server

from tests.servers import wait_until
from tests.sso.people import PEOPLE

SLAPD = shutil.which("slapd") or "/usr/sbin/slapd"
SLAPADD = shutil.which("slapadd") or "/usr/sbin/slapadd"
SCHEMA_DIR = Path("/etc/ldap/schema")
MODULE_DIR = Path("/usr/lib/ldap")

SUFFIX = "dc=univ-test,dc=fr"
PEOPLE_BASE = f"ou=people,{SUFFIX}"
SERVICE_DN = f"cn=ecandidat,ou=services,{SUFFIX}"
SERVICE_PASSWORD = "Directory-Reader-2026"
ADMIN_DN = f"cn=admin,{SUFFIX}"
ADMIN_PASSWORD = "Directory-Admin-2026"
PERSON_CLASSES = ("inetOrgPerson", "eduPerson", "supannPerson", "schacPersonalCharacteristics")


@dataclass
class Directory:
    url: str
    port: int
    process: subprocess.Popen
    root: Path

    def admin(self) -> Connection:
        """A connection bound as the rootdn, to change entries from a test."""
        server = Server(self.url, get_info=NONE, connect_timeout=5)
        return Connection(server, ADMIN_DN, ADMIN_PASSWORD, auto_bind=True, receive_timeout=5)

    def log(self) -> str:
        path = self.root / "slapd.log"
        return path.read_text(errors="replace") if path.exists() else ""


def missing_reason() -> str:
    """Why a real directory cannot be started here ("" when it can)."""
    for program in (SLAPD, SLAPADD):
        if not Path(program).exists():
            return f"{program} is not installed (apt-get install slapd ldap-utils)"
    if not (MODULE_DIR / "back_mdb.so").exists():
        return f"slapd's mdb backend is missing from {MODULE_DIR}"
    return ""


def skip_or_fail(reason: str):
    """Skip with the reason, except in CI (CI or SSO_REQUIRED set), where a skip would hide
    a broken set-up."""
    if os.environ.get("CI") or os.environ.get("SSO_REQUIRED"):
        pytest.fail(reason)
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def close(connection: Connection) -> None:
    connection.unbind()
    if connection.socket is not None:  # ldap3 keeps the socket of a refused attempt
        connection.socket.close()


def ssha(password: str) -> str:
    salt = os.urandom(8)
    digest = hashlib.sha1(password.encode() + salt).digest()  # noqa: S324 (LDAP's {SSHA})
    return "{SSHA}" + base64.b64encode(digest + salt).decode()


def _ldif_line(name: str, value: str) -> str:
    # RFC 2849: a value that is not plain ASCII, or starts with a space, ":" or "<", is base64.
    if not value.isascii() or value[:1] in (" ", ":", "<") or value.endswith(" "):
        return f"{name}:: {base64.b64encode(value.encode()).decode()}"
    return f"{name}: {value}"


def _entry(dn: str, attributes: dict[str, list[str]]) -> str:
    lines = [_ldif_line("dn", dn)]
    for name, values in attributes.items():
        lines.extend(_ldif_line(name, value) for value in values)
    return "\n".join(lines) + "\n"


def person_entry(person) -> tuple[str, dict[str, list[str]]]:
    return f"uid={person.uid},{PEOPLE_BASE}", {
        "objectClass": list(PERSON_CLASSES),
        **person.attributes(),
    }


def ldif() -> str:
    entries = [
        _entry(
            SUFFIX,
            {"objectClass": ["dcObject", "organization"], "dc": ["univ-test"], "o": ["Univ"]},
        ),
        _entry(PEOPLE_BASE, {"objectClass": ["organizationalUnit"], "ou": ["people"]}),
        _entry(
            f"ou=services,{SUFFIX}", {"objectClass": ["organizationalUnit"], "ou": ["services"]}
        ),
        _entry(
            SERVICE_DN,
            {
                "objectClass": ["organizationalRole", "simpleSecurityObject"],
                "cn": ["ecandidat"],
                "userPassword": [ssha(SERVICE_PASSWORD)],
            },
        ),
    ]
    entries.extend(_entry(*person_entry(person)) for person in PEOPLE)
    return "\n".join(entries)


def slapd_conf(root: Path) -> str:
    schemas = ["core", "cosine", "inetorgperson", "nis"]
    includes = "\n".join(f"include {SCHEMA_DIR / name}.schema" for name in schemas)
    return f"""{includes}
include {Path(__file__).with_name("university.schema")}
pidfile {root / "slapd.pid"}
argsfile {root / "slapd.args"}
modulepath {MODULE_DIR}
moduleload back_mdb
sizelimit 500

database mdb
maxsize 16777216
suffix "{SUFFIX}"
rootdn "{ADMIN_DN}"
rootpw {ssha(ADMIN_PASSWORD)}
directory {root / "data"}
index objectClass eq
index uid,mail,eduPersonPrincipalName,supannEtuId eq,sub
index cn,sn,givenName eq,sub

# The portal's service account reads the people, nothing else; nobody reads a password.
access to attrs=userPassword
    by anonymous auth
    by * none
access to dn.subtree="{PEOPLE_BASE}"
    by dn.exact="{SERVICE_DN}" read
    by * none
access to * by * none
"""


def start(root: Path) -> Directory:
    (root / "data").mkdir(parents=True)
    config = root / "slapd.conf"
    config.write_text(slapd_conf(root))
    data = root / "people.ldif"
    data.write_text(ldif())
    loaded = subprocess.run(
        [SLAPADD, "-f", str(config), "-l", str(data)], capture_output=True, text=True, check=False
    )
    if loaded.returncode:
        pytest.fail(f"slapadd failed: {loaded.stderr[-2000:]}")
    port = free_port()
    url = f"ldap://127.0.0.1:{port}"
    log = root / "slapd.log"
    with log.open("w") as output:
        process = subprocess.Popen(
            [SLAPD, "-h", f"{url}/", "-f", str(config), "-d", "stats"],
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    directory = Directory(url=url, port=port, process=process, root=root)

    def answers() -> bool:
        server = Server(url, get_info=NONE, connect_timeout=1)
        connection = Connection(server, SERVICE_DN, SERVICE_PASSWORD, receive_timeout=1)
        try:
            return connection.bind()
        finally:
            close(connection)

    wait_until(answers, process=process, timeout=30, what="slapd", log=directory.log)
    return directory


def stop(directory: Directory) -> None:
    directory.process.terminate()
    try:
        directory.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        directory.process.kill()
        directory.process.wait(timeout=10)
