"""pysaml2 attribute map: the attributes of tests/sso/people.py under the names a
Shibboleth IdP of a French university releases (urn:oid:, name format uri).

No ``__init__.py`` in this directory: pysaml2 imports each module of it by file name.
"""

EDUPERSON = "urn:oid:1.3.6.1.4.1.5923.1.1.1."
SUPANN = "urn:oid:1.3.6.1.4.1.7135.1.2.1."
UCL = "urn:oid:0.9.2342.19200300.100.1."
X500 = "urn:oid:2.5.4."
SCHAC = "urn:oid:1.3.6.1.4.1.25178.1.2."
NETSCAPE = "urn:oid:2.16.840.1.113730.3.1."

MAP = {
    "identifier": "urn:oasis:names:tc:SAML:2.0:attrname-format:uri",
    "fro": {
        f"{EDUPERSON}6": "eduPersonPrincipalName",
        f"{EDUPERSON}1": "eduPersonAffiliation",
        f"{UCL}1": "uid",
        f"{UCL}3": "mail",
        f"{X500}42": "givenName",
        f"{X500}4": "sn",
        f"{X500}3": "cn",
        f"{NETSCAPE}241": "displayName",
        f"{SUPANN}10": "supannEtuId",
        f"{SUPANN}9": "supannCodeINE",
        f"{SCHAC}3": "schacDateOfBirth",
    },
}
MAP["to"] = {friendly: name for name, friendly in MAP["fro"].items()}
