"""The attributes the CAS server releases: the person's, from tests/sso/people.py."""

from tests.sso.people import PEOPLE

_BY_UID = {person.uid: person for person in PEOPLE}


def person_attributes(user, service) -> dict[str, list[str]]:
    person = _BY_UID.get(user.get_username())
    return person.attributes() if person else {}
