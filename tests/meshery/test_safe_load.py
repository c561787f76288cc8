"""The budgeted YAML reader and the JSON depth scan (``meshery.safe_load``)."""

from __future__ import annotations

import asyncio
import json
import threading

import pytest

from generated import errors
from meshery import safe_load


def _nested(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


@pytest.mark.parametrize("depth", [0, 1, 5, 99, 100, 101, 150])
def test_json_depth_is_exact_up_to_the_limit(depth: int) -> None:
    assert (safe_load.json_depth(_nested(depth), limit=100) > 100) == (depth > 100)


def test_json_depth_ignores_brackets_in_strings_and_finds_unclosed_ones() -> None:
    text = json.dumps({"a": ["[" * 500, {"b": "{" * 500}]}).encode()
    assert safe_load.json_depth(text, limit=10) <= 3
    escaped = b'["\\"[[[[[[[[[[[[[[\\\\", [[1]]]'
    assert safe_load.json_depth(escaped, limit=5) == 3
    assert safe_load.json_depth(b"[" * 200_000, limit=100) > 100
    assert safe_load.json_depth(b"{" + b'"a":[' * 300, limit=100) > 100


def test_yaml_within_the_budget_reads_as_json_values() -> None:
    docs = safe_load.yaml_documents(
        "a: &x {b: [1, 2]}\nc: *x\nd: yes\n---\n\n---\ne: 2024-01-01\n",
        what="test",
        invalid=errors.ErrRequestValidation,
    )
    assert docs == [{"a": {"b": [1, 2]}, "c": {"b": [1, 2]}, "d": True}, {"e": "2024-01-01"}]
    assert safe_load.yaml_document("", what="t", invalid=errors.ErrRequestValidation) is None
    with pytest.raises(errors.ErrRequestValidation):
        safe_load.yaml_document("a: 1\n---\nb: 2\n", what="t", invalid=errors.ErrRequestValidation)
    with pytest.raises(errors.ErrRequestValidation):
        safe_load.yaml_documents("a: [b", what="t", invalid=errors.ErrRequestValidation)


def test_every_budget_has_its_error() -> None:
    budget = safe_load.Budget(max_bytes=1000, max_aliases=3, max_nodes=100, max_depth=10)
    read = lambda text: safe_load.yaml_documents(text, what="t", invalid=errors.ErrRequestValidation, budget=budget)  # noqa: E731
    with pytest.raises(errors.ErrRequestTooLarge):
        read("a: " + "x" * 2000)
    with pytest.raises(errors.ErrInputTooComplex):
        read("a: &a 1\nb: [*a, *a, *a, *a]\n")
    with pytest.raises(errors.ErrInputTooComplex):  # 3 aliases, 10 x 10 x 10 values
        read("a: &a [1,1,1,1,1,1,1,1,1,1]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\n")
    with pytest.raises(errors.ErrInputNestedTooDeeply):
        read("a: " + "[" * 20 + "]" * 20)
    with pytest.raises(errors.ErrInputNestedTooDeeply):  # block indentation, no brackets
        read("".join(" " * i + f"k{i}:\n" for i in range(15)) + " " * 15 + "v: 1\n")
    assert read("a: " + "[" * 5 + "]" * 5) == [{"a": [[[[[]]]]]}]


def test_alias_count_is_an_upper_bound_of_alias_nodes() -> None:
    assert safe_load.alias_count("a: *x\nb: [*x, *y]\nc: '2 * 3'\nd: a*b\n") == 3


async def test_off_loop_runs_in_a_thread_and_times_out() -> None:
    loop_thread = threading.get_ident()
    assert await safe_load.off_loop(threading.get_ident, what="t") != loop_thread
    release = threading.Event()
    with pytest.raises(errors.ErrParseTimeout):
        await safe_load.off_loop(lambda: release.wait(5), what="slow input", seconds=0.05)
    release.set()
    await asyncio.sleep(0)
