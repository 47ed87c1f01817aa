"""The home page and the Applications list tell each application's published decision,
what to do and by when; an offer waiting for an answer comes first on the home page."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.factories import ApplicationFactory, DecisionFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def candidate(client):
    user = UserFactory()
    client.force_login(user)
    return user


def page(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 200
    return response.content.decode()


def offer(candidate, **kwargs):
    application = ApplicationFactory(candidate=candidate, received=True, **kwargs)
    DecisionFactory(application=application, validated=True)
    application.confirmation_deadline = timezone.now() + timezone.timedelta(days=3)
    application.save(update_fields=["confirmation_deadline"])
    return application


def test_an_offer_awaiting_an_answer_is_first_on_the_home_page(client, candidate):
    application = offer(candidate)
    home = page(client, "candidate:home")
    offers = home.index('id="offers-title"')
    assert offers < home.index("Provide information in my account")
    assert "A place is offered to you: answer it" in home
    assert "Answer before" in home and "(Paris time)" in home
    confirm = reverse("candidate:answer_offer", args=[application.pk, "confirmed"])
    withdraw = reverse("candidate:answer_offer", args=[application.pk, "withdrawn"])
    assert confirm in home and withdraw in home


def test_the_list_shows_the_decision_and_what_to_do_not_the_commission_examines_it(
    client, candidate
):
    application = offer(candidate)
    application.program.results_at = timezone.now() + timezone.timedelta(days=30)
    application.program.save(update_fields=["results_at"])
    listing = page(client, "candidate:applications")
    assert "Nothing: the commission examines it" not in listing
    assert "Answer the offer" in listing
    assert "Answer before" in listing
    # A published decision is never contradicted by a results date still to come.
    assert "Results:" not in listing


def test_answers_and_other_decisions_are_shown(client, candidate):
    confirmed = ApplicationFactory(candidate=candidate, confirmed=True)
    DecisionFactory(application=confirmed, validated=True)
    withdrawn = ApplicationFactory(
        candidate=candidate, received=True, answer="withdrawn", answered_at=timezone.now()
    )
    DecisionFactory(application=withdrawn, validated=True)
    waiting = ApplicationFactory(candidate=candidate, received=True)
    DecisionFactory(application=waiting, validated=True, complementary=True, rank=3)
    refused = ApplicationFactory(candidate=candidate, received=True)
    DecisionFactory(application=refused, validated=True, unfavourable=True)
    listing = page(client, "candidate:applications")
    assert "You have confirmed your place." in listing
    assert "You have withdrawn." in listing
    assert "Number 3 on the complementary list" in listing
    assert "if a place becomes free, you will be offered it by email" in listing
    home = page(client, "candidate:home")
    assert 'id="offers-title"' not in home  # every offer is answered
    assert "You have withdrawn." in home


def test_an_entered_decision_is_not_shown_before_it_is_validated(client, candidate):
    application = ApplicationFactory(candidate=candidate, received=True)
    DecisionFactory(application=application)  # entered, not validated
    listing = page(client, "candidate:applications")
    assert "Nothing: the commission examines it" in listing
    assert "Answer the offer" not in listing


@pytest.mark.parametrize("name", ["candidate:home", "candidate:applications"])
def test_queries_do_not_grow_with_applications_and_decisions(client, candidate, name):
    offer(candidate)
    page(client, name)  # the sidebar summary cached

    def count():
        with CaptureQueriesContext(connection) as ctx:
            page(client, name)
        return len(ctx)

    one = count()
    for _ in range(4):
        offer(candidate)
        waiting = ApplicationFactory(candidate=candidate, received=True)
        DecisionFactory(application=waiting, validated=True, complementary=True, rank=2)
    page(client, name)
    assert count() == one


def test_the_application_page_drops_the_results_date_once_a_decision_is_published(
    client, candidate
):
    application = offer(candidate)
    application.program.results_at = timezone.now() + timezone.timedelta(days=30)
    application.program.save(update_fields=["results_at"])
    detail = client.get(reverse("candidate:application", args=[application.pk]))
    assert "publication of results" not in detail.content.decode()
