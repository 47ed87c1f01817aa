"""The error pages: branded, in the visitor's language, self-contained (the 500 page is
rendered without a request, after the database or the cache may have failed)."""

import pytest
from django.template import engines
from django.template.loader import get_template
from django.utils import translation

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.files.error_urls")]


@pytest.fixture
def web(client):
    client.raise_request_exception = False
    return client


@pytest.mark.parametrize(
    ("url", "status", "heading"),
    [
        ("/boom/", 500, "Something went wrong on our side"),
        ("/boom-db/", 500, "Something went wrong on our side"),
        ("/forbidden/", 403, "Access denied"),
        ("/bad/", 400, "Bad request"),
        ("/no-such-page/", 404, "Page not found"),
    ],
)
def test_error_pages_are_branded_in_english(web, url, status, heading):
    response = web.get(url, headers={"accept-language": "en"})
    assert response.status_code == status
    page = response.content.decode()
    assert '<html lang="en">' in page
    assert heading in page
    assert "eCandidat" in page and "/static/css/app.css" in page
    assert "Back to the home page" in page
    assert "Server Error (500)" not in page and "<h1>Not Found</h1>" not in page


@pytest.mark.parametrize(("url", "status"), [("/boom/", 500), ("/no-such-page/", 404)])
def test_error_pages_follow_the_visitors_language(web, url, status):
    response = web.get(url, headers={"accept-language": "fr"})
    assert response.status_code == status
    page = response.content.decode()
    assert '<html lang="fr">' in page
    assert "Retour à la page d’accueil" in page


@pytest.mark.parametrize("name", ["500.html", "400.html", "403.html", "404.html"])
def test_error_templates_render_without_any_context(name):
    """As Django's server_error and bad_request render them: no request, no variable. The
    test settings make any undefined variable fail."""
    with translation.override("fr"):
        html = get_template(name).render()
    assert 'lang="fr"' in html and "eCandidat" in html
    source = engines["django"].engine.find_template(name)[0].source
    assert "{{" not in source.replace("{{ LANG }}", "")
