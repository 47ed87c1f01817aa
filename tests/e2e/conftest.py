"""Browser tests: Playwright driving Debian's Chromium, with axe-core on every page.

Playwright's own browser download cannot work on our machines, so the tests launch the
system Chromium. Where it (or the axe-core npm package) is missing the tests are skipped
with the reason, except in CI (E2E_REQUIRED=1), where a skip would hide a broken set-up.
"""

import json
import os
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make
# alongside it are still plain synchronous code.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ROOT = Path(__file__).resolve().parents[2]
AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _unavailable_reason() -> str | None:
    if not Path(CHROMIUM).exists():
        return f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
    if not AXE_JS.exists():
        return "axe-core not installed (npm ci)"
    return None


def pytest_collection_modifyitems(config, items):
    reason = _unavailable_reason()
    for item in items:
        if "tests/e2e/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.e2e)
            if reason and not os.environ.get("E2E_REQUIRED"):
                item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(scope="session")
def browser():
    reason = _unavailable_reason()
    if reason:
        pytest.fail(reason)  # only reached when E2E_REQUIRED is set
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def e2e_settings(settings):
    settings.DEBUG = True  # the development mailbox is part of the journey
    settings.RATELIMITS = dict.fromkeys(settings.RATELIMITS, "1000/m")
    return settings


@pytest.fixture
def live_url(live_server, e2e_settings):
    e2e_settings.SITE_URL = live_server.url
    return live_server.url


# Console messages showing that a page broke our security headers: a Content Security Policy
# violation (an inline script or style, an eval) or a Permissions-Policy feature Chromium does
# not know. Every page made by new_page() is watched; any such message fails the test.
HEADER_ERRORS = ("Content Security Policy", "Permissions-Policy")
_header_errors: list[str] = []


def _watch_console(message) -> None:
    if any(marker in message.text for marker in HEADER_ERRORS):
        _header_errors.append(f"{message.page.url if message.page else '?'}: {message.text}")


def assert_no_header_errors() -> None:
    errors, _header_errors[:] = list(_header_errors), []
    assert not errors, "security header violations in the browser console:\n" + "\n".join(errors)


@pytest.fixture(autouse=True)
def _no_header_errors():
    _header_errors.clear()
    yield
    assert_no_header_errors()


def new_page(browser, language: str):
    context = browser.new_context(locale=language, extra_http_headers={"Accept-Language": language})
    context.on("console", _watch_console)
    page = context.new_page()
    page.set_default_timeout(15_000)
    return page


@pytest.fixture
def page_en(browser):
    page = new_page(browser, "en")
    yield page
    page.context.close()


@pytest.fixture
def page_fr(browser):
    page = new_page(browser, "fr")
    yield page
    page.context.close()


def check_accessibility(page) -> None:
    """Run axe-core on the page; fail on serious or critical violations."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        # Evaluated through the DevTools protocol: a <script> tag (add_script_tag) would be
        # an inline script, refused by our CSP.
        page.evaluate(AXE_JS.read_text(encoding="utf-8"))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    bad = [v for v in result["violations"] if v["impact"] in ("serious", "critical")]
    summary = [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in bad
    ]
    assert not bad, f"axe violations on {page.url}: {json.dumps(summary, indent=1)}"
    assert page.locator("h1").count() == 1, f"{page.url} must have exactly one <h1>"
    assert_no_header_errors()
