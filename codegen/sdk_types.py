"""Result types of the Python SDK: one ``TypedDict`` per answer model, one result type per method.

The SDK decodes JSON into plain dicts and lists, so its types are ``TypedDict``s of the same
answer models the server encodes with (``codegen.answers``): keys are the wire names, both
spellings of an ``x-also-as`` field included, and timestamps are strings. A method's result is
the answer type of its 2xx status when it has exactly one and it is JSON; otherwise ``Any``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from codegen import answers
from codegen.ir import ApiModel

# Names the SDK module defines itself; an answer model of the same name gets a suffix.
_TAKEN = {"Any", "AsyncClient", "Client", "Literal", "Mapping", "MesheryApiError", "Sequence", "TypedDict", "cast"}


@dataclass(frozen=True)
class SdkKey:
    wire: str
    type: str


@dataclass(frozen=True)
class SdkTypedDict:
    name: str
    keys: tuple[SdkKey, ...]


@dataclass(frozen=True)
class SdkTypes:
    dicts: tuple[SdkTypedDict, ...]
    results: dict[str, str]  # operationId -> Python type expression


def build(api: ApiModel) -> SdkTypes:
    module = answers.build(api)
    names = {c.name: f"{c.name}Answer" for c in module.classes if c.name in _TAKEN}

    def rename(text: str) -> str:
        return re.sub(r"[A-Za-z_][A-Za-z0-9_]*", lambda m: names.get(m.group(0), m.group(0)), text)

    dicts = []
    for cls in module.classes:
        keys = []
        for f in cls.fields:
            keys.append(SdkKey(f.wire, rename(f.optional_type if not f.required else f.type)))
            if f.also_as:
                keys.append(SdkKey(f.also_as, rename(f.optional_type if not f.required else f.type)))
        dicts.append(SdkTypedDict(names.get(cls.name, cls.name), tuple(keys)))
    mixed = {
        op.operation_id
        for op in api.operations
        for r in op.responses
        if r.status.startswith("2") and (answers.JSON_MEDIA not in r.media_types or r.schema is None)
    }
    found: dict[str, set[str]] = {}
    for a in module.answers:
        found.setdefault(a.operation_id, set()).add(rename(a.type))
    results = {op: next(iter(types)) for op, types in found.items() if len(types) == 1 and op not in mixed}
    return SdkTypes(dicts=tuple(dicts), results=results)
