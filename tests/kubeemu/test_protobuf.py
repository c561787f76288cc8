"""The protobuf decoder for kubectl's typed create requests: envelopes, maps, embedded fields, refusals."""

from __future__ import annotations

import pytest

from tests.kubeemu.protobuf import MAGIC, ProtobufError, decode


def _key(number: int, wire: int) -> bytes:
    return bytes([number << 3 | wire])


def _bytes(number: int, payload: bytes) -> bytes:
    assert len(payload) < 128
    return _key(number, 2) + bytes([len(payload)]) + payload


def _int(number: int, value: int) -> bytes:
    out = bytearray(_key(number, 0))
    while True:
        byte = value & 0x7F
        value >>= 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def _envelope(api_version: str, kind: str, raw: bytes) -> bytes:
    type_meta = _bytes(1, api_version.encode()) + _bytes(2, kind.encode())
    return MAGIC + _bytes(1, type_meta) + _bytes(2, raw) + _bytes(3, b"") + _bytes(4, b"")


def test_config_map_with_labels_and_data() -> None:
    meta = _bytes(1, b"cm") + _bytes(2, b"") + _bytes(11, _bytes(1, b"app") + _bytes(2, b"x")) + _int(7, 0)
    raw = (
        _bytes(1, meta) + _bytes(2, _bytes(1, b"k") + _bytes(2, b"v")) + _bytes(3, _bytes(1, b"b") + _bytes(2, b"\x00"))
    )
    assert decode(_envelope("v1", "ConfigMap", raw)) == {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "cm", "labels": {"app": "x"}},
        "data": {"k": "v"},
        "binaryData": {"b": "AA=="},
    }


def test_int_or_string_and_negative_numbers() -> None:
    port = _bytes(1, b"web") + _int(3, 80) + _bytes(4, _int(1, 1) + _bytes(3, b"http"))
    spec = _bytes(1, port)
    raw = _bytes(1, _bytes(1, b"svc")) + _bytes(2, spec)
    service = decode(_envelope("v1", "Service", raw))
    assert service["spec"]["ports"] == [{"name": "web", "port": 80, "targetPort": "http"}]
    priority = decode(
        _envelope("scheduling.k8s.io/v1", "PriorityClass", _bytes(1, _bytes(1, b"p")) + _int(2, 2**64 - 5))
    )
    assert priority["value"] == -5


@pytest.mark.parametrize(
    "body",
    [
        b'{"kind": "ConfigMap"}',
        _envelope("v1", "Pod", b""),
        MAGIC + b"\x0a\x05ab",  # truncated
        MAGIC + bytes([1 << 3 | 3]),  # group wire type
    ],
    ids=["json", "unsupported-kind", "truncated", "bad-wire-type"],
)
def test_refusals(body: bytes) -> None:
    with pytest.raises(ProtobufError):
        decode(body)
