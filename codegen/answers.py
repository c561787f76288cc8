"""Answer models: one Pydantic model per operation and 2xx JSON response, for the server's encoder.

The emitter walks each operation's 2xx ``application/json`` schema and turns it into Python
type expressions and model classes (component schemas keep their name, inline objects are
named after the operation, status and property path). ``generated/answers.py`` then holds the
classes and the table ``(operationId, status) -> type`` that ``meshery.answers`` encodes with
pydantic-core's serializer.

Translation keeps the JSON Schema meaning the contract test checks: a property's Python
name is its snake_case wire name and its alias the wire name; an object that does not close
itself with ``additionalProperties: false`` keeps unknown keys; ``format: date-time`` is one wire
time type (Go's RFC 3339 with ``Z``); a schema the emitter cannot express exactly (``oneOf``,
``anyOf``, ``allOf`` of several parts) is ``Any``, never something stricter than the spec.

``x-also-as`` on a property names a second wire spelling: the property is declared once and the
encoder emits it under both names: a second model field reads the same input and is serialized
under the twin name, so pydantic-core writes both without a Python callback. ``expand_also_as``
also adds the twin to the served document, marked ``x-twin-of``, so clients and SDKs see both.
"""

from __future__ import annotations

import copy
import keyword
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from codegen.ir import ApiModel, CodegenError, snake_case
from codegen.render import render

ALSO_AS = "x-also-as"
TWIN_OF = "x-twin-of"
JSON_MEDIA = "application/json"
# Names a field may not take: BaseModel's own attributes (pydantic refuses or warns on them).
_RESERVED = {name for name in dir(BaseModel)} | {"model_config"}


@dataclass(frozen=True)
class Field:
    name: str  # Python attribute
    wire: str  # alias on the wire
    type: str  # Python type expression
    required: bool
    also_as: str | None = None

    @property
    def twin_name(self) -> str:
        """The attribute holding the ``x-also-as`` copy (never a wire or Python name of the schema)."""
        return f"{self.name}__also"

    @property
    def twin_sources(self) -> str:
        """The input keys the copy reads: the field's wire and Python names."""
        return ", ".join(repr(k) for k in dict.fromkeys((self.wire, self.name)))

    @property
    def optional_type(self) -> str:
        return self.type if self.type == "Any" or self.type.endswith("| None") else f"{self.type} | None"


@dataclass
class ModelClass:
    name: str
    description: str
    fields: list[Field] = field(default_factory=list)
    extra: str = "allow"  # "allow" or "forbid"



@dataclass(frozen=True)
class Answer:
    operation_id: str
    status: int
    type: str


@dataclass
class AnswerModule:
    classes: list[ModelClass]
    answers: list[Answer]


def pascal(name: str) -> str:
    text = "".join(part[:1].upper() + part[1:] for part in snake_case(name).split("_") if part)
    return text if text[:1].isalpha() else f"T{text}"


def python_field_name(wire: str, taken: set[str]) -> str:
    """A valid, unused attribute name for a wire property (snake_case when possible)."""
    name = snake_case(wire) or "value"
    if name[0].isdigit():
        name = f"f_{name}"
    if keyword.iskeyword(name) or name in _RESERVED or name.startswith("_"):
        name = f"{name.strip('_')}_"
    while name in taken:
        name = f"{name}_"
    taken.add(name)
    return name


def expand_also_as(doc: dict[str, Any]) -> dict[str, Any]:
    """Add each ``x-also-as`` twin as a real property (marked ``x-twin-of``) of its object schema."""
    for where, schema in _object_schemas(doc):
        props = schema.get("properties") or {}
        for name, prop in list(props.items()):
            if not isinstance(prop, dict) or ALSO_AS not in prop:
                continue
            twin = prop[ALSO_AS]
            if not isinstance(twin, str) or not twin:
                raise CodegenError(f"{where}.{name}: {ALSO_AS} must be a property name, found {twin!r}")
            if twin in props and props[twin].get(TWIN_OF) != name:
                raise CodegenError(f"{where}.{name}: {ALSO_AS} {twin!r} is already a property of the schema")
            copied = {k: v for k, v in copy.deepcopy(prop).items() if k != ALSO_AS}
            copied[TWIN_OF] = name
            copied["description"] = f"The same value as `{name}` (upstream clients read both spellings)."
            props[twin] = copied
            if name in schema.get("required", []) and twin not in schema["required"]:
                schema["required"] = [*schema["required"], twin]
    return doc


def _object_schemas(doc: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """Every schema mapping in the document with ``properties``, with a readable location."""
    found: list[tuple[str, dict[str, Any]]] = []

    def walk(node: Any, where: str) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("properties"), dict):
                found.append((where, node))
            for key, value in node.items():
                walk(value, f"{where}/{key}")
        elif isinstance(node, list):
            for i, value in enumerate(node):
                walk(value, f"{where}/{i}")

    walk(doc.get("components", {}), "#/components")
    walk(doc.get("paths", {}), "#/paths")
    return found


class _Builder:
    def __init__(self, schemas: dict[str, Any]) -> None:
        self.schemas = schemas
        self.classes: dict[str, ModelClass] = {}
        self.component_types: dict[str, str] = {}
        self.in_progress: set[str] = set()

    def component(self, name: str) -> str:
        if name in self.component_types:
            return self.component_types[name]
        if name not in self.schemas:
            raise CodegenError(f"$ref #/components/schemas/{name} points to nothing")
        schema = self.schemas[name]
        if self._is_object(schema):
            cls_name = pascal(name)
            # The class refers to itself by name: a forward reference, resolved at rebuild.
            self.component_types[name] = cls_name
            self._object_class(cls_name, schema)
            return cls_name
        if name in self.in_progress:
            return "Any"
        self.in_progress.add(name)
        text = self.type_of(schema, pascal(name))
        self.in_progress.discard(name)
        self.component_types[name] = text
        return text

    @staticmethod
    def _is_object(schema: dict[str, Any]) -> bool:
        return isinstance(schema.get("properties"), dict) and not any(k in schema for k in ("oneOf", "anyOf", "allOf"))

    def type_of(self, schema: dict[str, Any] | None, context: str) -> str:
        if not schema:
            return "Any"
        if "$ref" in schema:
            ref = str(schema["$ref"])
            if not ref.startswith("#/components/schemas/"):
                raise CodegenError(f"{context}: $ref {ref!r} is not a component schema")
            text = self.component(ref.rsplit("/", 1)[-1])
        else:
            text = self._plain(schema, context)
        if schema.get("nullable") and text != "Any":
            text = f"{text} | None"
        return text

    def _plain(self, schema: dict[str, Any], context: str) -> str:
        if "allOf" in schema and len(schema["allOf"]) == 1 and len(schema) <= 3:
            return self.type_of(schema["allOf"][0], context)
        if any(k in schema for k in ("oneOf", "anyOf", "allOf")):
            return "Any"
        if self._is_object(schema):
            self._object_class(context, schema)
            return context
        kind = schema.get("type")
        if kind == "array":
            return f"list[{self.type_of(schema.get('items'), context + 'Item')}]"
        if kind == "object":
            extra = schema.get("additionalProperties")
            value = self.type_of(extra, context + "Value") if isinstance(extra, dict) and extra else "Any"
            return f"dict[str, {value}]"
        if kind == "string":
            if schema.get("format") == "date-time":
                return "WireTime"
            values = schema.get("enum")
            if values and all(isinstance(v, str) for v in values):
                return "Literal[" + ", ".join(repr(v) for v in values) + "]"
            return "str"
        if kind == "integer":
            return "int"
        if kind == "number":
            return "int | float"
        if kind == "boolean":
            return "bool"
        return "Any"

    def _object_class(self, name: str, schema: dict[str, Any]) -> None:
        if name in self.classes:
            return
        cls = ModelClass(
            name=name,
            description=str(schema.get("description", "")).strip().splitlines()[0] if schema.get("description") else "",
            extra="forbid" if schema.get("additionalProperties") is False else "allow",
        )
        self.classes[name] = cls
        required = set(schema.get("required", []))
        taken: set[str] = set()
        props: dict[str, Any] = schema.get("properties", {})
        for wire, given in props.items():
            if isinstance(given, dict) and TWIN_OF in given:
                continue  # emitted by its original's x-also-as
            prop: dict[str, Any] = given if isinstance(given, dict) else {}
            cls.fields.append(
                Field(
                    name=python_field_name(wire, taken),
                    wire=wire,
                    type=self.type_of(prop, name + pascal(wire)),
                    required=wire in required,
                    also_as=prop.get(ALSO_AS),
                )
            )


def build(api: ApiModel) -> AnswerModule:
    """The answer classes and the (operationId, status) table of every 2xx JSON response."""
    builder = _Builder(api.schemas)
    answers: list[Answer] = []
    for op in api.operations:
        for response in op.responses:
            if not response.status.startswith("2") or JSON_MEDIA not in response.media_types:
                continue
            if response.schema is None:
                continue
            name = f"{pascal(op.operation_id)}{response.status}"
            answers.append(Answer(op.operation_id, int(response.status), builder.type_of(response.schema, name)))
    return AnswerModule(classes=list(builder.classes.values()), answers=answers)


def emit(api: ApiModel, header: str) -> str:
    """The text of ``generated/answers.py``."""
    module = build(api)
    return render("answers.py.jinja", header=header, classes=module.classes, answers=module.answers)
