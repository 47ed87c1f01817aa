"""Scanning uploads with a ClamAV daemon (clamd) over its INSTREAM protocol.

``CLAMAV_URL`` is ``tcp://host:port`` or ``unix:///path/to/clamd.sock``; empty means no
scan. When the daemon cannot be reached, ``CLAMAV_UNAVAILABLE_POLICY`` decides: ``refuse``
the upload, or ``accept`` it marked for a later rescan (staff see the mark).

``check`` is the one refusal rule for every file received (candidates' documents, staff's
catalogue files): a virus is refused, an unreachable daemon refused unless the caller
accepts a later rescan.
"""

import socket
import struct
from dataclasses import dataclass
from urllib.parse import urlparse

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from .uploads import UploadRefused

CHUNK = 64 * 1024

# What ``check`` returns: the values of ``applications.enums.ScanStatus``.
CLEAN, NOT_SCANNED, PENDING = "clean", "not_scanned", "pending"
UNAVAILABLE_MESSAGE = _(
    "The antivirus check is unavailable right now. Please try again in a few minutes."
)
INFECTED_MESSAGE = _("This file contains a virus and was refused.")


class ScannerUnavailable(Exception):
    pass


@dataclass
class ScanResult:
    infected: bool
    signature: str = ""


def _connect(url: str, timeout: float) -> socket.socket:
    parsed = urlparse(url)
    try:
        if parsed.scheme == "unix":
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.settimeout(timeout)
            sock.connect(parsed.path)
        elif parsed.scheme == "tcp":
            sock = socket.create_connection((parsed.hostname, parsed.port or 3310), timeout)
        else:
            raise ScannerUnavailable(f"unsupported CLAMAV_URL scheme: {parsed.scheme}")
    except OSError as exc:
        raise ScannerUnavailable(str(exc)) from exc
    return sock


def _recv_all(sock: socket.socket) -> bytes:
    parts = []
    while True:
        data = sock.recv(4096)
        if not data:
            break
        parts.append(data)
        if data.endswith(b"\0"):
            break
    return b"".join(parts).rstrip(b"\0")


def ping(url: str | None = None, timeout: float = 2.0) -> bool:
    try:
        with _connect(url or settings.CLAMAV_URL, timeout) as sock:
            sock.sendall(b"zPING\0")
            return _recv_all(sock) == b"PONG"
    except (ScannerUnavailable, OSError):
        return False


def scan_bytes(data: bytes, url: str | None = None) -> ScanResult:
    url = url or settings.CLAMAV_URL
    try:
        with _connect(url, settings.CLAMAV_TIMEOUT) as sock:
            sock.sendall(b"zINSTREAM\0")
            for start in range(0, len(data), CHUNK):
                chunk = data[start : start + CHUNK]
                sock.sendall(struct.pack("!L", len(chunk)) + chunk)
            sock.sendall(struct.pack("!L", 0))
            reply = _recv_all(sock).decode(errors="replace")
    except OSError as exc:
        raise ScannerUnavailable(str(exc)) from exc
    # "stream: OK" or "stream: Eicar-Signature FOUND" or "... ERROR"
    if reply.endswith("FOUND"):
        return ScanResult(True, reply.split(":", 1)[-1].removesuffix("FOUND").strip())
    if reply.endswith("OK"):
        return ScanResult(False)
    raise ScannerUnavailable(reply or "empty reply")


def check(data: bytes, *, accept_unavailable: bool, on_unavailable=None, on_infected=None) -> str:
    """Scan ``data`` with the configured daemon: ``NOT_SCANNED`` when none is configured,
    ``CLEAN``, or ``PENDING`` when it cannot be reached and ``accept_unavailable`` (the file
    is to be scanned again later). ``UploadRefused`` when the file carries a virus, or when
    the daemon cannot be reached otherwise. ``on_unavailable(error)`` and
    ``on_infected(signature)`` are called first, for the caller's audit row or log line."""
    if not settings.CLAMAV_URL:
        return NOT_SCANNED
    try:
        result = scan_bytes(data)
    except ScannerUnavailable as exc:
        if on_unavailable is not None:
            on_unavailable(exc)
        if accept_unavailable:
            return PENDING
        raise UploadRefused(UNAVAILABLE_MESSAGE) from exc
    if result.infected:
        if on_infected is not None:
            on_infected(result.signature)
        raise UploadRefused(INFECTED_MESSAGE)
    return CLEAN
