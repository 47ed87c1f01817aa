import pytest
from django.urls import reverse

from ecandidat.audit.models import AuditEvent
from ecandidat.dossier.models import (
    Address,
    Baccalaureate,
    Internship,
    NonLocalStudy,
    PersonalInformation,
    WorkExperience,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PERSONAL = {
    "nationality": "DE",
    "ine": "",
    "title": "M.",
    "last_name": "LEBRUN",
    "married_name": "",
    "first_name": "LAURENT",
    "other_first_name": "",
    "birth_date": "2000-05-17",
    "birth_country": "FR",
    "birth_department": "76",
    "birth_commune": "76540",
    "birth_city_abroad": "",
    "preferred_language": "en",
    "phone": "02 35 14 60 00",
    "mobile": "",
}
ADDRESS = {
    "country": "FR",
    "postal_code": "76130",
    "commune": "76451",
    "town_abroad": "",
    "line1": "1 rue Thomas Becket",
    "line2": "",
    "line3": "",
}
BAC = {"completed": "yes", "year": "2015", "series": "S", "honours": "B", "country": "DE"}
NON_LOCAL = {
    "country": "DE",
    "town_abroad": "Berlin",
    "establishment": "Humboldt-Universität",
    "year": "2018",
    "training": "licence",
    "description": "Licence 1, Physik",
    "result": "obtained",
    "honours": "",
}
INTERNSHIP = {
    "year": "2019",
    "duration": "3 months",
    "hours_per_week": "35",
    "employer": "Siemens",
    "description": "Test bench",
}
WORK = {
    "year": "2020",
    "title": "Lab technician",
    "duration": "1 year",
    "employer": "BASF",
    "goal": "",
}


@pytest.fixture
def candidate(client, referentials):
    user = UserFactory(last_name="LEBRUN", first_name="LAURENT")
    client.force_login(user)
    return user


def post(client, url, data, **extra):
    return client.post(url, {**data, **extra})


def test_seed_example_fills_every_section(client, candidate):
    home = client.get(reverse("candidate:home")).content.decode()
    assert "Before you can apply, complete" in home
    response = post(client, reverse("candidate:dossier_personal"), PERSONAL)
    assert response.status_code == 302, response.context["form"].errors
    info = PersonalInformation.objects.get(user=candidate)
    assert info.ine == "" and info.nationality_id == "DE"
    assert info.phone == "+33235146000"
    page = client.get(reverse("candidate:dossier_personal")).content.decode()
    assert "German" in page and "Rouen" in page
    assert post(client, reverse("candidate:dossier_address"), ADDRESS).status_code == 302
    assert Address.objects.get(user=candidate).commune.name == "Mont-Saint-Aignan"
    assert post(client, reverse("candidate:dossier_baccalaureate"), BAC).status_code == 302
    bac = Baccalaureate.objects.get(user=candidate)
    assert (bac.year, bac.series_id, bac.honours_id, bac.country_id) == (2015, "S", "B", "DE")
    for url_name, data, model in [
        ("candidate:dossier_non_local_studies_new", NON_LOCAL, NonLocalStudy),
        ("candidate:dossier_internships_new", INTERNSHIP, Internship),
        ("candidate:dossier_work_experience_new", WORK, WorkExperience),
    ]:
        response = post(client, reverse(url_name), data)
        assert response.status_code == 302, response.context["form"].errors
        assert model.objects.filter(user=candidate).count() == 1
    home = client.get(reverse("candidate:home")).content.decode()
    assert "Your dossier has everything needed to apply." in home
    assert home.count("badge text-bg-success") == 3
    actions = set(
        AuditEvent.objects.filter(target_id=str(candidate.pk)).values_list("action", flat=True)
    )
    assert {
        "dossier.personalinformation.saved",
        "dossier.address.saved",
        "dossier.baccalaureate.saved",
        "dossier.nonlocalstudy.added",
        "dossier.internship.added",
        "dossier.workexperience.added",
    } <= actions


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"birth_date": "2024-01-01"}, "birth_date", "must be between"),
        ({"birth_date": "1900-01-01"}, "birth_date", "must be between"),
        ({"birth_date": "not a date"}, "birth_date", "valid date"),
        ({"ine": "1234567890A"}, "ine", "not valid"),
        ({"ine": "12345 67890A"}, "ine", "not valid"),
        ({"birth_department": ""}, "birth_department", "required"),
        ({"birth_commune": "76451", "birth_department": "14"}, "birth_commune", "valid choice"),
        ({"birth_country": "DE", "birth_city_abroad": ""}, "birth_city_abroad", "required"),
        ({"phone": "12"}, "phone", "valid phone"),
        ({"nationality": "XX"}, "nationality", "valid choice"),
        ({"last_name": "L3BRUN"}, "last_name", "letters only"),
    ],
)
def test_personal_information_errors_keep_the_input(client, candidate, changes, field, message):
    response = post(client, reverse("candidate:dossier_personal"), PERSONAL, **changes)
    assert response.status_code == 200
    errors = " ".join(response.context["form"].errors.get(field, []))
    assert message in errors, response.context["form"].errors
    assert f'id="id_{field}_error"' in response.content.decode()
    assert 'value="LEBRUN"' in response.content.decode() or field == "last_name"
    assert not PersonalInformation.objects.exists()


def test_valid_ine_is_stored_and_unique(client, candidate):
    assert (
        post(
            client, reverse("candidate:dossier_personal"), PERSONAL, ine=" 1234567890v "
        ).status_code
        == 302
    )
    assert PersonalInformation.objects.get().ine == "1234567890V"
    other = UserFactory()
    client.force_login(other)
    response = post(client, reverse("candidate:dossier_personal"), PERSONAL, ine="1234567890V")
    assert "already used by another candidate" in response.content.decode()


def test_refresh_updates_the_dependent_lists_without_saving(client, candidate):
    response = post(
        client,
        reverse("candidate:dossier_personal"),
        {**PERSONAL, "birth_department": "14", "birth_commune": ""},
        _refresh="1",
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert not form.errors
    assert form.fields["birth_commune"].queryset.filter(name="Caen").exists()
    assert not form.fields["birth_commune"].queryset.filter(name="Rouen").exists()
    assert not PersonalInformation.objects.exists()


def test_address_postal_code_lists_its_towns(client, candidate):
    response = post(
        client, reverse("candidate:dossier_address"), {**ADDRESS, "commune": ""}, _refresh="1"
    )
    towns = [c.name for c in response.context["form"].fields["commune"].queryset]
    assert towns == ["Mont-Saint-Aignan"]
    bad = post(client, reverse("candidate:dossier_address"), {**ADDRESS, "postal_code": "99999"})
    assert "No town has this postal code" in bad.content.decode()
    abroad = post(
        client,
        reverse("candidate:dossier_address"),
        {
            **ADDRESS,
            "country": "DE",
            "postal_code": "10115",
            "commune": "",
            "town_abroad": "Berlin",
        },
    )
    assert abroad.status_code == 302
    assert Address.objects.get().town == "Berlin"


def test_baccalaureate_series_must_exist_that_year(client, candidate):
    response = post(client, reverse("candidate:dossier_baccalaureate"), {**BAC, "series": "GEN"})
    assert response.status_code == 200
    assert "valid choice" in " ".join(response.context["form"].errors["series"])
    refreshed = post(
        client, reverse("candidate:dossier_baccalaureate"), {**BAC, "year": "2023"}, _refresh="1"
    )
    codes = set(refreshed.context["form"].fields["series"].queryset.values_list("code", flat=True))
    assert "GEN" in codes and "S" not in codes


def test_baccalaureate_in_france_needs_the_department(client, candidate):
    response = post(client, reverse("candidate:dossier_baccalaureate"), {**BAC, "country": "FR"})
    assert "required" in " ".join(response.context["form"].errors["department"])
    ok = post(
        client,
        reverse("candidate:dossier_baccalaureate"),
        {**BAC, "country": "FR", "department": "76", "commune": "76540", "high_school": "0760090K"},
    )
    assert ok.status_code == 302, ok.context["form"].errors
    assert Baccalaureate.objects.get().high_school.uai == "0760090K"


def test_baccalaureate_not_completed(client, candidate):
    response = post(client, reverse("candidate:dossier_baccalaureate"), {"completed": "no"})
    assert response.status_code == 302
    bac = Baccalaureate.objects.get()
    assert not bac.completed and bac.series is None


def test_a_saved_section_is_shown_before_its_form(client, candidate):
    url = reverse("candidate:dossier_address")
    assert client.get(url).context["form"] is not None  # nothing entered yet: the form
    response = client.post(url, ADDRESS, follow=True)
    assert response.redirect_chain[-1][0] == url
    assert [str(m) for m in response.context["messages"]] == ["Your information has been saved."]
    assert response.context["form"] is None and "Enter/Modify information" in (
        response.content.decode()
    )
    assert client.get(url + "?edit=1").context["form"] is not None


def test_concurrent_edits_in_two_tabs_are_not_silently_lost(client, candidate):
    post(client, reverse("candidate:dossier_address"), ADDRESS)
    address = Address.objects.get()
    tab_one = {**ADDRESS, "line1": "2 rue de la République", "version": address.version}
    tab_two = {**ADDRESS, "line1": "3 place du Marché", "version": address.version}
    assert client.post(reverse("candidate:dossier_address"), tab_one).status_code == 302
    response = client.post(reverse("candidate:dossier_address"), tab_two)
    assert response.status_code == 200
    assert "changed in another window or tab" in response.content.decode()
    assert 'value="3 place du Marché"' in response.content.decode()  # what was typed is kept
    assert Address.objects.get().line1 == "2 rue de la République"


def test_list_entries_edit_and_delete(client, candidate):
    post(client, reverse("candidate:dossier_internships_new"), INTERNSHIP)
    entry = Internship.objects.get()
    edit_url = reverse("candidate:dossier_internships_edit", args=[entry.pk])
    assert client.get(edit_url).status_code == 200
    response = post(client, edit_url, INTERNSHIP, employer="Airbus", version=entry.version)
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.employer == "Airbus" and entry.version == 2
    delete_url = reverse("candidate:dossier_internships_delete", args=[entry.pk])
    assert client.get(delete_url).status_code == 200
    assert client.post(delete_url, {"version": 1}).status_code == 302  # stale: kept
    assert Internship.objects.exists()
    client.post(delete_url, {"version": 2})
    assert not Internship.objects.exists()
    assert AuditEvent.objects.filter(action="dossier.internship.deleted").exists()


def test_future_years_are_refused(client, candidate):
    response = post(client, reverse("candidate:dossier_internships_new"), INTERNSHIP, year="2999")
    assert response.status_code == 200 and not Internship.objects.exists()


def test_local_studies_empty_points_to_non_local(client, candidate):
    html = client.get(reverse("candidate:dossier_local_studies")).content.decode()
    assert reverse("candidate:dossier_non_local_studies") in html


def test_establishment_suggestions_follow_the_country(client, candidate):
    page = post(
        client,
        reverse("candidate:dossier_non_local_studies_new"),
        {**NON_LOCAL, "country": "FR"},
        _refresh="1",
    )
    html = page.content.decode()
    assert 'list="id_establishment-suggestions"' in html
    assert "<datalist" in html and "Rouen" in html.split("<datalist")[1].split("</datalist>")[0]
    german = post(
        client, reverse("candidate:dossier_non_local_studies_new"), NON_LOCAL, _refresh="1"
    )
    suggestions = german.content.decode().split("<datalist")[1].split("</datalist>")[0]
    assert "Humboldt" in suggestions and "Rouen" not in suggestions
