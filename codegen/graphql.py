"""Load the GraphQL SDL files and list the root fields each area must resolve.

``schema.graphql`` holds the scalars, root types and shared enums; every other
``*.graphql`` file is one area whose root fields (``extend type Query`` and so
on) are resolved by ``handlers/<area>.py``. Files are concatenated in sorted
order after ``schema.graphql`` so the result does not depend on the file
system.
"""

from __future__ import annotations

from pathlib import Path

from graphql import GraphQLError, build_schema, parse, print_ast
from graphql.language import (
    InputValueDefinitionNode,
    ObjectTypeDefinitionNode,
    ObjectTypeExtensionNode,
    StringValueNode,
)

from codegen.ir import CodegenError, GraphQLModel, GraphQLRootField, module_name

ROOT_FILE = "schema.graphql"
ROOT_TYPES = ("Query", "Mutation", "Subscription")
ALIAS_DIRECTIVE = "alias"


def alias_of(node: InputValueDefinitionNode) -> str | None:
    """The argument an ``@alias(of: ...)`` argument stands for, if it carries the directive."""
    for directive in node.directives or ():
        if directive.name.value != ALIAS_DIRECTIVE:
            continue
        for arg in directive.arguments or ():
            if arg.name.value == "of" and isinstance(arg.value, StringValueNode):
                return arg.value.value
    return None


def load(sdl_dir: Path) -> GraphQLModel:
    root = sdl_dir / ROOT_FILE
    if not root.is_file():
        raise CodegenError(f"{root}: the GraphQL root file is missing")
    files = [root, *sorted(p for p in sdl_dir.glob("*.graphql") if p.name != ROOT_FILE)]
    sources = {str(p): p.read_text(encoding="utf-8") for p in files}
    fields: list[GraphQLRootField] = []
    owners: dict[tuple[str, str], str] = {}
    for path in files:
        try:
            document = parse(sources[str(path)])
        except GraphQLError as exc:
            raise CodegenError(f"{path}: {exc.message} ({exc.locations})") from exc
        area = path.stem
        for node in document.definitions:
            if not isinstance(node, (ObjectTypeDefinitionNode, ObjectTypeExtensionNode)):
                continue
            if node.name.value not in ROOT_TYPES:
                continue
            if node.fields and path.name == ROOT_FILE:
                raise CodegenError(f"{path}: declare root fields in an area file, not in {ROOT_FILE}")
            for f in node.fields or ():
                key = (node.name.value, f.name.value)
                if key in owners:
                    raise CodegenError(f"{path}: {key[0]}.{key[1]} is already declared in {owners[key]}")
                owners[key] = path.name
                module_name(area)
                names = {a.name.value for a in f.arguments or ()}
                aliases = tuple((a.name.value, of) for a in f.arguments or () if (of := alias_of(a)) is not None)
                for arg, of in aliases:
                    if of not in names or of in dict(aliases):
                        raise CodegenError(
                            f"{path}: {key[0]}.{key[1]}({arg}) is an alias of {of!r}, "
                            "which is not a plain argument of the field"
                        )
                fields.append(
                    GraphQLRootField(
                        type_name=node.name.value,
                        name=f.name.value,
                        area=area,
                        description=f.description.value if f.description else "",
                        args=tuple((a.name.value, print_ast(a.type)) for a in f.arguments or ()),
                        aliases=aliases,
                    )
                )
    sdl = "\n".join(sources[str(p)].rstrip() + "\n" for p in files)
    try:
        build_schema(sdl)
    except (GraphQLError, TypeError) as exc:
        raise CodegenError(f"GraphQL schema in {sdl_dir} does not build: {exc}") from exc
    fields.sort(key=lambda f: (f.type_name, f.name))
    return GraphQLModel(sdl=sdl, root_fields=fields, sources=sources)
