"""The test OpenID Connect provider keeps the protocol: tried with Authlib's
own client, without a browser."""

from __future__ import annotations

import re
import secrets

import pytest
import requests
from authlib.integrations.base_client import OAuthError
from authlib.integrations.requests_client import OAuth2Session
from joserfc import jwt
from joserfc.jwk import KeySet
from oidc_provider import RunningProvider

CALLBACK = "http://localhost:8501/oauth2callback"
SECRET = "a-client-secret"


@pytest.fixture(scope="module")
def provider():
    running = RunningProvider({"ana@test.sqr": "Ana Principal"})
    running.provider.add_client("sqr-tracker", SECRET, CALLBACK)
    yield running
    running.stop()


@pytest.fixture(scope="module")
def metadata(provider) -> dict:
    return requests.get(provider.discovery_url, timeout=10).json()


def authorize(
    provider, metadata, email: str, verifier: str, nonce: str = "nonce-1"
) -> requests.Response:
    """Open the authorization endpoint and send its login form with ``email``."""
    client = OAuth2Session(
        "sqr-tracker",
        SECRET,
        scope="openid email profile",
        redirect_uri=CALLBACK,
        code_challenge_method="S256",
    )
    url, _ = client.create_authorization_url(
        metadata["authorization_endpoint"],
        nonce=nonce,
        code_verifier=verifier,
        prompt="select_account",
    )
    form = requests.get(url, allow_redirects=False, timeout=10)
    assert form.status_code == 200
    action = re.search(r"action='([^']+)'", form.text).group(1).replace("&amp;", "&")
    return requests.post(
        f"{provider.issuer}{action}",
        data={"email": email},
        allow_redirects=False,
        timeout=10,
    )


def exchange(metadata, answer: requests.Response, verifier: str) -> dict:
    client = OAuth2Session("sqr-tracker", SECRET, redirect_uri=CALLBACK)
    return client.fetch_token(
        metadata["token_endpoint"],
        authorization_response=answer.headers["Location"],
        code_verifier=verifier,
    )


def test_discovery_names_the_endpoints_and_s256(provider, metadata):
    issuer = provider.issuer
    assert metadata["issuer"] == issuer
    assert metadata["authorization_endpoint"] == f"{issuer}/authorize"
    assert metadata["token_endpoint"] == f"{issuer}/token"
    assert metadata["userinfo_endpoint"] == f"{issuer}/userinfo"
    assert metadata["jwks_uri"] == f"{issuer}/jwks"
    assert metadata["end_session_endpoint"] == f"{issuer}/end-session"
    assert metadata["code_challenge_methods_supported"] == ["S256"]
    assert metadata["id_token_signing_alg_values_supported"] == ["RS256"]


def test_a_code_and_its_verifier_give_a_signed_id_token_and_userinfo(
    provider, metadata
):
    verifier = secrets.token_urlsafe(48)
    answer = authorize(provider, metadata, "ana@test.sqr", verifier)
    assert answer.status_code == 302
    assert answer.headers["Location"].startswith(f"{CALLBACK}?code=")
    token = exchange(metadata, answer, verifier)

    keys = KeySet.import_key_set(requests.get(metadata["jwks_uri"], timeout=10).json())
    id_token = jwt.decode(token["id_token"], keys, algorithms=["RS256"])
    assert id_token.header["alg"] == "RS256"
    claims = id_token.claims
    assert (claims["iss"], claims["aud"], claims["nonce"]) == (
        provider.issuer,
        "sqr-tracker",
        "nonce-1",
    )
    expected = {
        "sub": claims["sub"],
        "email": "ana@test.sqr",
        "email_verified": True,
        "name": "Ana Principal",
    }
    assert {key: claims[key] for key in expected} == expected
    info = requests.get(
        metadata["userinfo_endpoint"],
        headers={"Authorization": f"Bearer {token['access_token']}"},
        timeout=10,
    )
    assert info.json() == expected


def test_a_wrong_verifier_and_a_second_use_of_a_code_are_refused(provider, metadata):
    verifier = secrets.token_urlsafe(48)
    answer = authorize(provider, metadata, "ana@test.sqr", verifier, "nonce-2")
    with pytest.raises(OAuthError, match="invalid_grant"):
        exchange(metadata, answer, secrets.token_urlsafe(48))
    exchange(metadata, answer, verifier)
    with pytest.raises(OAuthError, match="invalid_grant"):
        exchange(metadata, answer, verifier)


def test_an_email_the_provider_does_not_hold_gets_the_form_again(provider, metadata):
    verifier = secrets.token_urlsafe(48)
    answer = authorize(provider, metadata, "nobody@test.sqr", verifier, "nonce-3")
    assert answer.status_code == 400
    assert "No account for nobody@test.sqr." in answer.text
    assert "Location" not in answer.headers


def test_a_nonce_is_not_accepted_twice(provider, metadata):
    verifier = secrets.token_urlsafe(48)
    authorize(provider, metadata, "ana@test.sqr", verifier, "nonce-4")
    client = OAuth2Session("sqr-tracker", SECRET, redirect_uri=CALLBACK)
    url, _ = client.create_authorization_url(
        metadata["authorization_endpoint"],
        scope="openid email",
        nonce="nonce-4",
    )
    answer = requests.get(url, allow_redirects=False, timeout=10)
    assert answer.status_code == 302
    assert "error=invalid_request" in answer.headers["Location"]
    assert "Replay+attack" in answer.headers["Location"]


def test_userinfo_refuses_a_token_it_did_not_issue(metadata):
    info = requests.get(
        metadata["userinfo_endpoint"],
        headers={"Authorization": "Bearer not-a-token"},
        timeout=10,
    )
    assert info.status_code == 401
    assert info.json()["error"] == "invalid_token"
