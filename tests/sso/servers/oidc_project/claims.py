"""The claims the test OpenID provider releases for a person (no Django here: the tests
import it to know what to expect)."""

import uuid

from tests.sso.people import PEOPLE, Person

SUBJECTS = uuid.UUID("6f1c7a52-3c0e-4c59-9a43-1d2f4c1e7b10")  # the uuid5 namespace of `sub`
BY_UID = {person.uid: person for person in PEOPLE}


def subject(person: Person) -> str:
    """The person's ``sub``: stable, opaque, not the uid (as a real provider's)."""
    return str(uuid.uuid5(SUBJECTS, person.uid))


def claims_for(person: Person) -> dict[str, str]:
    claims = {
        "sub": subject(person),
        "preferred_username": person.uid,
        "email": person.mail,
        "email_verified": True,
        "given_name": person.given_name,
        "family_name": person.surname,
        "name": f"{person.given_name} {person.surname}",
    }
    if person.birth_date:
        date = person.birth_date
        claims["birthdate"] = f"{date[:4]}-{date[4:6]}-{date[6:]}"
    if person.student_number:
        claims["supannEtuId"] = person.student_number
    if person.ine:
        claims["supannCodeINE"] = person.ine
    return claims
