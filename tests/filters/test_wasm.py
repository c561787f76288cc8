"""The module check and the ways clients send a module (base64, byte array)."""

from __future__ import annotations

import base64

import pytest

from generated import errors
from meshery.filters import resource, wasm
from tests.filters.modules import module

MODULE = module()


def test_a_real_module_passes_and_round_trips() -> None:
    assert wasm.check(MODULE, limit=len(MODULE)) == MODULE
    assert wasm.decode(list(MODULE), limit=100) == MODULE
    text = base64.b64encode(MODULE).decode()
    assert wasm.decode(text, limit=100) == MODULE
    assert wasm.decode(text.rstrip("="), limit=100) == MODULE  # unpadded base64
    assert wasm.decode(base64.urlsafe_b64encode(MODULE).decode(), limit=100) == MODULE
    assert wasm.decode(wasm.encode(MODULE), limit=100) == MODULE
    assert len(wasm.digest(MODULE)) == 64


@pytest.mark.parametrize(
    ("data", "error"),
    [
        (b"", errors.ErrFilterNotWasm),
        (b"\0asm\x01\0\0", errors.ErrFilterNotWasm),
        (b"\x7fELF\x02\x01\x01\0", errors.ErrFilterNotWasm),
        (b"\0asm\x0d\0\x01\0", errors.ErrFilterNotWasm),  # the component-model layer, not a core module
        (MODULE + b"\0" * 100, errors.ErrFilterTooLarge),
    ],
)
def test_what_is_refused(data: bytes, error: type[errors.MesheryError]) -> None:
    with pytest.raises(error):
        wasm.check(data, limit=len(MODULE) + 10)


@pytest.mark.parametrize("value", [[1, 2, 256], [1, -1], [1.5], ["a"], [True], 42, None, {"0": 1}])
def test_bad_encodings(value: object) -> None:
    with pytest.raises(errors.ErrFilterBodyInvalid):
        wasm.decode(value, limit=100)


def test_oversized_encodings_are_refused_before_decoding() -> None:
    with pytest.raises(errors.ErrFilterTooLarge):
        wasm.decode([0] * 101, limit=100)
    with pytest.raises(errors.ErrFilterTooLarge):
        wasm.decode("A" * 1000, limit=100)


def test_resource_keeps_the_config_where_both_clients_read_it() -> None:
    text = resource.build("kind: EnvoyFilter\n")
    assert resource.config_of(text) == "kind: EnvoyFilter\n"
    assert resource.config_of("") == resource.config_of("not json") == resource.config_of("[1]") == ""
    assert resource.config_of('{"settings": {"config": "x"}}') == "x"
