"""Maintenance and read-only modes: who sees what, what is refused, and the switch."""

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import OperationalError
from django.urls import reverse

from ecandidat.accounts.enums import StaffRole
from ecandidat.audit.models import AuditEvent
from ecandidat.dossier.models import Address
from ecandidat.sitemode.models import CACHE_KEY, Mode, SiteMode
from ecandidat.sitemode.services import set_mode
from tests.factories import PASSWORD, UserFactory, staff_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def candidate():
    return UserFactory()


def switch(mode, **messages):
    return set_mode(mode=mode, actor=None, **messages)


def test_normal_mode_changes_nothing(client, candidate):
    client.force_login(candidate)
    response = client.get(reverse("candidate:home"))
    assert response.status_code == 200
    assert "read-only" not in response.content.decode()


def test_maintenance_shows_candidates_the_page_while_staff_keep_working(client, candidate):
    switch(Mode.MAINTENANCE, message_en="Back at 22:00.", message_fr="Retour à 22 h.")
    for url in [reverse("public:home"), reverse("public:programs")]:
        response = client.get(url)
        assert response.status_code == 503
        assert response["Retry-After"] == "300"
        assert "The portal is under maintenance" in response.content.decode()
        assert "Back at 22:00." in response.content.decode()
    client.force_login(candidate)
    assert client.get(reverse("candidate:applications")).status_code == 503
    client.logout()
    assert client.get(reverse("staff:login")).status_code == 200
    client.force_login(staff_with_role(StaffRole.CENTRAL_OFFICE))
    response = client.get(reverse("staff:applications"))
    assert response.status_code == 200
    assert "candidates and visitors see the maintenance page" in response.content.decode()


def test_maintenance_speaks_the_visitors_language(client):
    switch(Mode.MAINTENANCE, message_en="Back soon.", message_fr="Bientôt de retour.")
    response = client.get(reverse("public:home"), HTTP_ACCEPT_LANGUAGE="fr")
    assert "Bientôt de retour." in response.content.decode()
    assert "maintenance" in response.content.decode()


def address_form(client):
    response = client.get(reverse("candidate:dossier_address") + "?edit")
    return response


def test_read_only_serves_pages_and_refuses_every_save(client, candidate):
    switch(Mode.READ_ONLY)
    client.force_login(candidate)
    page = client.get(reverse("candidate:home"))
    assert page.status_code == 200
    assert "nothing can be saved" in page.content.decode()
    response = client.post(
        reverse("candidate:dossier_address"),
        {"country": "FR", "postal_code": "75001", "line1": "1 rue de Rivoli"},
    )
    assert response.status_code == 503
    assert "Not saved: the site is read-only" in response.content.decode()
    assert not Address.objects.filter(user=candidate).exists()


def test_an_autosave_in_read_only_says_it_was_not_saved(client, candidate):
    switch(Mode.READ_ONLY)
    client.force_login(candidate)
    response = client.post(
        reverse("candidate:dossier_address"), {"line1": "x"}, HTTP_HX_REQUEST="true"
    )
    assert response["HX-Retarget"] == "#site-mode-banner"
    assert "Not saved" in response.content.decode()


def test_read_only_still_lets_people_sign_in_and_out(client, candidate):
    switch(Mode.READ_ONLY)
    response = client.post(
        reverse("public:home"), {"username": candidate.username, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert client.get(reverse("candidate:home")).status_code == 200
    assert client.post(reverse("candidate:logout")).status_code == 302


def test_an_administrator_switches_back_from_read_only(client):
    switch(Mode.READ_ONLY)
    admin = staff_with_role(StaffRole.ADMINISTRATOR)
    client.force_login(admin)
    assert client.get(reverse("staff:site_mode")).status_code == 200
    response = client.post(
        reverse("staff:site_mode"), {"mode": Mode.NORMAL, "message_fr": "", "message_en": ""}
    )
    assert response.status_code == 302
    assert SiteMode.from_database().is_normal
    event = AuditEvent.objects.get(action="site.mode_changed", actor=admin)
    assert event.data == {"from": "read_only", "to": "normal"}


def test_only_administrators_switch_the_mode(client):
    client.force_login(staff_with_role(StaffRole.CENTRAL_OFFICE))
    assert client.get(reverse("staff:site_mode")).status_code in (403, 404)
    response = client.post(reverse("staff:site_mode"), {"mode": Mode.MAINTENANCE})
    assert response.status_code in (403, 404)
    assert SiteMode.from_database().is_normal


def test_an_unknown_mode_is_refused_next_to_the_field(client):
    client.force_login(staff_with_role(StaffRole.ADMINISTRATOR))
    response = client.post(reverse("staff:site_mode"), {"mode": "closed\x00"})
    assert response.status_code in (200, 400)
    assert SiteMode.from_database().is_normal


def test_the_deploy_command_switches_and_is_audited(capsys):
    call_command("site_mode", "maintenance", "--message-en", "Upgrade")
    site = SiteMode.from_database()
    assert site.is_maintenance and site.message_en == "Upgrade"
    call_command("site_mode", "normal")
    assert SiteMode.from_database().is_normal
    assert AuditEvent.objects.filter(action="site.mode_changed").count() == 2
    assert "site mode: normal" in capsys.readouterr().out


def test_health_checks_and_unknown_urls_ignore_the_mode(client):
    switch(Mode.MAINTENANCE)
    assert client.get("/no-such-page/").status_code == 404


def test_a_database_that_cannot_answer_means_normal(client, monkeypatch):
    def unreadable(cls):
        raise OperationalError("no such table: sitemode_sitemode")

    cache.delete(CACHE_KEY)
    monkeypatch.setattr(SiteMode, "from_database", classmethod(unreadable))
    assert client.get(reverse("public:help")).status_code == 200


@pytest.mark.parametrize("mode", [Mode.MAINTENANCE, Mode.READ_ONLY])
def test_the_load_balancer_probes_answer_in_every_mode(client, mode):
    switch(mode)
    assert client.get(reverse("healthz")).status_code == 200
    assert client.get(reverse("readyz")).status_code == 200


def test_the_history_names_the_modes_in_the_readers_language(client):
    switch(Mode.READ_ONLY)
    client.force_login(staff_with_role(StaffRole.ADMINISTRATOR))
    page = client.get(reverse("staff:site_mode")).content.decode()
    assert "Normal → Read-only: pages are served" in page
    assert "normal → read_only" not in page
