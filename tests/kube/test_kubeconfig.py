"""Kubeconfig parsing: contexts, validation errors, one-context configs, stable ids."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
import yaml

from meshery.kube import KubeconfigError, parse_kubeconfig


def kubeconfig(*contexts: tuple[str, str], current: str = "") -> str:
    return yaml.safe_dump({
        "apiVersion": "v1", "kind": "Config", "current-context": current,
        "clusters": [{"name": f"{n}-c", "cluster": {"server": server}} for n, server in contexts],
        "users": [{"name": f"{n}-u", "user": {"token": f"secret-{n}"}} for n, _ in contexts],
        "contexts": [{"name": n, "context": {"cluster": f"{n}-c", "user": f"{n}-u", "namespace": "ns"}}
                     for n, _ in contexts],
    })  # fmt: skip


def test_contexts_in_file_order_with_their_cluster_and_user() -> None:
    found = parse_kubeconfig(kubeconfig(("a", "http://h:1/"), ("b", "https://h:2"), current="b"))
    assert [c.name for c in found] == ["a", "b"]
    assert found[0].server == "http://h:1"
    assert found[0].auth == {"token": "secret-a"}
    assert (found[0].current, found[1].current) == (False, True)
    config = found[1].config_dict()
    assert config["current-context"] == "b"
    assert config["users"] == [{"name": "b-u", "user": {"token": "secret-b"}}]
    assert config["contexts"][0]["context"] == {"cluster": "b-c", "user": "b-u", "namespace": "ns"}


def test_ids_are_stable_and_distinct() -> None:
    first = parse_kubeconfig(kubeconfig(("a", "http://h:1"), ("b", "http://h:1")))
    again = parse_kubeconfig(kubeconfig(("a", "http://h:1"), ("b", "http://h:1")))
    assert [c.id for c in first] == [c.id for c in again]
    assert first[0].id != first[1].id


def test_file_references_are_inlined(tmp_path: Path) -> None:
    (tmp_path / "ca.crt").write_bytes(b"CA")
    text = yaml.safe_dump({
        "clusters": [{"name": "c", "cluster": {"server": "https://x", "certificate-authority": "ca.crt"}}],
        "users": [{"name": "u", "user": {}}],
        "contexts": [{"name": "x", "context": {"cluster": "c", "user": "u"}}],
    })  # fmt: skip
    (ctx,) = parse_kubeconfig(text, base_dir=tmp_path)
    assert ctx.cluster["certificate-authority-data"] == base64.b64encode(b"CA").decode()
    assert "certificate-authority" not in ctx.cluster


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{{{", "not YAML"),
        ("- a\n- b\n", "mapping"),
        ("clusters: []\ncontexts: []\n", "no contexts"),
        ("contexts: [{name: x, context: {cluster: nope}}]\n", "not defined"),
        ("clusters: [{name: c, cluster: {server: ftp://x}}]\ncontexts: [{name: x, context: {cluster: c}}]\n", "server"),
        (
            "clusters: [{name: c, cluster: {server: http://x}}]\n"
            "contexts: [{name: x, context: {cluster: c, user: u}}]\n",
            "user",
        ),
        ("contexts: 3\n", "list"),
    ],
)
def test_unusable_files_are_rejected_with_a_reason(text: str, message: str) -> None:
    with pytest.raises(KubeconfigError, match=message):
        parse_kubeconfig(text)
