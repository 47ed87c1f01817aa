"""The provider's claims (tests/sso/people.py), its ``amr``, and the misbehaviours the
portal must refuse: the id_token rewritten after django-oauth-toolkit signed it."""

import base64
import json
import secrets
import time

from jwcrypto import jwk, jws
from oauth2_provider.oauth2_validators import OAuth2Validator

from .claims import BY_UID, claims_for
from .switches import DATA, read

MISBEHAVIOURS = ("nonce", "issuer", "audience", "signature", "expired")


def _b64decode(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def misbehave(token: str, kind: str, key: jwk.JWK) -> str:
    """``token`` altered as ``kind`` says, signed again (by ``key``, or by another key under
    the same ``kid`` for "signature")."""
    header_segment, payload_segment, _ = token.split(".")
    header = json.loads(_b64decode(header_segment))
    claims = json.loads(_b64decode(payload_segment))
    if kind == "nonce":
        claims["nonce"] = "not-the-nonce-" + secrets.token_urlsafe(8)
    elif kind == "issuer":
        claims["iss"] = "http://127.0.0.1:1/not-the-issuer"
    elif kind == "audience":
        claims["aud"] = "another-client"
    elif kind == "expired":
        now = int(time.time())
        claims |= {"iat": now - 7200, "auth_time": now - 7200, "exp": now - 3600}
    elif kind == "signature":
        key = jwk.JWK.from_pem((DATA / "other-key.pem").read_bytes())
    else:
        raise ValueError(f"unknown misbehaviour {kind!r}")
    signed = jws.JWS(json.dumps(claims).encode())
    signed.add_signature(key, alg=header["alg"], protected=json.dumps(header))
    return signed.serialize(compact=True)


class PersonValidator(OAuth2Validator):
    oidc_claim_scope = {
        **OAuth2Validator.oidc_claim_scope,
        "supannEtuId": "profile",
        "supannCodeINE": "profile",
    }

    def get_additional_claims(self, request):
        person = BY_UID.get(request.user.get_username())
        return claims_for(person) if person else {}

    def finalize_id_token(self, id_token, token, token_handler, request):
        id_token["amr"] = ["pwd", "mfa"] if read("mfa") == "on" else ["pwd"]
        serialized = super().finalize_id_token(id_token, token, token_handler, request)
        kind = read("misbehave")
        return misbehave(serialized, kind, request.client.jwk_key) if kind else serialized
