"""The design YAML writer: every JSON value reads back the same through PyYAML, yaml_rs and our loader."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
import yaml
import yaml_rs

from generated import errors
from meshery import yamlio
from meshery.designs import emit

AWKWARD_STRINGS = [
    *["on", "yes", "no", "off", "y", "n", "N", "Off", "TRUE", "null", "~", "", " x", "x ", "=", "<<"],
    *["0644", "0o17", "0b1", "1:30", "1e3", "1_000", ".inf", "-.nan", "12", "-3", "1.5", "2026-01-01T00:00:00Z"],
    *["a: b", "- x", "#c", "*x", "&y", "!t", "%p", "@", "`", "|", ">", "? q", "'s'", '"q"', "\\back", "[x]", "{x}"],
    *["multi\nline", "tab\there", "uni ☃ 😀", "del\x7f", "nel\x85", "ls\u2028", "bom\ufeff", "esc\x1b"],
    *["plain", "apps/v1", "kube-system", "/usr/share/nginx", "io.kompose.service", "_x"],
]
FLOATS = [1.5, 1e20, 1e-5, -0.0, 0.1, 123456789.125, float("inf"), float("-inf")]


def _same(a: Any, b: Any) -> bool:
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


def _value() -> dict[str, Any]:
    return {
        "strings": AWKWARD_STRINGS,
        "keys": {s: i for i, s in enumerate(AWKWARD_STRINGS)},
        "numbers": [0, -7, 10**30, *FLOATS],
        "constants": [None, True, False],
        "empty": [[], {}, ""],
        "nested": [[1, [2, []]], {"x": {"y": [], "z": {}}}, [{"a": [{"b": 1}, "c"]}, [{"d": 2}]]],
    }


def test_everything_reads_back_alike() -> None:
    value = _value()
    text = emit.dumps(value)
    careful = next(yaml.load_all(text, Loader=yamlio._Loader))
    ours = yamlio.load_all(text, what="x", invalid=errors.ErrDesignInvalid)[0]
    rust = yaml_rs.loads(text, parse_datetime=False)
    for got in (careful, ours, rust):
        assert _same(got, value)


def test_nan_and_plain_output() -> None:
    (got,) = yamlio.load_all(emit.dumps({"x": float("nan")}), what="x", invalid=errors.ErrDesignInvalid)
    assert math.isnan(got["x"])
    assert emit.dumps({"kind": "Deployment", "spec": {"replicas": 2, "ports": [{"port": 80}], "x": []}}) == (
        "kind: Deployment\nspec:\n  replicas: 2\n  ports:\n    - port: 80\n  x: []\n"
    )
    assert emit.dumps({}) == "{}\n" and emit.dumps([]) == "[]\n" and emit.dumps("on") == '"on"\n'


def test_lone_surrogates_are_replaced() -> None:
    (got,) = yamlio.load_all(emit.dumps(["lone\ud800"]), what="x", invalid=errors.ErrDesignInvalid)
    assert got == ["lone\ufffd"]


def test_refuses_non_json_values() -> None:
    with pytest.raises(TypeError):
        emit.dumps({"x": object()})
