"""``POST|DELETE /api/filter/deploy`` against the API emulator, checked with the real kubectl.

A filter (a real WASM module written by the test, with an Istio ``EnvoyFilter`` and a
ConfigMap as its configuration) is saved, deployed by id, redeployed, deployed from its raw
YAML as a dry run, and undeployed; what the cluster holds is read back with kubectl.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from generated import errors
from tests.filters.modules import CRD, GROUP, envoy_filter, module
from tests.handlers import test_deploy
from tests.handlers.test_deploy import FIELD_MANAGER, Cluster, managers, statuses

DEPLOY = "/api/filter/deploy"
cluster = test_deploy.cluster  # the design deploy tests' fixture: the emulator uploaded as a connection


@pytest.fixture(scope="module")
def database_backend() -> str:
    """SQLite only: the deploy path is the design deploy's (tested on both); filter storage is
    tested on both databases in test_filters.py. Keeps the suite's time down."""
    return "sqlite"


async def _save(client: httpx.AsyncClient, name: str, config: str | None) -> dict[str, Any]:
    body: dict[str, Any] = {"save": True, "filterData": {"filterFile": list(module()), "name": name}}
    if config is not None:
        body["config"] = config
    answer = await client.post("/api/filter", json=body)
    assert answer.status_code == 200, answer.text
    return answer.json()[0]  # type: ignore[no-any-return]


async def test_deploy_and_undeploy_a_filter(cluster: Cluster, client: httpx.AsyncClient) -> None:
    cluster.kubectl("apply", "-f", "-", input=CRD)
    record = await _save(client, "wasm-auth", envoy_filter("wasm-auth", "default"))
    target = {"contexts": cluster.conn_id}

    answer = await client.post(DEPLOY, json={"filter_id": record["id"]}, params=target)
    assert answer.status_code == 200, answer.text
    result = answer.json()
    assert statuses(result) == {"EnvoyFilter/wasm-auth": "applied", "ConfigMap/wasm-auth-settings": "applied"}
    assert result["design"] == {"id": record["id"], "name": "wasm-auth"}
    assert {r["connectionId"] for r in result["results"]} == {cluster.conn_id}

    # The real kubectl sees the EnvoyFilter, written by our field manager, with the WASM patch.
    found = cluster.get(f"envoyfilters.{GROUP}", "wasm-auth", "-n", "default")
    assert found is not None and FIELD_MANAGER in managers(found)
    patch = found["spec"]["configPatches"][0]
    assert patch["applyTo"] == "HTTP_FILTER" and patch["patch"]["value"]["name"] == "wasm-auth"
    wasm = patch["patch"]["value"]["typed_config"]["config"]["vm_config"]
    assert wasm["runtime"] == "envoy.wasm.runtime.v8"
    settings = cluster.get("configmap", "wasm-auth-settings", "-n", "default")
    assert settings is not None and settings["data"] == {"header": "x-filtered"}

    # Again: nothing changes. The raw YAML body (as older clients send it) as a dry run: nothing stored.
    again = await client.post(DEPLOY, json={"id": record["id"]}, params=target)
    assert again.status_code == 200 and set(statuses(again.json()).values()) == {"unchanged"}
    other = envoy_filter("wasm-metrics", "default")
    dry = await client.post(
        DEPLOY, content=other, headers={"Content-Type": "application/yaml"}, params={**target, "dryRun": "true"}
    )
    assert dry.status_code == 200, dry.text
    assert dry.json()["dryRun"] is True and set(statuses(dry.json()).values()) == {"applied"}
    assert cluster.get(f"envoyfilters.{GROUP}", "wasm-metrics", "-n", "default") is None

    # Undeploy by id: both objects go; a second undeploy finds nothing to delete.
    gone = await client.request("DELETE", DEPLOY, json={"filter_id": record["id"]}, params=target)
    assert gone.status_code == 200, gone.text
    assert gone.json()["action"] == "undeploy" and set(statuses(gone.json()).values()) == {"deleted"}
    assert cluster.get(f"envoyfilters.{GROUP}", "wasm-auth", "-n", "default") is None
    assert cluster.get("configmap", "wasm-auth-settings", "-n", "default") is None
    twice = await client.request("DELETE", DEPLOY, json={"config": envoy_filter()}, params=target)
    assert twice.status_code == 200 and set(statuses(twice.json()).values()) == {"skipped"}


async def test_deploy_refuses_what_is_not_a_configuration(client: httpx.AsyncClient) -> None:
    bare = await _save(client, "bare", None)
    cases: list[tuple[dict[str, Any], str]] = [
        ({"filter_id": bare["id"]}, errors.ErrFilterNoConfig.code),
        ({"config": "kind: [unclosed"}, errors.ErrFilterConfigInvalid.code),
        ({"config": "just: a mapping"}, errors.ErrFilterConfigInvalid.code),
        ({"config": "apiVersion: v1\nkind: ConfigMap\nmetadata: {}\n"}, errors.ErrFilterConfigInvalid.code),
        ({"name": "nothing named"}, errors.ErrFilterNoConfig.code),
        ({"filter_id": "6f0c2a3e-1b4d-4c5e-8f9a-0b1c2d3e4f50"}, errors.ErrFilterNotFound.code),
    ]
    for body, code in cases:
        answer = await client.post(DEPLOY, json=body)
        assert answer.status_code in (400, 404) and answer.json()["code"] == code, (body, answer.text)
