"""OpenID Connect sign-in against a stub provider served on loopback by the test."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from django.urls import reverse

from accounts.models import Classification, User
from tests.factories import UserFactory

CLIENT_ID = "engagements"
CLIENT_SECRET = "stub-client-secret"


class StubProvider:
    """Authorize, token, userinfo and JWKS endpoints of a provider, enough for the code flow
    with PKCE: it checks the client, the code, the redirect URI and the code verifier."""

    def __init__(self) -> None:
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.claims: dict = {}
        self.codes: dict[str, dict] = {}
        self.tokens: dict[str, dict] = {}
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def reply(self, status: int, body: dict | None = None, **headers: str) -> None:
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                data = json.dumps(body).encode() if body is not None else b""
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                url = urllib.parse.urlsplit(self.path)
                query = dict(urllib.parse.parse_qsl(url.query))
                if url.path == "/authorize":
                    assert query["client_id"] == CLIENT_ID and query["response_type"] == "code"
                    code = secrets.token_urlsafe(16)
                    provider.codes[code] = query
                    location = (
                        query["redirect_uri"]
                        + "?"
                        + urllib.parse.urlencode({"code": code, "state": query["state"]})
                    )
                    self.reply(302, None, Location=location)
                elif url.path == "/jwks":
                    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(provider.key.public_key()))
                    self.reply(200, {"keys": [{**jwk, "kid": "k1", "alg": "RS256", "use": "sig"}]})
                elif url.path == "/userinfo":
                    token = self.headers.get("Authorization", "").removeprefix("Bearer ")
                    if token not in provider.tokens:
                        self.reply(401, {"error": "invalid_token"})
                    else:
                        self.reply(200, provider.tokens[token])
                else:
                    self.reply(404, {"error": "not_found"})

            def do_POST(self) -> None:
                length = int(self.headers["Content-Length"])
                form = dict(urllib.parse.parse_qsl(self.rfile.read(length).decode()))
                request = provider.codes.pop(form.get("code", ""), None)
                challenge = base64.urlsafe_b64encode(
                    hashlib.sha256(form.get("code_verifier", "").encode()).digest()
                ).rstrip(b"=")
                if (
                    request is None
                    or form.get("client_id") != CLIENT_ID
                    or form.get("client_secret") != CLIENT_SECRET
                    or form.get("redirect_uri") != request["redirect_uri"]
                    or challenge.decode() != request.get("code_challenge")
                ):
                    self.reply(400, {"error": "invalid_grant"})
                    return
                access_token = secrets.token_urlsafe(16)
                provider.tokens[access_token] = dict(provider.claims)
                now = int(time.time())
                id_token = jwt.encode(
                    {
                        "iss": provider.url,
                        "sub": provider.claims.get("sub", "subject-1"),
                        "aud": CLIENT_ID,
                        "iat": now,
                        "exp": now + 300,
                        "nonce": request["nonce"],
                    },
                    provider.key,
                    algorithm="RS256",
                    headers={"kid": "k1"},
                )
                self.reply(200, {"access_token": access_token, "id_token": id_token})

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> StubProvider:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def provider():
    with StubProvider() as stub:
        yield stub


@pytest.fixture
def sso(settings, provider):
    settings.OIDC_ENABLED = True
    settings.OIDC_RP_CLIENT_ID = CLIENT_ID
    settings.OIDC_RP_CLIENT_SECRET = CLIENT_SECRET
    settings.OIDC_OP_AUTHORIZATION_ENDPOINT = f"{provider.url}/authorize"
    settings.OIDC_OP_TOKEN_ENDPOINT = f"{provider.url}/token"
    settings.OIDC_OP_USER_ENDPOINT = f"{provider.url}/userinfo"
    settings.OIDC_OP_JWKS_ENDPOINT = f"{provider.url}/jwks"
    settings.AUTHENTICATION_BACKENDS = [*settings.AUTHENTICATION_BACKENDS, "ops.oidc.OidcBackend"]
    settings.AXES_ENABLED = True  # the lockout backend sits first and must let SSO through
    return provider


def sign_in_through(client, provider, **claims):
    provider.claims = {"sub": "subject-1", "email_verified": True, **claims}
    start = client.get(reverse("oidc_authentication_init"))
    assert start.status_code == 302 and start["Location"].startswith(provider.url)
    # The browser follows the provider's redirect back to the callback.
    import http.client

    authorize = urllib.parse.urlsplit(start["Location"])
    connection = http.client.HTTPConnection(authorize.hostname, authorize.port, timeout=5)
    connection.request("GET", f"{authorize.path}?{authorize.query}")
    back = connection.getresponse()
    assert back.status == 302
    callback = urllib.parse.urlsplit(back.getheader("Location"))
    connection.close()
    assert callback.path == reverse("oidc_authentication_callback")
    return client.get(f"{callback.path}?{callback.query}")


def test_a_known_email_signs_in_as_that_user(client, db, sso):
    erin = UserFactory(username="erin", email="Erin.Lead@Ministry.example")
    response = sign_in_through(client, sso, email="erin.lead@ministry.example")
    assert response.status_code == 302 and response["Location"] == reverse("home")
    assert client.session["_auth_user_id"] == str(erin.pk)
    assert client.get(reverse("home")).status_code == 200
    assert User.objects.count() == 1


def test_a_new_email_creates_a_user_with_least_privilege(client, db, sso):
    response = sign_in_through(
        client,
        sso,
        email="new.officer@ministry.example",
        preferred_username="new.officer",
        given_name="New",
        family_name="Officer",
    )
    assert response.status_code == 302
    user = User.objects.get(email="new.officer@ministry.example")
    assert client.session["_auth_user_id"] == str(user.pk)
    assert user.username == "new.officer" and user.get_full_name() == "New Officer"
    assert not user.desks.exists()
    assert user.clearance == Classification.PUBLIC
    assert not (user.is_staff or user.is_superuser) and not user.groups.exists()
    assert not user.has_usable_password()


def test_an_unverified_email_does_not_open_an_existing_account(client, db, sso):
    UserFactory(username="erin", email="erin.lead@ministry.example")
    response = sign_in_through(
        client, sso, email="erin.lead@ministry.example", email_verified=False
    )
    assert response.status_code == 302 and response["Location"] == reverse("login")
    assert "_auth_user_id" not in client.session
    assert User.objects.count() == 1


def test_a_forged_callback_signs_nobody_in(client, db, sso):
    client.get(reverse("oidc_authentication_init"))
    response = client.get(reverse("oidc_authentication_callback") + "?code=made-up&state=x")
    assert response.status_code in (302, 400)
    assert "_auth_user_id" not in client.session


def test_the_sign_in_page_offers_single_sign_on_only_when_configured(client, db, settings):
    settings.OIDC_ENABLED = False
    assert reverse("oidc_authentication_init") not in client.get(reverse("login")).content.decode()
    assert client.get(reverse("oidc_authentication_init")).status_code == 404
    assert client.get(reverse("oidc_authentication_callback")).status_code == 404
    settings.OIDC_ENABLED = True
    settings.OIDC_PROVIDER_NAME = "the ministry's sign-in"
    page = client.get(reverse("login")).content.decode()
    assert reverse("oidc_authentication_init") in page and "the ministry&#x27;s sign-in" in page
