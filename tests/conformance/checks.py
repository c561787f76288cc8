"""The conformance run: every checked operation of ``@meshery/schemas`` against a running app.

``run`` seeds one of each resource through the server's own routes (two where a delete needs
its own), then for each operation the package tags for Meshery Server:

- **served**: its method and path reach a route (not 405, not the route-not-found 404);
- **bodies**: each distinct request schema of the package (every declaring version) gets a
  body built from it and checked against it (package-valid), sent, answered 2xx, and read back
  where the package has a read route (its string fields persisted);
- **parameters**: each query parameter the client ``mesheryApi`` sends is accepted alone (2xx);
- **answers**: every 2xx JSON answer validates against the package's response schema for that
  status, except the rows of ``spec/DIFFERENCES.md``; a 2xx status the package does not list is
  the difference ``(status)``.

``Result`` keeps every finding per operation; ``figures`` gives the counts the issue quotes.
"""

from __future__ import annotations

import base64
import contextlib
import json
import socket
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx

from tests.conformance import schemas
from tests.conformance.differences import Difference
from tests.conformance.package import Body, ClientCall, Operation, Package, normalize

ROUTE_NOT_FOUND = "meshery-server-1004"
RESET = "DELETE /api/system/database/reset"  # empties the database: checked last
DESIGN = (
    "name: conf-design\nschemaVersion: designs.meshery.io/v1beta1\nversion: 0.0.1\ncomponents: []\nrelationships: []\n"
)
UNKNOWN = "00000000-0000-4000-8000-00000000c0de"  # an id of nothing (teams, views, servers)

# A value for each query parameter the client sends (present and well-formed).
PARAM_VALUES: dict[str, str] = {
    "page": "0",
    "pagesize": "10",
    "pageSize": "10",
    "search": "conformance",
    "order": "name asc",
    "sort": "name",
    "filter": '{"assigned":true}',
    "kind": "prometheus",
    "status": "connected",
    "type": "platform",
    "name": "conformance",
    "all": "true",
    "domain": "layer5.io",
    "from": "2026-01-01T00:00:00Z",
    "to": "2026-12-31T00:00:00Z",
}


@dataclass
class Exchange:
    key: str
    request: str
    status: int
    body: Any


@dataclass
class Result:
    checked: list[Operation]
    excluded: dict[str, str]  # key -> owning area
    served: dict[str, bool] = field(default_factory=dict)
    bodies: dict[str, str | None] = field(default_factory=dict)  # "key (version)" -> problem or None
    params: dict[tuple[str, str], str | None] = field(default_factory=dict)  # (call, param) -> problem
    param_ops: dict[tuple[str, str], str] = field(default_factory=dict)  # (call, param) -> op key
    issue_params: set[tuple[str, str]] = field(default_factory=set)  # the issue's 56
    differences: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    documented_hits: set[str] = field(default_factory=set)
    problems: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))

    def note(self, key: str, problem: str) -> None:
        if problem not in self.problems[key]:
            self.problems[key].append(problem)

    def figures(self) -> dict[str, tuple[int, int]]:
        """(passed, total) per figure of the issue; ``differences`` is (count, 0)."""
        issue = [self.params[p] for p in self.issue_params]
        identity = {op.key for op in self.checked if op.identity}
        outside = [v for label, v in self.bodies.items() if label.rsplit(" (", 1)[0] not in identity]
        return {
            "served": (sum(self.served.values()), len(self.served) + len(self.excluded)),
            "served_checked": (sum(self.served.values()), len(self.served)),
            "bodies": (sum(v is None for v in self.bodies.values()), len(self.bodies)),
            "bodies_outside_identity": (sum(v is None for v in outside), len(outside)),
            "params": (sum(v is None for v in issue), len(issue)),
            "params_all": (sum(v is None for v in self.params.values()), len(self.params)),
            "differences": (sum(len(v) for v in self.differences.values()), 0),
        }


class Run:
    def __init__(
        self,
        client: httpx.AsyncClient,
        package: Package,
        documented: list[Difference],
        remote: httpx.AsyncClient | None = None,
    ) -> None:
        self.client = client
        # A session of a user of the reference remote provider, on the same app: identity
        # operations are checked through it too (forwarded to the provider).
        self.remote = remote
        self.local_identity = False  # checking an identity operation under the local provider
        self.package = package
        self.documented = documented
        checked = [op for op in package.operations if op.area is None]
        self.result = Result(checked, {op.key: op.area for op in package.operations if op.area})
        self.keep: dict[str, str] = {}
        self.doomed: dict[str, str] = {}
        self.remote_keep: dict[str, str] = {}
        self.remote_doomed: dict[str, str] = {}

    # --- requests ------------------------------------------------------------------

    async def send(self, op: Operation, path: str, **kwargs: Any) -> Exchange:
        response = await self.client.request(op.method, path, **kwargs)
        try:
            body = response.json()
        except ValueError:
            body = None
        shown = f"{op.method} {path}" + (f"?{httpx.QueryParams(kwargs['params'])}" if kwargs.get("params") else "")
        exchange = Exchange(op.key, shown, response.status_code, body)
        if 200 <= response.status_code < 300 and "json" in response.headers.get("content-type", ""):
            self.check_answer(op, exchange)
        return exchange

    def url(self, op: Operation, values: dict[str, str]) -> str:
        """The operation's path with a real value for each parameter."""
        out = op.path
        for name in [p.strip("{}") for p in op.path.split("/") if p.startswith("{")]:
            out = out.replace("{" + name + "}", self.value(op, name, values), 1)
        return out

    def value(self, op: Operation, name: str, values: dict[str, str]) -> str:
        if name == "id":
            name = {"credentials": "credentialId", "profile": "userId"}.get(op.path.split("/")[-2], "eventId")
        if name == "connectionId" and "/connections/kubernetes/" in op.path:
            return self.keep["kubernetesConnectionId"]
        return values.get(name, UNKNOWN)

    # --- seeding -------------------------------------------------------------------

    async def seed(self) -> None:
        for target in (self.keep, self.doomed):
            cred = await self._post(
                "/api/integrations/credentials", {"name": "conf-cred", "type": "prometheus", "secret": {"k": "v"}}
            )
            target["credentialId"] = cred["id"]
            conn = await self._post(
                "/api/integrations/connections",
                {
                    "name": "conf-conn",
                    "kind": "prometheus",
                    "type": "platform",
                    "sub_type": "observability",
                    "status": "connected",
                },
            )
            target["connectionId"] = conn["id"]
            target["environmentId"] = (await self._post("/api/environments", {"name": "conf-env", "description": "d"}))[
                "id"
            ]
            target["workspaceId"] = (await self._post("/api/workspaces", {"name": "conf-ws", "description": "d"}))["id"]
            design = await self._post("/api/pattern", {"name": "conf-design", "pattern_file": DESIGN})
            target["designId"] = (design[0] if isinstance(design, list) else design)["id"]
            event = await self._post(
                "/api/system/events", {"category": "conformance", "action": "seed", "description": "d"}
            )
            target["eventId"] = event["id"]
            profile = await self._post(
                "/api/performance/profiles",
                {"name": "conf-profile", "endpoints": ["http://127.0.0.1:9/"], "duration": "1s"},
            )
            target["performanceProfileId"] = profile["id"]
            target["userId"] = await self._user_id()
            target["orgId"] = await self._org_id()
            target["teamId"] = target["viewId"] = UNKNOWN
            # a Meshery server connection, named by its server's id
            target["mesheryServerId"] = str(uuid.uuid4())
            await self._post(
                "/api/integrations/connections",
                {
                    "name": "conf-peer",
                    "kind": "meshery",
                    "type": "platform",
                    "metadata": {"server_id": target["mesheryServerId"]},
                },
            )
        # a Kubernetes connection with its context (the cluster is unreachable: registered, not connected)
        self.keep["kubernetesConnectionId"] = await self._kubernetes_connection()
        # an event for the bulk delete (POST /events/delete runs before the status changes)
        spare = await self._post("/api/system/events", {"category": "conformance", "action": "spare"})
        self.keep["spareEventId"] = spare["id"]

    async def _post(self, path: str, body: dict[str, Any]) -> Any:
        response = await self.client.post(path, json=body)
        assert response.status_code < 300, f"seeding {path}: {response.status_code} {response.text[:300]}"
        return response.json()

    async def _kubernetes_connection(self) -> str:
        with socket.socket() as probe:  # a loopback port nothing listens on: refused at once
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        kubeconfig = {
            "clusters": [{"name": "conf-c", "cluster": {"server": f"http://127.0.0.1:{port}"}}],
            "users": [{"name": "conf-u", "user": {"token": "conformance"}}],
            "contexts": [{"name": "conf-ctx", "context": {"cluster": "conf-c", "user": "conf-u"}}],
            "current-context": "conf-ctx",
        }
        response = await self.client.post(
            "/api/system/kubernetes", files={"k8sfile": ("config", json.dumps(kubeconfig).encode())}
        )
        assert response.status_code < 300, f"seeding a Kubernetes context: {response.status_code} {response.text[:300]}"
        body = response.json()
        kinds = ("registered_contexts", "connected_contexts", "errored_contexts")
        found = [c for key in kinds for c in body.get(key) or []]
        assert found and found[0].get("connection_id"), f"seeding a Kubernetes context: {body}"
        return str(found[0]["connection_id"])

    async def _user_id(self) -> str:
        for path in ("/api/identity/users/profile", "/api/user"):
            response = await self.client.get(path)
            if response.status_code == 200:
                found = response.json().get("id") or response.json().get("user_id")
                if found:
                    return str(found)
        return UNKNOWN

    async def _org_id(self) -> str:
        response = await self.client.get("/api/identity/orgs")
        if response.status_code == 200:
            orgs = response.json().get("organizations") or []
            if orgs and orgs[0].get("id"):
                return str(orgs[0]["id"])
        return UNKNOWN

    # --- checks --------------------------------------------------------------------

    def check_answer(self, op: Operation, exchange: Exchange) -> None:
        answers = {int(s): r for s, r in op.responses.items() if s.isdigit()}
        if exchange.status not in answers:
            listed = sorted(s for s in answers if 200 <= s < 300)
            self.difference(op.key, "(status)", f"answers {exchange.status}, the package lists {listed}")
            return
        schema = answers[exchange.status].get("schema")
        if schema is None:
            return
        for where, kind, message in schemas.problems(schema, exchange.body):
            self.difference(op.key, where, f"{kind}: {message}")

    def difference(self, key: str, where: str, message: str) -> None:
        covered = next((d for d in self.documented if d.covers(key, where)), None)
        if covered is not None:
            self.result.documented_hits.add(covered.row)
            return
        self.result.differences[key].add(f"{where} ({message})")
        self.result.note(key, f"answer differs at {where}: {message}")

    async def check_operation(self, op: Operation) -> None:
        # A delete of a resource takes the spare one; a delete of an assignment, the one assigned before.
        values = self.doomed if op.method == "DELETE" and op.path.count("{") == 1 else self.keep
        path = self.url(op, values)
        bodies = [b for b in op.bodies if "json" in b.media or "form" in b.media]
        kwargs: dict[str, Any] = {}
        if op.key == "DELETE /api/integrations/credentials":  # the spare one: the other is in use by now
            kwargs["params"] = {"credentialId": self.doomed["credentialId"]}
        if bodies:
            first = await self.check_body(op, path, bodies[0], values)
            served = first
            for body in bodies[1:]:
                await self.check_body(op, path, body, values)
        else:
            required = [p["name"] for p in op.parameters if p.get("in") == "query" and p.get("required")]
            if required and "params" not in kwargs:
                kwargs["params"] = {name: values.get(name, PARAM_VALUES.get(name, "x")) for name in required}
            served = await self.send(op, path, **kwargs)
        ok = not (served.status == 405 or (served.status == 404 and _code(served.body) == ROUTE_NOT_FOUND))
        if self.local_identity:
            if ok and served.status >= 400 and not bodies:
                self.refused_locally(op, served)
            return
        self.result.served[op.key] = ok
        if not ok:
            self.result.note(op.key, f"not served: {served.request} answers {served.status}")
        elif served.status >= 400 and not bodies:
            self.result.note(
                op.key, f"served but refused: {served.request} answers {served.status} {_code(served.body)}"
            )

    async def check_body(self, op: Operation, path: str, body: Body, values: dict[str, str]) -> Exchange:
        label = f"{op.key} ({body.version})"
        payload = schemas.sample(body.schema, hints=self.hints(op, values))
        invalid = schemas.problems(body.schema, payload)
        if invalid:
            self.result.bodies[label] = f"the generated body is not package-valid: {invalid[:2]}"
            self.result.note(op.key, f"{body.version} body: {self.result.bodies[label]}")
            return await self.send(op, path, json=payload)
        exchange = await self.send(op, path, json=payload)
        if self.local_identity:
            if exchange.status >= 400:
                self.refused_locally(op, exchange)
            return exchange
        problem: str | None = None
        if not 200 <= exchange.status < 300:
            problem = f"refused: {exchange.status} {_code(exchange.body)} {_message(exchange.body)}"
        else:
            problem = await self.persisted(op, path, payload, exchange)
        self.result.bodies[label] = problem
        if problem:
            self.result.note(op.key, f"{body.version} body {json.dumps(payload)[:200]}: {problem}")
        return exchange

    def hints(self, op: Operation, values: dict[str, str]) -> dict[str, Any]:
        hints: dict[str, Any] = {
            "credentialId": values["credentialId"],
            "organizationId": values["orgId"],
            "organization_id": values["orgId"],
            "userId": _uuid_or(values["userId"]),
            "user_id": _uuid_or(values["userId"]),
            "ids": [values["eventId"]],
            "file_name": "conformance.yaml",
            "fileName": "conformance.yaml",
        }
        if op.key == "POST /events/delete":
            hints["ids"] = [values["spareEventId"]]
        if op.path == "/api/integrations/credentials" and op.method == "PUT":
            hints["id"] = values["credentialId"]
        if op.path.startswith("/api/meshmodels/register"):
            model = {"name": "conformance-model", "version": "v1.0.0", "components": [], "relationships": []}
            hints["importBody"] = {"fileName": "model.json", "modelFile": _b64(json.dumps(model))}
            hints["uploadType"] = "file"
            hints["register"] = True
        if op.path.startswith("/api/performance/profiles"):
            hints["duration"] = "30s"  # a Go duration (the generated text does not match the pattern)
        if op.path.startswith("/api/integrations/connections"):
            hints.update(kind="prometheus", type="platform", subType="observability", status="connected")
        if op.path == "/api/meshmodels/relationships/evaluate":
            # the package's examples of schemaVersion are a list, and its patterns refuse upstream's own values
            hints.update(schemaVersion="v1", version="v1.0.0")
        return hints

    async def persisted(self, op: Operation, path: str, payload: Any, exchange: Exchange) -> str | None:
        """None when the package's read route gives back the body's strings (or it has none)."""
        if not isinstance(payload, dict):
            return None
        read: str | None = None
        if op.method == "POST" and isinstance(exchange.body, dict) and exchange.body.get("id"):
            if self.package.operation(normalize("GET", path + "/{}")):
                read = f"{path}/{exchange.body['id']}"
        elif op.method == "PUT" and self.package.operation(normalize("GET", op.path)) and "{" in op.path:
            read = path
        elif op.method == "PUT" and payload.get("id") and self.package.operation(normalize("GET", op.path + "/{}")):
            read = f"{path}/{payload['id']}"
        if read is None:
            return None
        got = _one_item((await self.client.get(read)).json())
        for name, sent in payload.items():
            if name in ("name", "description") and isinstance(sent, str) and _field(got, name) != sent:
                return f"{name} not persisted: sent {sent!r}, {read} gives {_field(got, name)!r}"
        return None

    async def check_params(self, call: ClientCall) -> None:
        op = self.package.operation(call.key)
        if op is None or op.area is not None or call.method != "GET":
            return
        if op.identity and self.remote is not None:
            async with self.under_remote_provider():
                await self._check_params(call, op)
        else:
            await self._check_params(call, op)

    async def _check_params(self, call: ClientCall, op: Operation) -> None:
        path = self.url(op, self.keep)
        for param in call.params:
            value = self.keep.get(param) or PARAM_VALUES.get(param, "x")
            exchange = await self.send(op, path, params={param: value})
            key = (call.name, param)
            self.result.param_ops[key] = op.key
            if not op.identity:
                self.result.issue_params.add(key)
            ok = 200 <= exchange.status < 300
            self.result.params[key] = (
                None if ok else f"{exchange.request} answers {exchange.status} {_code(exchange.body)}"
            )
            if not ok:
                self.result.note(op.key, f"query parameter {param!r} refused: {self.result.params[key]}")

    async def run(self) -> Result:
        await self.seed()
        if self.remote is not None:
            await self.seed_remote()
        order = {"GET": 0, "POST": 1, "PUT": 2, "DELETE": 3}
        # deletes of assignments before deletes of what they belong to
        for call in self.package.client:
            await self.check_params(call)
        for op in sorted(
            self.result.checked, key=lambda o: (o.key == RESET, order.get(o.method, 4), -o.path.count("/"), o.key)
        ):
            if op.identity and self.remote is not None:
                # the local provider's answers (its refusals are documented differences), then the
                # remote provider's, which count in the figures
                self.local_identity = True
                try:
                    await self.check_operation(op)
                finally:
                    self.local_identity = False
                async with self.under_remote_provider():
                    await self.check_operation(op)
            else:
                await self.check_operation(op)
        return self.result

    def refused_locally(self, op: Operation, exchange: Exchange) -> None:
        """A refusal under the local provider: a difference, unless spec/DIFFERENCES.md documents it."""
        self.difference(
            op.key,
            f"(local provider {exchange.status})",
            f"{exchange.request}: {_code(exchange.body)} {_message(exchange.body)}",
        )

    @contextlib.asynccontextmanager
    async def under_remote_provider(self) -> AsyncIterator[None]:
        """Requests go through the remote provider's session, with its organization, team and user."""
        assert self.remote is not None
        saved = self.client, self.keep, self.doomed
        self.client, self.keep, self.doomed = self.remote, self.remote_keep, self.remote_doomed
        try:
            yield
        finally:
            self.client, self.keep, self.doomed = saved

    async def seed_remote(self) -> None:
        """The remote user's organization (and its domain: the one of the user's e-mail address),
        a team in it, and a spare organization to delete; the other values are the local ones."""
        self.remote_keep.update(self.keep)
        self.remote_doomed.update(self.doomed)
        async with self.under_remote_provider():
            profile = await self.client.get("/api/identity/users/profile")
            assert profile.status_code == 200, f"remote profile: {profile.status_code} {profile.text[:300]}"
            user_id, email = str(profile.json()["id"]), str(profile.json().get("email") or "")
            org_id = await self._org_id()
            org = await self._post("/api/identity/orgs", {"name": "conf-org", "description": "d"})
            team = await self._post(f"/api/identity/orgs/{org_id}/teams", {"name": "conf-team"})
        for target in (self.remote_keep, self.remote_doomed):
            target.update(userId=user_id, orgId=org_id, teamId=team["id"], domain=email.rpartition("@")[2])
        self.remote_doomed["orgId"] = org["organizations"][0]["id"]


async def run(
    client: httpx.AsyncClient,
    package: Package,
    documented: list[Difference],
    remote: httpx.AsyncClient | None = None,
) -> Result:
    return await Run(client, package, documented, remote).run()


def _code(body: Any) -> str:
    return str(body.get("code", "")) if isinstance(body, dict) else ""


def _message(body: Any) -> str:
    if isinstance(body, dict):
        return str(body.get("error") or body.get("message") or "")[:160]
    return ""


def _one_item(value: Any) -> Any:
    """A page of one item (``{"organizations": [org], "page": 0...}``) as that item; else ``value``."""
    if isinstance(value, dict) and "name" not in value:
        lists = [v for v in value.values() if isinstance(v, list)]
        if len(lists) == 1 and len(lists[0]) == 1 and isinstance(lists[0][0], dict):
            return lists[0][0]
    return value


def _field(value: Any, name: str) -> Any:
    if not isinstance(value, dict):
        return None
    return value.get(name)


def _uuid_or(value: str) -> str:
    """``value`` when it is a UUID (the package wants one), else a fixed one."""
    try:
        return str(uuid.UUID(value))
    except ValueError:
        return UNKNOWN


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def report(result: Result) -> str:
    """The figures and, per operation, what is wrong (the text the report command prints)."""
    figures = result.figures()
    f = {name: f"{ok}/{total}" for name, (ok, total) in figures.items()}
    lines = [
        f"operations served   {f['served']}  (checked here: {f['served_checked']})",
        f"bodies accepted     {f['bodies']}  (outside identity: {f['bodies_outside_identity']})",
        f"parameters accepted {f['params']}  (with identity: {f['params_all']})",
        f"answer differences  {figures['differences'][0]}  (documented and seen: {len(result.documented_hits)})",
        "",
        "excluded (owned by other issues):",
    ]
    lines += [f"  {key}: {area}" for key, area in sorted(result.excluded.items())]
    lines.append("")
    lines.append("per operation:")
    for key in sorted(result.problems):
        lines.append(f"  {key}")
        lines += [f"    - {p}" for p in result.problems[key]]
    return "\n".join(lines)
