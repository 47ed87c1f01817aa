"""Security headers on every response (CSP, Permissions-Policy, no-store, no Server).

The CSP forbids inline scripts, style attributes and eval; the template scan at the end is
what keeps the pages compatible with it (a new style="..." fails here, not in a browser).
"""

import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from ecandidat.accounts.enums import StaffRole
from ecandidat.catalog.models import InstitutionSettings
from ecandidat.review.models import Tag
from ecandidat.www.headers import PERMISSIONS_POLICY
from tests.factories import UserFactory, staff_with_role
from tests.review.test_review import submitted
from tests.servers import accepts_connections, wait_until

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "ecandidat"
STRICT_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)


def directives(csp: str) -> dict[str, str]:
    parts = (part.strip().split(None, 1) for part in csp.split(";") if part.strip())
    return {part[0]: part[1] if len(part) > 1 else "" for part in parts}


def assert_protected(response, *, policy=STRICT_CSP, cacheable=False):
    if response.streaming:
        # Reading to the end closes the file of a FileResponse the way the test client wants
        # (its wrapper keeps the test's database connection open); the headers stay.
        for _chunk in response.streaming_content:
            pass
    url = getattr(response, "url", None) or response.wsgi_request.get_full_path()
    csp = response.headers.get("Content-Security-Policy", "")
    assert directives(csp) == directives(policy), f"{url}: CSP {csp!r}"
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp, url
    assert response["Permissions-Policy"] == PERMISSIONS_POLICY, url
    for feature in ["camera", "microphone", "geolocation", "payment", "usb"]:
        assert f"{feature}=()" in response["Permissions-Policy"], url
    assert response["X-Content-Type-Options"] == "nosniff", url
    assert response["Referrer-Policy"] == "same-origin", url
    assert "Server" not in response, url
    cache_control = response.headers.get("Cache-Control", "")
    if cacheable:
        assert "no-store" not in cache_control, f"{url}: {cache_control!r}"
    else:
        assert "no-store" in cache_control, f"{url}: Cache-Control {cache_control!r}"
        assert response["Pragma"] == "no-cache", url


@pytest.fixture
def application(candidate, program, document_types, questions):
    return submitted(candidate, program, document_types, questions)


def test_visitor_pages(client):
    # The login pages carry a form and a CSRF token: never stored.
    for name in ["public:home", "staff:login", "public:signup", "public:identification_lost"]:
        response = client.get(reverse(name))
        assert response.status_code == 200, name
        assert_protected(response)
    # The public catalogue may be kept by the visitor's own browser, by no shared cache.
    for name in ["public:programs", "public:help"]:
        response = client.get(reverse(name))
        assert response.status_code == 200, name
        assert_protected(response, cacheable=True)
        assert response["Cache-Control"] == "private", name
    # An error page is not cacheable either.
    assert_protected(client.get("/no-such-page/"))


def test_static_files_keep_their_caching_but_get_the_other_headers(client):
    response = client.get("/static/css/app.css")
    assert response.status_code == 200
    assert_protected(response, cacheable=True)


def test_candidate_pages_and_downloads(client, application, document_types):
    client.force_login(application.candidate)
    file_id = application.documents.exclude(file=None).first().file_id
    for url in [
        reverse("candidate:home"),
        reverse("candidate:account"),
        reverse("candidate:applications"),
        reverse("candidate:application", args=[application.pk]),
        reverse("public:programs"),  # the catalogue seen by a signed-in candidate
        reverse("public:help"),
        reverse("candidate:application_pdf", args=[application.pk]),
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert_protected(response)
    # An uploaded file keeps its own, stricter policy: it is never a page of ours.
    response = client.get(reverse("candidate:file", args=[file_id]))
    assert response.status_code == 200
    assert_protected(response, policy="default-src 'none'")


def test_staff_pages_pdfs_and_exports(client, application, program):
    manager = staff_with_role(StaffRole.CENTRE_MANAGER, centre=program.centre)
    manager.user_permissions.add(Permission.objects.get(codename="view_outboxemail"))
    client.force_login(manager)
    for url in [
        reverse("staff:dashboard"),
        reverse("staff:applications"),
        reverse("staff:application", args=[application.pk]),
        reverse("staff:applications_dashboard"),
        reverse("staff:candidate_dossier", args=[application.candidate.dossier_number]),
        reverse("staff:application_pdf", args=[application.pk]),
        reverse("staff:applications_export", args=["xlsx"]),
        reverse("staff:applications_export", args=["csv"]),
        reverse("staff:email_templates"),
        reverse("staff:email_preview", args=["account_created", "en"]),
        reverse("staff:colours"),
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert_protected(response)


def test_email_html_is_framed_by_us_only_and_runs_no_script(client):
    staff = UserFactory(staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="view_outboxemail"))
    client.force_login(staff)
    page = client.get(reverse("staff:email_preview", args=["account_created", "en"]))
    url = reverse("staff:email_preview_html", args=["account_created", "en"])
    assert f'src="{url}"' in page.content.decode()
    response = client.get(url)
    assert response.status_code == 200 and b"<a href=" in response.content
    csp = directives(response["Content-Security-Policy"])
    # Inline styles are what an email is made of; nothing else is allowed in that frame.
    assert csp["default-src"] == "'none'" and csp["frame-ancestors"] == "'self'"
    assert "script-src" not in csp and "unsafe-eval" not in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    assert "no-store" in response["Cache-Control"]
    assert client.get(url.replace("account_created", "nope")).status_code == 404
    client.force_login(UserFactory(staff=True))
    assert client.get(url).status_code == 404


def test_colour_stylesheet_writes_only_well_formed_colours(client, application, program):
    settings_row = InstitutionSettings.load()
    settings_row.overdue_colour = "#abcdef"
    settings_row.save()
    good = Tag.objects.create(label="Good", colour="#123456")
    bad = Tag.objects.create(label="Bad", colour="red;}*{")
    good.applications.add(application)
    manager = staff_with_role(StaffRole.CENTRE_MANAGER, centre=program.centre)
    client.force_login(manager)
    css = client.get(reverse("staff:colours"))
    assert css["Content-Type"].startswith("text/css")
    text = css.content.decode()
    assert "tr.overdue { --overdue: #abcdef; }" in text
    assert f".tag-badge.tag-{good.pk} {{ --tag-colour: #123456; }}" in text
    assert f"tag-{bad.pk}" not in text and "red" not in text
    detail = client.get(reverse("staff:application", args=[application.pk])).content.decode()
    assert reverse("staff:colours") in detail and f"tag-badge tag-{good.pk}" in detail
    client.logout()
    assert client.get(reverse("staff:colours")).status_code == 302  # to the staff login


def test_admin_pages_get_the_strict_policy(client):
    client.force_login(UserFactory(staff=True, is_superuser=True))
    response = client.get(reverse("admin:index"))
    assert response.status_code == 200
    assert_protected(response)


# --- the class fix: no template may need 'unsafe-inline' -----------------------------------

# Templates that are never a page of this site: emails (mail clients need inline styles; the
# staff preview and the dev mailbox show them in a sandboxed frame with its own policy) and
# the sources WeasyPrint turns into PDFs on the server.
NOT_PAGES = ("templates/emails/", "templates/applications/pdf.html", "templates/review/letter.html")

FORBIDDEN = {
    "inline <script>": re.compile(r"<script\b(?![^>]*\bsrc\s*=)[^>]*>", re.IGNORECASE),
    "<style> element": re.compile(r"<style\b", re.IGNORECASE),
    "style attribute": re.compile(r"(?<![\w-])style\s*=", re.IGNORECASE),
    "on* event handler": re.compile(r"(?<![\w-])on[a-z]+\s*=\s*[\"'{]", re.IGNORECASE),
    "hx-on handler": re.compile(r"\b(?:data-)?hx-on\b", re.IGNORECASE),
    "htmx eval (hx-vars, js:)": re.compile(
        r"\bhx-vars\b|hx-(?:vals|headers)\s*=\s*[\"']\s*(?:js|javascript):", re.IGNORECASE
    ),
    "javascript: URL": re.compile(r"javascript\s*:", re.IGNORECASE),
}


TEMPLATE_COMMENTS = re.compile(r"\{#.*?#\}|\{% comment %\}.*?\{% endcomment %\}", re.DOTALL)


def inline_code(text: str) -> list[str]:
    text = TEMPLATE_COMMENTS.sub("", text)  # a comment may name what it forbids
    return [label for label, pattern in FORBIDDEN.items() if pattern.search(text)]


def test_the_scan_recognises_inline_code():
    assert inline_code('<script src="/static/a.js" defer></script>') == []
    assert inline_code('<svg><rect width="40" fill="#fff"/></svg><p class="one">') == []
    assert inline_code("<p>Select one=two</p>") == []
    assert inline_code("<script>alert(1)</script>") == ["inline <script>"]
    assert inline_code('<p style="color: red">') == ["style attribute"]
    assert inline_code('<button onclick="go()">') == ["on* event handler"]
    assert inline_code("<body onload='x'>") == ["on* event handler"]
    assert inline_code('<a hx-on:click="x">') == ["hx-on handler"]
    assert inline_code('<a href="javascript:void(0)">') == ["javascript: URL"]
    assert inline_code("<div hx-vals='js:{a: 1}'>") == ["htmx eval (hx-vars, js:)"]
    assert inline_code("<style>p{}</style>") == ["<style> element"]
    assert inline_code("{# no <style> here #}{% comment %}<p style=''>{% endcomment %}") == []


def test_no_template_needs_unsafe_inline():
    templates = [
        path
        for path in TEMPLATES.rglob("*.html")
        if "templates" in path.parts and not any(part in path.as_posix() for part in NOT_PAGES)
    ]
    assert len(templates) > 50  # the scan really walks the templates
    offenders = {
        str(path.relative_to(ROOT)): found
        for path in templates
        if (found := inline_code(path.read_text(encoding="utf-8")))
    }
    assert not offenders, f"inline code is refused by our CSP; use static files: {offenders}"


# --- gunicorn, as production runs it --------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _raw_request(port: int, request: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        connection.sendall(request)
        chunks = []
        while chunk := connection.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def test_gunicorn_sends_no_server_header(tmp_path):
    port = _free_port()
    env = {
        "PATH": str(Path(sys.executable).parent) + ":/usr/bin:/bin",
        "VAR_DIR": str(tmp_path),  # never the demo's database
        "DEBUG": "true",
        "PYTHONPATH": str(ROOT),
    }
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "-c",
            str(ROOT / "gunicorn.conf.py"),
            "-b",
            f"127.0.0.1:{port}",
            "-w",
            "1",
            "--access-logfile",
            "/dev/null",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        wait_until(accepts_connections(port), process=server, what="gunicorn")
        for path in ["/static/css/app.css", "/help/"]:
            raw = _raw_request(
                port,
                f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode(),
            )
            head = raw.split(b"\r\n\r\n", 1)[0].decode("latin-1").lower()
            assert head.startswith("http/1.1 200"), head
            assert "\r\nserver:" not in head and "gunicorn" not in head, head
            assert "\r\npermissions-policy:" in head and "\r\ncontent-security-policy:" in head
        # gunicorn's own error page (a request it cannot parse) names no software either.
        raw = _raw_request(port, b"NOT HTTP\r\n\r\n").decode("latin-1").lower()
        assert raw.startswith("http/1.1 400") and "server:" not in raw and "gunicorn" not in raw
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=5)
        server.stderr.close()
