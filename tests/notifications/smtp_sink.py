"""A real SMTP server (aiosmtpd) on 127.0.0.1 for the outbox tests, and the settings that
point Django's SMTP backend at it.

``SmtpSink`` runs in a thread of the test process, and its behaviour can be changed while it
runs (refuse an address, answer slowly, drop the connection). ``SinkProcess`` runs the same
server in a process of its own (``python -m tests.notifications.smtp_sink PORT LOG``), which
writes one line per message received, ``<peer port> <Message-ID>``: for the benchmark and
for the tests that kill workers, where the sink must neither share the test's interpreter
nor lose what it received.
"""

import asyncio
import subprocess
import sys
import threading
import time
from email.parser import BytesHeaderParser
from pathlib import Path

from aiosmtpd.controller import Controller

from tests.directory.slapd import free_port
from tests.servers import accepts_connections, wait_until

_HEADERS = BytesHeaderParser()


def message_id(content: bytes) -> str:
    return _HEADERS.parsebytes(content)["Message-ID"]


def use_smtp(settings, port: int, *, timeout: float = 5) -> None:
    """What ``EMAIL_URL=smtp://127.0.0.1:<port>`` configures."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = timeout


class _Handler:
    def __init__(self, sink):
        self.sink = sink

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        if self.sink.drop_after is not None and len(self.sink.received) >= self.sink.drop_after:
            self.sink.drop_after = None
            # The connection goes away without a word, as when a relay restarts.
            server.transport.close()
            return "421 4.3.0 Closing"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.sink.refused:
            return self.sink.refused[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.sink.delay:
            await asyncio.sleep(self.sink.delay)
        content = envelope.original_content or envelope.content
        with self.sink.lock:
            self.sink.received.append(
                {
                    "peer": session.peer,
                    "sender": envelope.mail_from,
                    "rcpt": list(envelope.rcpt_tos),
                    "content": content,
                    "message_id": message_id(content),
                }
            )
            count = len(self.sink.received)
        if self.sink.on_message is not None:
            self.sink.on_message(count)
        return "250 OK"


class SmtpSink:
    """An SMTP server in a thread of the test process."""

    def __init__(self):
        self.port = free_port()
        self.received: list[dict] = []
        self.lock = threading.Lock()
        # address → reply to RCPT TO, e.g. "550 5.1.1 No such user"
        self.refused: dict[str, str] = {}
        self.delay = 0.0
        # After this many messages, the next MAIL FROM finds the connection closed.
        self.drop_after: int | None = None
        self.on_message = None
        self.controller = None

    def start(self):
        self.controller = Controller(
            _Handler(self), hostname="127.0.0.1", port=self.port, ready_timeout=10
        )
        self.controller.start()
        return self

    def stop(self):
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    @property
    def message_ids(self) -> list[str]:
        with self.lock:
            return [message["message_id"] for message in self.received]

    @property
    def connections(self) -> int:
        with self.lock:
            return len({message["peer"] for message in self.received})


class SinkProcess:
    """The sink in a process of its own, logging what it receives to a file."""

    def __init__(self, log: Path):
        self.port = free_port()
        self.log = log
        self.process = None

    def start(self):
        self.log.write_text("")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.notifications.smtp_sink", str(self.port), str(self.log)],
            cwd=Path(__file__).resolve().parents[2],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_until(accepts_connections(self.port), process=self.process, what="the SMTP sink")
        return self

    def stop(self):
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None

    def lines(self) -> list[tuple[str, str]]:
        text = self.log.read_text()
        return [tuple(line.split(" ", 1)) for line in text.splitlines() if " " in line]

    def message_ids(self) -> list[str]:
        return [mid for _peer, mid in self.lines()]

    def count(self) -> int:
        return self.log.read_text().count("\n")


class _LoggingHandler:
    def __init__(self, log):
        self.log = log

    async def handle_DATA(self, server, session, envelope):
        content = envelope.original_content or envelope.content
        # Written and flushed before "250 OK": what the client was told is on file.
        self.log.write(f"{session.peer[1]} {message_id(content)}\n")
        self.log.flush()
        return "250 OK"


def main(port: int, log_path: str) -> None:
    with open(log_path, "a", encoding="utf-8") as log:
        controller = Controller(_LoggingHandler(log), hostname="127.0.0.1", port=port)
        controller.start()
        try:
            while True:
                time.sleep(3600)
        finally:
            controller.stop()


if __name__ == "__main__":
    main(int(sys.argv[1]), sys.argv[2])
