"""The reference provider's state (keys, sessions, users, preferences) and its routes."""

from __future__ import annotations

import base64
import binascii
import html
import json
import secrets
import time
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlencode

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

SYNC_PREFS = "/user/preferences"
USERS_PROFILE = "/user/profile"
ORGANIZATIONS = "/api/identity/orgs"
USERS_IDENTITY = "/api/identity/users"
# The one permission key this provider grants every user (a key id of upstream's seed file).
VIEW_SETTINGS_KEY = "fdc038e3-1fdf-403a-af8a-53c0de8d7820"


def _b64url_decode(value: str) -> str:
    try:
        return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode()
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return ""


@dataclass
class ProviderState:
    name: str = "Reference"
    token_ttl: int = 3600
    debug_endpoints: bool = False
    key: rsa.RSAPrivateKey = field(default_factory=lambda: rsa.generate_private_key(65537, 2048))
    kid: str = field(default_factory=lambda: secrets.token_hex(8))
    refresh_tokens: dict[str, str] = field(default_factory=dict)  # refresh token -> user id
    preferences: dict[str, dict[str, Any]] = field(default_factory=dict)
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    counters: dict[str, int] = field(default_factory=lambda: {"capabilities": 0, "refresh": 0, "logout": 0, "sync": 0})
    reject_next: int = 0  # test hook: answer this many authorized calls with 401

    # --- tokens ---------------------------------------------------------------

    def user(self, name: str) -> dict[str, Any]:
        """The profile of a login name (created at first login; ids are stable per name)."""
        if name not in self.users:
            self.users[name] = {
                "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"reference-provider:{name}")),
                "user_id": name,
                "first_name": name.capitalize(),
                "last_name": "Tester",
                "email": f"{name}@example.invalid",
                "avatar_url": "",
                "provider": self.name,
                # Upstream's profile field; the login name "admin" is this provider's administrator.
                "role_names": ["admin"] if name == "admin" else [],
            }
        return self.users[name]

    def access_token(self, user_id: str, *, ttl: int | None = None) -> str:
        profile = self.user(user_id)
        now = int(time.time())
        claims = {
            "sub": user_id,
            "user_id": user_id,
            "first_name": profile["first_name"],
            "last_name": profile["last_name"],
            "email": profile["email"],
            "iat": now,
            "exp": now + (self.token_ttl if ttl is None else ttl),
            "iss": self.name,
            "jti": secrets.token_hex(8),
        }
        return jwt.encode(claims, self.key, algorithm="RS256", headers={"kid": self.kid})

    def issue(self, user_id: str, *, ttl: int | None = None) -> str:
        """A cookie value: base64 JSON of an OAuth2 token (upstream's format)."""
        refresh = secrets.token_urlsafe(24)
        self.refresh_tokens[refresh] = user_id
        body = {"access_token": self.access_token(user_id, ttl=ttl), "token_type": "bearer",
                "refresh_token": refresh, "expiry": ""}
        return base64.b64encode(json.dumps(body).encode()).decode().rstrip("=")

    @staticmethod
    def decode_cookie(value: str) -> dict[str, Any]:
        try:
            data = json.loads(base64.b64decode(value + "=" * (-len(value) % 4)))
        except (binascii.Error, ValueError, UnicodeDecodeError):
            return {"access_token": value}
        return data if isinstance(data, dict) else {}

    def verify(self, access_token: str, *, check_exp: bool = True) -> dict[str, Any] | None:
        try:
            claims: dict[str, Any] = jwt.decode(
                access_token, self.key.public_key(), algorithms=["RS256"], options={"verify_exp": check_exp}
            )
        except jwt.InvalidTokenError:
            return None
        return claims

    def jwks(self) -> dict[str, Any]:
        jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key()))
        jwk.update({"kid": self.kid, "use": "sig", "alg": "RS256"})
        return {"keys": [jwk]}

    def capabilities(self) -> dict[str, Any]:
        return {
            "providerType": "remote",
            "packageVersion": "v0.1.0",
            "packageUrl": "",
            "providerName": self.name,
            "providerDescription": ["Reference remote provider for tests and local use", "Sessions as RS256 JWTs"],
            "extensions": {"navigator": [], "userPrefs": [], "graphql": [], "account": [], "collaborator": []},
            "capabilities": [
                {"feature": "sync-prefs", "endpoint": SYNC_PREFS},
                {"feature": "users-profile", "endpoint": USERS_PROFILE},
                {"feature": "organizations", "endpoint": ORGANIZATIONS},
                {"feature": "users-keys", "endpoint": ""},
                {"feature": "users-identity", "endpoint": USERS_IDENTITY},
            ],
            "restrictedAccess": {"isMesheryUiRestricted": False, "allowedComponents": {}},
            "redirects": {},
        }


def _bearer(request: Request) -> str:
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    return value.strip() if scheme.lower() == "bearer" else ""


def create_app(state: ProviderState) -> Starlette:
    def authorized(request: Request) -> dict[str, Any] | None:
        if state.reject_next > 0:
            state.reject_next -= 1
            return None
        token = _bearer(request)
        return state.verify(state.decode_cookie(token).get("access_token", token)) if token else None

    async def capabilities(_request: Request) -> Response:
        state.counters["capabilities"] += 1
        return JSONResponse(state.capabilities())

    async def keys(_request: Request) -> Response:
        return JSONResponse(state.jwks())

    def _back(source: str, ref: str, user: str) -> Response:
        callback = _b64url_decode(source)
        if not callback.startswith(("http://", "https://")):
            return JSONResponse({"error": "source must be the base64url of the server's callback URL"}, 400)
        query = urlencode({"token": state.issue(user), **({"ref": ref} if ref else {})})
        return RedirectResponse(f"{callback}?{query}", status_code=302)

    async def login(request: Request) -> Response:
        if request.method == "POST":
            form = {k: v[0] for k, v in parse_qs((await request.body()).decode()).items()}
        else:
            form = dict(request.query_params)
        source, ref, user = form.get("source", ""), form.get("ref", ""), form.get("user", "").strip()
        if user:
            return _back(source, ref, user)
        return HTMLResponse(
            "<!doctype html><title>Reference provider: log in</title><h1>Log in</h1>"
            '<form method="post" action="/login">'
            f'<input type="hidden" name="source" value="{html.escape(source)}">'
            f'<input type="hidden" name="ref" value="{html.escape(ref)}">'
            '<label>User name <input name="user" autofocus></label> <button>Log in</button></form>'
        )

    async def refresh(request: Request) -> Response:
        state.counters["refresh"] += 1
        try:
            old = (await request.json()).get("token", "")
        except (ValueError, AttributeError):
            return JSONResponse({"error": "body must be {\"token\": ...}"}, 400)
        data = state.decode_cookie(old) if isinstance(old, str) else {}
        claims = state.verify(str(data.get("access_token", "")), check_exp=False)
        user = state.refresh_tokens.pop(str(data.get("refresh_token", "")), None)
        if claims is None or user is None or user != claims.get("user_id"):
            return JSONResponse({"error": "refresh refused"}, 401)
        return JSONResponse({"token": state.issue(user)})

    async def logout(request: Request) -> Response:
        state.counters["logout"] += 1
        try:
            body = await request.json()
        except ValueError:
            body = {}
        token = body.get("token", "") if isinstance(body, dict) else ""
        state.refresh_tokens.pop(str(state.decode_cookie(token).get("refresh_token", "")), None)
        return JSONResponse({"message": "logged out"})

    async def profile(request: Request) -> Response:
        claims = authorized(request)
        if claims is None:
            return JSONResponse({"error": "unauthorized"}, 401)
        user = dict(state.user(str(claims["user_id"])))
        if claims["user_id"] in state.preferences:
            user["preferences"] = state.preferences[claims["user_id"]]
        return JSONResponse(user)

    async def profile_by_id(request: Request) -> Response:
        if authorized(request) is None:
            return JSONResponse({"error": "unauthorized"}, 401)
        found = state.users.get(request.path_params["user_id"])
        return JSONResponse(found) if found else JSONResponse({"error": "no such user"}, 404)

    async def preferences(request: Request) -> Response:
        claims = authorized(request)
        if claims is None:
            return JSONResponse({"error": "unauthorized"}, 401)
        user_id = str(claims["user_id"])
        if request.method == "GET":
            return JSONResponse(state.preferences.get(user_id, {}))
        try:
            body = await request.json()
        except ValueError:
            return JSONResponse({"error": "not JSON"}, 400)
        if not isinstance(body, dict):
            return JSONResponse({"error": "not an object"}, 400)
        state.preferences[user_id] = body
        state.counters["sync"] += 1
        return JSONResponse({"message": "saved"}, 201)

    def org_of(user_id: str) -> dict[str, Any]:
        """Each user has one organization of their own (stable id per user)."""
        return {
            "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"reference-provider:org:{user_id}")),
            "name": f"{user_id}'s organization",
            "description": "",
            "country": "",
            "region": "",
            "owner": state.user(user_id)["id"],
            "metadata": {},
            "created_at": "2024-01-01T00:00:00Z",
            "updated_at": "2024-01-01T00:00:00Z",
        }

    def page(key: str, items: list[dict[str, Any]]) -> dict[str, Any]:
        return {"page": 0, "page_size": len(items), "total_count": len(items), key: items}

    async def organizations(request: Request) -> Response:
        claims = authorized(request)
        if claims is None:
            return JSONResponse({"error": "unauthorized"}, 401)
        return JSONResponse(page("organizations", [org_of(str(claims["user_id"]))]))

    async def organization(request: Request) -> Response:
        claims = authorized(request)
        if claims is None:
            return JSONResponse({"error": "unauthorized"}, 401)
        org = org_of(str(claims["user_id"]))
        if request.path_params["org_id"] != org["id"]:
            return JSONResponse({"error": "no such organization"}, 404)
        return JSONResponse(page("organizations", [org]))

    async def org_keys(request: Request) -> Response:
        claims = authorized(request)
        if claims is None:
            return JSONResponse({"error": "unauthorized"}, 401)
        if request.path_params["org_id"] != org_of(str(claims["user_id"]))["id"]:
            return JSONResponse({"error": "no such organization"}, 404)
        key = {"id": VIEW_SETTINGS_KEY, "owner": state.user(str(claims["user_id"]))["id"], "function": "View Settings",
               "category": "Settings", "subcategory": "Settings Management", "description": "",
               "created_at": "2024-01-01T00:00:00Z", "updated_at": "2024-01-01T00:00:00Z"}
        return JSONResponse(page("keys", [key]))

    async def identity_users(request: Request) -> Response:
        if authorized(request) is None:
            return JSONResponse({"error": "unauthorized"}, 401)
        return JSONResponse(page("data", sorted(state.users.values(), key=lambda u: str(u["user_id"]))))

    async def debug_token(request: Request) -> Response:
        body = await request.json()
        return JSONResponse({"token": state.issue(str(body["user"]), ttl=int(body.get("ttl", state.token_ttl)))})

    async def debug_reject(request: Request) -> Response:
        state.reject_next = int((await request.json()).get("count", 1))
        return JSONResponse({"reject_next": state.reject_next})

    async def debug_stats(_request: Request) -> Response:
        return JSONResponse({**state.counters, "sessions": len(state.refresh_tokens)})

    routes = [
        Route("/{build}/capabilities", capabilities),
        Route("/keys", keys),
        Route("/login", login, methods=["GET", "POST"]),
        Route("/refresh", refresh, methods=["POST"]),
        Route("/logout", logout, methods=["GET", "POST"]),
        Route(USERS_PROFILE, profile),
        Route(USERS_PROFILE + "/{user_id}", profile_by_id),
        Route(SYNC_PREFS, preferences, methods=["GET", "PUT"]),
        Route(ORGANIZATIONS, organizations),
        Route(ORGANIZATIONS + "/{org_id}", organization),
        Route(ORGANIZATIONS + "/{org_id}/users/keys", org_keys),
        Route(USERS_IDENTITY, identity_users),
    ]
    if state.debug_endpoints:
        routes += [
            Route("/debug/token", debug_token, methods=["POST"]),
            Route("/debug/reject", debug_reject, methods=["POST"]),
            Route("/debug/stats", debug_stats),
        ]
    return Starlette(routes=routes)
