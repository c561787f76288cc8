"""The YAML loaders: the fast path gives exactly what the careful one gives, and is skipped when it would not."""

from __future__ import annotations

import pytest

from generated import errors
from meshery import yamlio
from meshery.designs.document import dump_design, load_documents
from tests.designs.conftest import CONVERTER, DESIGN_FIXTURES, SAMPLES, reference_file


def _careful(text: str) -> list[object]:
    import yaml

    docs: list[object] = yamlio.jsonable(list(yaml.load_all(text, Loader=yamlio._Loader)))
    return docs


@pytest.mark.parametrize(
    "path",
    [
        SAMPLES / "valid_design.yml",
        SAMPLES / "valid_manifest.yml",
        SAMPLES / "manifest-with-crds.yml",
        SAMPLES / "valid-docker-compose.yml",
        CONVERTER / "edge-firewall-relationship.yml",
        DESIGN_FIXTURES / "sampleDesign.golden",
    ],
    ids=lambda p: p.name,
)
def test_fast_and_careful_loaders_agree_on_real_files(path: object) -> None:
    text = reference_file(path).decode()  # type: ignore[arg-type]
    assert yamlio.fast_path(text)
    assert yamlio.load_all(text, what="file", invalid=errors.ErrDesignInvalid) == _careful(text)


@pytest.mark.parametrize(
    ("text", "fast"),
    [
        ("a: on\n", False),
        ("on: push\n", False),
        ("  nested:\n    enabled: yes\n", False),
        ("a: [1, off]\n", False),
        ("mode: 0644\n", False),
        ("bits: 0b101\n", False),
        ("merge:\n  <<: {a: 1}\n", False),
        ("tagged: !!str 12\n", False),
        ("a: &x 1\nb: *x\n", False),
        ("%YAML 1.1\n---\na: 1\n", False),
        ("text: listens on, and more\n", True),
        ("quoted: 'on'\nmode: '0644'\n", True),
        ("id: 00000000-0000-0000-0000-000000000000\n", True),
        ("when: 2025-01-27T22:09:21.794655001Z\nratio: 0.5\nbig: 123456789012345678901234567890\n", True),
        ("a: 1\n---\n- 1\n- 2\n---\n", True),
    ],
)
def test_fast_path_choice_and_equal_results(text: str, fast: bool) -> None:
    assert yamlio.fast_path(text) is fast
    assert yamlio.load_all(text, what="file", invalid=errors.ErrDesignInvalid) == _careful(text)


def test_yaml_11_meanings_kept() -> None:
    (doc,) = load_documents("on: yes\nmode: 0644\nflag: off\n")
    assert doc == {"true": True, "mode": 420, "flag": False}  # keys as strings, as Kubernetes converts them


def test_dumped_designs_take_the_fast_path() -> None:
    values = ["on", "0644", "yes", "1:30", "*star", "!bang", "a << b"]
    design = {"name": "x", "values": values, "n": 0.5}
    text = dump_design(design)
    assert load_documents(text) == [design] == _careful(text)
    values.pop()  # a literal "<<" anywhere sends text to the careful loader
    assert yamlio.fast_path(dump_design(design))


def test_bombs_are_refused_on_either_path() -> None:
    lines = ['l0: &l0 ["x", "x", "x", "x", "x", "x", "x", "x", "x"]']
    lines += [f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 9)}]" for i in range(1, 9)]
    with pytest.raises(errors.ErrDesignTooLarge):
        load_documents("\n".join(lines))
    with pytest.raises(errors.ErrDesignTooLarge, match="itself"):
        load_documents("a: &a [*a]\n")


def test_duplicate_keys_last_wins_on_both_paths() -> None:
    assert load_documents("a: 1\na: 2\n") == [{"a": 2}] == _careful("a: 1\na: 2\n")


def test_values_become_json_types() -> None:
    text = "1: a\nflag: !!binary aGVsbG8=\nday: !!timestamp 2020-01-01\nset: !!set {b, a}\nok: [1, 2.5]\n"
    (doc,) = load_documents(text)
    assert doc == {"1": "a", "flag": "aGVsbG8=", "day": "2020-01-01", "set": ["a", "b"], "ok": [1, 2.5]}
    assert load_documents("2.5: x\n") == [{"2.5": "x"}]  # the fast path stringifies keys too


def test_yaml_keys_never_reach_the_validator_as_non_strings() -> None:
    from meshery.designs.document import parse_design

    text = "name: x\ncomponents:\n  - component: {kind: ConfigMap, version: v1}\n    configuration: {data: {1: one}}\n"
    design = parse_design(text)
    assert design["components"][0]["configuration"] == {"data": {"1": "one"}}
