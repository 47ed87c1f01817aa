"""Candidates under load, for locust (scripts/loadtest/run.py starts everything; README.md).

Two mixes, chosen by user class on locust's command line:
- the deadline mix, ``DeadlineCandidate``: candidates browse, edit their dossier, upload
  500 KB documents to an application still to complete, answer its questions and transmit it;
- the results-night mix, ``OfferCandidate`` and ``DecisionReader``: many candidates signing
  in to read their decision, those with an offer confirming it (or, one in five,
  withdrawing, which promotes the next on the complementary list), then the next candidate.

Who plays whom comes from the personas file that ``generate_volume --personas`` writes
(LOADTEST_PERSONAS): each virtual user takes the next unused candidate of its kind.

The server runs as in production (DEBUG off, HTTPS-only cookies): the client talks to
gunicorn as the TLS proxy in front of it would, with ``X-Forwarded-Proto: https``, an Origin
header for the CSRF check, and its Secure cookies sent over the loopback connection.
"""

# The random choices pick what a simulated candidate does next; nothing secret.
# ruff: noqa: S311

import json
import os
import random
import re
import threading
from html.parser import HTMLParser

from locust import HttpUser, between, task
from locust.exception import StopUser

PERSONAS = json.loads(open(os.environ["LOADTEST_PERSONAS"]).read())  # noqa: SIM115
UPLOAD_KB = int(os.environ.get("LOADTEST_UPLOAD_KB", "500"))
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
_lock = threading.Lock()
_next = dict.fromkeys(("deadline", "readers", "results"), 0)


def take(kind: str) -> dict | None:
    with _lock:
        pool = PERSONAS[kind]
        if _next[kind] >= len(pool):
            return None
        _next[kind] += 1
        return pool[_next[kind] - 1]


def padded_pdf(size: int) -> bytes:
    """A valid one-page PDF of about ``size`` bytes (an uncompressed content stream drawing
    many short lines), with a correct cross-reference table."""
    line = b"10 10 m 20 20 l S\n"
    content = line * max(1, size // len(line))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


PDF = padded_pdf(UPLOAD_KB * 1024)


class Forms(HTMLParser):
    """The forms of a page with the values a browser would send (first option of a radio
    group or select with none chosen; no buttons, no files)."""

    def __init__(self):
        super().__init__()
        self.forms, self._form, self._select, self._textarea = [], None, None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self._form = {"action": attrs.get("action") or "", "fields": {}, "radios": {}}
        elif self._form is None:
            return
        elif tag == "input" and attrs.get("name"):
            kind = attrs.get("type", "text")
            name, value = attrs["name"], attrs.get("value", "")
            if kind == "radio":
                self._form["radios"].setdefault(name, value)
                if "checked" in attrs:
                    self._form["radios"][name] = value
            elif kind == "checkbox":
                if "checked" in attrs:
                    self._form["fields"][name] = value or "on"
            elif kind not in ("submit", "button", "file", "image", "reset"):
                self._form["fields"][name] = value
        elif tag == "select" and attrs.get("name"):
            self._select = attrs["name"]
            self._form["fields"].setdefault(self._select, None)
        elif tag == "option" and self._select:
            fields = self._form["fields"]
            if fields[self._select] is None or "selected" in attrs:
                fields[self._select] = attrs.get("value", "")
        elif tag == "textarea" and attrs.get("name"):
            self._textarea = attrs["name"]
            self._form["fields"][self._textarea] = ""

    def handle_data(self, data):
        if self._form is not None and self._textarea:
            self._form["fields"][self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "form" and self._form is not None:
            self._form["fields"].update(self._form.pop("radios"))
            self._form["fields"] = {k: v for k, v in self._form["fields"].items() if v is not None}
            self.forms.append(self._form)
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def forms_of(html: str) -> list[dict]:
    parser = Forms()
    parser.feed(html)
    return parser.forms


class Candidate(HttpUser):
    abstract = True
    persona_kind = ""

    def on_start(self):
        self.client.headers.update(
            {"X-Forwarded-Proto": "https", "Origin": f"https://{self.host_name}"}
        )
        self.persona = None
        self.next_persona()

    @property
    def host_name(self) -> str:
        return self.host.split("://", 1)[1].rstrip("/")

    def remember_token(self, response) -> None:
        # The Secure cookies travel in clear between the proxy and gunicorn on 127.0.0.1:
        # unmarked, the client sends them over http:// (requests copies the jar for each
        # request, so a cookie policy on the session's jar would not be used).
        for cookie in self.client.cookies:
            cookie.secure = False
        found = TOKEN.search(response.text or "")
        if found:
            self.token = found.group(1)

    def get(self, url: str, name: str):
        with self.client.get(url, name=name, catch_response=True) as response:
            self.remember_token(response)
            if response.status_code != 200:
                response.failure(f"{response.status_code}")
            return response

    def post(self, url: str, name: str, data: dict, files=None, ok=(302,)):
        data = {**data, "csrfmiddlewaretoken": self.token}
        headers = {"Referer": f"https://{self.host_name}{url}"}
        with self.client.post(
            url,
            data=data,
            files=files,
            headers=headers,
            name=name,
            allow_redirects=False,
            catch_response=True,
        ) as response:
            self.remember_token(response)
            if response.status_code not in ok:
                response.failure(f"{response.status_code}")
            return response

    def next_persona(self) -> None:
        """Sign out the current candidate, if any, and sign in the next one."""
        if self.persona is not None:
            self.client.cookies.clear()
        self.persona = take(self.persona_kind)
        if self.persona is None:
            raise StopUser  # every candidate of this kind has had their turn
        self.get("/", "login page")
        self.post(
            "/",
            "login (POST)",
            {"username": self.persona["login"], "password": PERSONAS["password"]},
        )
        # Where the login leads, and the form token of the new session (a login rotates it).
        self.get("/candidate/", "candidate home")

    @property
    def application_url(self) -> str:
        return f"/candidate/applications/{self.persona['application']}/"


class DeadlineCandidate(Candidate):
    """The days before the deadline: browsing, dossier edits, uploads, submissions."""

    persona_kind = "deadline"
    wait_time = between(1, 3)

    @task(5)
    def home(self):
        self.get("/candidate/", "candidate home")

    @task(5)
    def application(self):
        self.get(self.application_url, "application page")

    @task(2)
    def programs(self):
        self.get("/programs/", "offer tree")

    @task(2)
    def dossier(self):
        self.get("/candidate/dossier/personal/", "dossier section")

    @task(2)
    def edit_address(self):
        url = "/candidate/dossier/address/"
        page = self.get(url + "?edit=1", "dossier edit form")
        form = next((f for f in forms_of(page.text) if "line2" in f["fields"]), None)
        if form is None:
            return
        form["fields"]["line2"] = f"Bâtiment {random.choice('ABCDEFG')}"
        self.post(url, "dossier edit (POST)", form["fields"])

    @task(2)
    def upload_or_submit(self):
        documents = self.persona.setdefault("documents", [])
        if documents:
            type_id = documents.pop(0)
            self.post(
                f"{self.application_url}documents/{type_id}/upload/",
                f"upload {UPLOAD_KB} KB",
                {},
                files={"file": ("document.pdf", PDF, "application/pdf")},
            )
            return
        page = self.get(self.application_url, "application page")
        form = next((f for f in forms_of(page.text) if f["action"].endswith("/answers/")), None)
        if form is not None:
            fields = {
                k: v or "Un projet en lien avec la formation." for k, v in form["fields"].items()
            }
            self.post(form["action"], "answers (POST)", fields)
        # 409: something is still missing (a document the persona did not know of).
        self.post(f"{self.application_url}submit/", "submit (POST)", {}, ok=(302, 409))
        self.next_persona()


class OfferCandidate(Candidate):
    """Results night: a candidate with an offer reads it and answers."""

    persona_kind = "results"
    wait_time = between(1, 4)

    @task(2)
    def home(self):
        self.get("/candidate/", "candidate home")

    @task(3)
    def read_and_answer(self):
        self.get(self.application_url, "application with decision")
        value, verb = (
            ("withdrawn", "withdraw") if random.random() < 0.2 else ("confirmed", "confirm")
        )
        url = f"{self.application_url}answer/{value}/"
        self.get(url, f"{verb} page")
        self.post(url, f"{verb} (POST)", {"reason": ""})
        self.get(self.application_url, "application with decision")
        self.next_persona()


class DecisionReader(Candidate):
    """Results night: a candidate signs in to read a decision (no offer to answer)."""

    persona_kind = "readers"
    wait_time = between(1, 4)
    weight = 2

    @task
    def read(self):
        self.get("/candidate/", "candidate home")
        self.get(self.application_url, "application with decision")
        self.next_persona()
