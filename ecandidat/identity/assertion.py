"""What a sign-in through the university tells us, whatever the protocol.

Each protocol client (CAS, SAML, OIDC, in ``www.sso``) checks the identity provider's
answer with its library, then hands the services one ``SignedInIdentity``: the identifier
that finds the account (the attribute each protocol reads for it is configurable) and the
person's attributes under their SUPANN / inetOrgPerson names.
"""

import datetime
from dataclasses import dataclass, field

from .enums import Protocol

# The attributes the services read, under the names of the French SUPANN schema.
FIRST_NAME = "givenName"
LAST_NAME = "sn"
EMAIL = "mail"
STUDENT_NUMBER = "supannEtuId"
INE = "supannCodeINE"
BIRTH_DATE = "schacDateOfBirth"  # YYYYMMDD (SCHAC); OIDC's birthdate YYYY-MM-DD is accepted


@dataclass(frozen=True)
class SignedInIdentity:
    protocol: Protocol
    issuer: str
    identifier: str
    attributes: dict[str, list[str]] = field(default_factory=dict)
    # The identity provider says a second factor was used (SAML AuthnContextClassRef, OIDC
    # amr/acr, a CAS attribute); it counts for our 2FA only where settings allow it.
    multi_factor: bool = False
    # CAS service ticket or SAML SessionIndex: what a single-logout request names.
    session_index: str = ""

    def first(self, name: str) -> str:
        values = self.attributes.get(name) or []
        for value in values:
            value = str(value).replace("\x00", "").strip()
            if value:
                return value
        return ""

    @property
    def first_name(self) -> str:
        return self.first(FIRST_NAME)[:150]

    @property
    def last_name(self) -> str:
        return self.first(LAST_NAME)[:150]

    @property
    def email(self) -> str:
        return self.first(EMAIL)[:254]

    @property
    def student_number(self) -> str:
        return self.first(STUDENT_NUMBER)[:20]

    @property
    def ine(self) -> str:
        return self.first(INE).upper()[:11]

    @property
    def birth_date(self) -> datetime.date | None:
        raw = self.first(BIRTH_DATE).replace("-", "")[:8]
        try:
            return datetime.date(int(raw[:4]), int(raw[4:6]), int(raw[6:8]))
        except ValueError:
            return None
