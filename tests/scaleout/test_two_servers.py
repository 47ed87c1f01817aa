"""Stateless app servers, proven: two gunicorn servers (DEBUG off, gunicorn.conf.py) behind
HAProxy (deploy/haproxy.cfg) share PostgreSQL, Redis and S3 and nothing else.

A candidate signs in through one server and goes on through the other; a document
uploaded through one is downloaded through the other; a request in flight when gunicorn
gets SIGTERM completes; and under a steady mix of page views, downloads and uploads, one
server is stopped (SIGTERM to deploy/run-web.sh: drain, then gunicorn's graceful stop) and
started again with not one failed request.

PostgreSQL only (the servers and the test share the test database); skipped on SQLite.
"""

import io
import os
import socket
import threading
import time
from dataclasses import dataclass

import pytest
from django.db import connection
from PIL import Image

from ecandidat.applications import services
from ecandidat.applications.models import ApplicationDocument
from tests.factories import PASSWORD
from tests.servers import wait_until

from .stack import APP_SERVERS, BUCKET, Browser, Stack, served_by

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def database_url(settings: dict) -> str:
    credentials = settings["USER"] + (f":{settings['PASSWORD']}" if settings["PASSWORD"] else "")
    return (
        f"postgres://{credentials}@{settings['HOST'] or '127.0.0.1'}:{settings['PORT'] or 5432}"
        f"/{settings['NAME']}"
    )


@pytest.fixture(scope="module")
def stack(django_db_setup, tmp_path_factory):
    if connection.vendor != "postgresql":
        pytest.skip("the app servers share the test database: PostgreSQL only")
    stack = Stack(tmp_path_factory.mktemp("scaleout"), database_url(connection.settings_dict))
    try:
        stack.start_redis()
        stack.start_s3()
        stack.collect_static()
        for name in APP_SERVERS:
            stack.start_app(name)
        stack.start_haproxy()
        yield stack
    finally:
        stack.stop()


@pytest.fixture
def application(stack, candidate, program, document_types):
    return services.apply(candidate=candidate, program=program, actor=candidate)


@pytest.fixture
def browser(stack, candidate, settings) -> Browser:
    """The candidate, signed in through app1."""
    # The test suite hashes with MD5, which the servers' production settings do not accept.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    candidate.set_password(PASSWORD)
    candidate.save(update_fields=["password"])
    browser = Browser(stack.url)
    assert served_by(browser.get("/", server="app1")) == "app1"
    response = browser.post(
        "/", {"username": candidate.username, "password": PASSWORD}, server="app1"
    )
    assert response.status_code == 302, response.text[:2000]
    assert response.headers["Location"] == "/candidate/" and served_by(response) == "app1"
    return browser


def jpeg(seed: int, side: int = 320) -> bytes:
    """A photo-like upload (noise compresses badly: about 150 KB), different per seed."""
    noise = Image.frombytes("RGB", (side, side), os.urandom(side * side * 3))
    noise.putpixel((0, 0), (seed % 256, seed // 256 % 256, 0))
    out = io.BytesIO()
    noise.save(out, format="JPEG", quality=90)
    return out.getvalue()


def upload_path(application, document_type) -> str:
    return f"/candidate/applications/{application.pk}/documents/{document_type.pk}/upload/"


def upload(browser, application, document_type, data: bytes, server=None):
    return browser.post(
        upload_path(application, document_type),
        {},
        files={"file": ("photo.jpg", data, "image/jpeg")},
        server=server,
    )


def stored_file(application, document_type):
    return (
        ApplicationDocument.objects.select_related("file")
        .get(application=application, document_type=document_type)
        .file
    )


def test_a_session_opened_on_one_server_continues_on_the_other(stack, browser, candidate):
    account = browser.get("/candidate/account/", server="app2")
    assert account.status_code == 200 and served_by(account) == "app2"
    assert candidate.username in account.text
    # Logging out on app2 ends the session for app1 as well (it lives in Redis).
    logout = browser.post("/candidate/logout/", {}, server="app2")
    assert logout.status_code == 302 and served_by(logout) == "app2"
    again = browser.get("/candidate/account/", server="app1")
    assert again.status_code == 302 and served_by(again) == "app1"


def test_a_document_uploaded_on_one_server_is_downloaded_from_the_other(
    stack, browser, application, document_types
):
    browser.get(f"/candidate/applications/{application.pk}/", server="app1")
    response = upload(browser, application, document_types["cv"], jpeg(1), server="app1")
    assert response.status_code == 302 and served_by(response) == "app1", response.text[:2000]

    file = stored_file(application, document_types["cv"])
    stored = stack.s3.get_object(Bucket=BUCKET, Key=file.file.name)["Body"].read()
    download = browser.get(f"/candidate/files/{file.pk}/", server="app2")
    assert download.status_code == 200 and served_by(download) == "app2"
    assert download.content == stored and stored.startswith(b"\xff\xd8")  # a JPEG
    # Neither server kept a copy on its own disk.
    assert not [p for n in APP_SERVERS for p in (stack.root / f"var-{n}").rglob("*") if p.is_file()]


def test_a_request_in_flight_when_its_server_stops_completes(
    stack, browser, application, document_types
):
    """An upload whose body is still arriving when app1 receives SIGTERM: the worker
    finishes it (302, by app1) before gunicorn exits."""
    browser.get(f"/candidate/applications/{application.pk}/", server="app1")
    body, content_type = _multipart(browser.csrf_token, jpeg(2))
    cookies = "; ".join(f"{c.name}={c.value}" for c in browser.session.cookies)
    head = (
        f"POST {upload_path(application, document_types['cv'])} HTTP/1.1\r\n"
        f"Host: 127.0.0.1:{stack.port}\r\nOrigin: https://127.0.0.1:{stack.port}\r\n"
        f"Cookie: {cookies}\r\nX-Use-Server: app1\r\nConnection: close\r\n"
        f"Content-Type: {content_type}\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode()
    half = len(body) // 2
    with socket.create_connection(("127.0.0.1", stack.port), timeout=60) as sock:
        sock.sendall(head + body[:half])
        # HAProxy has handed the request to app1 (one session on it): a worker reads it.
        wait_until(
            lambda: _current_sessions(stack, "app1") == 1,
            process=stack.processes["app1"].process,
            what="the upload reaching app1",
        )
        app1 = stack.processes["app1"]
        signals_before = app1.log().count("Handling signal: term")
        stopped: dict = {}
        stopper = threading.Thread(target=lambda: stopped.update(at=stack.stop_app("app1")))
        stopper.start()
        # The drain is over and gunicorn itself has the signal: it waits for this request.
        wait_until(
            lambda: app1.log().count("Handling signal: term") > signals_before,
            process=app1.process,
            what="gunicorn receiving SIGTERM",
        )
        sock.sendall(body[half:])
        answer = _read_all(sock)
        stopper.join(timeout=60)
    try:
        status_line, _, rest = answer.partition(b"\r\n")
        assert status_line == b"HTTP/1.1 302 Found", answer[:2000]
        assert b"x-served-by: app1" in rest.lower()
        sent, exited = stopped["at"]
        assert exited > sent
        assert stored_file(application, document_types["cv"]).size > 0
    finally:
        _restart(stack, "app1")


def _current_sessions(stack, server: str) -> int:
    rows = stack.admin("show stat").splitlines()
    header = rows[0].lstrip("# ").split(",")
    for row in rows[1:]:
        values = dict(zip(header, row.split(","), strict=False))
        if values.get("svname") == server:
            return int(values["scur"])
    raise AssertionError(f"no server {server} in HAProxy's stats")


def _multipart(token: str, data: bytes) -> tuple[bytes, str]:
    boundary = "----scaleout-test"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="csrfmiddlewaretoken"\r\n\r\n'
            f"{token}\r\n--{boundary}\r\n"
            'Content-Disposition: form-data; name="file"; filename="photo.jpg"\r\n'
            "Content-Type: image/jpeg\r\n\r\n"
        ).encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return body, f"multipart/form-data; boundary={boundary}"


def _read_all(sock) -> bytes:
    chunks = []
    while chunk := sock.recv(65536):
        chunks.append(chunk)
    return b"".join(chunks)


def _restart(stack, name: str):
    if name not in stack.processes:
        stack.start_app(name)
    wait_until(
        lambda: stack.server_states()[name] == "UP",
        process=stack.processes["haproxy"].process,
        what=f"HAProxy seeing {name} up again",
    )


# --- One server stopped and started again under load ---------------------------------------


@dataclass
class Outcome:
    started: float
    ended: float
    what: str
    status: int | None
    server: str
    error: str = ""


class Load:
    """Threads of one signed-in candidate going round: the dossier home, the application
    page, a download from S3 and an upload (a new photo each time). Through HAProxy, no
    pinning: it chooses the server."""

    EXPECTED = {"home": 200, "application": 200, "download": 200, "upload": 302}

    def __init__(self, browser, application, cv_file_id, letter, threads=4):
        self.paths = {
            "home": "/candidate/",
            "application": f"/candidate/applications/{application.pk}/",
            "download": f"/candidate/files/{cv_file_id}/",
        }
        self.application, self.letter = application, letter
        self.outcomes: list[Outcome] = []
        self.stopping = threading.Event()
        self.threads = [
            threading.Thread(target=self._run, args=(browser.copy(), n), daemon=True)
            for n in range(threads)
        ]
        self.photos = [jpeg(100 + n) for n in range(8)]

    def start(self):
        for thread in self.threads:
            thread.start()

    def stop(self):
        self.stopping.set()
        for thread in self.threads:
            thread.join(timeout=90)

    def _run(self, browser, n):
        what_next = ["home", "application", "download", "upload"]
        i = n
        while not self.stopping.is_set():
            what = what_next[i % len(what_next)]
            started = time.time()
            try:
                if what == "upload":
                    photo = self.photos[i % len(self.photos)]
                    response = upload(browser, self.application, self.letter, photo)
                else:
                    response = browser.get(self.paths[what])
                outcome = Outcome(
                    started, time.time(), what, response.status_code, served_by(response)
                )
            except Exception as error:  # a failed request: reported by the assertion
                outcome = Outcome(started, time.time(), what, None, "?", repr(error))
            self.outcomes.append(outcome)
            i += 1

    def failures(self) -> list[Outcome]:
        return [o for o in list(self.outcomes) if o.status != self.EXPECTED[o.what]]

    def served(self, server: str, after: float = 0) -> int:
        return sum(1 for o in list(self.outcomes) if o.server == server and o.started > after)


def test_one_server_stopped_and_restarted_under_load_fails_no_request(
    stack, browser, application, document_types
):
    """app1 gets SIGTERM while four threads keep going: it drains (its /readyz says 503,
    HAProxy takes it out), finishes what it has, exits; app2 serves alone; app1 starts
    again and HAProxy brings it back. Not one request fails."""
    browser.get(f"/candidate/applications/{application.pk}/")
    assert upload(browser, application, document_types["cv"], jpeg(3)).status_code == 302
    cv = stored_file(application, document_types["cv"])
    load = Load(browser, application, cv.pk, document_types["letter"])
    haproxy = stack.processes["haproxy"].process

    def wait(probe, what, timeout=90):
        wait_until(probe, process=haproxy, timeout=timeout, what=what, log=stack.logs)

    stopped: dict = {}
    load.start()
    try:
        wait(lambda: load.served("app1") >= 20 and load.served("app2") >= 20, "both serving")
        stopper = threading.Thread(target=lambda: stopped.update(at=stack.stop_app("app1")))
        stopper.start()
        wait(lambda: stack.server_states()["app1"].startswith("DOWN"), "app1 seen down")
        down = time.time()
        stopper.join(timeout=90)
        sent, exited = stopped["at"]
        wait(lambda: load.served("app2", after=exited) >= 40, "app2 serving alone")
        restarting = time.time()
        stack.start_app("app1")
        wait(lambda: stack.server_states()["app1"] == "UP", "app1 seen up again")
        up = time.time()
        wait(lambda: load.served("app1", after=up) >= 20, "app1 serving again")
    finally:
        load.stop()
        _restart(stack, "app1")

    outcomes = load.outcomes
    logged = stack.haproxy_log()
    last_on_app1 = max(o.ended for o in outcomes if o.server == "app1" and o.started < exited)
    retried = [row for row in logged if row["retries"] not in ("0", "+0")]
    print(
        f"\n[scale-out] {len(outcomes)} requests, {len(load.failures())} failed "
        f"(app1 {load.served('app1')}, app2 {load.served('app2')}); after SIGTERM to app1: "
        f"HAProxy took it out at {(down - sent) * 1000:.0f} ms, its last answer at "
        f"{(last_on_app1 - sent) * 1000:.0f} ms, exit at {(exited - sent) * 1000:.0f} ms; "
        f"back {(up - restarting) * 1000:.0f} ms after its restart; "
        f"{len(retried)} request(s) retried by HAProxy"
    )
    errors = [row for row in logged if row["status"] not in ("200", "302")]
    assert load.failures() == [], f"{load.failures()}\nHAProxy: {errors}\n{stack.logs()}"
    assert not [o for o in outcomes if o.server == "app1" and exited < o.started < restarting]
    assert {o.what for o in outcomes} == set(Load.EXPECTED)
