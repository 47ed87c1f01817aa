"""The skip-or-fail policy when a server cannot start, and the form parser the sign-in
helpers rely on."""

import pytest

from .common import parse_form, require_modules, unavailable


@pytest.mark.parametrize("variable", ["CI", "SSO_REQUIRED"])
def test_a_missing_piece_fails_on_ci(monkeypatch, variable):
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.delenv("SSO_REQUIRED", raising=False)
    monkeypatch.setenv(variable, "1")
    with pytest.raises(pytest.fail.Exception, match="xmlsec1 is missing"):
        unavailable("xmlsec1 is missing")


def test_a_missing_piece_skips_elsewhere(monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.delenv("SSO_REQUIRED", raising=False)
    with pytest.raises(pytest.skip.Exception, match="xmlsec1 is missing"):
        unavailable("xmlsec1 is missing")


def test_parse_form_reads_the_action_and_the_fields():
    page = """<html><form method="post" action="/login?next=%2F&amp;x=1">
      <input type='hidden' name="csrfmiddlewaretoken" value="a&amp;b">
      <input type="text" name="username"><button>Go</button></form></html>"""
    action, fields = parse_form(page, "http://127.0.0.1:8000/cas/login?service=x")
    assert action == "http://127.0.0.1:8000/login?next=%2F&x=1"
    assert fields == {"csrfmiddlewaretoken": "a&b", "username": ""}


def test_a_missing_package_is_named(monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.delenv("SSO_REQUIRED", raising=False)
    with pytest.raises(pytest.skip.Exception, match="no_such_package_here not installed"):
        require_modules("saml2", "no_such_package_here", hint="pip install it")
