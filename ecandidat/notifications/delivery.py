"""Sending the outbox: several workers at once, at line rate, nothing lost.

1. **Claim.** One short transaction locks up to ``EMAIL_BATCH_SIZE`` due rows with
   ``SELECT … FOR UPDATE SKIP LOCKED`` (workers neither wait on each other nor take the
   same row; SQLite, which has no row locks, serialises the claim with its write lock) and
   turns them to *sending*, with a lease (``leased_until``), the attempt counted and
   ``last_attempt_at`` set. It commits before any SMTP traffic: the attempt is on record
   before the message leaves.
2. **Send.** One SMTP connection for the batch; every message carries the Message-ID chosen
   when the email was queued, the same at every attempt.
3. **Record.** Each result as soon as the relay answered: one UPDATE guarded by the claim
   (``pk`` and ``last_attempt_at``), so a worker that lost its lease never overwrites what
   the worker that took over found.

A worker killed between the relay's "250 OK" and that UPDATE leaves a message that is
sent again once its lease runs out, with the same Message-ID: at most two per killed
worker, the one on the wire and the one being recorded (tests/faults/
test_outbox_worker_kill.py); a relay or a mailbox that drops a Message-ID it already has
delivers it once.
"""

import base64
import collections
import logging
import quopri
import secrets
import smtplib
import time
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.utils import formatdate

from django.conf import settings
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.core.mail.backends.smtp import EmailBackend as SMTPBackend
from django.core.mail.message import RFC5322_EMAIL_LINE_LENGTH_LIMIT, sanitize_address
from django.db import InterfaceError, OperationalError, connection, transaction
from django.db.models import F
from django.utils import timezone

from ecandidat.sitemode.models import SiteMode

from .attachments import build
from .enums import OutboxStatus
from .models import OutboxEmail

logger = logging.getLogger(__name__)

# What a send needs; the claim reads nothing else.
_FIELDS = (
    "pk",
    "recipient",
    "subject",
    "body_text",
    "body_html",
    "message_id",
    "secret_reference",
    "attachment",
    "attempts",
    "failing_since",
)
# Waits before each new try of an UPDATE that lost the database (about 8 s in all).
_DB_RETRY_DELAYS = (0.25, 0.5, 1, 2, 4)


@dataclass
class Batch:
    emails: list[OutboxEmail]
    # The claim's token: the ``last_attempt_at`` it wrote on every row.
    claimed_at: datetime
    claimed_monotonic: float


@dataclass
class Outcome:
    claimed: int = 0
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    released: int = 0
    # Why the batch ended early: "relay" (connection lost or refused), "deadline".
    stopped: str = ""
    errors: list[str] = field(default_factory=list)
    relay_error: Exception | None = field(default=None, repr=False)

    def add(self, other: "Outcome") -> None:
        for name in ("claimed", "sent", "retrying", "failed", "released"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.errors += other.errors[:1]

    def summary(self) -> dict:
        """What a task returns (stored as JSON by the task backend)."""
        return {
            "claimed": self.claimed,
            "sent": self.sent,
            "retrying": self.retrying,
            "failed": self.failed,
            "released": self.released,
            "stopped": self.stopped,
            "errors": self.errors[:5],
        }


def lease() -> timedelta:
    return timedelta(seconds=settings.EMAIL_LEASE_SECONDS)


def retry_delay(attempts: int) -> timedelta:
    # 1, 2, 4, 8… minutes up to EMAIL_RETRY_MAX_MINUTES: a relay that is down for hours is
    # asked again every hour, not hammered, and not given up before EMAIL_RETRY_HOURS.
    minutes = min(2 ** min(max(attempts - 1, 0), 20), settings.EMAIL_RETRY_MAX_MINUTES)
    return timedelta(minutes=minutes)


def claim(limit: int, *, now: datetime | None = None) -> Batch | None:
    """Take up to ``limit`` due emails for this worker (see the module's docstring).
    Nothing while the site is read-only: the emails wait, and the outbox sweep queues their
    delivery once it is normal again."""
    if SiteMode.from_database().pauses_jobs:
        logger.info("site read-only: the outbox waits")
        return None
    now = now or timezone.now()
    with transaction.atomic():
        rows = OutboxEmail.objects.claimable(now).order_by("pk").only(*_FIELDS)
        if connection.features.has_select_for_update_skip_locked:
            rows = rows.select_for_update(skip_locked=True)
        emails = list(rows[:limit])
        if not emails:
            return None
        leased_until = now + lease()
        OutboxEmail.objects.filter(pk__in=[email.pk for email in emails]).update(
            status=OutboxStatus.SENDING,
            leased_until=leased_until,
            attempts=F("attempts") + 1,
            last_attempt_at=now,
            next_attempt_at=None,
        )
    for email in emails:
        email.attempts += 1
        email.status, email.leased_until, email.last_attempt_at = (
            OutboxStatus.SENDING,
            leased_until,
            now,
        )
    return Batch(emails, now, time.monotonic())


def send(batch: Batch, *, deadline: float) -> Outcome:
    """Send a claimed batch over one connection and record each result.

    The SMTP exchange runs in a thread of its own, one message at a time on the batch's
    connection, while this thread (which alone touches the database) records the result
    of the previous message and encodes the next one: the database write costs no time
    on the wire. So at most two messages are out and not yet recorded at any instant.

    Stops early when the relay fails as a whole (connection refused, lost or timed out:
    the rest of the batch waits for a retry with the same error) or at ``deadline`` (a
    ``time.monotonic()`` value: the rest goes back to *pending* for the next task).
    """
    outcome = Outcome(claimed=len(batch.emails))
    backend = mail.get_connection(fail_silently=False)
    try:
        backend.open()
    except Exception as exc:
        _failed(batch, batch.emails, exc, outcome)
        outcome.stopped = "relay"
        return outcome
    queue = collections.deque(batch.emails)
    writer = MimeWriter() if isinstance(backend, SMTPBackend) else None
    renew_at = batch.claimed_monotonic + settings.EMAIL_LEASE_SECONDS / 2
    in_flight: tuple[OutboxEmail, Future] | None = None
    try:
        with ThreadPoolExecutor(1, thread_name_prefix="smtp") as wire, _results_without_fsync():
            while queue:
                if time.monotonic() >= deadline:
                    outcome.stopped = "deadline"
                    break
                if time.monotonic() >= renew_at:
                    held = [in_flight[0]] if in_flight else []
                    queue = collections.deque(
                        email for email in _renew(batch, [*held, *queue]) if email not in held
                    )
                    renew_at = time.monotonic() + settings.EMAIL_LEASE_SECONDS / 2
                    continue
                email = queue.popleft()
                try:
                    prepared = _prepare(email, writer)
                except Exception as exc:
                    logger.exception("Attachment of email %s could not be built", email.pk)
                    _failed(batch, [email], exc, outcome)
                    continue
                sending = (email, wire.submit(_transmit, backend, prepared))
                if in_flight is not None and not _settle(batch, *in_flight, outcome):
                    _settle(batch, *sending, outcome, relay_down=True)
                    in_flight = None
                    break
                in_flight = sending
            if in_flight is not None:
                _settle(batch, *in_flight, outcome)
            if outcome.stopped == "relay":
                _failed(batch, queue, outcome.relay_error, outcome)
            elif outcome.stopped == "deadline":
                outcome.released = _release(batch, queue)
    finally:
        with suppress(Exception):
            backend.close()
    return outcome


def _prepare(email: OutboxEmail, writer: "MimeWriter | None"):
    """What the wire thread sends: encoded bytes for the SMTP backend, else a Django
    message. Built here, because an attachment (a letter) is read from the database."""
    text, html = email.delivered_bodies()
    if writer is not None and not email.attachment:
        return writer.encode(email, text, html)
    message = EmailMultiAlternatives(
        subject=email.subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[email.recipient],
        headers={"Message-ID": email.message_id},
    )
    if html:
        message.attach_alternative(html, "text/html")
    if email.attachment:
        built = build(email.attachment)
        if built is not None:
            message.attach(*built)
    return message


def _transmit(backend, prepared) -> None:
    if isinstance(prepared, EmailMultiAlternatives):
        prepared.connection = backend
        backend.send_messages([prepared])
        return
    if backend.connection is None:
        raise smtplib.SMTPServerDisconnected("connection closed by the relay")
    backend.connection.sendmail(*prepared)


def _settle(batch, email, future: Future, outcome: Outcome, *, relay_down=False) -> bool:
    """Record how the message went; False when the relay failed as a whole (the rest of
    the batch is then not sent)."""
    try:
        future.result()
    except smtplib.SMTPRecipientsRefused as exc:
        # This address is refused; the connection is still good for the others.
        permanent = all(code >= 500 for code, _msg in exc.recipients.values())
        _failed(batch, [email], exc, outcome, permanent=permanent)
    except (smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as exc:
        if exc.smtp_code != 421:  # 421: the relay is closing the connection
            _failed(batch, [email], exc, outcome)
            return True
        return _relay_failed(batch, email, exc, outcome, relay_down)
    except Exception as exc:
        # Timeout, reset, disconnection: the relay, not this message. The one in flight
        # may have been received: it is sent again with its Message-ID.
        return _relay_failed(batch, email, exc, outcome, relay_down)
    else:
        _record_sent(batch, email)
        outcome.sent += 1
    return True


def _relay_failed(batch, email, exc, outcome: Outcome, relay_down: bool) -> bool:
    _failed(batch, [email], exc if not relay_down else outcome.relay_error or exc, outcome)
    if outcome.relay_error is None:
        outcome.relay_error = exc
    outcome.stopped = "relay"
    return False


class MimeWriter:
    """An outbox email as the bytes Django's ``EmailMultiAlternatives`` sends (same headers,
    same parts, same transfer encodings), about fifty times faster: the standard library's
    generator re-parses and refolds every header and compiles a regular expression per
    boundary, which made the MIME encoding cost more than the SMTP exchange itself. What
    is the same for every message (the sender) is encoded once per batch. Emails with an
    attachment take Django's own path; tests/notifications/test_delivery.py compares the
    two encodings.
    """

    def __init__(self):
        self.envelope_sender = sanitize_address(settings.DEFAULT_FROM_EMAIL, "utf-8")
        self.from_header = self.envelope_sender
        self.localtime = settings.EMAIL_USE_LOCALTIME

    def encode(self, email: OutboxEmail, text: str, html: str) -> tuple[str, list[str], bytes]:
        recipient = sanitize_address(email.recipient, "utf-8")
        head = [
            f"From: {self.from_header}",
            f"To: {recipient}",
            f"Subject: {_subject(email.subject)}",
            f"Date: {formatdate(localtime=self.localtime)}",
            f"Message-ID: {email.message_id}",
            "MIME-Version: 1.0",
        ]
        parts = [("plain", _body(text))]
        if html:
            parts.append(("html", _body(html)))
        if len(parts) == 1:
            (subtype, (encoding, payload)) = parts[0]
            head += _part_headers(subtype, encoding)
            return self.envelope_sender, [recipient], _join(head, payload)
        boundary = _boundary(payload for _subtype, (_enc, payload) in parts)
        head.append(f'Content-Type: multipart/alternative;\r\n boundary="{boundary}"')
        chunks = [("\r\n".join(head) + "\r\n\r\n").encode()]
        for subtype, (encoding, payload) in parts:
            part_head = "\r\n".join(_part_headers(subtype, encoding))
            chunks.append(f"--{boundary}\r\n{part_head}\r\n\r\n".encode())
            chunks.append(payload + b"\r\n")
        chunks.append(f"--{boundary}--\r\n".encode())
        return self.envelope_sender, [recipient], b"".join(chunks)


def _subject(value: str) -> str:
    """The subject as RFC 2047 encoded words when it is not ASCII: base64 words of at most
    39 bytes of whole characters (64 characters a word, under the 75 allowed), one per
    folded line. The standard library's ``Header`` does the same ten times slower."""
    if value.isascii():
        return value
    words, chunk, size = [], [], 0
    for char in value:
        length = len(char.encode())
        if size + length > 39:
            words.append("".join(chunk))
            chunk, size = [], 0
        chunk.append(char)
        size += length
    words.append("".join(chunk))
    return "\r\n ".join(
        f"=?utf-8?b?{base64.b64encode(word.encode()).decode('ascii')}?=" for word in words
    )


def _body(text: str) -> tuple[str, bytes]:
    """(transfer encoding, payload with CRLF line ends), as Django chooses them: 7bit or
    8bit, quoted-printable when a line is longer than SMTP allows."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    encoded = [line.encode("utf-8") for line in lines]
    if any(len(line) > RFC5322_EMAIL_LINE_LENGTH_LIMIT for line in encoded):
        payload = quopri.encodestring(b"\n".join(encoded)).replace(b"\n", b"\r\n")
        return "quoted-printable", payload
    payload = b"\r\n".join(encoded)
    return ("7bit" if payload.isascii() else "8bit"), payload


def _part_headers(subtype: str, encoding: str) -> list[str]:
    return [
        f'Content-Type: text/{subtype}; charset="utf-8"',
        f"Content-Transfer-Encoding: {encoding}",
    ]


def _boundary(payloads) -> str:
    payloads = list(payloads)
    while True:
        boundary = f"=_{secrets.token_hex(16)}"
        if not any(boundary.encode() in payload for payload in payloads):
            return boundary


def _join(head: list[str], payload: bytes) -> bytes:
    return ("\r\n".join(head) + "\r\n\r\n").encode() + payload


@contextmanager
def _results_without_fsync():
    """On PostgreSQL, commit each result without waiting for the disk: the UPDATE is
    visible at once and written within a fraction of a second. Only a crash of PostgreSQL
    itself can forget the last results, and those messages are then sent again with their
    Message-ID (the claim, committed before the send, is durable). 0.4 ms per message
    instead of 6 ms here."""
    relaxed = connection.vendor == "postgresql"
    if relaxed:
        with connection.cursor() as cursor:
            cursor.execute("SET synchronous_commit TO off")
    try:
        yield
    finally:
        if relaxed:
            with suppress(Exception), connection.cursor() as cursor:
                cursor.execute("RESET synchronous_commit")


def _ours(batch: Batch, pks):
    """The rows of ``pks`` still under this claim: a worker that took one over after the
    lease ran out wrote its own ``last_attempt_at``."""
    return OutboxEmail.objects.filter(pk__in=pks, last_attempt_at=batch.claimed_at)


def _write(operation):
    """Run an UPDATE, again after a lost database connection: the message is already out,
    and forgetting it would send it twice."""
    for delay in (*_DB_RETRY_DELAYS, None):
        try:
            return operation()
        except (OperationalError, InterfaceError):
            if delay is None or connection.in_atomic_block:
                raise
            logger.warning("Database unavailable while recording a delivery; again in %s s", delay)
            with suppress(Exception):
                connection.close()
            time.sleep(delay)
    return None  # not reached: the last failure raised


def _record_sent(batch: Batch, email: OutboxEmail) -> None:
    now = timezone.now()
    # A cancelled row that was sent all the same (cancelled after its lease ran out) is
    # recorded as sent: that is what happened.
    _write(
        lambda: (
            OutboxEmail.objects.filter(pk=email.pk, last_attempt_at=batch.claimed_at)
            .exclude(status=OutboxStatus.SENT)
            .update(
                status=OutboxStatus.SENT,
                sent_at=now,
                leased_until=None,
                next_attempt_at=None,
                failing_since=None,
                last_error="",
            )
        )
    )


def _failed(batch, emails, exc, outcome: Outcome, *, permanent: bool = False) -> None:
    """Record a failed attempt: retried with back-off, or failed for good once the run of
    failures is older than EMAIL_RETRY_HOURS (or at once when the relay refused the
    address for good)."""
    emails = list(emails)
    if not emails:
        return
    now = timezone.now()
    error = f"{type(exc).__name__}: {exc}"[:2000]
    window = timedelta(hours=settings.EMAIL_RETRY_HOURS)
    outcome.errors.append(error)
    retried = []
    for email in emails:
        since = email.failing_since or now
        if permanent or now - since >= window:
            changes = {"status": OutboxStatus.FAILED, "next_attempt_at": None}
            outcome.failed += 1
            logger.error(
                "Email %s to %s failed for good after %d attempt(s) since %s: %s",
                email.pk,
                email.recipient,
                email.attempts,
                since.isoformat(),
                error,
            )
        else:
            changes = {
                "status": OutboxStatus.RETRYING,
                "next_attempt_at": now + retry_delay(email.attempts),
            }
            outcome.retrying += 1
            retried.append(email.pk)
        _write(
            lambda email=email, since=since, changes=changes: (
                _ours(batch, [email.pk])
                .filter(status__in=[OutboxStatus.SENDING, OutboxStatus.PENDING])
                .update(leased_until=None, failing_since=since, last_error=error, **changes)
            )
        )
    if retried:
        logger.warning("%d email(s) will be sent again later: %s", len(retried), error)


def _release(batch: Batch, emails) -> int:
    """Give back what this worker will not send (its time is up): pending again."""
    return _write(
        lambda: (
            _ours(batch, [email.pk for email in emails])
            .filter(status=OutboxStatus.SENDING)
            .update(status=OutboxStatus.PENDING, leased_until=None)
        )
    )


def _renew(batch: Batch, remaining: list[OutboxEmail]) -> list[OutboxEmail]:
    """Extend the lease of what is left to send; keep only the rows still ours (a row
    given back by the sweep but not claimed again is taken back)."""
    until = timezone.now() + lease()
    pks = [email.pk for email in remaining]
    _write(
        lambda: (
            _ours(batch, pks)
            .filter(status__in=[OutboxStatus.SENDING, OutboxStatus.PENDING])
            .update(status=OutboxStatus.SENDING, leased_until=until)
        )
    )
    kept = set(
        _ours(batch, pks)
        .filter(status=OutboxStatus.SENDING, leased_until=until)
        .values_list("pk", flat=True)
    )
    return [email for email in remaining if email.pk in kept]
