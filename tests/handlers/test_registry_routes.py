"""Registry routes beyond listing: lookups, registration, status, export, validation, generation, GraphQL."""

from __future__ import annotations

import base64
import gc
import io
import json
import tarfile
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette

from generated import errors
from meshery import answers
from meshery.app import create_app
from meshery.config import Settings
from meshery.registry import service
from tests.fixtures.contract import ContractChecker, contract_client
from tests.fixtures.registry import GOLDEN


def _golden(path: str) -> dict[str, object]:
    file = GOLDEN / "internal/cli/root" / path
    if not file.is_file():
        pytest.skip(f"mesheryctl golden file not present at {file}")
    return json.loads(file.read_text())  # type: ignore[no-any-return]


async def test_model_and_component_answers_have_the_golden_keys(rclient: httpx.AsyncClient) -> None:
    golden = _golden("model/fixtures/list.model.api.response.golden")
    ours = (await rclient.get("/api/meshmodels/models", params={"search": "dem"})).json()
    # upstream's keys, with @meshery/schemas' camelCase page fields beside them
    assert set(ours) == set(golden) | {"pageSize", "totalCount"}
    assert set(golden["models"][0]) <= set(ours["models"][0])  # type: ignore[index]
    first = ours["models"][0]
    assert (first["categoryId"], first["registrantId"]) == (first["category"]["id"], first["connection_id"])
    assert first["createdAt"].endswith("Z") and first["updatedAt"] >= first["createdAt"]
    assert set(golden["models"][0]["registrant"]) <= set(ours["models"][0]["registrant"])  # type: ignore[index]
    golden = _golden("components/fixtures/components.api.response.golden")
    ours = (await rclient.get("/api/meshmodels/components")).json()
    assert set(ours) == set(golden) | {"pageSize", "totalCount"}
    comp = ours["components"][0]
    assert set(golden["components"][0]) <= set(comp)  # type: ignore[index]
    assert set(golden["components"][0]["model"]) <= set(comp["model"])  # type: ignore[index]
    assert isinstance(comp["component"]["schema"], str)
    reference = comp["modelReference"]  # @meshery/schemas' reference to the component's model
    assert (reference["id"], reference["name"]) == (comp["model"]["id"], comp["model"]["name"])
    assert reference["registrant"]["kind"] == comp["model"]["registrant"]["kind"]


@pytest.mark.parametrize(
    ("operation_id", "path", "key"),
    [
        ("getMeshmodelModels", "/api/meshmodels/models", "models"),
        ("getMeshmodelComponents", "/api/meshmodels/components", "components"),
        ("getMeshmodelRegistrants", "/api/meshmodels/registrants", "registrants"),
        ("getMeshmodelRelationshipsByModelAndName", "/api/meshmodels/models/demo/relationships/edge", "relationships"),
        ("getRegistryCategories", "/api/registry/categories", "categories"),
    ],
)
async def test_every_row_of_the_sql_assembled_hot_lists_fits_the_answer_schema(
    rclient: httpx.AsyncClient, operation_id: str, path: str, key: str
) -> None:
    """Hot lists skip the encoder (JSON spliced from named columns); the generated encoder checks every row."""
    params = {"version": "1.0.0"} if key == "relationships" else {}
    body = (await rclient.get(path, params=params)).json()
    assert body[key], f"the fixture registry has no {key}"
    encoded = answers.encode(operation_id, 200, body)
    assert encoded is not None and json.loads(encoded) == body, "re-encoding from the spec changes nothing"
    for row in body[key]:
        one = {**body, key: [row]}
        assert answers.encode(operation_id, 200, one) is not None


@pytest.mark.parametrize(
    "path", ["/api/meshmodels/models", "/api/registry/models/demo", "/api/meshmodels/categories/x/models"]
)
async def test_model_lists_accept_the_embedding_flags_upstream_clients_send(
    rclient: httpx.AsyncClient, path: str
) -> None:
    plain = await rclient.get(path)
    flagged = await rclient.get(path, params={"components": "true", "relationships": "true", "annotations": "false"})
    assert flagged.status_code == plain.status_code == 200
    assert flagged.json() == plain.json()  # accepted, not embedded yet (the spec says so)
    wrong = await rclient.get(path, params={"components": "maybe"})
    assert wrong.status_code == 400 and wrong.json()["code"] == errors.ErrRequestValidation.code


async def test_categories_registrants_relationships(rclient: httpx.AsyncClient) -> None:
    cats = (await rclient.get("/api/registry/categories")).json()
    assert [c["name"] for c in cats["categories"]] == ["App Definition and Development"]
    one = (await rclient.get("/api/registry/categories/App Definition and Development/models")).json()
    assert [m["name"] for m in one["models"]] == ["demo"]
    none = (await rclient.get("/api/registry/categories/Tools/components")).json()
    assert none["total_count"] == 0
    regs = (await rclient.get("/api/meshmodels/registrants")).json()
    assert [(r["kind"], r["summary"]["models"]) for r in regs["registrants"]] == [("github", 1)]
    rels = (await rclient.get("/api/meshmodels/models/demo/relationships/edge", params={"version": "1.0.0"})).json()
    assert [(r["kind"], r["type"], r["subType"]) for r in rels["relationships"]] == [
        ("edge", "non-binding", "reference")
    ]
    assert rels["relationships"][0]["model"]["name"] == "demo"


async def test_status_and_delete(rclient: httpx.AsyncClient) -> None:
    comp = (await rclient.get("/api/registry/components/Widget")).json()["components"][0]
    answer = await rclient.post("/api/meshmodels/components/status", json={"id": comp["id"], "status": "ignored"})
    assert answer.status_code == 200
    again = (await rclient.get("/api/registry/components/Widget")).json()["components"][0]
    assert again["status"] == "ignored"
    bad = await rclient.post("/api/meshmodels/widgets/status", json={"id": comp["id"], "status": "ignored"})
    assert (bad.status_code, bad.json()["code"]) == (400, errors.ErrRequestValidation.code)
    missing = await rclient.post("/api/registry/models/status", json={"id": "nope", "status": "enabled"})
    assert (missing.status_code, missing.json()["code"]) == (404, errors.ErrRegistryNotFound.code)
    model = (await rclient.get("/api/registry/models")).json()["models"][0]
    assert (await rclient.delete(f"/api/registry/models/{model['id']}")).status_code == 200
    left = (await rclient.get("/api/registry/models")).json()["models"]
    assert [m["model"]["version"] for m in left] == ["1.0.0"]


# Connexion's request validation parses multipart forms into its own spooled
# temporary file and leaves closing it to the garbage collector.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
async def test_export_round_trips_through_register(rclient: httpx.AsyncClient) -> None:
    exported = await rclient.get(
        "/api/registry/export", params={"name": "demo", "version": "1.0.0", "output_format": "tar"}
    )
    assert exported.headers["content-type"] == "application/gzip"
    with tarfile.open(fileobj=io.BytesIO(exported.content)) as archive:
        names = sorted(archive.getnames())
    assert names[-1] == "demo/1.0.0/v1.0.0/relationships/edge-non-binding-reference-" + names[-1].rsplit("-", 1)[1]
    as_json = (await rclient.get("/api/registry/export", params={"name": "demo"})).json()
    assert as_json["name"] == "demo" and len(as_json["components"]) == 1
    as_yaml = await rclient.get("/api/meshmodels/export", params={"name": "demo", "output_format": "yaml"})
    assert as_yaml.text.startswith("id:") or "name: demo" in as_yaml.text
    unnamed = await rclient.get("/api/registry/export")
    assert (unnamed.status_code, unnamed.json()["code"]) == (404, errors.ErrRegistryNotFound.code)
    missing = await rclient.get("/api/registry/export", params={"name": "nothing"})
    assert (missing.status_code, missing.json()["code"]) == (404, errors.ErrRegistryNotFound.code)
    # Import the archive under another name.
    renamed = io.BytesIO()
    with tarfile.open(fileobj=io.BytesIO(exported.content)) as src, tarfile.open(fileobj=renamed, mode="w:gz") as dst:
        for member in src.getmembers():
            data = src.extractfile(member).read()  # type: ignore[union-attr]
            if member.name.endswith("model.json"):
                data = json.dumps({**json.loads(data), "name": "copied"}).encode()
            member.size = len(data)
            dst.addfile(member, io.BytesIO(data))
    body = {
        "uploadType": "file",
        "importBody": {"fileName": "demo.tar.gz", "modelFile": base64.b64encode(renamed.getvalue()).decode()},
    }
    result = (await rclient.post("/api/meshmodels/register", json=body)).json()
    assert (result["imported"], result["components"], result["relationships"]) == (1, 3, 1)
    request = httpx.Request("POST", "http://x", files={"file": ("demo.tar.gz", renamed.getvalue())})
    multipart = await rclient.post(
        "/api/registry/register", content=request.read(), headers={"content-type": request.headers["content-type"]}
    )
    assert multipart.status_code == 200 and multipart.json()["imported"] == 1
    assert (await rclient.get("/api/registry/models/copied")).json()["total_count"] == 1
    gc.collect()  # let that temporary file's warning fire here, where it is filtered


async def test_register_json_model_and_registrant_posts(rclient: httpx.AsyncClient) -> None:
    model = {
        "schemaVersion": "models.meshery.io/v1beta1",
        "name": "posted",
        "registrant": {"kind": "meshery"},
        "model": {"version": "0.1.0"},
        "components": [{"displayName": "Thing", "component": {"version": "p/v1", "kind": "Thing", "schema": "{}"}}],
    }
    result = (
        await rclient.post("/api/registry/register", json={"uploadType": "json", "importBody": {"model": model}})
    ).json()
    assert (result["imported"], result["components"]) == (1, 1)
    junk = {"uploadType": "file", "importBody": {"fileName": "x.zip", "modelFile": base64.b64encode(b"junk").decode()}}
    result = (await rclient.post("/api/registry/register", json=junk)).json()
    assert (result["failed"], result["errors"][0]["code"]) == (1, errors.ErrRegistryBadArchive.code)
    nowhere = (await rclient.post("/api/registry/register", json={"importBody": {"url": "ftp://x"}})).json()
    assert nowhere["errors"][0]["code"] == errors.ErrRegistryFetchFailed.code
    no_registrant = {**model, "name": "anon", "registrant": {}}
    result = (await rclient.post("/api/registry/register", json={"importBody": {"model": no_registrant}})).json()
    assert result["failed"] == 1 and result["errors"][0]["code"] == errors.ErrRegistryRegistrantMissing.code
    entity = {
        "displayName": "Other",
        "model": {"name": "posted", "model": {"version": "0.1.0"}},
        "component": {"version": "p/v1", "kind": "Other", "schema": "{}"},
    }
    answer = await rclient.post(
        "/api/meshmodels/components",
        json={
            "entityType": "component",
            "connection": {"kind": "meshery"},
            "entity": base64.b64encode(json.dumps(entity).encode()).decode(),
        },
    )
    assert answer.status_code == 201
    kinds = (await rclient.get("/api/registry/models/posted/components")).json()["components"]
    assert sorted(c["component"]["kind"] for c in kinds) == ["Other", "Thing"]
    rel = {
        "kind": "edge",
        "type": "binding",
        "subType": "mount",
        "model": {"name": "posted", "model": {"version": "0.1.0"}},
    }
    answer = await rclient.post("/api/registry/relationships", json={"entityType": "relationship", "entity": rel})
    assert answer.status_code == 201 and answer.json()["relationships"] == 1
    wrong = await rclient.post("/api/registry/relationships", json={"entityType": "component", "entity": rel})
    assert (wrong.status_code, wrong.json()["code"]) == (400, errors.ErrRequestValidation.code)
    garbage = await rclient.post("/api/registry/components", json={"entityType": "component", "entity": "%%%"})
    assert garbage.status_code == 200  # well formed, nothing registered: said in `errors`
    assert (garbage.json()["model"], garbage.json()["errors"][0]["code"]) == (
        None,
        errors.ErrRegistryEntityInvalid.code,
    )


async def test_validate_reports_fields(rclient: httpx.AsyncClient) -> None:
    design = {
        "components": [
            {
                "id": "a",
                "component": {"kind": "Widget", "version": "demo.example.com/v1"},
                "configuration": {"spec": {"size": 0, "color": "green"}},
            },
            {"id": "b", "component": {"kind": "Widget"}, "configuration": {"spec": {"size": 3}}},
            {"id": "c", "component": {"kind": "Unknown"}, "configuration": {}},
        ]
    }
    result = (await rclient.post("/api/registry/validate", json={"design": design})).json()
    a, b, c = result["components"]
    assert result["valid"] is False
    assert sorted(e["path"] for e in a["errors"]) == ["/spec/color", "/spec/size"]
    assert (b["valid"], c["valid"], c["schemaFound"]) == (True, True, False)
    bad = await rclient.post("/api/registry/validate", json={"components": [{"configuration": {}}]})
    assert (bad.status_code, bad.json()["code"]) == (400, errors.ErrRequestValidation.code)


CRD = """
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: gizmos.tools.example.com}
spec:
  group: tools.example.com
  scope: Cluster
  names: {kind: GizmoPool, plural: gizmopools}
  versions:
    - name: v1
      served: true
      schema: {openAPIV3Schema: {type: object, properties: {spec: {type: object}}}}
    - name: v0
      served: false
"""


async def test_generate_from_crds(rclient: httpx.AsyncClient) -> None:
    result = (await rclient.post("/api/meshmodels/generate", json={"crds": CRD, "register": True})).json()
    (comp,) = result["components"]
    assert (comp["displayName"], comp["component"]["version"], comp["metadata"]["isNamespaced"]) == (
        "Gizmo Pool",
        "tools.example.com/v1",
        False,
    )
    assert result["registered"] is True
    listed = (await rclient.get("/api/registry/models/tools/components")).json()
    assert [c["component"]["kind"] for c in listed["components"]] == ["GizmoPool"]
    bad = (await rclient.post("/api/registry/generate", json={"crds": "kind: ConfigMap"})).json()
    assert (bad["components"], bad["errors"][0]["code"]) == ([], errors.ErrRegistryEntityInvalid.code)
    broken = (await rclient.post("/api/registry/generate", json={"crds": "a: [b"})).json()
    assert broken["errors"][0]["code"] == errors.ErrRegistryEntityInvalid.code


async def test_connection_definitions_crud(rclient: httpx.AsyncClient) -> None:
    created = await rclient.post("/api/registry/connections", json={"kind": "grafana", "name": "Grafana"})
    assert created.status_code == 201
    def_id = created.json()["id"]
    assert (await rclient.get(f"/api/meshmodels/connections/{def_id}")).json()["kind"] == "grafana"
    updated = await rclient.put(f"/api/registry/connections/{def_id}", json={"kind": "grafana", "name": "G2"})
    assert updated.json()["name"] == "G2"
    listed = (await rclient.get("/api/registry/connections")).json()
    assert [c["name"] for c in listed["connections"]] == ["G2"]
    assert (await rclient.delete(f"/api/registry/connections/{def_id}")).status_code == 200
    gone = await rclient.get(f"/api/registry/connections/{def_id}")
    assert (gone.status_code, gone.json()["code"]) == (404, errors.ErrRegistryNotFound.code)


async def test_graphql_summary(rclient: httpx.AsyncClient) -> None:
    query = (
        '{ getMeshModelSummary(selector: {type: "components"}) '
        "{ components { name count } relationships { name count } } }"
    )
    answer = (await rclient.post("/api/system/graphql/query", json={"query": query})).json()
    assert answer["data"]["getMeshModelSummary"] == {"components": [{"name": "demo", "count": 1}], "relationships": []}


async def test_registry_persists_across_restart(registry_settings: Settings, contract: ContractChecker) -> None:
    for run in range(2):
        app: Starlette = create_app(registry_settings)
        async with app.router.lifespan_context(app):
            report = await service.run_import(app.state.meshery.services)
            if run == 1:
                assert (report.imported, report.unchanged) == (0, 2)
            async with contract_client(app, contract) as http:
                models = (await http.get("/api/meshmodels/models", params={"version": "1.0.0"})).json()
                assert models["models"][0]["components_count"] == 3


async def test_bad_parameters_are_400(rclient: httpx.AsyncClient) -> None:
    # pagesize=0 is upstream's default page size (the lenient reader, x-lenient), not a bad value.
    for params in ({"pagesize": "-1"}, {"pagesize": "many"}, {"sort": "sideways"}, {"status": "odd"}):
        answer = await rclient.get("/api/registry/components", params=params)
        assert answer.status_code == 400, params
    assert (await rclient.get("/api/registry/components", params={"pagesize": "all"})).status_code == 200
    assert (await rclient.get("/api/registry/components", params={"pageSize": "1", "page": 1})).json()["page"] == 1


def test_fixture_packages_are_committed() -> None:
    from tests.fixtures.registry import FIXTURES

    assert (FIXTURES / "demo/1.0.0/v1.0.0/model.json").is_file()
    assert Path(FIXTURES).is_dir()


async def test_odd_but_valid_json_is_not_a_server_error(rclient: httpx.AsyncClient) -> None:
    huge = 2**70
    model = {
        "schemaVersion": "models.meshery.io/v1beta1",
        "name": "odd",
        "registrant": {"kind": "x"},
        "model": {"version": 1},
        "metadata": {"n": huge},
        "components": [{"displayName": "T", "component": {"version": "v1", "kind": "T", "schema": {"n": huge}}}],
    }
    answer = await rclient.post("/api/registry/register", json={"importBody": {"model": model}})
    assert answer.status_code == 200 and answer.json()["imported"] == 1
    crd = "kind: CustomResourceDefinition\nspec: {group: a.b, names: {kind: K}, versions: 3}\n"
    answer = await rclient.post("/api/registry/generate", json={"crds": crd})
    assert answer.status_code == 200 and answer.json()["components"] == []
    entity = {"model": {"name": "odd"}, "component": {"kind": "U", "version": "v1", "schema": {"n": huge}}}
    answer = await rclient.post("/api/registry/components", json={"entityType": "component", "entity": entity})
    assert answer.status_code == 201


async def test_unreadable_bodies_are_400_and_405_lists_every_method(rclient: httpx.AsyncClient) -> None:
    binary = await rclient.post(
        "/api/registry/validate", content=b"\xd1\x16", headers={"content-type": "application/json"}
    )
    assert (binary.status_code, binary.json()["code"]) == (400, errors.ErrRequestValidation.code)
    no_boundary = await rclient.post(
        "/api/registry/register", content=b"{}", headers={"content-type": "multipart/form-data"}
    )
    assert (no_boundary.status_code, no_boundary.json()["code"]) == (400, errors.ErrRequestValidation.code)
    options = await rclient.options("/api/registry/components")
    assert (options.status_code, options.headers["allow"]) == (405, "GET, HEAD, POST")
    status = await rclient.options("/api/registry/models/status")
    assert status.headers["allow"] == "POST"
