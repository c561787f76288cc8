"""The Helm chart (install/helm/meshery-server), rendered by Helm's own engine (helm-python-sdk).

Several value sets render; every object passes the Kubernetes schemas the project ships
(kubernetes-validate, strict); every variable of meshery/config.py is mapped; the RBAC covers
what MeshSync and the operator deploy do; values.schema.json refuses bad values; and the
default render is applied to the Kubernetes API emulator with the real kubectl, server-side,
as a dry run and for real.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import helm_python
import kubernetes_validate
import pytest
import yaml

from meshery import operator_manifests
from meshery.config import Settings
from tests.fixtures.kubeemu import Kubectl
from tests.kubeemu import KubeEmulator

ROOT = Path(__file__).resolve().parents[2]
CHART = ROOT / "install" / "helm" / "meshery-server"
RELEASE, NAMESPACE = "meshery", "meshery"
FULLNAME = "meshery-meshery-server"

EXTERNAL = {
    "database": {"url": "postgresql://meshery:secret@db.example.internal:5432/meshery"},
    "nats": {"url": "nats://nats.example.internal:4222"},
}
VALUE_SETS: dict[str, dict[str, Any]] = {
    "default": {},
    "external-database-and-nats": EXTERNAL,
    "existing-secret": {"database": {"existingSecret": "my-db", "existingSecretKey": "url"}, "replicas": 3},
    "single-sqlite": {"replicas": 1, "postgresql": {"enabled": False}, "nats": {"enabled": False}},
    "minimal-rbac-min-available": {
        "rbac": {"designDeploy": False, "operatorDeploy": False},
        "podDisruptionBudget": {"minAvailable": 1},
        "serviceAccount": {"create": False, "name": "existing"},
        "service": {"type": "LoadBalancer"},
    },
    "every-setting": {
        "config": {
            "debug": True,
            "logLevel": 5,
            "provider": "Meshery",
            "providerBaseUrls": ["https://cloud.example.internal", "https://other.example.internal"],
            "adapterUrls": ["meshery-istio:10000", "meshery-linkerd:10001"],
            "mesheryModelsPath": ["/models/a", "/models/b"],
            "serverCallbackUrl": "https://meshery.example.internal",
            "graphqlCacheSize": 0,
            "meshsyncDefaultDeploymentMode": "operator",
            "shutdownGracePeriod": 40,
            "shutdownDrainDelay": 8.5,
            "extraEnv": {"OTEL_SERVICE_NAME": "meshery-server"},
        },
        **EXTERNAL,
    },
}


@pytest.fixture(scope="module")
def chart() -> Iterator[Any]:
    with helm_python.Chart.load(str(CHART)) as loaded:
        yield loaded


def render(chart: Any, values: dict[str, Any]) -> list[dict[str, Any]]:
    files = chart.render(values, name=RELEASE, namespace=NAMESPACE, is_install=True)
    objects: list[dict[str, Any]] = []
    for path, text in sorted(files.items()):
        if path.endswith(".yaml"):
            objects.extend(doc for doc in yaml.safe_load_all(text) if doc)
    return objects


def one(objects: list[dict[str, Any]], kind: str, name: str = FULLNAME) -> dict[str, Any]:
    found = [o for o in objects if o["kind"] == kind and o["metadata"]["name"] == name]
    assert len(found) == 1, f"{kind}/{name}: {len(found)} objects"
    return found[0]


def server_env(objects: list[dict[str, Any]]) -> dict[str, str]:
    """The environment the server container gets: its ConfigMap plus DATABASE_URL from the Secret."""
    container = one(objects, "Deployment")["spec"]["template"]["spec"]["containers"][0]
    env: dict[str, str] = {}
    for source in container["envFrom"]:
        env.update(one(objects, "ConfigMap", source["configMapRef"]["name"])["data"])
    for var in container["env"]:
        ref = var["valueFrom"]["secretKeyRef"]
        secret = [o for o in objects if o["kind"] == "Secret" and o["metadata"]["name"] == ref["name"]]
        env[var["name"]] = secret[0]["stringData"][ref["key"]] if secret else f"<secret {ref['name']}>"
    return env


def config_variables() -> set[str]:
    """Every variable meshery/config.py reads (its ``read("NAME", ...)`` calls)."""
    names = set(re.findall(r'\bread\(\s*"([A-Z0-9_]+)"', (ROOT / "meshery" / "config.py").read_text()))
    assert len(names) > 20
    return names


def test_the_chart_lints_clean() -> None:
    report = helm_python.lint(str(CHART), strict=True)
    assert report["errors"] == []
    assert [m for m in report["messages"] if m["severity"] >= 2] == []


@pytest.mark.parametrize("name", sorted(VALUE_SETS))
def test_every_object_of_every_value_set_is_valid_kubernetes(chart: Any, name: str) -> None:
    objects = render(chart, VALUE_SETS[name])
    version = kubernetes_validate.latest_version()
    for obj in objects:
        kubernetes_validate.validate(obj, version, strict=True)
    kinds = {o["kind"] for o in objects}
    assert {"Deployment", "Service", "ConfigMap"} <= kinds


def test_the_default_is_replicas_on_in_chart_postgresql_and_nats(chart: Any) -> None:
    objects = render(chart, {})
    deployment = one(objects, "Deployment")
    assert deployment["spec"]["replicas"] == 2
    assert deployment["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"] == 0
    pod = deployment["spec"]["template"]["spec"]
    container = pod["containers"][0]
    assert container["readinessProbe"]["httpGet"] == {"path": "/healthz/ready", "port": "http"}
    assert container["livenessProbe"]["httpGet"] == {"path": "/healthz/live", "port": "http"}
    assert container["ports"] == [{"name": "http", "containerPort": 9081, "protocol": "TCP"}]
    assert container["resources"]["requests"] and container["resources"]["limits"]
    assert pod["securityContext"]["runAsNonRoot"] is True and pod["securityContext"]["runAsUser"] == 10001
    assert pod["serviceAccountName"] == FULLNAME
    env = server_env(objects)
    # The kubelet waits longer than the server's own drain.
    assert pod["terminationGracePeriodSeconds"] > float(env["SHUTDOWN_GRACE_PERIOD"])
    assert env["DATABASE_URL"].startswith("postgresql://meshery:")
    assert f"@{FULLNAME}-postgresql:5432/" in env["DATABASE_URL"]
    assert env["NATS_URL"] == f"nats://{FULLNAME}-nats:4222"
    one(objects, "StatefulSet", f"{FULLNAME}-postgresql")
    one(objects, "StatefulSet", f"{FULLNAME}-nats")
    # The in-chart PostgreSQL and the server use the same (generated) password.
    password = one(objects, "Secret", f"{FULLNAME}-postgresql")["stringData"]["password"]
    assert len(password) == 24 and f":{password}@" in env["DATABASE_URL"]
    pdb = one(objects, "PodDisruptionBudget")
    assert pdb["spec"] == {"maxUnavailable": 1, "selector": deployment["spec"]["selector"]}
    service = one(objects, "Service")
    assert service["spec"]["selector"] == deployment["spec"]["selector"]["matchLabels"]


def test_external_urls_turn_the_in_chart_postgresql_and_nats_off(chart: Any) -> None:
    objects = render(chart, EXTERNAL)
    assert not [o for o in objects if o["kind"] == "StatefulSet"]
    env = server_env(objects)
    assert env["DATABASE_URL"] == EXTERNAL["database"]["url"]
    assert env["NATS_URL"] == EXTERNAL["nats"]["url"]
    assert "DATABASE_URL" not in one(objects, "ConfigMap")["data"], "the URL (with its password) is only in a Secret"


def test_an_existing_secret_is_referenced_not_created(chart: Any) -> None:
    objects = render(chart, VALUE_SETS["existing-secret"])
    container = one(objects, "Deployment")["spec"]["template"]["spec"]["containers"][0]
    assert container["env"] == [
        {"name": "DATABASE_URL", "valueFrom": {"secretKeyRef": {"name": "my-db", "key": "url"}}}
    ]
    assert not [o for o in objects if o["kind"] == "Secret"]
    assert one(objects, "Deployment")["spec"]["replicas"] == 3


def test_every_setting_of_config_py_is_mapped_and_read_back(chart: Any) -> None:
    objects = render(chart, VALUE_SETS["every-setting"])
    env = server_env(objects)
    assert config_variables() <= set(env), f"unmapped: {sorted(config_variables() - set(env))}"
    assert env["OTEL_SERVICE_NAME"] == "meshery-server"
    settings = Settings.from_env(env)
    assert settings.debug is True and settings.log_level == "DEBUG"
    assert settings.provider_base_urls == ("https://cloud.example.internal", "https://other.example.internal")
    assert settings.adapter_urls == ("meshery-istio:10000", "meshery-linkerd:10001")
    assert settings.meshery_models_path == (Path("/models/a"), Path("/models/b"))
    assert settings.graphql_cache_size == 0
    assert settings.meshsync_default_deployment_mode == "operator"
    assert (settings.shutdown_grace_period, settings.shutdown_drain_delay) == (40.0, 8.5)
    assert settings.database_url == EXTERNAL["database"]["url"] and settings.nats_url == EXTERNAL["nats"]["url"]
    pod = one(objects, "Deployment")["spec"]["template"]["spec"]
    assert pod["terminationGracePeriodSeconds"] == 45


def test_the_default_values_give_the_servers_defaults(chart: Any) -> None:
    settings = Settings.from_env(server_env(render(chart, {})))
    default = Settings()
    for field in ("port", "host", "debug", "log_level", "graphql_cache_size", "register_static_k8s", "os_name"):
        assert getattr(settings, field) == getattr(default, field), field
    assert settings.user_data_folder == Path("/home/meshery/.meshery/config")


def test_one_replica_may_keep_sqlite_but_replicas_need_a_shared_database_and_bus(chart: Any) -> None:
    objects = render(chart, VALUE_SETS["single-sqlite"])
    env = server_env(objects)
    assert env["DATABASE_URL"] == "" and env["NATS_URL"] == ""
    assert Settings.from_env(env).database_url == ""
    with pytest.raises(helm_python.HelmError, match="replicas > 1 needs a shared database"):
        render(chart, {"postgresql": {"enabled": False}})
    with pytest.raises(helm_python.HelmError, match="replicas > 1 needs NATS"):
        render(chart, {"nats": {"enabled": False}})


@pytest.mark.parametrize(
    ("values", "where"),
    [
        ({"replicas": -1}, "/replicas"),
        ({"config": {"meshsyncDefaultDeploymentMode": "sidecar"}}, "meshsyncDefaultDeploymentMode"),
        ({"config": {"shutdownGracePeriod": -5}}, "shutdownGracePeriod"),
        ({"database": {"url": "mysql://x/y"}}, "/database/url"),
        ({"nats": {"url": "http://nats:4222"}}, "/nats/url"),
        ({"config": {"noSuchSetting": 1}}, "noSuchSetting"),
        ({"image": {"pullPolicy": "Sometimes"}}, "pullPolicy"),
    ],
)
def test_the_values_schema_refuses_bad_values(chart: Any, values: dict[str, Any], where: str) -> None:
    with pytest.raises(helm_python.HelmError, match=re.escape(where)):
        render(chart, values)


def _allows(rules: list[dict[str, Any]], group: str, resource: str, verb: str) -> bool:
    return any(
        (group in r.get("apiGroups", ()) or "*" in r.get("apiGroups", ()))
        and (resource in r.get("resources", ()) or "*" in r.get("resources", ()))
        and (verb in r["verbs"] or "*" in r["verbs"])
        for r in rules
    )


def test_rbac_covers_meshsync_and_the_operator_deploy(chart: Any) -> None:
    objects = render(chart, {"rbac": {"designDeploy": False}})
    rules = one(objects, "ClusterRole")["rules"]
    for entry in operator_manifests.WATCH_LIST:
        plural, _, group = entry["Resource"].split(".", 2)
        for verb in ("list", "watch"):
            assert _allows(rules, group, plural, verb), (verb, entry["Resource"])
    manifests = operator_manifests.crds() + operator_manifests.operator() + operator_manifests.custom_resources()
    for obj in manifests:
        group = obj["apiVersion"].rpartition("/")[0]
        plural = obj["kind"].lower() + "s"
        for verb in ("get", "create", "patch", "delete"):  # server-side apply is a PATCH
            assert _allows(rules, group, plural, verb), (verb, obj["kind"])
    # Granting the operator its cluster role needs bind and escalate on cluster roles.
    assert _allows(rules, "rbac.authorization.k8s.io", "clusterroles", "bind")
    assert _allows(rules, "rbac.authorization.k8s.io", "clusterroles", "escalate")
    binding = one(objects, "ClusterRoleBinding")
    assert binding["subjects"] == [{"kind": "ServiceAccount", "name": FULLNAME, "namespace": NAMESPACE}]
    # Designs may hold any kind: without designDeploy nothing else is writable.
    assert not _allows(rules, "networking.k8s.io", "ingresses", "create")
    rules = one(render(chart, {}), "ClusterRole")["rules"]
    assert _allows(rules, "networking.k8s.io", "ingresses", "create")
    assert not [o for o in render(chart, {"rbac": {"create": False}}) if o["kind"].startswith("ClusterRole")]


def test_the_default_render_applies_server_side_to_the_emulator_with_kubectl(
    chart: Any, kube_emulator_tls: KubeEmulator, kubectl: Kubectl, tmp_path: Path
) -> None:
    config = kube_emulator_tls.write_kubeconfig(tmp_path / "kubeconfig")
    objects = render(chart, {})
    namespace = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NAMESPACE}}
    kubectl("apply", "--server-side", "-f", "-", kubeconfig=config, input=json.dumps(namespace))
    manifest = "\n---\n".join(json.dumps(o) for o in objects)
    args = ("apply", "--server-side", "--field-manager=helm", "-n", NAMESPACE, "-f", "-")

    dry = kubectl(*args, "--dry-run=server", kubeconfig=config, input=manifest)
    assert dry.stdout.count("(server dry run)") == len(objects), dry.stdout
    listed = kubectl("get", "deployments,statefulsets,services", "-n", NAMESPACE, "-o", "name", kubeconfig=config)
    assert listed.stdout.strip() == "", "a dry run stores nothing"

    applied = kubectl(*args, kubeconfig=config, input=manifest)
    assert applied.stdout.count("serverside-applied") == len(objects), applied.stdout
    got = json.loads(
        kubectl("get", "deployment", FULLNAME, "-n", NAMESPACE, "-o", "json", kubeconfig=config).stdout
    )
    assert got["spec"]["replicas"] == 2
    assert got["spec"]["template"]["spec"]["containers"][0]["readinessProbe"]["httpGet"]["path"] == "/healthz/ready"
    for kind, name in (
        ("poddisruptionbudget", FULLNAME),
        ("serviceaccount", FULLNAME),
        ("clusterrole", FULLNAME),
        ("clusterrolebinding", FULLNAME),
        ("secret", FULLNAME),
        ("configmap", FULLNAME),
        ("statefulset", f"{FULLNAME}-postgresql"),
        ("statefulset", f"{FULLNAME}-nats"),
    ):
        kubectl("get", kind, name, "-n", NAMESPACE, kubeconfig=config)
    # Applying the same render again changes nothing and conflicts with nothing.
    again = kubectl(*args, kubeconfig=config, input=manifest)
    assert again.stdout.count("serverside-applied") == len(objects)
