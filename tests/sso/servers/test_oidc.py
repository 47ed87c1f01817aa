"""The test OpenID provider speaks OpenID Connect as a relying party expects: discovery,
the code flow with PKCE, an RS256 id_token verified against the JWKS, userinfo; and each
misbehaviour produces the altered id_token the portal must refuse."""

import base64
import hashlib
import secrets
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
import pytest
import requests

from tests.sso.people import STAFF_MANAGER, STUDENT

from .common import free_port


def _pkce():
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _code_flow(provider, person, *, challenge_method="S256"):
    """Authorize then exchange the code, as a relying party on a random port would."""
    redirect_uri = f"http://127.0.0.1:{free_port()}/oidc/callback/"
    verifier, challenge = _pkce()
    state, nonce = secrets.token_urlsafe(16), secrets.token_urlsafe(16)
    query = {
        "response_type": "code",
        "client_id": provider.client_id,
        "redirect_uri": redirect_uri,
        "scope": "openid email profile",
        "state": state,
        "nonce": nonce,
    }
    if challenge_method:
        query |= {"code_challenge": challenge, "code_challenge_method": challenge_method}
    location = provider.authorize(
        requests.Session(), f"{provider.authorization_endpoint}?{urlencode(query)}", person
    )
    assert location.startswith(redirect_uri + "?"), location
    params = {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}
    if "code" not in params:
        return params, None, nonce
    assert params["state"] == state
    token = requests.post(
        provider.token_endpoint,
        data={
            "grant_type": "authorization_code",
            "code": params["code"],
            "redirect_uri": redirect_uri,
            "code_verifier": verifier,
        },
        auth=(provider.client_id, provider.client_secret),
        timeout=10,
    )
    assert token.status_code == 200, token.text
    return params, token.json(), nonce


def _verify(provider, id_token):
    signing_key = jwt.PyJWKClient(provider.jwks_uri).get_signing_key_from_jwt(id_token)
    return jwt.decode(
        id_token,
        signing_key,
        algorithms=["RS256"],
        audience=provider.client_id,
        issuer=provider.issuer,
    )


def test_discovery_names_the_endpoints(oidc_provider):
    document = requests.get(oidc_provider.discovery_url, timeout=10).json()
    assert document["issuer"] == oidc_provider.issuer
    for name in ("authorization_endpoint", "token_endpoint", "userinfo_endpoint", "jwks_uri"):
        assert document[name] == getattr(oidc_provider, name)
    assert document["code_challenge_methods_supported"] == ["S256"]
    assert "RS256" in document["id_token_signing_alg_values_supported"]


def test_the_code_flow_gives_a_verified_id_token_with_the_persons_claims(oidc_provider):
    _, tokens, nonce = _code_flow(oidc_provider, STUDENT)
    claims = _verify(oidc_provider, tokens["id_token"])
    assert claims["nonce"] == nonce
    assert claims["sub"] == oidc_provider.subject(STUDENT) != STUDENT.uid
    assert claims["amr"] == ["pwd"]
    expected = {
        "preferred_username": "e21900001",
        "email": STUDENT.mail,
        "given_name": "Léa",
        "family_name": "Petit",
        "birthdate": "2003-04-15",
        "supannEtuId": "21900001",
        "supannCodeINE": "1234567890V",
    }
    assert {name: claims[name] for name in expected} == expected
    userinfo = requests.get(
        oidc_provider.userinfo_endpoint,
        headers={"Authorization": f"Bearer {tokens['access_token']}"},
        timeout=10,
    ).json()
    assert userinfo["sub"] == claims["sub"] and userinfo["supannEtuId"] == "21900001"


def test_mfa_shows_in_amr(oidc_provider):
    oidc_provider.set_mfa(True)
    _, tokens, _ = _code_flow(oidc_provider, STAFF_MANAGER)
    claims = _verify(oidc_provider, tokens["id_token"])
    assert claims["amr"] == ["pwd", "mfa"] and "birthdate" not in claims


@pytest.mark.parametrize("method", [None, "plain"])
def test_pkce_s256_is_required(oidc_provider, method):
    params, tokens, _ = _code_flow(oidc_provider, STAFF_MANAGER, challenge_method=method)
    assert tokens is None and params["error"] == "invalid_request", params


def test_an_unregistered_redirect_path_is_refused(oidc_provider):
    query = urlencode(
        {
            "response_type": "code",
            "client_id": oidc_provider.client_id,
            "redirect_uri": "http://127.0.0.1:8000/elsewhere/",
            "scope": "openid",
            "code_challenge": _pkce()[1],
            "code_challenge_method": "S256",
        }
    )
    with pytest.raises(AssertionError, match="400"):
        oidc_provider.authorize(
            requests.Session(), f"{oidc_provider.authorization_endpoint}?{query}", STUDENT
        )


def test_redirect_uris_can_be_changed(oidc_provider):
    oidc_provider.set_redirect_uris(["http://127.0.0.1/accounts/oidc/callback/"])
    try:
        query = urlencode(
            {
                "response_type": "code",
                "client_id": oidc_provider.client_id,
                "redirect_uri": "http://127.0.0.1:8123/accounts/oidc/callback/",
                "scope": "openid",
                "code_challenge": _pkce()[1],
                "code_challenge_method": "S256",
            }
        )
        location = oidc_provider.authorize(
            requests.Session(), f"{oidc_provider.authorization_endpoint}?{query}", STUDENT
        )
        assert location.startswith("http://127.0.0.1:8123/accounts/oidc/callback/?code=")
    finally:
        oidc_provider.set_redirect_uris(["http://127.0.0.1/oidc/callback/"])


@pytest.mark.parametrize(
    ("kind", "error"),
    [
        ("issuer", jwt.InvalidIssuerError),
        ("audience", jwt.InvalidAudienceError),
        ("signature", jwt.InvalidSignatureError),
        ("expired", jwt.ExpiredSignatureError),
    ],
)
def test_each_misbehaviour_breaks_the_id_token(oidc_provider, kind, error):
    oidc_provider.misbehave(kind)
    _, tokens, _ = _code_flow(oidc_provider, STUDENT)
    header = jwt.get_unverified_header(tokens["id_token"])
    assert header["kid"] == jwt.PyJWKClient(oidc_provider.jwks_uri).get_signing_keys()[0].key_id
    with pytest.raises(error):
        _verify(oidc_provider, tokens["id_token"])


def test_the_nonce_misbehaviour(oidc_provider):
    oidc_provider.misbehave("nonce")
    _, tokens, nonce = _code_flow(oidc_provider, STUDENT)
    claims = _verify(oidc_provider, tokens["id_token"])  # well signed, otherwise right
    assert claims["nonce"] != nonce and claims["sub"] == oidc_provider.subject(STUDENT)
    oidc_provider.misbehave(None)
    _, tokens, nonce = _code_flow(oidc_provider, STUDENT)
    assert _verify(oidc_provider, tokens["id_token"])["nonce"] == nonce
