"""pysaml2's map of ``urn:oid:`` attribute names (eduPerson, inetOrgPerson, SCHAC…), with
the SUPANN attributes a French IdP releases (their OIDs from the SUPANN schema)."""

from saml2.attributemaps.saml_uri import MAP as _STANDARD

SUPANN = "urn:oid:1.3.6.1.4.1.7135.1.2.1."
SCHAC = "urn:oid:1.3.6.1.4.1.25178.1.2."

_EXTRA = {
    SUPANN + "9": "supannCodeINE",
    SUPANN + "10": "supannEtuId",
    SUPANN + "11": "supannEmpId",
    SUPANN + "14": "supannEtablissement",
    SCHAC + "3": "schacDateOfBirth",
}

MAP = {
    "identifier": _STANDARD["identifier"],
    "fro": {**_STANDARD["fro"], **_EXTRA},
    "to": {**_STANDARD["to"], **{name: oid for oid, name in _EXTRA.items()}},
}
