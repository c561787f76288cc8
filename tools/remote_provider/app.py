"""The reference provider's state (keys, sessions, users, preferences) and its routes."""

from __future__ import annotations

import base64
import binascii
import html
import io
import json
import secrets
import tarfile
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

# The extension package (packageUrl): UI components the server serves at /api/provider/extension/.
PACKAGE_FILES = {
    "provider/navigator/meshmap/index.js": "export default function MeshMap() { return null; }\n",
    "provider/navigator/meshmap/style.css": ".meshmap { display: block; }\n",
}
SYNC_PREFS = "/user/preferences"
USERS_PROFILE = "/user/profile"
ORGANIZATIONS = "/api/identity/orgs"
USERS_IDENTITY = "/api/identity/users"
# Catalog and sharing (served with ``catalog=True``): one endpoint per kind, as upstream's capabilities.
CATALOG = {"pattern": "/api/catalog/pattern", "filter": "/api/catalog/filter"}
SHARE = {"pattern": "/api/content/design/share", "filter": "/api/content/filter/share"}
PERF_RESULTS = "/api/perf/results"  # upstream's persist-results endpoint
# The one permission key this provider grants every user (a key id of upstream's seed file).
VIEW_SETTINGS_KEY = "fdc038e3-1fdf-403a-af8a-53c0de8d7820"
CREATED = "2024-01-01T00:00:00Z"  # the time every object of this provider says it was made
# No custom theme: the organization preferences of every organization.
ORG_PREFERENCES: dict[str, Any] = {
    "theme": {
        "id": "00000000-0000-0000-0000-000000000000",
        "logo": {
            view: {"svg": "", "location": ""}
            for view in ("desktopView", "mobileView", "darkDesktopView", "darkMobileView")
        },
    },
    "dashboard": {},
}


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
    # Identity beyond each user's own organization: organizations created (id -> organization),
    # each organization's domain, its teams (org id -> team id -> team), team and organization
    # members (user ids).
    orgs: dict[str, dict[str, Any]] = field(default_factory=dict)
    domains: dict[str, str] = field(default_factory=dict)
    teams: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    team_members: dict[str, set[str]] = field(default_factory=dict)
    org_members: dict[str, set[str]] = field(default_factory=dict)
    views: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)  # user -> view id -> view
    catalog: bool = False  # offer the catalog and share capabilities
    published: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)  # kind -> id -> item
    shares: list[dict[str, Any]] = field(default_factory=list)  # every share request, as received
    results: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # user -> published perf results

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
                "status": "active",
                "created_at": CREATED,
                "updated_at": CREATED,
                "last_login_time": CREATED,
                "deleted_at": None,
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
                *(self.catalog_capabilities() if self.catalog else []),
                {"feature": "persist-results", "endpoint": PERF_RESULTS},
            ],
            "restrictedAccess": {"isMesheryUiRestricted": False, "allowedComponents": {}},
            "redirects": {},
        }


    @staticmethod
    def catalog_capabilities() -> list[dict[str, str]]:
        return [
            {"feature": "meshery-patterns-catalog", "endpoint": CATALOG["pattern"]},
            {"feature": "meshery-filters-catalog", "endpoint": CATALOG["filter"]},
            {"feature": "share-designs", "endpoint": SHARE["pattern"]},
            {"feature": "share-filters", "endpoint": SHARE["filter"]},
        ]


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

    async def capabilities(request: Request) -> Response:
        state.counters["capabilities"] += 1
        # The extension package is served by this provider itself (the server downloads it once).
        return JSONResponse({**state.capabilities(), "packageUrl": f"{request.base_url}package.tar.gz"})

    async def package(_request: Request) -> Response:
        buffer = io.BytesIO()
        with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
            for name, text in PACKAGE_FILES.items():
                data = text.encode()
                member = tarfile.TarInfo(name)
                member.size = len(data)
                archive.addfile(member, io.BytesIO(data))
        return Response(buffer.getvalue(), media_type="application/gzip")

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
        wanted = request.path_params["user_id"]  # a login name or a user's id
        found = state.users.get(wanted) or next((u for u in state.users.values() if u["id"] == wanted), None)
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
        org_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"reference-provider:org:{user_id}"))
        if org_id not in state.orgs:
            state.orgs[org_id] = {
                "id": org_id,
                "name": f"{user_id}'s organization",
                "description": "",
                "country": "",
                "region": "",
                "owner": state.user(user_id)["id"],
                "metadata": {"preferences": ORG_PREFERENCES},
                "created_at": CREATED,
                "updated_at": CREATED,
            }
            state.domains[org_id] = str(state.user(user_id)["email"]).rpartition("@")[2]  # its users' domain
            state.org_members[org_id] = {state.user(user_id)["id"]}
        return state.orgs[org_id]

    def page(key: str, items: list[dict[str, Any]]) -> dict[str, Any]:
        """Every item in one page (its size: the items, or the default 10 of an empty page)."""
        return {"page": 0, "page_size": len(items) or 10, "total_count": len(items), key: items}

    def stamped(item: dict[str, Any]) -> dict[str, Any]:
        """An identity object with both spellings of its times (upstream's and the package's)."""
        return {**item, "createdAt": item["created_at"], "updatedAt": item["updated_at"]}

    def camel_page(key: str, items: list[dict[str, Any]]) -> dict[str, Any]:
        return {**page(key, items), "pageSize": len(items), "totalCount": len(items)}

    def my_orgs(user_id: str) -> list[dict[str, Any]]:
        mine = state.user(user_id)["id"]
        org_of(user_id)
        return [o for o in state.orgs.values() if mine in state.org_members.get(o["id"], set())]

    async def body_of(request: Request) -> dict[str, Any]:
        try:
            body = await request.json()
        except ValueError:
            return {}
        return body if isinstance(body, dict) else {}

    async def organizations(request: Request) -> Response:
        claims = authorized(request)
        if claims is None:
            return JSONResponse({"error": "unauthorized"}, 401)
        user_id = str(claims["user_id"])
        if request.method == "POST":
            body = await body_of(request)
            if not str(body.get("name") or "").strip():
                return JSONResponse({"error": "an organization needs a name"}, 400)
            org_id = str(uuid.uuid4())
            state.orgs[org_id] = {
                "id": org_id, "owner": state.user(user_id)["id"], "metadata": {"preferences": ORG_PREFERENCES},
                "created_at": CREATED,
                "updated_at": CREATED,
                **{k: str(body.get(k) or "") for k in ("name", "description", "country", "region")},
            }
            state.org_members[org_id] = {state.user(user_id)["id"]}
            return JSONResponse(camel_page("organizations", [stamped(state.orgs[org_id])]), 201)
        return JSONResponse(page("organizations", my_orgs(user_id)))

    def own_org(claims: dict[str, Any], org_id: str) -> dict[str, Any] | None:
        return next((o for o in my_orgs(str(claims["user_id"])) if o["id"] == org_id), None)

    async def organization(request: Request) -> Response:
        claims = authorized(request)
        if claims is None:
            return JSONResponse({"error": "unauthorized"}, 401)
        org = own_org(claims, request.path_params["org_id"])
        if org is None:
            return JSONResponse({"error": "no such organization"}, 404)
        if request.method == "DELETE":
            for key in (state.orgs, state.domains, state.teams, state.org_members):
                key.pop(org["id"], None)
            return Response(status_code=204)
        if request.method == "PUT":
            body = await body_of(request)
            org.update({k: str(body[k]) for k in ("name", "description", "country", "region") if k in body})
            return JSONResponse(camel_page("organizations", [stamped(org)]))
        return JSONResponse(page("organizations", [org]))

    async def organization_by_domain(request: Request) -> Response:
        claims = authorized(request)
        if claims is None:
            return JSONResponse({"error": "unauthorized"}, 401)
        domain = request.query_params.get("domain", "")
        found = next((o for o in my_orgs(str(claims["user_id"])) if state.domains.get(o["id"]) == domain), None)
        return JSONResponse(stamped(found)) if found else JSONResponse({"error": "no such organization"}, 404)

    async def org_preferences(request: Request) -> Response:
        claims = authorized(request)
        if claims is None:
            return JSONResponse({"error": "unauthorized"}, 401)
        if own_org(claims, request.path_params["org_id"]) is None:
            return JSONResponse({"error": "no such organization"}, 404)
        return JSONResponse({"preferences": ORG_PREFERENCES})

    def team_of(claims: dict[str, Any], org_id: str, team_id: str) -> dict[str, Any] | None:
        if own_org(claims, org_id) is None:
            return None
        return state.teams.get(org_id, {}).get(team_id)

    async def teams(request: Request) -> Response:
        claims = authorized(request)
        if claims is None:
            return JSONResponse({"error": "unauthorized"}, 401)
        org_id = request.path_params["org_id"]
        if own_org(claims, org_id) is None:
            return JSONResponse({"error": "no such organization"}, 404)
        if request.method == "POST":
            body = await body_of(request)
            if not str(body.get("name") or "").strip():
                return JSONResponse({"error": "a team needs a name"}, 400)
            team_id = str(uuid.uuid4())
            team = {"id": team_id, "name": str(body["name"]), "description": str(body.get("description") or ""),
                    "owner": state.user(str(claims["user_id"]))["id"], "metadata": {},
                    "created_at": CREATED, "updated_at": CREATED}
            state.teams.setdefault(org_id, {})[team_id] = team
            state.team_members[team_id] = set()
            return JSONResponse(stamped(team), 201)
        return JSONResponse(page("teams", [stamped(t) for t in state.teams.get(org_id, {}).values()]))

    def mapping(org_id: str, team_id: str) -> dict[str, Any]:
        row = {"id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"reference-provider:{org_id}:{team_id}")),
               "orgId": org_id, "teamId": team_id, "createdAt": CREATED, "updatedAt": CREATED}
        return {"page": 0, "pageSize": 1, "totalCount": 1, "teamsOrganizationsMapping": [row]}

    async def team(request: Request) -> Response:
        claims = authorized(request)
        if claims is None:
            return JSONResponse({"error": "unauthorized"}, 401)
        org_id, team_id = request.path_params["org_id"], request.path_params["team_id"]
        found = team_of(claims, org_id, team_id)
        if found is None:
            return JSONResponse({"error": "no such team"}, 404)
        if request.method == "DELETE":
            state.teams[org_id].pop(team_id, None)
            state.team_members.pop(team_id, None)
            return Response(status_code=204)
        if request.method == "PUT":
            body = await body_of(request)
            found.update({k: str(body[k]) for k in ("name", "description") if k in body})
        if request.method == "POST":  # add the team to the organization (it is in it already)
            return JSONResponse(mapping(org_id, team_id), 201)
        return JSONResponse(stamped(found))

    async def team_remove(request: Request) -> Response:
        claims = authorized(request)
        if claims is None:
            return JSONResponse({"error": "unauthorized"}, 401)
        org_id, team_id = request.path_params["org_id"], request.path_params["team_id"]
        if team_of(claims, org_id, team_id) is None:
            return JSONResponse({"error": "no such team"}, 404)
        return JSONResponse(mapping(org_id, team_id))

    def user_by_uuid(user_uuid: str) -> dict[str, Any] | None:
        return next((u for u in state.users.values() if u["id"] == user_uuid), None)

    def members(ids: set[str]) -> list[dict[str, Any]]:
        return sorted((u for u in state.users.values() if u["id"] in ids), key=lambda u: str(u["user_id"]))

    def membership(team_id: str, user_uuid: str) -> dict[str, Any]:
        """A team membership row (``UsersTeamsMapping``)."""
        return {
            "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"reference-provider:{team_id}:{user_uuid}")),
            "teamId": team_id,
            "userId": user_uuid,
            "createdAt": CREATED,
            "updatedAt": CREATED,
        }

    async def team_users(request: Request) -> Response:
        """The memberships of a team; under an organization, its users outside the team."""
        claims = authorized(request)
        if claims is None:
            return JSONResponse({"error": "unauthorized"}, 401)
        team_id = request.path_params["team_id"]
        org_id = request.path_params.get("org_id")
        if org_id is None:
            org_id = next((o for o, ts in state.teams.items() if team_id in ts), "")
            if team_of(claims, org_id, team_id) is None:
                return JSONResponse({"error": "no such team"}, 404)
            rows = [membership(team_id, u["id"]) for u in members(state.team_members.get(team_id, set()))]
            return JSONResponse(camel_page("usersTeamsMapping", rows))
        if team_of(claims, org_id, team_id) is None:
            return JSONResponse({"error": "no such team"}, 404)
        outside = state.org_members.get(org_id, set()) - state.team_members.get(team_id, set())
        return JSONResponse(page("data", members(outside)))

    async def team_user(request: Request) -> Response:
        claims = authorized(request)
        if claims is None:
            return JSONResponse({"error": "unauthorized"}, 401)
        org_id, team_id, user_uuid = (request.path_params[k] for k in ("org_id", "team_id", "user_id"))
        if team_of(claims, org_id, team_id) is None or user_by_uuid(user_uuid) is None:
            return JSONResponse({"error": "no such team or user"}, 404)
        if request.method == "DELETE":
            state.team_members[team_id].discard(user_uuid)
            return Response(status_code=204)
        state.team_members[team_id].add(user_uuid)
        return JSONResponse(membership(team_id, user_uuid), 201)

    async def org_users(request: Request) -> Response:
        claims = authorized(request)
        if claims is None:
            return JSONResponse({"error": "unauthorized"}, 401)
        org_id = request.path_params["org_id"]
        if own_org(claims, org_id) is None:
            return JSONResponse({"error": "no such organization"}, 404)
        return JSONResponse(page("data", members(state.org_members.get(org_id, set()))))

    async def org_user(request: Request) -> Response:
        claims = authorized(request)
        if claims is None:
            return JSONResponse({"error": "unauthorized"}, 401)
        org_id, user_uuid = request.path_params["org_id"], request.path_params["user_id"]
        if own_org(claims, org_id) is None or user_by_uuid(user_uuid) is None:
            return JSONResponse({"error": "no such organization or user"}, 404)
        if request.method == "DELETE":
            state.org_members[org_id].discard(user_uuid)
            return Response(status_code=204)
        state.org_members[org_id].add(user_uuid)
        return JSONResponse({"orgId": org_id, "userId": user_uuid, "createdAt": CREATED}, 201)

    async def org_keys(request: Request) -> Response:
        claims = authorized(request)
        if claims is None:
            return JSONResponse({"error": "unauthorized"}, 401)
        if own_org(claims, request.path_params["org_id"]) is None:
            return JSONResponse({"error": "no such organization"}, 404)
        key = {"id": VIEW_SETTINGS_KEY, "owner": state.user(str(claims["user_id"]))["id"], "function": "View Settings",
               "category": "Settings", "subcategory": "Settings Management", "description": "",
               "created_at": CREATED, "updated_at": CREATED}
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
        return JSONResponse({**state.counters, "sessions": len(state.refresh_tokens), "shares": len(state.shares)})

    async def views(request: Request) -> Response:
        """A small extension API (Meshery Cloud's views) for the server's extension proxy."""
        claims = authorized(request)
        if claims is None:
            return JSONResponse({"error": "unauthorized"}, 401)
        mine = state.views.setdefault(str(claims["user_id"]), {})
        view_id = request.path_params.get("view_id")
        if view_id is not None:
            if view_id not in mine:
                return JSONResponse({"error": "no such view"}, 404)
            return JSONResponse(mine.pop(view_id) if request.method == "DELETE" else mine[view_id])
        if request.method == "GET":
            search = request.query_params.get("search", "")
            found = [v for v in mine.values() if search in v["name"]]
            page = int(request.query_params.get("page") or 0)
            return JSONResponse({"views": found, "total_count": len(found), "page": page})
        try:
            body = await request.json()
        except ValueError:
            body = None
        if not isinstance(body, dict) or not isinstance(body.get("name"), str):
            return JSONResponse({"error": "a view needs a name"}, 400)
        view = {"id": str(uuid.uuid4()), "name": body["name"], "filters": body.get("filters", {}),
                "user_id": claims["user_id"]}
        mine[view["id"]] = view
        return JSONResponse(view, 201)

    def catalog_kind(request: Request) -> str:
        return "filter" if request.url.path in (CATALOG["filter"], SHARE["filter"]) else "pattern"

    async def catalog(request: Request) -> Response:
        """Upstream's catalog protocol: GET lists, POST publishes and DELETE unpublishes ``{id, catalog_data}``."""
        claims = authorized(request)
        if claims is None:
            return JSONResponse({"error": "unauthorized"}, 401)
        kind = catalog_kind(request)
        items = state.published.setdefault(kind, {})
        key = "patterns" if kind == "pattern" else "filters"
        if request.method == "GET":
            search = request.query_params.get("search", "").lower()
            found = sorted((i for i in items.values() if search in i["name"].lower()), key=lambda i: i["name"])
            size = int(request.query_params.get("pagesize") or 0) or max(len(found), 1)
            number = int(request.query_params.get("page") or 0)
            window = found[number * size : number * size + size]
            return JSONResponse({"page": number, "page_size": size, "total_count": len(found), key: window})
        body = await body_of(request)
        content_id = str(body.get("id") or "")
        try:
            uuid.UUID(content_id)
        except ValueError:
            return JSONResponse({"error": "id must be a UUID"}, 400)
        user_id = str(claims["user_id"])
        existing = items.get(content_id)
        if existing is not None and existing["user_id"] != user_id:
            return JSONResponse({"error": "no such content"}, 404)
        if request.method == "DELETE":
            if existing is None:
                return JSONResponse({"error": "no such content"}, 404)
            items.pop(content_id)
            status, name = "unpublished", existing["name"]
        else:
            name = str(body.get("name") or f"{kind} {content_id[:8]}")
            items[content_id] = {
                "id": content_id, "name": name, "user_id": user_id, "visibility": "published",
                "catalog_data": body.get("catalog_data") or {}, "location": {"type": "remote"},
                "created_at": CREATED, "updated_at": CREATED,
                **({"pattern_file": ""} if kind == "pattern" else {"filter_file": "", "filter_resource": ""}),
            }
            status = "pending"
        request_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"reference-provider:catalog:{content_id}:{status}"))
        return JSONResponse({"id": request_id, "content_id": content_id, "content_name": name,
                             "content_type": kind, "status": status, "created_at": CREATED, "updated_at": CREATED})

    async def share(request: Request) -> Response:
        claims = authorized(request)
        if claims is None:
            return JSONResponse({"error": "unauthorized"}, 401)
        body = await body_of(request)
        emails = body.get("emails")
        if not isinstance(emails, list) or not emails:
            return JSONResponse({"error": "emails: at least one recipient"}, 400)
        state.shares.append({**body, "kind": catalog_kind(request), "user_id": claims["user_id"]})
        return JSONResponse({"message": "shared"})
    async def perf_results(request: Request) -> Response:
        """Upstream's ``persist-results``: a user's load-test results (POST one, GET them)."""
        claims = authorized(request)
        if claims is None:
            return JSONResponse({"error": "unauthorized"}, 401)
        mine = state.results.setdefault(str(claims["user_id"]), [])
        if request.method == "GET":
            return JSONResponse({"results": mine, "total_count": len(mine), "page": 0})
        result = await body_of(request)
        result_id = str(result.get("meshery_id") or uuid.uuid4())
        mine.append({**result, "meshery_id": result_id, "performance_profile": request.query_params.get("profile_id")})
        return JSONResponse({"id": result_id}, 201)

    routes = [
        Route("/package.tar.gz", package),
        Route(PERF_RESULTS, perf_results, methods=["GET", "POST"]),
        Route("/api/content/views", views, methods=["GET", "POST"]),
        Route("/api/content/views/{view_id}", views, methods=["GET", "DELETE"]),
        Route("/{build}/capabilities", capabilities),
        Route("/keys", keys),
        Route("/login", login, methods=["GET", "POST"]),
        Route("/refresh", refresh, methods=["POST"]),
        Route("/logout", logout, methods=["GET", "POST"]),
        Route(USERS_PROFILE, profile),
        Route(USERS_PROFILE + "/{user_id}", profile_by_id),
        Route(SYNC_PREFS, preferences, methods=["GET", "PUT"]),
        Route(ORGANIZATIONS, organizations, methods=["GET", "POST"]),
        Route(ORGANIZATIONS + "/by-domain", organization_by_domain),
        Route(ORGANIZATIONS + "/{org_id}", organization, methods=["GET", "PUT", "DELETE"]),
        Route(ORGANIZATIONS + "/{org_id}/preferences", org_preferences),
        Route(ORGANIZATIONS + "/{org_id}/users/keys", org_keys),
        Route(ORGANIZATIONS + "/{org_id}/users", org_users),
        Route(ORGANIZATIONS + "/{org_id}/users/{user_id}", org_user, methods=["POST", "DELETE"]),
        Route(ORGANIZATIONS + "/{org_id}/teams", teams, methods=["GET", "POST"]),
        Route(ORGANIZATIONS + "/{org_id}/teams/{team_id}", team, methods=["GET", "PUT", "POST", "DELETE"]),
        Route(ORGANIZATIONS + "/{org_id}/teams/{team_id}/remove", team_remove, methods=["POST"]),
        Route(ORGANIZATIONS + "/{org_id}/teams/{team_id}/users", team_users),
        Route(ORGANIZATIONS + "/{org_id}/teams/{team_id}/users/{user_id}", team_user, methods=["POST", "DELETE"]),
        Route("/api/identity/teams/{team_id}/users", team_users),
        Route(USERS_IDENTITY, identity_users),
    ]
    if state.catalog:
        routes += [Route(path, catalog, methods=["GET", "POST", "DELETE"]) for path in CATALOG.values()]
        routes += [Route(path, share, methods=["POST"]) for path in SHARE.values()]
    if state.debug_endpoints:
        routes += [
            Route("/debug/token", debug_token, methods=["POST"]),
            Route("/debug/reject", debug_reject, methods=["POST"]),
            Route("/debug/stats", debug_stats),
        ]
    return Starlette(routes=routes)
