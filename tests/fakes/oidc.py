"""A loopback OpenID Connect provider (an organisation's IdP: Entra ID, Okta, Keycloak...).

allauth's real client talks to it over HTTP: discovery, the token endpoint (client secret and
PKCE checked), JWKS and userinfo. The authorize endpoint stands in for the IdP's sign-in page: it
sends the browser straight back with a code for whoever `sign_in_as` named. ID tokens are RS256,
signed with a key made for this fake; `id_token_changes` bends one (expired, another audience,
another signer) to see it refused.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.fakes.loopback import LoopbackServer

CLIENT_ID = "curation-app"
CLIENT_SECRET = "fake-oidc-client-secret"
KEY_ID = "fake-idp-key-1"


def _new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@dataclass
class Grant:
    claims: dict[str, Any]
    redirect_uri: str
    code_challenge: str


@dataclass
class FakeOIDC(LoopbackServer):
    key: rsa.RSAPrivateKey = field(default_factory=_new_key)
    # The person the next authorize request signs in (claims beyond iss/aud/exp/iat).
    person: dict[str, Any] = field(default_factory=dict)
    # Applied to the next ID tokens' claims, e.g. {"aud": "someone-else"} or {"exp": <past>}.
    id_token_changes: dict[str, Any] = field(default_factory=dict)
    signing_key: rsa.RSAPrivateKey | None = None  # another key: a forged token
    grants: dict[str, Grant] = field(default_factory=dict)
    access_tokens: dict[str, dict[str, Any]] = field(default_factory=dict)
    token_requests: list[dict[str, str]] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None

    def sign_in_as(self, *, sub: str, email: str, groups: list[str], **claims: Any) -> None:
        self.person = {
            "sub": sub,
            "email": email,
            "email_verified": True,
            "preferred_username": email.split("@")[0],
            "name": claims.pop("name", email.split("@")[0].title()),
            "groups": groups,
            **claims,
        }

    def _handle(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        parts = urlsplit(handler.path)
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        routes = {
            ("GET", "/.well-known/openid-configuration"): self._discovery,
            ("GET", "/authorize"): self._authorize,
            ("POST", "/token"): self._token,
            ("GET", "/userinfo"): self._userinfo,
            ("GET", "/jwks"): self._jwks,
        }
        route = routes.get((method, parts.path))
        if route is None:
            return self._reply(handler, 404, {"error": "not_found"})
        return route(handler, query)

    def _discovery(self, handler: BaseHTTPRequestHandler, query: dict[str, str]) -> None:
        self._reply(
            handler,
            200,
            {
                "issuer": self.url,
                "authorization_endpoint": f"{self.url}/authorize",
                "token_endpoint": f"{self.url}/token",
                "userinfo_endpoint": f"{self.url}/userinfo",
                "jwks_uri": f"{self.url}/jwks",
                "response_types_supported": ["code"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
                "code_challenge_methods_supported": ["S256"],
            },
        )

    def _authorize(self, handler: BaseHTTPRequestHandler, query: dict[str, str]) -> None:
        if query.get("client_id") != CLIENT_ID or query.get("response_type") != "code":
            return self._reply(handler, 400, {"error": "invalid_request"})
        code = secrets.token_urlsafe(16)
        self.grants[code] = Grant(
            claims=dict(self.person),
            redirect_uri=query["redirect_uri"],
            code_challenge=query.get("code_challenge", ""),
        )
        back = f"{query['redirect_uri']}?{urlencode({'code': code, 'state': query.get('state', '')})}"
        handler.send_response(302)
        handler.send_header("Location", back)
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    def _token(self, handler: BaseHTTPRequestHandler, query: dict[str, str]) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        form = {k: v[-1] for k, v in parse_qs(handler.rfile.read(length).decode()).items()}
        self.token_requests.append(form)
        client_id, secret = form.get("client_id"), form.get("client_secret")
        if auth := handler.headers.get("Authorization", ""):
            client_id, _, secret = base64.b64decode(auth.removeprefix("Basic ")).decode().partition(":")
        if (client_id, secret) != (CLIENT_ID, CLIENT_SECRET):
            return self._reply(handler, 401, {"error": "invalid_client"})
        grant = self.grants.pop(form.get("code", ""), None)  # a code is good once
        if grant is None or form.get("redirect_uri") != grant.redirect_uri:
            return self._reply(handler, 400, {"error": "invalid_grant"})
        verifier = form.get("code_verifier", "")
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=")
        if grant.code_challenge and challenge.decode() != grant.code_challenge:
            return self._reply(handler, 400, {"error": "invalid_grant", "error_description": "PKCE"})
        access_token = secrets.token_urlsafe(24)
        self.access_tokens[access_token] = grant.claims
        self._reply(
            handler,
            200,
            {
                "access_token": access_token,
                "token_type": "Bearer",
                "expires_in": 3600,
                "id_token": self.id_token(grant.claims),
            },
        )

    def id_token(self, claims: dict[str, Any]) -> str:
        now = int(time.time())
        payload = {
            "iss": self.url,
            "aud": CLIENT_ID,
            "iat": now,
            "exp": now + 300,
            "jti": uuid.uuid4().hex,
            **claims,
            **self.id_token_changes,
        }
        key = self.signing_key or self.key
        return jwt.encode(payload, key, algorithm="RS256", headers={"kid": KEY_ID})

    def _userinfo(self, handler: BaseHTTPRequestHandler, query: dict[str, str]) -> None:
        token = handler.headers.get("Authorization", "").removeprefix("Bearer ")
        claims = self.access_tokens.get(token)
        if claims is None:
            return self._reply(handler, 401, {"error": "invalid_token"})
        self._reply(handler, 200, claims)

    def _jwks(self, handler: BaseHTTPRequestHandler, query: dict[str, str]) -> None:
        jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key()))
        self._reply(handler, 200, {"keys": [{**jwk, "kid": KEY_ID, "use": "sig", "alg": "RS256"}]})

    @staticmethod
    def _reply(handler: BaseHTTPRequestHandler, status: int, body: dict[str, Any]) -> None:
        payload = json.dumps(body).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(payload)))
        handler.end_headers()
        handler.wfile.write(payload)


@pytest.fixture
def oidc_fake(settings):
    """Single sign-on configured as the environment would (the OIDC_* settings) to this fake."""
    fake = FakeOIDC().start()
    settings.OIDC_SERVER_URL = fake.url
    settings.OIDC_INTERNAL_CURATOR_GROUPS = ["learning-curators"]
    settings.OIDC_AGENCY_CURATOR_GROUPS = ["agency-partners"]
    settings.SOCIALACCOUNT_PROVIDERS = {
        "openid_connect": {
            "OAUTH_PKCE_ENABLED": True,
            "APPS": [
                {
                    "provider_id": settings.OIDC_PROVIDER_ID,
                    "name": "Acme sign-in",
                    "client_id": CLIENT_ID,
                    "secret": CLIENT_SECRET,
                    "settings": {"server_url": fake.url, "fetch_userinfo": True},
                }
            ],
        }
    }
    try:
        yield fake
    finally:
        fake.stop()
