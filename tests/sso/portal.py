"""Driving the portal like a browser with ``requests`` (fast, no Chromium): the live server
on one side, a real identity provider on the other."""

import re
from dataclasses import dataclass
from html import unescape
from urllib.parse import urljoin

import requests

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@dataclass
class Browser:
    base: str
    session: requests.Session

    def get(self, path: str, **kwargs) -> requests.Response:
        url = urljoin(self.base, path)
        return self.session.get(url, allow_redirects=False, timeout=30, **kwargs)

    def post_form(self, path: str, data: dict, page: str = "") -> requests.Response:
        """Post ``data`` to ``path`` with the CSRF token of the page at ``page`` (``path``
        itself by default)."""
        page = self.session.get(urljoin(self.base, page or path), timeout=30)
        token = unescape(CSRF.search(page.text).group(1))
        return self.session.post(
            urljoin(self.base, path),
            data={"csrfmiddlewaretoken": token, **data},
            headers={"Referer": urljoin(self.base, path)},
            allow_redirects=False,
            timeout=30,
        )

    def follow(self, response: requests.Response, limit: int = 5) -> requests.Response:
        """Follow the portal's own redirects."""
        for _ in range(limit):
            if response.status_code not in (301, 302, 303):
                return response
            location = urljoin(response.url, response.headers["Location"])
            if not location.startswith(self.base):
                return response
            response = self.session.get(location, allow_redirects=False, timeout=30)
        return response


def browser(live_server) -> Browser:
    return Browser(live_server.url + "/", requests.Session())
