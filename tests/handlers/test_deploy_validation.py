"""Deploying a design that fails validation: problems reported, objects applied; ``verify`` refuses.

The app of these tests holds the static Kubernetes model, so designs are validated against it.
"""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from meshery.config import Settings
from tests.designs.deploy_samples import GROUP, as_yaml, component, crd, full_design
from tests.fixtures.app import app_settings
from tests.handlers.test_deploy import Cluster, cluster, deploy, statuses

__all__ = ["cluster"]  # the fixture, used by name


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    """The app of these tests holds the static Kubernetes model: designs are validated against it."""
    return app_settings(user_data_folder=tmp_path / "meshery", database_url=database_url, register_static_k8s=True)


async def test_validation_problems_are_reported_and_verify_refuses(cluster: Cluster, client: httpx.AsyncClient) -> None:
    # A kind the cluster serves (its CRD installed outside the design) that no registry definition describes.
    gears = {"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition", **crd("gears", "Gear")}
    cluster.kubectl("apply", "-f", "-", input=json.dumps(gears))
    doc = full_design("checked")
    doc["components"][2]["configuration"]["spec"]["ports"] = [{"targetPort": 80}]  # Service port without `port`
    doc["components"].append(component("Gear", f"{GROUP}/v1", {"metadata": {"name": "g1", "namespace": "checked"}}))
    answer = await deploy(client, {"pattern_file": as_yaml(doc)}, contexts=cluster.conn_id)
    assert answer.status_code == 200, answer.text
    result = answer.json()
    found = {(p["kind"], p["path"]) for p in result["problems"]}
    assert ("Service", "/spec/ports/0") in found  # reported...
    assert ("Gear", "") in found  # ...as is the custom object no registry definition describes
    assert set(statuses(result).values()) == {"applied"}  # ...and still applied: the cluster accepts them
    refused = await deploy(client, {"pattern_file": as_yaml(doc)}, contexts=cluster.conn_id, verify="true")
    assert refused.status_code == 422, refused.text
    assert refused.json()["code"] == "meshery-server-1669"
    assert "/spec/ports/0" in refused.json()["error"]


async def test_a_relationship_naming_an_absent_component_is_a_problem_and_verify_refuses(
    cluster: Cluster, client: httpx.AsyncClient
) -> None:
    doc = full_design("related")
    gone = "5b1e3f0c-0000-4000-8000-00000000dead"
    doc["relationships"] = [
        {
            "id": "5b1e3f0c-0000-4000-8000-00000000beef",
            "kind": "edge",
            "type": "non-binding",
            "subType": "reference",
            "status": "approved",
            "selectors": [
                {"allow": {"from": [{"id": gone, "kind": "Secret"}], "to": [{"id": doc["components"][0]["id"]}]}}
            ],
        }
    ]
    answer = await deploy(client, {"pattern_file": as_yaml(doc)}, contexts=cluster.conn_id, dryRun="true")
    assert answer.status_code == 200, answer.text
    dangling = [p for p in answer.json()["problems"] if p["code"] == "meshery-server-1967"]
    assert [p["componentId"] for p in dangling] == [gone]
    refused = await deploy(client, {"pattern_file": as_yaml(doc)}, contexts=cluster.conn_id, verify="true")
    assert refused.status_code == 422, refused.text
    assert "meshery-server-1967" in refused.json()["error"]
