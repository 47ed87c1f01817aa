"""The people the test identity providers and the test directory know.

One list for the CAS server, the SAML IdP, the OIDC provider and the OpenLDAP directory
the sign-in tests start, so that the same person signs in everywhere with the same
attributes, named as the French SUPANN schema names them (``uid``, ``mail``, ``givenName``,
``sn``, ``eduPersonPrincipalName``, ``supannEtuId``, ``supannCodeINE``, ``schacDateOfBirth``).
"""

from dataclasses import dataclass, field

PASSWORD = "Idp-Secret-2026"  # every test person's password at the identity providers
DOMAIN = "univ-test.fr"


@dataclass(frozen=True)
class Person:
    uid: str
    given_name: str
    surname: str
    mail: str
    affiliation: str  # eduPersonAffiliation: "staff", "faculty" or "student"
    student_number: str = ""  # supannEtuId
    ine: str = ""  # supannCodeINE
    birth_date: str = ""  # schacDateOfBirth, YYYYMMDD
    extra: dict = field(default_factory=dict)

    @property
    def eppn(self) -> str:
        return f"{self.uid}@{DOMAIN}"

    def attributes(self) -> dict[str, list[str]]:
        """The person's attributes as a directory or an IdP releases them (multi-valued)."""
        values = {
            "uid": self.uid,
            "givenName": self.given_name,
            "sn": self.surname,
            "cn": f"{self.given_name} {self.surname}",
            "displayName": f"{self.given_name} {self.surname}",
            "mail": self.mail,
            "eduPersonPrincipalName": self.eppn,
            "eduPersonAffiliation": self.affiliation,
            "supannEtuId": self.student_number,
            "supannCodeINE": self.ine,
            "schacDateOfBirth": self.birth_date,
        }
        return {name: [value] for name, value in values.items() if value}


STAFF_MANAGER = Person("mdurand", "Marie", "Durand", "marie.durand@univ-test.fr", "staff")
STAFF_UNKNOWN = Person("pnouveau", "Paul", "Nouveau", "paul.nouveau@univ-test.fr", "staff")
STAFF_TEACHER = Person("jmartin", "Jean", "Martin", "jean.martin@univ-test.fr", "faculty")
STUDENT = Person(
    "e21900001",
    "Léa",
    "Petit",
    "lea.petit@etu.univ-test.fr",
    "student",
    student_number="21900001",
    ine="1234567890V",
    birth_date="20030415",
)
STUDENT_WITH_LOCAL_ACCOUNT = Person(
    "e21900002",
    "Hugo",
    "Bernard",
    "hugo.bernard@etu.univ-test.fr",
    "student",
    student_number="21900002",
    ine="2345678901W",
    birth_date="20020101",
)

PEOPLE = (STAFF_MANAGER, STAFF_UNKNOWN, STAFF_TEACHER, STUDENT, STUDENT_WITH_LOCAL_ACCOUNT)
