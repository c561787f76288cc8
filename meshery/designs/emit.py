"""Write JSON-typed values as block-style YAML, several times faster than PyYAML's representer.

Designs are JSON values (dicts, lists, strings, numbers, booleans, null), so the emitter
needs no tags, anchors or styles: a string stays plain only when it is unambiguous to every
YAML reader (YAML 1.1 as PyYAML and Kubernetes read it, and YAML 1.2), otherwise it is
written double-quoted with JSON escapes (valid YAML), with the few characters YAML does not
allow raw escaped too. Floats always carry a dot or are ``.inf``/``.nan``, so YAML 1.1
readers see floats.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

# Conservative plain scalars: a letter, "_" or "/" first, then letters, digits and "_./-".
_PLAIN = re.compile(r"[A-Za-z_/][A-Za-z0-9_./-]*")
_RESERVED = frozenset({"true", "false", "null", "yes", "no", "on", "off", "y", "n"})
# Characters YAML forbids raw in a double-quoted scalar, or reads as line breaks (C1, NEL, LS, PS, BOM).
_ESCAPES = {c: f"\\u{c:04x}" for c in [*range(0x7F, 0xA0), 0x2028, 0x2029, 0xFEFF, 0xFFFE, 0xFFFF]}
_SURROGATES = re.compile(r"[\ud800-\udfff]")


def _string(text: str) -> str:
    if _PLAIN.fullmatch(text) and text.lower() not in _RESERVED:
        return text
    if _SURROGATES.search(text):  # not Unicode scalar values, so not writable in YAML: replaced
        text = _SURROGATES.sub("\ufffd", text)
    return json.dumps(text, ensure_ascii=False).translate(_ESCAPES)


def _float(value: float) -> str:
    if math.isnan(value):
        return ".nan"
    if math.isinf(value):
        return ".inf" if value > 0 else "-.inf"
    text = repr(value)
    if "." not in text and "e" in text:
        mantissa, _, exponent = text.partition("e")
        text = f"{mantissa}.0e{exponent}"
    elif "." not in text:
        text += ".0"
    return text


def _scalar(value: Any) -> str:
    if isinstance(value, str):
        return _string(value)
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _float(value)
    raise TypeError(f"cannot write {type(value).__name__} as YAML")


def _block(value: Any, indent: str, out: list[str]) -> None:
    """Lines of a non-empty mapping or sequence at ``indent``."""
    if isinstance(value, dict):
        for key, item in value.items():
            head = f"{indent}{_string(key if isinstance(key, str) else str(key))}:"
            _entry(head, item, indent, out)
    else:
        for item in value:
            _item(item, indent, out)


def _entry(head: str, item: Any, indent: str, out: list[str]) -> None:
    if isinstance(item, (dict, list, tuple)) and item:
        out.append(head)
        _block(item, indent + "  ", out)
    elif isinstance(item, dict):
        out.append(head + " {}")
    elif isinstance(item, (list, tuple)):
        out.append(head + " []")
    else:
        out.append(f"{head} {_scalar(item)}")


def _item(item: Any, indent: str, out: list[str]) -> None:
    if isinstance(item, dict) and item:
        start = len(out)
        _block(item, indent + "  ", out)
        out[start] = f"{indent}- {out[start][len(indent) + 2 :]}"
    elif isinstance(item, (list, tuple)) and item:
        out.append(f"{indent}-")
        _block(item, indent + "  ", out)
    elif isinstance(item, dict):
        out.append(f"{indent}- {{}}")
    elif isinstance(item, (list, tuple)):
        out.append(f"{indent}- []")
    else:
        out.append(f"{indent}- {_scalar(item)}")


def dumps(value: Any) -> str:
    """Block YAML text of a JSON-typed value (one document)."""
    if isinstance(value, (dict, list, tuple)) and value:
        out: list[str] = []
        _block(value, "", out)
        return "\n".join(out) + "\n"
    if isinstance(value, dict):
        return "{}\n"
    if isinstance(value, (list, tuple)):
        return "[]\n"
    return _scalar(value) + "\n"
