"""FastSelect writes the options Django's Select would (values, labels, selection, groups),
escaped, without the per-option templates."""

from html.parser import HTMLParser

import pytest
from django import forms

from ecandidat.www.widgets import FastSelect


class Options(HTMLParser):
    def __init__(self):
        super().__init__()
        self.options, self.groups, self.select_attrs = [], [], {}
        self._current = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "select":
            self.select_attrs = attrs
        elif tag == "optgroup":
            self.groups.append(attrs["label"])
        elif tag == "option":
            self._current = [attrs["value"], "selected" in attrs, ""]

    def handle_data(self, data):
        if self._current is not None:
            self._current[2] += data

    def handle_endtag(self, tag):
        if tag == "option":
            self.options.append(tuple(self._current))
            self._current = None


def parsed(html):
    parser = Options()
    parser.feed(html)
    return parser


CHOICES = [
    ("", "---------"),
    ("FR", "France"),
    ("X1", 'Côte <d\'Ivoire> & "Co"'),
    ("Europe", [("DE", "Allemagne"), ("FR", "France again")]),
    (3, "Three"),
]


@pytest.mark.parametrize("value", [None, "", "FR", "DE", 3, "unknown"])
def test_same_options_and_selection_as_django(value):
    fast = FastSelect(choices=CHOICES, attrs={"id": "id_country", "hx-post": "/x"})
    django = forms.Select(choices=CHOICES, attrs={"id": "id_country", "hx-post": "/x"})
    ours, theirs = parsed(fast.render("country", value)), parsed(django.render("country", value))
    assert ours.options == theirs.options
    assert ours.groups == theirs.groups == ["Europe"]
    assert ours.select_attrs == theirs.select_attrs


def test_labels_and_values_are_escaped():
    html = FastSelect(choices=[('"><script>', "<b>bold</b>")]).render("x", None)
    assert "<script>" not in html and "<b>" not in html
    assert "&lt;b&gt;bold&lt;/b&gt;" in html


def test_a_single_choice_list_selects_its_first_match_only():
    html = FastSelect(choices=[("a", "A"), ("a", "A again")]).render("x", "a")
    assert html.count(" selected") == 1


def test_a_multiple_list_selects_every_match():
    widget = FastSelect(choices=[("a", "A"), ("b", "B"), ("c", "C")])
    widget.allow_multiple_selected = True
    options = parsed(widget.render("x", ["a", "c"])).options
    assert [value for value, selected, _label in options if selected] == ["a", "c"]
