"""Patch formats: JSON merge, JSON patch and strategic merge (with kubectl's directives)."""

from __future__ import annotations

import pytest

from tests.kubeemu.patch import PatchError, json_patch, merge_patch, strategic_merge

POD_SPEC = {
    "containers": [
        {
            "name": "web",
            "image": "nginx:1",
            "ports": [{"containerPort": 80}, {"containerPort": 443}],
            "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}],
            "volumeMounts": [{"mountPath": "/data", "name": "data"}],
        },
        {"name": "side", "image": "busybox"},
    ],
    "volumes": [{"name": "data", "emptyDir": {}}],
    "tolerations": [{"key": "a"}],
}


def test_merge_patch_merges_objects_deletes_nulls_replaces_lists() -> None:
    target = {"a": {"b": 1, "c": 2}, "l": [1, 2], "k": "v"}
    assert merge_patch(target, {"a": {"b": None, "d": 3}, "l": [3], "k": None}) == {"a": {"c": 2, "d": 3}, "l": [3]}
    assert target == {"a": {"b": 1, "c": 2}, "l": [1, 2], "k": "v"}  # untouched


def test_json_patch_operations() -> None:
    doc = {"a": [1, 2], "b": {"c": 1}, "x~/y": 0}
    result = json_patch(
        doc,
        [
            {"op": "add", "path": "/a/-", "value": 3},
            {"op": "add", "path": "/a/0", "value": 0},
            {"op": "replace", "path": "/b/c", "value": 2},
            {"op": "copy", "from": "/b", "path": "/d"},
            {"op": "move", "from": "/d/c", "path": "/e"},
            {"op": "remove", "path": "/x~0~1y"},
            {"op": "test", "path": "/e", "value": 2},
        ],
    )
    assert result == {"a": [0, 1, 2, 3], "b": {"c": 2}, "d": {}, "e": 2}
    for bad in (
        [{"op": "replace", "path": "/missing", "value": 1}],
        [{"op": "test", "path": "/a", "value": []}],
        [{"op": "remove", "path": "/a/9"}],
        [{"op": "nope", "path": "/a"}],
        {"op": "add"},
    ):
        with pytest.raises(PatchError):
            json_patch(doc, bad)


def test_strategic_merge_merges_lists_by_their_keys() -> None:
    patch = {
        "containers": [
            {
                "name": "web",
                "image": "nginx:2",
                "env": [{"name": "B", "value": "3"}, {"name": "C", "value": "4"}],
                "ports": [{"containerPort": 8080}],
                "volumeMounts": [{"mountPath": "/data", "readOnly": True}],
            },
            {"name": "new", "image": "alpine"},
        ],
        "tolerations": [{"key": "b"}],
    }
    result = strategic_merge(POD_SPEC, patch)
    web, side, new = result["containers"]
    assert (web["image"], side["name"], new["name"]) == ("nginx:2", "side", "new")
    assert web["env"] == [{"name": "A", "value": "1"}, {"name": "B", "value": "3"}, {"name": "C", "value": "4"}]
    assert [p["containerPort"] for p in web["ports"]] == [80, 443, 8080]
    assert web["volumeMounts"] == [{"mountPath": "/data", "name": "data", "readOnly": True}]
    assert result["tolerations"] == [{"key": "b"}]  # no merge key: replaced


def test_strategic_merge_directives() -> None:
    patch = {
        "$setElementOrder/containers": [{"name": "side"}, {"name": "web"}],
        "containers": [
            {"name": "web", "env": [{"name": "A", "$patch": "delete"}], "$setElementOrder/env": [{"name": "B"}]},
        ],
        "volumes": [{"$patch": "replace"}, {"name": "other", "emptyDir": {}}],
    }
    result = strategic_merge(POD_SPEC, patch)
    assert [c["name"] for c in result["containers"]] == ["side", "web"]
    assert result["containers"][1]["env"] == [{"name": "B", "value": "2"}]
    assert result["volumes"] == [{"name": "other", "emptyDir": {}}]
    meta = strategic_merge({"finalizers": ["a", "b"], "labels": {"x": "1"}}, {"finalizers": ["c"], "labels": None})
    assert meta == {"finalizers": ["a", "b", "c"]}
    assert strategic_merge(meta, {"$deleteFromPrimitiveList/finalizers": ["a"]}) == {"finalizers": ["b", "c"]}
    assert strategic_merge({"a": {"b": 1}}, {"a": {"$patch": "replace", "c": 2}}) == {"a": {"c": 2}}
    assert strategic_merge({"a": {"b": 1}, "z": 1}, {"a": {"$patch": "delete"}}) == {"z": 1}
    retained = strategic_merge({"type": "A", "a": 1, "b": 2}, {"$retainKeys": ["type", "b"], "type": "B"})
    assert retained == {"type": "B", "b": 2}
    service = strategic_merge({"ports": [{"port": 80, "name": "http"}]}, {"ports": [{"port": 80, "targetPort": 8080}]})
    assert service == {"ports": [{"port": 80, "name": "http", "targetPort": 8080}]}
