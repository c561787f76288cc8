"""Server-side apply semantics: ownership, removal of dropped fields, conflicts, force, updates."""

from __future__ import annotations

import pytest

from tests.kubeemu.apply import ApplyConflict, apply, field_paths, from_fields_v1, record_update, to_fields_v1

NOW = "2026-01-01T00:00:00Z"


def _cm(**data: str) -> dict:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "labels": {"app": "x"}}, "data": data}


def _managers(obj: dict) -> dict[str, str]:
    return {m["manager"]: m["operation"] for m in obj["metadata"]["managedFields"]}


def test_fields_v1_round_trip_with_keyed_list_items() -> None:
    obj = {"spec": {"containers": [{"name": "a", "image": "i", "ports": [{"containerPort": 80}]}], "x": [1, 2]}}
    paths = field_paths(obj)
    fields = to_fields_v1(paths)
    assert fields["f:spec"]["f:containers"]['k:{"name":"a"}']["f:ports"]['k:{"containerPort":80}'] == {
        ".": {},
        "f:containerPort": {},
    }
    assert fields["f:spec"]["f:x"] == {}
    assert from_fields_v1(fields) == paths


def test_apply_creates_then_removes_fields_the_manager_dropped() -> None:
    live = apply(None, _cm(a="1", b="2"), manager="m", api_version="v1", now=NOW, force=False)
    assert live["data"] == {"a": "1", "b": "2"}
    assert _managers(live) == {"m": "Apply"}
    live = apply(live, _cm(a="1"), manager="m", api_version="v1", now=NOW, force=False)
    assert live["data"] == {"a": "1"}


def test_fields_shared_with_another_manager_survive() -> None:
    live = apply(None, _cm(a="1", b="2"), manager="one", api_version="v1", now=NOW, force=False)
    live = apply(live, _cm(b="2"), manager="two", api_version="v1", now=NOW, force=False)  # same value: shared
    live = apply(live, _cm(a="1"), manager="one", api_version="v1", now=NOW, force=False)
    assert live["data"] == {"a": "1", "b": "2"}


def test_conflicts_unless_forced() -> None:
    live = apply(None, _cm(a="1"), manager="one", api_version="v1", now=NOW, force=False)
    with pytest.raises(ApplyConflict, match=r'conflict with "one": \.data\.a'):
        apply(live, _cm(a="2"), manager="two", api_version="v1", now=NOW, force=False)
    live = apply(live, _cm(a="2"), manager="two", api_version="v1", now=NOW, force=True)
    assert live["data"] == {"a": "2"}
    owners = {m["manager"]: m["fieldsV1"] for m in live["metadata"]["managedFields"]}
    assert "f:data" in owners["two"]
    assert "f:data" not in owners["one"]


def test_updates_take_ownership_of_changed_fields() -> None:
    live = apply(None, _cm(a="1"), manager="applier", api_version="v1", now=NOW, force=False)
    edited = {**live, "data": {"a": "9"}}
    record_update(live, edited, manager="editor", api_version="v1", now=NOW)
    assert _managers(edited) == {"applier": "Apply", "editor": "Update"}
    with pytest.raises(ApplyConflict, match="editor"):
        apply(edited, _cm(a="1"), manager="applier", api_version="v1", now=NOW, force=False)


def test_keyed_list_items_merge_and_drop() -> None:
    def deploy(*names: str) -> dict:
        containers = [{"name": n, "image": f"{n}:1"} for n in names]
        return {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "d"},
            "spec": {"containers": containers},
        }

    live = apply(None, deploy("a", "b"), manager="m", api_version="apps/v1", now=NOW, force=False)
    live = apply(live, deploy("c"), manager="other", api_version="apps/v1", now=NOW, force=False)
    assert [c["name"] for c in live["spec"]["containers"]] == ["a", "b", "c"]
    live = apply(live, deploy("a"), manager="m", api_version="apps/v1", now=NOW, force=False)
    assert [c["name"] for c in live["spec"]["containers"]] == ["a", "c"]
