"""A small OpenID Connect provider on 127.0.0.1, for signing in to the real app.

It is built from Authlib's server side: an ``AuthorizationServer`` with the
authorization code grant, PKCE (``CodeChallenge``) and ``OpenIDCode``, which
signs the id_token with RS256; Authlib's ``UserInfoEndpoint`` behind a bearer
token check; Authlib's ``EndSessionEndpoint`` for signing out; and discovery
checked with Authlib's ``OpenIDProviderMetadata``. It serves:

- ``/.well-known/openid-configuration`` (discovery) and ``/jwks`` (public keys);
- ``/authorize``: a login form where the person types their email, then the
  redirect back to the client with a code;
- ``/token``: the code (with its PKCE verifier) for an access token and id_token;
- ``/userinfo``: the claims of the token's account;
- ``/end-session``: RP-initiated sign-out, then back to the client.

Accounts are the provider's own directory (email to name): an email the
directory does not hold cannot sign in here, whatever the app's users table says.
"""

from __future__ import annotations

import html
import json
import secrets
import threading
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

from authlib.oauth2 import OAuth2Error, ResourceProtector
from authlib.oauth2.rfc6749 import (
    AuthorizationServer,
    ClientMixin,
    JsonRequest,
    OAuth2Payload,
    OAuth2Request,
    TokenMixin,
)
from authlib.oauth2.rfc6749.grants import AuthorizationCodeGrant
from authlib.oauth2.rfc6749.util import list_to_scope, scope_to_list
from authlib.oauth2.rfc6750 import BearerTokenGenerator, BearerTokenValidator
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oidc import discovery, rpinitiated
from authlib.oidc.core import (
    AuthorizationCodeMixin,
    OpenIDCode,
    UserInfo,
    UserInfoEndpoint,
)
from authlib.oidc.rpinitiated import EndSessionEndpoint
from joserfc.jwk import KeySet, RSAKey

SCOPES = "openid email profile"


@dataclass(frozen=True)
class Account:
    sub: str
    email: str
    name: str


@dataclass
class Client(ClientMixin):
    client_id: str
    client_secret: str
    redirect_uris: list[str]
    token_endpoint_auth_method: str = "client_secret_basic"

    @property
    def client_metadata(self) -> dict:
        # Sign-out returns to the same address as sign-in, as Streamlit asks.
        return {"post_logout_redirect_uris": self.redirect_uris}

    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> str:
        return self.redirect_uris[0]

    def get_allowed_scope(self, scope: str | None) -> str:
        allowed = scope_to_list(SCOPES)
        return list_to_scope([s for s in scope_to_list(scope or "") if s in allowed])

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri in self.redirect_uris

    def check_client_secret(self, client_secret: str) -> bool:
        return secrets.compare_digest(self.client_secret, client_secret)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return endpoint != "token" or method == self.token_endpoint_auth_method

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type == "authorization_code"


@dataclass
class Code(AuthorizationCodeMixin):
    code: str
    client_id: str
    redirect_uri: str
    scope: str
    account: Account
    nonce: str | None
    code_challenge: str | None
    code_challenge_method: str | None
    auth_time: int = field(default_factory=lambda: int(time.time()))

    def get_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope

    def get_nonce(self) -> str | None:
        return self.nonce

    def get_auth_time(self) -> int:
        return self.auth_time


@dataclass
class Token(TokenMixin):
    access_token: str
    scope: str
    client: Client
    account: Account
    expires_in: int
    issued_at: float = field(default_factory=time.time)

    def check_client(self, client: Client) -> bool:
        return client.client_id == self.client.client_id

    def get_scope(self) -> str:
        return self.scope

    def get_expires_in(self) -> int:
        return self.expires_in

    def is_expired(self) -> bool:
        return time.time() > self.issued_at + self.expires_in

    def is_revoked(self) -> bool:
        return False

    def get_user(self) -> Account:
        return self.account

    def get_client(self) -> Client:
        return self.client


def user_info(account: Account, scope: str) -> UserInfo:
    claims = UserInfo(
        sub=account.sub, name=account.name, email=account.email, email_verified=True
    )
    return claims.filter(scope)


# -- requests as Authlib reads them ------------------------------------------------


class _Payload(OAuth2Payload):
    def __init__(self, values: dict[str, list[str]]):
        self._values = values

    @property
    def data(self) -> dict[str, str]:
        return {key: values[0] for key, values in self._values.items()}

    @property
    def datalist(self) -> defaultdict[str, list]:
        return defaultdict(list, self._values)


class HttpRequest(OAuth2Request):
    """One request to the provider: its query and form values merged, as the
    OAuth specifications read parameters from either."""

    def __init__(self, method: str, uri: str, headers: dict[str, str], body: bytes):
        super().__init__(method, uri, headers=headers)
        self._args = parse_qs(urlsplit(uri).query)
        is_form = "x-www-form-urlencoded" in headers.get("Content-Type", "")
        self._form = parse_qs(body.decode()) if is_form else {}
        merged: dict[str, list[str]] = defaultdict(list)
        for values in (self._args, self._form):
            for key, value in values.items():
                merged[key].extend(value)
        self.payload = _Payload(dict(merged))

    @property
    def args(self) -> dict[str, str]:
        return {key: values[0] for key, values in self._args.items()}

    @property
    def form(self) -> dict[str, str]:
        return {key: values[0] for key, values in self._form.items()}


# -- the provider's parts ----------------------------------------------------------


class _CodeGrant(AuthorizationCodeGrant):
    def save_authorization_code(self, code: str, request: OAuth2Request) -> None:
        data = request.payload.data
        self.server.nonces.add((request.client.client_id, data.get("nonce")))
        self.server.codes[code] = Code(
            code=code,
            client_id=request.client.client_id,
            redirect_uri=data.get("redirect_uri", ""),
            scope=request.scope,
            account=request.user,
            nonce=data.get("nonce"),
            code_challenge=data.get("code_challenge"),
            code_challenge_method=data.get("code_challenge_method"),
        )

    def query_authorization_code(self, code: str, client: Client) -> Code | None:
        found = self.server.codes.get(code)
        return found if found and found.client_id == client.client_id else None

    def delete_authorization_code(self, authorization_code: Code) -> None:
        self.server.codes.pop(authorization_code.code, None)

    def authenticate_user(self, authorization_code: Code) -> Account:
        return authorization_code.account


class _OpenIDCode(OpenIDCode):
    def __init__(self, server: Provider):
        super().__init__(require_nonce=True)
        self.provider = server

    def exists_nonce(self, nonce: str, request: OAuth2Request) -> bool:
        return (request.payload.client_id, nonce) in self.provider.nonces

    def resolve_client_private_key(self, client: Client) -> RSAKey:
        return self.provider.key

    def get_client_algorithm(self, client: Client) -> str:
        return "RS256"

    def get_encode_header(self, client: Client) -> dict:
        return {"alg": "RS256", "kid": self.provider.key.kid}

    def get_client_claims(self, client: Client) -> dict:
        return {"iss": self.provider.issuer, "aud": client.client_id}

    def generate_user_info(self, user: Account, scope: str) -> UserInfo:
        return user_info(user, scope)


class _UserInfo(UserInfoEndpoint):
    def get_issuer(self) -> str:
        return self.server.issuer

    def generate_user_info(self, user: Account, scope: str) -> UserInfo:
        return user_info(user, scope)

    def resolve_private_key(self) -> RSAKey:
        return self.server.key


class _EndSession(EndSessionEndpoint):
    def get_server_jwks(self) -> KeySet:
        return KeySet([self.server.key])

    def end_session(self, end_session_request) -> None:
        claims = end_session_request.id_token_claims or {}
        self.server.signed_out.append(claims.get("email", ""))


class _Bearer(BearerTokenValidator):
    def __init__(self, server: Provider):
        super().__init__()
        self.provider = server

    def authenticate_token(self, token_string: str) -> Token | None:
        return self.provider.tokens.get(token_string)


class _ThisRequest(ResourceProtector):
    """Checks the bearer token of the request being served on this thread."""

    def __init__(self, current: threading.local):
        super().__init__()
        self.current = current

    def acquire_token(self, scopes=None) -> Token:
        scopes = [scopes] if isinstance(scopes, str) else scopes
        return self.validate_request(scopes, self.current.request)


class Provider(AuthorizationServer):
    """The authorization server: its clients, accounts, codes, tokens and key."""

    def __init__(self, issuer: str, accounts: dict[str, str]):
        super().__init__(scopes_supported=scope_to_list(SCOPES))
        self.issuer = issuer
        self.accounts = {
            email.lower(): Account(str(uuid.uuid5(uuid.NAMESPACE_URL, email)), email, n)
            for email, n in accounts.items()
        }
        self.clients: dict[str, Client] = {}
        self.codes: dict[str, Code] = {}
        self.nonces: set[tuple[str, str | None]] = set()
        self.tokens: dict[str, Token] = {}
        self.signed_out: list[str] = []
        self.key = RSAKey.generate_key(
            2048, parameters={"use": "sig", "alg": "RS256"}, auto_kid=True
        )
        self.current = threading.local()
        self._lock = threading.Lock()
        self.register_token_generator(
            "default", BearerTokenGenerator(lambda **_: secrets.token_urlsafe(32))
        )
        self.register_grant(
            _CodeGrant, [CodeChallenge(required=True), _OpenIDCode(self)]
        )
        protector = _ThisRequest(self.current)
        protector.register_token_validator(_Bearer(self))
        self.register_endpoint(_UserInfo(resource_protector=protector))
        self.register_endpoint(_EndSession)

    def add_client(self, client_id: str, client_secret: str, redirect_uri: str):
        self.clients[client_id] = Client(client_id, client_secret, [redirect_uri])

    def query_client(self, client_id: str) -> Client | None:
        return self.clients.get(client_id)

    def save_token(self, token: dict, request: OAuth2Request) -> None:
        self.tokens[token["access_token"]] = Token(
            access_token=token["access_token"],
            scope=token["scope"],
            client=request.client,
            account=request.user,
            expires_in=token["expires_in"],
        )

    def send_signal(self, name, *args, **kwargs) -> None:
        """No listeners: nothing is told of clients signing in."""

    def create_oauth2_request(self, request: HttpRequest) -> HttpRequest:
        return request

    def create_json_request(self, request: HttpRequest) -> JsonRequest:
        return JsonRequest(request.method, request.uri, request.headers)

    def handle_response(self, status, body, headers):
        if isinstance(body, dict):
            body = json.dumps(body)
        return status, body, headers

    def metadata(self) -> dict:
        """The discovery document, checked against OpenID Connect Discovery."""
        at = self.issuer
        document = discovery.OpenIDProviderMetadata(
            issuer=at,
            authorization_endpoint=f"{at}/authorize",
            token_endpoint=f"{at}/token",
            userinfo_endpoint=f"{at}/userinfo",
            jwks_uri=f"{at}/jwks",
            end_session_endpoint=f"{at}/end-session",
            scopes_supported=scope_to_list(SCOPES),
            response_types_supported=["code"],
            grant_types_supported=["authorization_code"],
            subject_types_supported=["public"],
            id_token_signing_alg_values_supported=["RS256"],
            token_endpoint_auth_methods_supported=["client_secret_basic"],
            code_challenge_methods_supported=["S256"],
            claims_supported=["sub", "iss", "aud", "email", "email_verified", "name"],
        )
        document.validate(metadata_classes=[rpinitiated.OpenIDProviderMetadata])
        return dict(document)

    def serve(self, request: HttpRequest):
        """(status, body, headers) for one request; one request at a time."""
        with self._lock:
            self.current.request = request
            return self._route(request)

    def _route(self, request: HttpRequest):
        path = urlsplit(request.uri).path
        if path == "/.well-known/openid-configuration":
            return self.handle_response(200, self.metadata(), _JSON)
        if path == "/jwks":
            keys = KeySet([self.key]).as_dict(private=False)
            return self.handle_response(200, keys, _JSON)
        if path == "/authorize":
            return self._authorize(request)
        if path == "/token" and request.method == "POST":
            return self.create_token_response(request)
        if path == "/userinfo":
            return self.create_endpoint_response("userinfo", request)
        if path == "/end-session":
            answer = self.create_endpoint_response("end_session", request)
            return answer or (
                200,
                _page("Signed out", "<p>You are signed out.</p>"),
                _HTML,
            )
        return 404, "Not found", [("Content-Type", "text/plain")]

    def _authorize(self, request: HttpRequest):
        email = request.form.get("email", "").strip().lower()
        account = self.accounts.get(email) if request.method == "POST" else None
        try:
            grant = self.get_consent_grant(request, end_user=account)
        except OAuth2Error as error:
            return self.handle_error_response(request, error)
        if account is None:
            unknown = email and request.method == "POST"
            return (400 if unknown else 200), _login_form(request, email), _HTML
        return self.create_authorization_response(request, account, grant)


_JSON = [("Content-Type", "application/json"), ("Cache-Control", "no-store")]
_HTML = [("Content-Type", "text/html; charset=utf-8")]


def _page(title: str, body: str) -> str:
    return (
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title></head><body>{body}</body></html>"
    )


def _login_form(request: HttpRequest, email: str) -> str:
    query = html.escape(urlencode(request.args))
    problem = (
        f"<p role='alert'>No account for {html.escape(email)}.</p>" if email else ""
    )
    return _page(
        "Sign in to the district",
        f"<h1>Sign in to the district</h1>{problem}"
        f"<form method='post' action='/authorize?{query}'>"
        "<label>Email <input type='email' name='email' required></label> "
        "<button type='submit'>Continue</button></form>",
    )


class _Handler(BaseHTTPRequestHandler):
    provider: Provider

    def do_GET(self) -> None:
        self._answer()

    def do_POST(self) -> None:
        self._answer()

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        uri = f"{self.provider.issuer}{self.path}"
        request = HttpRequest(self.command, uri, dict(self.headers.items()), body)
        status, content, headers = self.provider.serve(request)
        data = content.encode() if isinstance(content, str) else content
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args) -> None:
        """Quiet: the tests read what the browser shows, not the access log."""


class RunningProvider:
    """The provider serving on 127.0.0.1:``port`` in a thread, until ``stop``."""

    def __init__(self, accounts: dict[str, str], port: int = 0):
        self.httpd = ThreadingHTTPServer(("127.0.0.1", port), _Handler)
        self.port = self.httpd.server_address[1]
        self.issuer = f"http://127.0.0.1:{self.port}"
        self.provider = Provider(self.issuer, accounts)
        self.httpd.RequestHandlerClass = type(
            "Handler", (_Handler,), {"provider": self.provider}
        )
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def discovery_url(self) -> str:
        return f"{self.issuer}/.well-known/openid-configuration"

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=10)
